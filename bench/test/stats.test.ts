import { describe, expect, it } from 'vitest';
import { quantileSorted, scaleSummary, summarize } from '../lib/stats';

describe('summarize', () => {
  it('gives the R-7 (numpy default) quantiles', () => {
    // numpy.percentile([1..10], [10, 50, 90]) = 1.9, 5.5, 9.1: position (n − 1)·q between sorted neighbours.
    const summary = summarize([10, 3, 1, 2, 9, 4, 8, 5, 7, 6]);
    expect(summary.p10).toBeCloseTo(1.9, 12);
    expect(summary.median).toBeCloseTo(5.5, 12);
    expect(summary.p90).toBeCloseTo(9.1, 12);
    expect(summary.min).toBe(1);
    expect(summary.max).toBe(10);
    expect(summary.n).toBe(10);
  });

  it('takes a single sample as every statistic', () => {
    expect(summarize([4.5])).toEqual({ n: 1, median: 4.5, p10: 4.5, p90: 4.5, min: 4.5, max: 4.5 });
  });

  it('refuses empty samples and non-finite values', () => {
    expect(() => summarize([])).toThrow(/empty/);
    expect(() => summarize([1, Number.NaN])).toThrow(/non-finite/);
    expect(() => quantileSorted([1], 1.5)).toThrow(/q must be/);
  });

  it('scales every statistic', () => {
    const scaled = scaleSummary(summarize([2, 4, 6]), 0.5);
    expect(scaled).toEqual({ n: 3, median: 2, p10: 1.2, p90: 2.8, min: 1, max: 3 });
  });
});
