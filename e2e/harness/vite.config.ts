/**
 * Vite dev server for the browser test harness (Playwright's webServer starts it; see playwright.config.ts).
 * Serves e2e/harness/ and lets its modules import the workspace sources (packages/*, shaders/*.wgsl?raw).
 */
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

/** Port of the harness server; playwright.config.ts points its baseURL here. */
export const HARNESS_PORT = 5174;

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
  clearScreen: false,
});
