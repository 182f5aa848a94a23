import { describe, expect, it } from 'vitest';
import {
  chooseForTargetRate,
  QuantizerOptionError,
  type QuantMethodOption,
  quantizeMatrix,
  storageBits,
  TARGET_RATE_GRID,
} from '../src/quantize';
import { SeededRandom } from '../src/quantize/random';

function layer(name: string, rows: number, cols: number, scale: number, seed: number) {
  const random = new SeededRandom(seed);
  return { name, rows, cols, weight: new Float32Array(rows * cols).map(() => scale * random.nextGaussian()) };
}

const LAYERS = [layer('fc1', 64, 96, 1, 1), layer('fc2', 32, 64, 0.5, 2), layer('fc3', 8, 32, 2, 3)];
const SETTINGS = { seed: 3, threads: 1, maxIterations: 20, tolerance: 1e-4 };
const denseBits = (rows: number, cols: number) => 32 * (rows * cols + rows);
const TOTAL_DENSE = LAYERS.reduce((sum, l) => sum + denseBits(l.rows, l.cols), 0);

/** Σ‖W − Ŵ‖²/‖W‖² (the search's objective) and the overall rate of one choice per layer. */
function totals(
  method: QuantMethodOption,
  choices: Array<{ d?: number; k?: number; stages?: number; rank?: number }>,
  errors: number[],
) {
  let bits = 0;
  let relativeSquaredError = 0;
  LAYERS.forEach((l, i) => {
    bits += storageBits(l.rows, l.cols, { method, ...choices[i] }).totalBits;
    relativeSquaredError += (errors[i] ?? 0) ** 2;
  });
  return { rate: TOTAL_DENSE / bits, relativeSquaredError };
}

describe('chooseForTargetRate', () => {
  it.each([4, 8])(
    'PQ reaches rate %i with no more error than any uniform (d, k) of that rate',
    async (target) => {
      const results = await chooseForTargetRate(LAYERS, 'pq', target, SETTINGS);
      expect(results.map((r) => r.name)).toEqual(['fc1', 'fc2', 'fc3']);
      const chosen = totals(
        'pq',
        results.map((r) => r.choice),
        results.map((r) => r.relativeError),
      );
      expect(chosen.rate).toBeGreaterThanOrEqual(target);
      // Every uniform choice on the grid that every layer can hold (k ≤ 8 rows of fc3) and that reaches the rate.
      let uniformCount = 0;
      for (const d of TARGET_RATE_GRID.d) {
        for (const k of TARGET_RATE_GRID.k.filter((k) => k <= 8)) {
          const choices = LAYERS.map(() => ({ d, k }));
          const bits = LAYERS.reduce(
            (sum, l) => sum + storageBits(l.rows, l.cols, { method: 'pq', d, k }).totalBits,
            0,
          );
          if (TOTAL_DENSE / bits < target) continue;
          const errors: number[] = [];
          for (const l of LAYERS) {
            errors.push(
              (await quantizeMatrix(l.weight, l.rows, l.cols, { method: 'pq', d, k, ...SETTINGS }))
                .relativeError,
            );
          }
          const uniform = totals('pq', choices, errors);
          expect(chosen.relativeSquaredError).toBeLessThanOrEqual(uniform.relativeSquaredError * (1 + 1e-12));
          uniformCount++;
        }
      }
      expect(uniformCount).toBeGreaterThan(0);
      // Each layer's predicted rate is its exact storage rate, and its layer is what quantizeMatrix gives.
      for (const [i, result] of results.entries()) {
        const l = LAYERS[i];
        if (l === undefined) throw new Error('layer');
        expect(result.predictedRate).toBe(
          storageBits(l.rows, l.cols, { method: 'pq', ...result.choice }).rate,
        );
        const again = await quantizeMatrix(l.weight, l.rows, l.cols, {
          method: 'pq',
          ...result.choice,
          ...SETTINGS,
        });
        expect(again.relativeError).toBe(result.relativeError);
        expect(again.layer).toEqual(result.layer);
      }
    },
  );

  it('gives the same choices on 2 threads', async () => {
    const one = await chooseForTargetRate(LAYERS, 'pq', 6, SETTINGS);
    const two = await chooseForTargetRate(LAYERS, 'pq', 6, { ...SETTINGS, threads: 2 });
    expect(two.map((r) => [r.choice, r.relativeError])).toEqual(one.map((r) => [r.choice, r.relativeError]));
  });

  it.each([
    ['kmeans', 12],
    ['rq', 5],
    ['svd', 3],
    ['binary', 16],
  ] as const)('%s reaches rate %i', async (method, target) => {
    const results = await chooseForTargetRate(LAYERS, method, target, SETTINGS);
    const chosen = totals(
      method,
      results.map((r) => r.choice),
      results.map((r) => r.relativeError),
    );
    expect(chosen.rate).toBeGreaterThanOrEqual(target);
    for (const result of results) expect(result.layer.method).toBe(method);
  });

  it('throws with the best reachable rate when the target is out of reach', async () => {
    // Binarization has one setting: its overall rate is fixed.
    const best =
      TOTAL_DENSE /
      LAYERS.reduce((sum, l) => sum + storageBits(l.rows, l.cols, { method: 'binary' }).totalBits, 0);
    const attempt = chooseForTargetRate(LAYERS, 'binary', 40, SETTINGS);
    await expect(attempt).rejects.toThrow(QuantizerOptionError);
    await expect(chooseForTargetRate(LAYERS, 'binary', 40, SETTINGS)).rejects.toThrow(
      `best reachable overall rate on its grid is ${best.toFixed(3)}`,
    );
    await expect(chooseForTargetRate(LAYERS, 'pq', 0, SETTINGS)).rejects.toThrow(/target rate 0/);
  });
});
