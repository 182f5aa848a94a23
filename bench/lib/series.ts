/**
 * Timing series and the warm-up / repetition policy shared by every contender (pqweb kernels through GPU
 * timestamps and wall time; onnxruntime through wall time only).
 */
import type { TimingPlan } from './grid';
import type { TimingResult } from './results';
import { type Summary, summarize } from './stats';

/** One series: `runs` runs back to back, run i using rotation slot `firstIndex + i`. Times in µs. */
export interface SeriesTimer {
  /** Wall time from the start of encoding until the device finished the series, per run. */
  wallSeries(runs: number, firstIndex: number): Promise<number>;
  /** GPU timestamps around each run; undefined where the device has no timestamp queries. */
  gpuSeries?: (runs: number, firstIndex: number) => Promise<{ perRunUs: number[]; spanUs: number }>;
}

/** Samples of one round (one warm-up followed by the timed series). */
export interface RoundSamples {
  gpuPerRun: number[];
  gpuBackToBack: number[];
  wall: number[];
  runsPerSeries: number;
}

const MICROSECONDS_PER_MILLISECOND = 1000;

/**
 * Warms up for plan.warmupMs (right before timing: the H200 drops its clock after about a second idle), picks
 * runs per series from the warm-up's per-run time, then times plan.gpuSeries GPU-timestamp series and
 * plan.wallSeries wall series. `nextIndex` carries the rotation across series and rounds.
 */
export async function measureRound(
  timer: SeriesTimer,
  plan: TimingPlan,
  rotation: { nextIndex: number },
): Promise<RoundSamples> {
  const take = (runs: number): number => {
    const first = rotation.nextIndex;
    rotation.nextIndex += runs;
    return first;
  };
  const warmupStart = performance.now();
  let runs = plan.minRunsPerSeries;
  let perRunUs = await timer.wallSeries(runs, take(runs));
  while (performance.now() - warmupStart < plan.warmupMs) {
    // Grow the warm-up series until one lasts a quarter of the target, so the estimate is not launch noise.
    if (runs * perRunUs < (plan.seriesTargetMs * MICROSECONDS_PER_MILLISECOND) / 4) {
      runs = Math.min(plan.maxRunsPerSeries, runs * 2);
    }
    perRunUs = await timer.wallSeries(runs, take(runs));
  }
  const runsPerSeries = Math.max(
    plan.minRunsPerSeries,
    Math.min(
      plan.maxRunsPerSeries,
      Math.round((plan.seriesTargetMs * MICROSECONDS_PER_MILLISECOND) / Math.max(perRunUs, 1e-3)),
    ),
  );
  const samples: RoundSamples = { gpuPerRun: [], gpuBackToBack: [], wall: [], runsPerSeries };
  const seriesStart = performance.now();
  const overBudget = () => performance.now() - seriesStart > plan.maxSeriesMs;
  if (timer.gpuSeries) {
    for (let s = 0; s < plan.gpuSeries && (s === 0 || !overBudget()); s++) {
      const { perRunUs: perRun, spanUs } = await timer.gpuSeries(runsPerSeries, take(runsPerSeries));
      samples.gpuPerRun.push(...perRun);
      samples.gpuBackToBack.push(spanUs / runsPerSeries);
    }
  }
  for (let s = 0; s < plan.wallSeries && (s === 0 || !overBudget()); s++) {
    samples.wall.push(await timer.wallSeries(runsPerSeries, take(runsPerSeries)));
  }
  return samples;
}

/** Pools the rounds of one contender into its result. */
export function combineRounds(rounds: readonly RoundSamples[]): TimingResult {
  const pool = (pick: (round: RoundSamples) => number[]): number[] => rounds.flatMap(pick);
  const gpuPerRun = pool((round) => round.gpuPerRun);
  const gpuBackToBack = pool((round) => round.gpuBackToBack);
  const summaryOrUndefined = (values: number[]): Summary | undefined =>
    values.length > 0 ? summarize(values) : undefined;
  const result: TimingResult = {
    wall: summarize(pool((round) => round.wall)),
    runsPerSeries: Math.max(...rounds.map((round) => round.runsPerSeries)),
    roundMedians: rounds.map(
      (round) => summarize(round.gpuPerRun.length > 0 ? round.gpuPerRun : round.wall).median,
    ),
  };
  const perRun = summaryOrUndefined(gpuPerRun);
  const backToBack = summaryOrUndefined(gpuBackToBack);
  if (perRun) result.gpuPerRun = perRun;
  if (backToBack) result.gpuBackToBack = backToBack;
  return result;
}
