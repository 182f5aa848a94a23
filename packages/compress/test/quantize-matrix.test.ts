import { describe, expect, it } from 'vitest';
import { type QuantizedLayer, QuantizerOptionError, quantizeMatrix } from '../src/quantize';
import { startWorkerPool } from '../src/quantize/product-runner';
import { SeededRandom } from '../src/quantize/random';

function gaussianMatrix(rows: number, cols: number, seed: number, scale = 1): Float32Array {
  const random = new SeededRandom(seed);
  return new Float32Array(rows * cols).map(() => scale * random.nextGaussian());
}

/** Ŵ rebuilt from a layer with plain loops, independently of the library's own error bookkeeping. */
function reconstruct(layer: QuantizedLayer, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  switch (layer.method) {
    case 'pq':
    case 'rq': {
      const stages = layer.method === 'rq' ? layer.stages : 1;
      for (let t = 0; t < stages; t++) {
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            const segment = Math.floor(j / layer.d);
            const code = layer.codes[(t * rows + i) * layer.segments + segment] ?? 0;
            const entry = ((t * layer.segments + segment) * layer.k + code) * layer.d + (j % layer.d);
            out[i * cols + j] += layer.codebook[entry] ?? Number.NaN;
          }
        }
      }
      return out;
    }
    case 'kmeans':
      for (let i = 0; i < rows * cols; i++) out[i] = layer.codebook[layer.codes[i] ?? 0] ?? Number.NaN;
      return out;
    case 'binary':
      for (let i = 0; i < rows * cols; i++) {
        const scale = layer.scales[Math.floor(i / cols)] ?? Number.NaN;
        out[i] = layer.signs[i] === 1 ? scale : -scale;
      }
      return out;
    case 'svd':
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          let sum = 0;
          for (let t = 0; t < layer.rank; t++)
            sum += (layer.u[i * layer.rank + t] ?? 0) * (layer.v[t * cols + j] ?? 0);
          out[i * cols + j] = sum;
        }
      }
      return out;
  }
}

function relativeError(weight: Float32Array, approximation: Float64Array): number {
  let error = 0;
  let energy = 0;
  for (let i = 0; i < weight.length; i++) {
    error += ((weight[i] ?? 0) - (approximation[i] ?? 0)) ** 2;
    energy += (weight[i] ?? 0) ** 2;
  }
  return Math.sqrt(error / energy);
}

const bytes = (array: ArrayBufferView) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);

describe('quantizeMatrix: product quantization', () => {
  const rows = 48;
  const cols = 30; // d = 8 leaves a last segment of 6 real columns + 2 padded
  const weight = gaussianMatrix(rows, cols, 1, 0.05);

  it('pads the last segment with zeros when d does not divide cols', async () => {
    const { layer, relativeError: reported } = await quantizeMatrix(weight, rows, cols, {
      method: 'pq',
      d: 8,
      k: 16,
      threads: 1,
    });
    if (layer.method !== 'pq') throw new Error('expected a pq layer');
    expect(layer.segments).toBe(4);
    expect(layer.codes.length).toBe(rows * 4);
    expect(layer.codebook.length).toBe(4 * 16 * 8);
    for (let c = 0; c < 16; c++) {
      for (const x of [6, 7]) expect(layer.codebook[(3 * 16 + c) * 8 + x]).toBe(0);
    }
    for (const code of layer.codes) expect(code).toBeLessThan(16);
    expect(reported).toBeCloseTo(relativeError(weight, reconstruct(layer, rows, cols)), 6);
  });

  it('codes each sub-vector with its nearest centroid (brute force)', async () => {
    const { layer } = await quantizeMatrix(weight, rows, cols, { method: 'pq', d: 4, k: 8, threads: 1 });
    if (layer.method !== 'pq') throw new Error('expected a pq layer');
    for (let i = 0; i < rows; i++) {
      for (let s = 0; s < layer.segments; s++) {
        const distance = (c: number) => {
          let sum = 0;
          for (let x = 0; x < 4; x++) {
            const j = s * 4 + x;
            const value = j < cols ? (weight[i * cols + j] ?? 0) : 0;
            sum += (value - (layer.codebook[(s * 8 + c) * 4 + x] ?? 0)) ** 2;
          }
          return sum;
        };
        const own = distance(layer.codes[i * layer.segments + s] ?? 0);
        for (let c = 0; c < 8; c++) expect(own).toBeLessThanOrEqual(distance(c) + 1e-12);
      }
    }
  });

  it('gives identical bytes for the same seed on 1 and 2 threads, different bytes for another seed', async () => {
    const options = { method: 'pq', d: 4, k: 16 } as const;
    const one = await quantizeMatrix(weight, rows, cols, { ...options, threads: 1 });
    const again = await quantizeMatrix(weight, rows, cols, { ...options, threads: 1 });
    const two = await quantizeMatrix(weight, rows, cols, { ...options, threads: 2 });
    const other = await quantizeMatrix(weight, rows, cols, { ...options, threads: 1, seed: 2 });
    if (one.layer.method !== 'pq' || two.layer.method !== 'pq' || again.layer.method !== 'pq')
      throw new Error('pq');
    if (other.layer.method !== 'pq') throw new Error('pq');
    expect(bytes(again.layer.codes)).toEqual(bytes(one.layer.codes));
    expect(bytes(two.layer.codes)).toEqual(bytes(one.layer.codes));
    expect(bytes(two.layer.codebook)).toEqual(bytes(one.layer.codebook));
    expect(two.relativeError).toBe(one.relativeError);
    expect(bytes(other.layer.codebook)).not.toEqual(bytes(one.layer.codebook));
  });

  it('starts real worker threads under the test runner (so the 2-thread runs above used them)', async () => {
    const pool = await startWorkerPool(2);
    expect(pool?.threads).toBe(2);
    await pool?.close();
  });

  it('reports progress up to the segment count', async () => {
    const calls: Array<[number, number]> = [];
    await quantizeMatrix(weight, rows, cols, {
      method: 'pq',
      d: 4,
      k: 4,
      threads: 1,
      onProgress: (d, t) => calls.push([d, t]),
    });
    expect(calls.at(-1)).toEqual([8, 8]);
  });
});

describe('quantizeMatrix: residual quantization', () => {
  const rows = 64;
  const cols = 20;
  const weight = gaussianMatrix(rows, cols, 4);

  it('lowers the error with every stage; Ŵ is the sum of stage centroids', async () => {
    const errors: number[] = [];
    for (const stages of [1, 2, 3]) {
      const { layer, relativeError: reported } = await quantizeMatrix(weight, rows, cols, {
        method: 'rq',
        d: 4,
        k: 8,
        stages,
        threads: 1,
      });
      expect(reported).toBeCloseTo(relativeError(weight, reconstruct(layer, rows, cols)), 6);
      errors.push(reported);
    }
    expect(errors[1]).toBeLessThan(errors[0] ?? 0);
    expect(errors[2]).toBeLessThan(errors[1] ?? 0);
  });

  it('stage 1 equals PQ with the same seed, and later stages do not change earlier ones', async () => {
    const pq = await quantizeMatrix(weight, rows, cols, { method: 'pq', d: 4, k: 8, threads: 1 });
    const rq = await quantizeMatrix(weight, rows, cols, { method: 'rq', d: 4, k: 8, stages: 3, threads: 2 });
    if (pq.layer.method !== 'pq' || rq.layer.method !== 'rq') throw new Error('unexpected methods');
    const perStage = rows * rq.layer.segments;
    expect(bytes(rq.layer.codes.subarray(0, perStage))).toEqual(bytes(pq.layer.codes));
    expect(bytes(rq.layer.codebook.subarray(0, pq.layer.codebook.length))).toEqual(bytes(pq.layer.codebook));
    const rqOneThread = await quantizeMatrix(weight, rows, cols, {
      method: 'rq',
      d: 4,
      k: 8,
      stages: 3,
      threads: 1,
    });
    if (rqOneThread.layer.method !== 'rq') throw new Error('rq');
    expect(bytes(rqOneThread.layer.codes)).toEqual(bytes(rq.layer.codes));
    expect(bytes(rqOneThread.layer.codebook)).toEqual(bytes(rq.layer.codebook));
  });
});

describe('quantizeMatrix: binarization and scalar k-means', () => {
  it('binarizes to sign × mean |W[i]|', async () => {
    const rows = 5;
    const cols = 7;
    const weight = gaussianMatrix(rows, cols, 8);
    weight[3] = 0; // 0 counts as positive
    const { layer, relativeError: reported } = await quantizeMatrix(weight, rows, cols, { method: 'binary' });
    if (layer.method !== 'binary') throw new Error('binary');
    for (let i = 0; i < rows; i++) {
      let sum = 0;
      for (let j = 0; j < cols; j++) sum += Math.abs(weight[i * cols + j] ?? 0);
      expect(layer.scales[i]).toBeCloseTo(sum / cols, 6);
    }
    weight.forEach((value, i) => {
      expect(layer.signs[i]).toBe(value >= 0 ? 1 : 0);
    });
    expect(reported).toBeCloseTo(relativeError(weight, reconstruct(layer, rows, cols)), 6);
  });

  it('scalar k-means at 1..8 bits approaches the optimal uniform quantizer on uniform data', async () => {
    // For U(−1, 1) the optimal k-level quantizer has error RMS 1/(k√3) and the data RMS is 1/√3, so the
    // relative error is 1/k (Lloyd–Max); k-means should get within 30 % of it.
    const random = new SeededRandom(12);
    const rows = 200;
    const cols = 250;
    const weight = new Float32Array(rows * cols).map(() => 2 * random.nextFloat() - 1);
    let previous = Number.POSITIVE_INFINITY;
    for (let bits = 1; bits <= 8; bits++) {
      const k = 2 ** bits;
      const { layer, relativeError: reported } = await quantizeMatrix(weight, rows, cols, {
        method: 'kmeans',
        bits,
        maxIterations: 100,
        tolerance: 1e-7,
      });
      if (layer.method !== 'kmeans') throw new Error('kmeans');
      expect(layer.k).toBe(k);
      expect(layer.codebook.length).toBe(k);
      for (let c = 1; c < k; c++)
        expect(layer.codebook[c]).toBeGreaterThanOrEqual(layer.codebook[c - 1] ?? 0);
      expect(reported).toBeCloseTo(relativeError(weight, reconstruct(layer, rows, cols)), 6);
      expect(reported).toBeLessThan(1.3 / k);
      expect(reported).toBeGreaterThan(0.99 / k);
      expect(reported).toBeLessThan(previous);
      previous = reported;
    }
  });
});

describe('quantizeMatrix: scalar k-means against Lloyd–Max', () => {
  it.each([
    // Optimal mean squared error of a k-level quantizer of a unit Gaussian (Max, IRE Trans. IT-6, 1960).
    [1, 0.3634],
    [2, 0.1175],
    [3, 0.03454],
    [4, 0.009497],
  ])('bits = %i on Gaussian weights is within 2 %% of the optimal error', async (bits, optimalMse) => {
    const random = new SeededRandom(21);
    const weight = new Float32Array(250 * 200).map(() => random.nextGaussian());
    const { relativeError: reported } = await quantizeMatrix(weight, 250, 200, {
      method: 'kmeans',
      bits,
      maxIterations: 200,
      tolerance: 1e-9,
    });
    // Relative to the sample's own RMS, which is 1 up to sampling noise (~0.3 % for 50 000 samples).
    expect(Math.abs(reported - Math.sqrt(optimalMse)) / Math.sqrt(optimalMse)).toBeLessThan(0.02);
  });
});

describe('quantizeMatrix: option and weight errors', () => {
  const weight = gaussianMatrix(10, 12, 3);

  it.each([
    [{ method: 'pq', k: 16 }, /k = 16 centroids need at least 16 points per codebook, but there are only 10/],
    [{ method: 'pq', bits: 4 }, /pass k ≤ 10 \(bits ≤ 3\)/],
    [{ method: 'pq', d: 3 }, /d = 3 must be a power of two/],
    [{ method: 'pq', d: 32 }, /at most 16/],
    [{ method: 'kmeans', bits: 9 }, /bits = 9/],
    [{ method: 'pq', k: 4, bits: 3 }, /disagrees/],
    [{ method: 'rq', k: 4, stages: 0 }, /stages = 0/],
    [{ method: 'svd' }, /needs options.rank/],
    [{ method: 'svd', rank: 11 }, /rank = 11/],
    [{ method: 'pq', k: 4, threads: 0 }, /threads = 0/],
    [{ method: 'pq', k: 4, seed: 1.5 }, /seed = 1.5/],
  ] as const)('%o → %s', async (options, message) => {
    await expect(quantizeMatrix(weight, 10, 12, options)).rejects.toThrow(QuantizerOptionError);
    await expect(quantizeMatrix(weight, 10, 12, options)).rejects.toThrow(message);
  });

  it('names the offending option', async () => {
    await expect(quantizeMatrix(weight, 10, 12, { method: 'pq', k: 16 })).rejects.toMatchObject({
      option: 'k',
    });
    await expect(quantizeMatrix(weight, 10, 12, { method: 'pq', d: 3 })).rejects.toMatchObject({
      option: 'd',
    });
  });

  it('names the row and column of a NaN or infinite weight', async () => {
    const bad = weight.slice();
    bad[2 * 12 + 5] = Number.NaN;
    await expect(quantizeMatrix(bad, 10, 12, { method: 'pq', k: 4 })).rejects.toThrow(
      /row 2, col 5\] is NaN/,
    );
    await expect(quantizeMatrix(bad, 10, 12, { method: 'pq', k: 4 })).rejects.toMatchObject({
      name: 'QuantizerOptionError',
      option: 'weight',
    });
    bad[2 * 12 + 5] = 0;
    bad[9 * 12 + 11] = Number.NEGATIVE_INFINITY;
    await expect(quantizeMatrix(bad, 10, 12, { method: 'binary' })).rejects.toThrow(
      /row 9, col 11\] is -Infinity/,
    );
  });

  it('rejects a weight of the wrong length', async () => {
    await expect(quantizeMatrix(weight, 10, 13, { method: 'binary' })).rejects.toThrow(
      /expected rows 10 × cols 13/,
    );
  });

  it('defaults k to the largest power of two ≤ rows for a small layer', async () => {
    const { layer } = await quantizeMatrix(weight, 10, 12, { method: 'pq' });
    expect(layer.method === 'pq' && layer.k).toBe(8);
  });
});
