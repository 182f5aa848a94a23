/**
 * Vite dev server for the browser test harness (Playwright's webServer starts it; see playwright.config.ts).
 * Serves e2e/harness/ and lets its modules import the workspace sources (packages/*, shaders/*.wgsl?raw).
 */
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

/** Port of the harness server; playwright.config.ts points its baseURL here. */
export const HARNESS_PORT = 5174;

/**
 * The benchmark page (bench-e2e.html, `pnpm bench:e2e`) is served cross-origin isolated, so that its
 * `performance.now()` resolves 5 µs rather than the 100 µs of an ordinary page: a wasm classify takes about 2 ms,
 * and 0.1 ms steps could not tell the two models apart. The page pins onnxruntime-web's wasm to one thread in both
 * paths (what an ordinary page gets), so isolation changes the clock, not the work. Only that page: the browser
 * tests keep an ordinary page's conditions.
 */
export const ISOLATED_PAGES = ['/bench-e2e.html'];

function isolateBenchPage(): Plugin {
  return {
    name: 'pqweb-isolate-bench-page',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = (request.url ?? '').split('?')[0];
        if (ISOLATED_PAGES.includes(path ?? '')) {
          response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
          response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
        }
        next();
      });
    },
  };
}

const harnessDir = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root: harnessDir,
  // `source` first so @pqweb/* resolve to their TypeScript sources, as in vitest and the demo.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  server: {
    host: '127.0.0.1',
    port: HARNESS_PORT,
    strictPort: true,
    // The harness imports packages/ and shaders/ from outside its root.
    fs: { allow: [repoRoot] },
  },
  worker: { format: 'es' },
  plugins: [isolateBenchPage()],
  clearScreen: false,
});
