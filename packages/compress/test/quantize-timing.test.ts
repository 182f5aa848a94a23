import { expect, it } from 'vitest';
import { quantizeMatrix } from '../src/quantize';
import { SeededRandom } from '../src/quantize/random';

// One larger run, logged for the record; never an assertion on time (machines differ).
it('times PQ d = 4, k = 256 on the reference model’s 512 × 1024 layer shape (logged)', async () => {
  const rows = 512;
  const cols = 1024;
  const random = new SeededRandom(1);
  const weight = new Float32Array(rows * cols).map(() => 0.02 * random.nextGaussian());
  const start = performance.now();
  const { relativeError } = await quantizeMatrix(weight, rows, cols, { method: 'pq', d: 4, k: 256 });
  const seconds = (performance.now() - start) / 1000;
  console.log(`PQ 512×1024 d=4 k=256: ${seconds.toFixed(2)} s, relative error ${relativeError.toFixed(4)}`);
  expect(relativeError).toBeGreaterThan(0);
  expect(relativeError).toBeLessThan(1);
});
