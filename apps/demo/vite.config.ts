/**
 * The demo's Vite config. `@pqweb/*` resolve to their TypeScript sources (`source` condition), workers are ES
 * modules (the classifier and the reference-model worker import onnxruntime-web, whose bundle finds its wasm
 * with `new URL(…, import.meta.url)`, which Vite's build follows and emits). Three small plugins:
 * - referenceModel: serves the uncompressed reference model models/reference/fashion-vgg.onnx at
 *   /models/fashion-vgg.onnx (dev and preview) and emits it into the build, so no 15 MB copy lives in public/;
 * - bundledModelHash: pins the sha256 of the bundled .pqw, so a repeat visit loads it from the worker's cache
 *   with no request at all;
 * - serviceWorker: builds src/sw/sw.ts to /sw.js with the list of files to precache and a version.
 */
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';
import { bundledModelHash, referenceModel, serviceWorker } from './vite-plugins.ts';

const demoDir = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root: demoDir,
  // Relative asset URLs: the built app works from any sub-path (GitHub Pages and the like).
  base: './',
  resolve: { conditions: ['source', ...defaultClientConditions] },
  plugins: [
    referenceModel({ repoRoot }),
    bundledModelHash({ publicDir: `${demoDir}public` }),
    serviceWorker({ entry: 'src/sw/sw.ts' }),
  ],
  worker: { format: 'es' },
  server: {
    // The packages' sources and shaders/*.wgsl live outside the demo's root.
    fs: { allow: [repoRoot] },
  },
  build: {
    target: 'es2022',
    // onnxruntime-web's wasm (27 MB) is one asset; the warning limit is for the app's own chunks.
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      input: { main: `${demoDir}index.html`, sw: `${demoDir}src/sw/sw.ts` },
      output: {
        // The service worker must sit at the root to control the whole app, under a stable name.
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  clearScreen: false,
});
