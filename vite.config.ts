import { defineConfig } from 'vitest/config';

/**
 * Root Vite config: the test projects. The demo app has its own config in apps/demo.
 * - unit: plain Node tests (`*.test.ts`).
 * - gpu: WebGPU in Node through Dawn (`*.gpu.test.ts`); forks, because Dawn's native module is not
 *   thread-safe across vitest worker threads, and one file at a time so SwiftShader gets both cores.
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
          fileParallelism: false,
          testTimeout: 300_000,
          setupFiles: ['scripts/gpu-env.ts'],
        },
      },
    ],
  },
});
