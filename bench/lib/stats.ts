/** Order statistics of timing samples. */

export interface Summary {
  /** Number of samples. */
  n: number;
  median: number;
  p10: number;
  p90: number;
  min: number;
  max: number;
}

/** Linear-interpolated quantile q ∈ [0, 1] of ascending `sorted` (the "R-7" definition, numpy's default). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of an empty sample');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile q must be in [0, 1], got ${q}`);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** Median, p10, p90, min and max of `samples` (any order). Throws on an empty sample or a non-finite value. */
export function summarize(samples: readonly number[]): Summary {
  for (const value of samples) {
    if (!Number.isFinite(value)) throw new RangeError(`summarize: non-finite sample ${value}`);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantileSorted(sorted, 0.5),
    p10: quantileSorted(sorted, 0.1),
    p90: quantileSorted(sorted, 0.9),
    min: sorted[0],
    max: sorted[sorted.length - 1],
  };
}

/** Every statistic of `summary` multiplied by `factor` (e.g. per-dispatch times from per-pass times). */
export function scaleSummary(summary: Summary, factor: number): Summary {
  return {
    n: summary.n,
    median: summary.median * factor,
    p10: summary.p10 * factor,
    p90: summary.p90 * factor,
    min: summary.min * factor,
    max: summary.max * factor,
  };
}
