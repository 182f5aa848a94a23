import { describe, expect, it } from 'vitest';
import { histogram, quantile, StatsInputError, summarize } from '../src/stats';

describe('quantile', () => {
  it('interpolates linearly between ranks (NumPy default)', () => {
    // numpy.percentile([1..10], 90) = 9.1; numpy.median([4, 1, 3, 2]) = 2.5.
    const oneToTen = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(quantile(oneToTen, 0.9)).toBeCloseTo(9.1, 12);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([7], 0.9)).toBe(7);
    expect(quantile(oneToTen, 0)).toBe(1);
    expect(quantile(oneToTen, 1)).toBe(10);
  });

  it('refuses empty input, NaN and q outside [0, 1]', () => {
    expect(() => quantile([], 0.5)).toThrow(StatsInputError);
    expect(() => quantile([1, Number.NaN], 0.5)).toThrow(/finite/);
    expect(() => quantile([1], 1.5)).toThrow(/\[0, 1\]/);
  });
});

describe('summarize', () => {
  it('gives min, median, p90, mean and max without reordering the caller’s array', () => {
    const samples = [5, 1, 4, 2, 3];
    expect(summarize(samples)).toEqual({ count: 5, min: 1, median: 3, p90: 4.6, mean: 3, max: 5 });
    expect(samples).toEqual([5, 1, 4, 2, 3]);
  });
});

describe('histogram', () => {
  it('bins several series on shared equal-width bins, the last bin closed', () => {
    const { edges, counts } = histogram(
      [
        [0, 1, 2, 9.99, 10],
        [5, 5.5],
      ],
      2,
    );
    expect(edges).toEqual([0, 5, 10]);
    expect(counts).toEqual([
      [3, 2],
      [0, 2],
    ]);
  });

  it('gives one unit-wide range when every sample is equal', () => {
    const { edges, counts } = histogram([[3, 3, 3]], 4);
    expect(edges[0]).toBe(2.5);
    expect(edges[4]).toBe(3.5);
    expect(counts[0]?.reduce((a, b) => a + b, 0)).toBe(3);
  });
});
