import { describe, expect, it } from 'vitest';
import { quantizeMatrix } from '../src/quantize';
import { SeededRandom } from '../src/quantize/random';
import { truncatedSvd } from '../src/quantize/svd';

/** `count` orthonormal columns of length `length` (column-major), by Gram–Schmidt on Gaussian vectors. */
function orthonormalColumns(length: number, count: number, random: SeededRandom): Float64Array {
  const q = new Float64Array(length * count);
  for (let j = 0; j < count; j++) {
    const column = q.subarray(j * length, (j + 1) * length);
    for (let i = 0; i < length; i++) column[i] = random.nextGaussian();
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < length; i++) dot += (q[p * length + i] ?? 0) * (column[i] ?? 0);
        for (let i = 0; i < length; i++) column[i] = (column[i] ?? 0) - dot * (q[p * length + i] ?? 0);
      }
    }
    let norm = 0;
    for (let i = 0; i < length; i++) norm += (column[i] ?? 0) ** 2;
    for (let i = 0; i < length; i++) column[i] = (column[i] ?? 0) / Math.sqrt(norm);
  }
  return q;
}

/** W = P · diag(σ) · Qᵀ, rows × cols, with known singular values σ. */
function matrixWithSpectrum(rows: number, cols: number, sigma: number[], seed: number): Float32Array {
  const random = new SeededRandom(seed);
  const p = orthonormalColumns(rows, sigma.length, random);
  const q = orthonormalColumns(cols, sigma.length, random);
  const w = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      sigma.forEach((s, t) => {
        sum += (p[t * rows + i] ?? 0) * s * (q[t * cols + j] ?? 0);
      });
      w[i * cols + j] = sum;
    }
  }
  return w;
}

function frobenius(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] ?? 0) ** 2;
  return Math.sqrt(sum);
}

describe('quantizeMatrix: SVD baseline', () => {
  it('is exact (to float32) for a matrix of rank r', async () => {
    const random = new SeededRandom(3);
    const rows = 60;
    const cols = 45;
    const rank = 5;
    const a = Array.from({ length: rows * rank }, () => random.nextGaussian());
    const b = Array.from({ length: rank * cols }, () => random.nextGaussian());
    const w = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        let sum = 0;
        for (let t = 0; t < rank; t++) sum += (a[i * rank + t] ?? 0) * (b[t * cols + j] ?? 0);
        w[i * cols + j] = sum;
      }
    }
    const { layer, relativeError } = await quantizeMatrix(w, rows, cols, { method: 'svd', rank });
    expect(relativeError).toBeLessThan(1e-6);
    if (layer.method !== 'svd') throw new Error('svd');
    expect(layer.u.length).toBe(rows * rank);
    expect(layer.v.length).toBe(rank * cols);
    // U has orthonormal columns.
    for (let s = 0; s < rank; s++) {
      for (let t = 0; t < rank; t++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += (layer.u[i * rank + s] ?? 0) * (layer.u[i * rank + t] ?? 0);
        expect(dot).toBeCloseTo(s === t ? 1 : 0, 5);
      }
    }
  });

  it.each([
    // Subspace iteration (several rounds) for the first two, the exact whole-space round for the others.
    [400, 300, 2, true],
    [300, 400, 6, true],
    [80, 50, 4, false],
    [40, 40, 40, false],
  ])(
    '%i×%i at rank %i leaves exactly the tail singular values (iterated: %s)',
    async (rows, cols, rank, iterated) => {
      const count = Math.min(rows, cols);
      const sigma = Array.from({ length: count }, (_, i) => 0.85 ** i);
      const w = matrixWithSpectrum(rows, cols, sigma, rows + cols);
      expect(truncatedSvd(w, rows, cols, rank, 4).iterations > 0).toBe(iterated);
      const { layer, relativeError } = await quantizeMatrix(w, rows, cols, { method: 'svd', rank, seed: 4 });
      const tail = Math.sqrt(sigma.slice(rank).reduce((sum, s) => sum + s * s, 0));
      const whole = frobenius(w);
      const expected = tail / whole;
      // float32 rounding of W and of U, V adds ~1e-7 of ‖W‖.
      expect(Math.abs(relativeError - expected)).toBeLessThan(1e-5 * Math.max(expected, 1e-2));
      // Row j of V has norm σ_j.
      if (layer.method !== 'svd') throw new Error('svd');
      for (let t = 0; t < rank; t++) {
        expect(frobenius(layer.v.subarray(t * cols, (t + 1) * cols))).toBeCloseTo(sigma[t] ?? 0, 5);
      }
    },
  );

  it('is deterministic for a seed', async () => {
    const w = matrixWithSpectrum(30, 20, [3, 2, 1, 0.5, 0.25], 9);
    const first = await quantizeMatrix(w, 30, 20, { method: 'svd', rank: 3 });
    const second = await quantizeMatrix(w, 30, 20, { method: 'svd', rank: 3 });
    if (first.layer.method !== 'svd' || second.layer.method !== 'svd') throw new Error('svd');
    expect(Buffer.from(second.layer.u.buffer)).toEqual(Buffer.from(first.layer.u.buffer));
    expect(Buffer.from(second.layer.v.buffer)).toEqual(Buffer.from(first.layer.v.buffer));
  });
});
