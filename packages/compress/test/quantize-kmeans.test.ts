import { describe, expect, it } from 'vitest';
import { kmeans, QuantizerOptionError } from '../src/quantize';
import { SeededRandom } from '../src/quantize/random';

/** `perCluster` points around each of `centres` (row-major, dim each), Gaussian noise of `spread`. */
function clusteredPoints(centres: number[][], perCluster: number, spread: number, seed: number) {
  const random = new SeededRandom(seed);
  const dim = centres[0]?.length ?? 0;
  const points = new Float32Array(centres.length * perCluster * dim);
  const labels: number[] = [];
  let p = 0;
  for (let i = 0; i < perCluster; i++) {
    centres.forEach((centre, label) => {
      for (const value of centre) points[p++] = value + spread * random.nextGaussian();
      labels.push(label);
    });
  }
  return { points, labels, dim };
}

function squaredDistance(
  a: ArrayLike<number>,
  aOffset: number,
  b: ArrayLike<number>,
  bOffset: number,
  dim: number,
) {
  let sum = 0;
  for (let x = 0; x < dim; x++) sum += ((a[aOffset + x] ?? 0) - (b[bOffset + x] ?? 0)) ** 2;
  return sum;
}

const OPTIONS = { seed: 7, maxIterations: 50, tolerance: 1e-6 };

describe('kmeans', () => {
  it.each([1, 2, 4, 5])('finds well-separated clusters in %i dimension(s)', (dim) => {
    // Centres on a grid 10 apart, noise 0.1: any sane k-means recovers them exactly.
    const centres = Array.from({ length: 6 }, (_, c) =>
      Array.from({ length: dim }, (_, x) => 10 * ((c + x) % 6)),
    );
    const { points, labels } = clusteredPoints(centres, 40, 0.1, 3);
    const result = kmeans(points, dim, centres.length, OPTIONS);
    // Every true centre has a found centroid within 0.1, and the clustering equals the true labelling.
    const match = centres.map((centre) => {
      let best = -1;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (let c = 0; c < centres.length; c++) {
        const distance = squaredDistance(centre, 0, result.centroids, c * dim, dim);
        if (distance < bestDistance) [best, bestDistance] = [c, distance];
      }
      expect(Math.sqrt(bestDistance)).toBeLessThan(0.1);
      return best;
    });
    expect(new Set(match).size).toBe(centres.length);
    labels.forEach((label, i) => {
      expect(result.assignment[i]).toBe(match[label]);
    });
    // The reported distortion is Σ‖x − c(x)‖², recomputed here.
    let distortion = 0;
    for (let i = 0; i < labels.length; i++) {
      distortion += squaredDistance(
        points,
        i * dim,
        result.centroids,
        (result.assignment[i] ?? 0) * dim,
        dim,
      );
    }
    expect(result.distortion).toBeCloseTo(distortion, 6);
  });

  it('assigns every point to its nearest centroid (checked by brute force)', () => {
    const random = new SeededRandom(11);
    const dim = 3;
    const points = new Float32Array(500 * dim).map(() => random.nextGaussian());
    const result = kmeans(points, dim, 20, OPTIONS);
    for (let i = 0; i < 500; i++) {
      const own = squaredDistance(points, i * dim, result.centroids, (result.assignment[i] ?? 0) * dim, dim);
      for (let c = 0; c < 20; c++) {
        expect(own).toBeLessThanOrEqual(
          squaredDistance(points, i * dim, result.centroids, c * dim, dim) + 1e-9,
        );
      }
    }
  });

  it('is deterministic for a seed', () => {
    const random = new SeededRandom(5);
    const points = new Float32Array(300 * 4).map(() => random.nextGaussian());
    const first = kmeans(points, 4, 16, OPTIONS);
    const second = kmeans(points, 4, 16, OPTIONS);
    expect(Buffer.from(second.centroids.buffer)).toEqual(Buffer.from(first.centroids.buffer));
    expect(second.assignment).toEqual(first.assignment);
    const otherSeed = kmeans(points, 4, 16, { ...OPTIONS, seed: 8 });
    expect(Buffer.from(otherSeed.centroids.buffer)).not.toEqual(Buffer.from(first.centroids.buffer));
  });

  it('repairs empty clusters when k is close to the number of points', () => {
    // 20 distinct points, k = 19: the optimum merges one pair; every cluster must be used.
    const random = new SeededRandom(2);
    const points = new Float32Array(20 * 2).map(() => random.nextGaussian());
    for (const dim of [2, 1]) {
      const flat = dim === 2 ? points : points.subarray(0, 20);
      const result = kmeans(flat, dim, 19, OPTIONS);
      const used = new Set(result.assignment);
      expect(used.size).toBe(19);
    }
  });

  it('handles duplicate points: fewer distinct points than k gives zero distortion', () => {
    // 5 distinct values each repeated 8 times, k = 7 (> 5 distinct): distortion must be exactly 0.
    for (const dim of [1, 3]) {
      const distinct = Array.from({ length: 5 }, (_, v) => Array.from({ length: dim }, (_, x) => v * 3 + x));
      const points = new Float32Array(40 * dim);
      for (let i = 0; i < 40; i++)
        for (let x = 0; x < dim; x++) points[i * dim + x] = distinct[i % 5]?.[x] ?? 0;
      const result = kmeans(points, dim, 7, OPTIONS);
      expect(result.distortion).toBe(0);
      expect(new Set(result.assignment).size).toBe(5);
      for (const value of result.centroids) expect(Number.isFinite(value)).toBe(true);
    }
    // All points identical.
    const same = kmeans(new Float32Array(12).fill(2.5), 2, 3, OPTIONS);
    expect(same.distortion).toBe(0);
    expect([...same.centroids]).toEqual(new Array(6).fill(2.5));
  });

  it('stops at maxIterations and at the tolerance', () => {
    const random = new SeededRandom(9);
    const points = new Float32Array(2000 * 2).map(() => random.nextGaussian());
    expect(kmeans(points, 2, 32, { seed: 1, maxIterations: 3, tolerance: 0 }).iterations).toBe(3);
    const loose = kmeans(points, 2, 32, { seed: 1, maxIterations: 100, tolerance: 0.05 });
    const tight = kmeans(points, 2, 32, { seed: 1, maxIterations: 100, tolerance: 1e-7 });
    expect(loose.iterations).toBeLessThan(tight.iterations);
    expect(tight.distortion).toBeLessThanOrEqual(loose.distortion);
  });

  it('rejects k above the point count and non-finite points', () => {
    expect(() => kmeans(new Float32Array(8), 2, 5, OPTIONS)).toThrow(QuantizerOptionError);
    expect(() => kmeans(new Float32Array([1, 2, Number.NaN, 4]), 2, 1, OPTIONS)).toThrow(
      /point 1 coordinate 0 is NaN/,
    );
    expect(() => kmeans(new Float32Array(9), 2, 2, OPTIONS)).toThrow(/dim = 2/);
  });
});
