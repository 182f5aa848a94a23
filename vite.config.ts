import { defineConfig } from 'vitest/config';

/**
 * Root Vite config: the test projects. The demo app has its own config in apps/demo.
 * - unit: plain Node tests (`*.test.ts`).
 * - gpu: WebGPU in Node through Dawn (`*.gpu.test.ts`); forks, because Dawn's native module is not
 *   thread-safe across vitest worker threads. Two files at a time: the time is SwiftShader compiling shaders, one
 *   thread per device, and on the 2-CPU CI machine (test devices skipping the workgroup zero-fill,
 *   packages/runtime/test/gpu-fixture.ts) `vitest run --project gpu` took 198-216 s with two forks against 250-265 s
 *   with one, in three back-to-back pairs, and a whole `vitest run` 275 s against 289 s in one pair (run-to-run
 *   noise there is some 20%); lut-kernels.gpu.test.ts (~160 s alone, ~205 s beside another file) is the critical
 *   path. Its own sequence.groupOrder because vitest runs projects of one group with one maxWorkers: unit first,
 *   then gpu, as before.
 * Packages resolve to their TypeScript sources through the `source` export condition.
 */
const resolve = { conditions: ['source'] };

export default defineConfig({
  resolve,
  test: {
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
          exclude: ['**/*.gpu.test.ts', '**/node_modules/**'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 120_000,
        },
      },
      {
        resolve,
        test: {
          name: 'gpu',
          include: ['packages/*/test/**/*.gpu.test.ts', 'bench/test/**/*.gpu.test.ts'],
          environment: 'node',
          pool: 'forks',
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          testTimeout: 300_000,
          setupFiles: ['scripts/gpu-env.ts'],
        },
      },
    ],
  },
});
