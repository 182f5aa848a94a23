/** Latency statistics for the benchmark page: order statistics and a histogram on shared bins. */

export class StatsInputError extends Error {
  override name = 'StatsInputError';
}

function sortedCopy(samples: readonly number[]): number[] {
  if (samples.length === 0) throw new StatsInputError('no samples: run the benchmark at least once');
  const bad = samples.find((value) => !Number.isFinite(value));
  if (bad !== undefined) throw new StatsInputError(`samples must be finite numbers, got ${bad}`);
  return [...samples].sort((a, b) => a - b);
}

/**
 * The q-quantile (0 ≤ q ≤ 1) with linear interpolation between closest ranks — NumPy's default ("linear",
 * Hyndman & Fan type 7), so the median of an even count is the mean of the middle two.
 */
export function quantile(samples: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new StatsInputError(`quantile q must lie in [0, 1], got ${q}`);
  const sorted = sortedCopy(samples);
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  const low = sorted[below] ?? Number.NaN;
  const high = sorted[above] ?? Number.NaN;
  return low + (high - low) * (position - below);
}

export interface LatencySummary {
  count: number;
  min: number;
  median: number;
  p90: number;
  mean: number;
  max: number;
}

/** The 90th percentile: the tail a user meets one call in ten. */
const P90 = 0.9;

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = sortedCopy(samples);
  return {
    count: sorted.length,
    min: sorted[0] ?? Number.NaN,
    median: quantile(sorted, 0.5),
    p90: quantile(sorted, P90),
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

export interface Histogram {
  /** binCount + 1 ascending edges; bin i is [edges[i], edges[i+1]), the last one closed. */
  edges: number[];
  /** counts[series][bin]. */
  counts: number[][];
}

/**
 * Histograms of several series on one set of equal-width bins spanning all their samples, so bars of two
 * models line up. A degenerate range (every sample equal) gets one bin of width 1 around the value.
 */
export function histogram(series: readonly (readonly number[])[], binCount: number): Histogram {
  if (!Number.isInteger(binCount) || binCount < 1) {
    throw new StatsInputError(`binCount must be a positive integer, got ${binCount}`);
  }
  const all = sortedCopy(series.flat());
  let low = all[0] ?? 0;
  let high = all[all.length - 1] ?? 0;
  if (high === low) {
    low -= 0.5;
    high += 0.5;
  }
  const width = (high - low) / binCount;
  const edges = Array.from({ length: binCount + 1 }, (_, i) => (i === binCount ? high : low + i * width));
  const counts = series.map((samples) => {
    const bins = new Array<number>(binCount).fill(0);
    for (const value of samples) {
      const bin = Math.min(binCount - 1, Math.floor((value - low) / width));
      bins[bin] = (bins[bin] ?? 0) + 1;
    }
    return bins;
  });
  return { edges, counts };
}
