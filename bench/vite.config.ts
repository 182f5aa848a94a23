/**
 * Bundles a bench command (bench/kernels.ts, or bench/<PQWEB_BENCH_ENTRY>.ts) into one ESM file for the bare GPU
 * host (shared/gpu-host.md), which has Node but no tsx and no node_modules: `?raw` WGSL is inlined, the workspace
 * packages come from their TypeScript sources, and only the two native packages stay outside (`webgpu`,
 * `onnxruntime-node`; the host unpacks them into a node_modules folder next to the bundle). Used by
 * scripts/gpu-host/prepare.sh:
 *   pnpm vite build --config bench/vite.config.ts --outDir .gpu/bundle
 *   PQWEB_BENCH_ENTRY=pipelines pnpm vite build --config bench/vite.config.ts --outDir .gpu/bundle --emptyOutDir false
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const nativePackages = ['webgpu', 'onnxruntime-node'];
const entry = process.env.PQWEB_BENCH_ENTRY ?? 'kernels';

export default defineConfig({
  root: repositoryRoot,
  logLevel: 'warn',
  resolve: { conditions: ['source'] },
  ssr: {
    // Everything but the native packages goes into the bundle.
    noExternal: true,
    external: nativePackages,
    resolve: { conditions: ['source'], externalConditions: ['node'] },
  },
  build: {
    ssr: `bench/${entry}.ts`,
    target: 'node20',
    outDir: '.gpu/bundle',
    emptyOutDir: true,
    minify: false,
    sourcemap: false,
    rollupOptions: {
      external: (id) => nativePackages.includes(id) || id.startsWith('node:'),
      output: { format: 'es', entryFileNames: `${entry}.mjs`, codeSplitting: false },
    },
  },
});
