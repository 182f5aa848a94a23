/**
 * Reading a benchmark run: which time stands for a contender, its bandwidth bound, the speed-up ratios the
 * report shows, and the issue's goals judged on an H200 run. Pure functions of the JSON.
 */

import type { CodebookDtype } from '../../../packages/runtime/src/kernels/codebook-dtype';
import { floorBytes } from '../bytes';
import { type BenchRun, type ContenderSpec, codebookDtypeOf, type KernelResult } from '../results';
import { summarize } from '../stats';

const MICROSECONDS_PER_SECOND = 1e6;

/** Which clock a time came from: GPU timestamps (pqweb only) or wall time per run of a chained series. */
export type Clock = 'gpu' | 'wall';

/** The time that represents a result: GPU per-run median when there is one, else the wall median. */
export function representativeTime(result: KernelResult): { us: number; clock: Clock } | null {
  const timing = result.timing;
  if (!timing) return null;
  if (timing.gpuPerRun) return { us: timing.gpuPerRun.median, clock: 'gpu' };
  return { us: timing.wall.median, clock: 'wall' };
}

export function wallTime(result: KernelResult): number | null {
  return result.timing ? result.timing.wall.median : null;
}

/** Floor bytes over the run's measured copy bandwidth, µs; null without a copy probe. */
export function bandwidthBoundUs(run: BenchRun, result: KernelResult): number | null {
  const bandwidth = run.probes.copy?.bandwidth;
  if (!bandwidth) return null;
  return (floorBytes(result.bytes) / bandwidth) * MICROSECONDS_PER_SECOND;
}

/**
 * The least time this host's clocks can show for a pqweb layer that moves `result`'s bytes: pqweb's fixed per-run
 * cost (its dense kernel on a 1×1 layer: launch, pass and timestamps, next to no bytes) plus the bandwidth bound, and
 * on the wall clock no less than the fixed wall cost (a submit's CPU work, which a layer's GPU work runs beside). An
 * estimate from two measured probes, not a time any kernel was seen to take: a goal whose target lies beyond it
 * cannot be met on this host by a faster kernel, only by a cheaper dispatch or submit. Null without the probes.
 * The fixed wall cost is the 1×1 probe's, or the least wall time any pqweb layer of the run took where that is lower:
 * a layer that was seen to take less shows the probe was disturbed (the H200's goal-cells run of step 83: a 134 µs
 * probe beside a 16384² layer at 49 µs).
 */
export function floorTimeUs(run: BenchRun, result: KernelResult, clock: Clock): number | null {
  const fixed = run.probes.pqwebFixed;
  const fixedGpu = fixed?.gpuPerRun?.median;
  const bound = bandwidthBoundUs(run, result);
  if (!fixed || fixedGpu === undefined || bound === null) return null;
  const gpuFloor = fixedGpu + bound;
  if (clock === 'gpu') return gpuFloor;
  const pqwebWalls = run.results.flatMap((other) =>
    other.contender.engine === 'pqweb' && other.timing ? [other.timing.wall.median] : [],
  );
  return Math.max(gpuFloor, Math.min(fixed.wall.median, ...pqwebWalls));
}

export function resultsFor(run: BenchRun, shapeName: string, batch: number): KernelResult[] {
  return run.results.filter((result) => result.shape.name === shapeName && result.batch === batch);
}

/** Whether a result is PQ d, k with codebooks of `dtype` on the GPU, on float32 tables (the exact sums). */
function isPqConfig(result: KernelResult, d: number, k: number, dtype: CodebookDtype): boolean {
  const spec = result.contender;
  return (
    spec.method === 'pq' &&
    spec.d === d &&
    spec.k === k &&
    codebookDtypeOf(spec) === dtype &&
    spec.tableBits === undefined
  );
}

/** PQ d, k on 8-bit tables (codebooks float32) in a cell: the opt-in accuracy level's row. */
export function pqTable8(cell: readonly KernelResult[], d: number, k: number): KernelResult | undefined {
  return cell.find((r) => {
    const spec = r.contender;
    return spec.method === 'pq' && spec.d === d && spec.k === k && spec.tableBits === 8;
  });
}

/** Whether a result is a PQ layer's 'auto' row with codebooks of `dtype` on the GPU. */
function isAutoPq(result: KernelResult, dtype: CodebookDtype): boolean {
  const spec = result.contender;
  return spec.method === 'pq' && spec.isAuto && codebookDtypeOf(spec) === dtype;
}

/** The auto-chosen variant of PQ d, k (codebooks of `dtype`) in a cell. */
export function pqAuto(
  cell: readonly KernelResult[],
  d: number,
  k: number,
  dtype: CodebookDtype = 'float32',
): KernelResult | undefined {
  return cell.find((r) => isPqConfig(r, d, k, dtype) && isAutoPq(r, dtype));
}

/** The fastest timed variant of PQ d, k (codebooks of `dtype`) in a cell (by its representative time). */
export function pqBest(
  cell: readonly KernelResult[],
  d: number,
  k: number,
  dtype: CodebookDtype = 'float32',
): KernelResult | undefined {
  let best: KernelResult | undefined;
  let bestUs = Number.POSITIVE_INFINITY;
  for (const result of cell) {
    if (!isPqConfig(result, d, k, dtype)) continue;
    if (result.unchecked) continue;
    const time = representativeTime(result);
    if (time && time.us < bestUs) {
      best = result;
      bestUs = time.us;
    }
  }
  return best;
}

/**
 * Whether a contender is what pqweb ships, not a comparison row: PQ's auto variant at its defaults, k-means and
 * binary without a tuning, dense without a batch kernel or row tile; ORT's rows are all its own.
 */
export function isDefaultRow(spec: ContenderSpec): boolean {
  switch (spec.method) {
    case 'pq':
      // Rows with float16 codebooks are compared apart (their own goals table), as the tuning rows are.
      return spec.isAuto && codebookDtypeOf(spec) === 'float32';
    case 'kmeans':
    case 'binary':
      return spec.tuning === undefined;
    case 'dense':
      return spec.batchKernel === undefined && spec.rowTile === undefined;
    case 'matmul':
    case 'matmulnbits':
      return true;
  }
}

export function denseOf(cell: readonly KernelResult[]): KernelResult | undefined {
  return cell.find((r) => r.contender.method === 'dense' && isDefaultRow(r.contender));
}

export function nbitsOf(cell: readonly KernelResult[], accuracyLevel: number): KernelResult | undefined {
  return cell.find(
    (r) => r.contender.method === 'matmulnbits' && r.contender.accuracyLevel === accuracyLevel,
  );
}

export function ortMatmulOf(cell: readonly KernelResult[]): KernelResult | undefined {
  return cell.find((r) => r.contender.method === 'matmul');
}

/** How many times faster `fast` is than `slow`: on GPU time when both have it, else on wall time. */
export function speedup(fast: KernelResult, slow: KernelResult): { ratio: number; clock: Clock } | null {
  const fastTiming = fast.timing;
  const slowTiming = slow.timing;
  if (!fastTiming || !slowTiming) return null;
  if (fastTiming.gpuPerRun && slowTiming.gpuPerRun) {
    return { ratio: slowTiming.gpuPerRun.median / fastTiming.gpuPerRun.median, clock: 'gpu' };
  }
  return { ratio: slowTiming.wall.median / fastTiming.wall.median, clock: 'wall' };
}

/** pqweb's GPU time against a wall-only (ORT) time: a bound on what a leaner host path could reach. */
export function gpuVersusWall(fast: KernelResult, slow: KernelResult): number | null {
  const gpu = fast.timing?.gpuPerRun?.median;
  const wall = slow.timing?.wall.median;
  return gpu && wall ? wall / gpu : null;
}

/** A goal of the issue, judged on one run. */
export interface GoalVerdict {
  goal: string;
  /** The target, e.g. "≥ 6×" or "≤ 2× bound". */
  target: string;
  /** What was measured, in words. */
  measured: string;
  /** The measured figure alone, as `measured` begins ("1.83×", "1.98×" of the bound); absent where not measured. */
  figure?: string;
  /**
   * 'unstable': the target was reached on the run's medians but not in every round (unlessSomeRoundMisses), so
   * one run does not show the goal met (run it again); never counted as met.
   */
  status: 'met' | 'missed' | 'unstable' | 'not measured';
  /**
   * True for a verdict reported beside the issue's goals, not one of them (a ratio goal on 8-bit tables, an
   * opt-in accuracy level): the report lists it but does not count it.
   */
  beside?: boolean;
  /** For a miss: how far off, in words ("needs 1.4× more"); for 'unstable': why it is not judged. */
  shortfall: string | null;
  /**
   * The best this host's clocks allow for the goal, from pqweb's floor time (floorTimeUs), in words; absent where the
   * run has no fixed-cost probe or the goal's sides were not measured.
   */
  reach?: string;
  /** True where even the floor time misses the target: no kernel can meet the goal on this host. */
  outOfReach?: boolean;
}

/** A verdict's status cell in BENCHMARKS.md: misses and unstable verdicts in bold, with why. */
export function statusCell(verdict: GoalVerdict): string {
  if (verdict.status === 'missed' && verdict.outOfReach) {
    return `**missed** (${verdict.shortfall}; out of reach on this host)`;
  }
  if (verdict.status === 'missed' || verdict.status === 'unstable') {
    return `**${verdict.status}** (${verdict.shortfall})`;
  }
  return verdict.status;
}

/** A verdict's status word in the console summaries, six characters wide. */
export function statusWord(verdict: GoalVerdict): string {
  const words = { met: 'MET   ', missed: 'MISSED', unstable: 'UNSTBL', 'not measured': 'n/a   ' } as const;
  return words[verdict.status];
}

/** True for runs on an NVIDIA H200, the machine the goals are stated for. */
export function isH200(run: BenchRun): boolean {
  const { device, description } = run.adapter;
  return /h200/i.test(device) || /h200/i.test(description);
}

const BIG = '16384x16384';
const MEDIUM = '4096x4096';

function verdictAtLeast(goal: string, target: number, measured: number | null, detail: string): GoalVerdict {
  if (measured === null) {
    return {
      goal,
      target: `≥ ${target}×`,
      measured: 'not measured',
      status: 'not measured',
      shortfall: null,
    };
  }
  const met = measured >= target;
  const figure = `${measured.toFixed(2)}×`;
  return {
    goal,
    target: `≥ ${target}×`,
    measured: `${figure}${detail}`,
    figure,
    status: met ? 'met' : 'missed',
    shortfall: met ? null : `needs ${(target / measured).toFixed(2)}× more`,
  };
}

/** The LUT variant, with its tile budget when that is not the default (the id's tail). */
function variantName(result: KernelResult | undefined): string {
  if (result?.contender.method !== 'pq') return '';
  const { d, k, variant } = result.contender;
  // A row with float16 codebooks runs 'auto': its id names the dtype, its spec the variant it ran.
  if (codebookDtypeOf(result.contender) === 'float16') {
    const halfPrefix = `pqweb PQ d=${d} k=${k} float16 codebooks`;
    const tail = result.id.startsWith(halfPrefix) ? result.id.slice(halfPrefix.length).trim() : '';
    return `${tail || variant}, float16 codebooks`;
  }
  const prefix = `pqweb PQ d=${d} k=${k} `;
  return result.id.startsWith(prefix) ? result.id.slice(prefix.length) : variant;
}

/**
 * Above this ratio between a contender's slowest and fastest round median, its goal line shows the round medians:
 * a median over rounds that disagree this much (a small layer switching between two speeds,
 * docs/kernel-attempts.md) may not be the kernel's speed.
 */
export const UNSTABLE_ROUND_SPREAD = 1.25;

/** Whether one contender's round medians disagree by more than UNSTABLE_ROUND_SPREAD. */
export function roundsDisagree(medians: readonly number[] | undefined): boolean {
  if (!medians || medians.length < 2) return false;
  const fastest = Math.min(...medians);
  return fastest > 0 && Math.max(...medians) / fastest > UNSTABLE_ROUND_SPREAD;
}

/**
 * '; who round medians a / b unit (spread > 25%)' when the rounds disagree by more than UNSTABLE_ROUND_SPREAD, else
 * '' (each median written by `format`, `unit` once after the list, `who` only when given).
 */
export function spreadNote(
  medians: readonly number[] | undefined,
  format: (median: number) => string,
  unit: string,
  who = '',
): string {
  if (!medians || !roundsDisagree(medians)) return '';
  return `; ${who ? `${who} ` : ''}round medians ${medians.map(format).join(' / ')}${unit} (spread > 25%)`;
}

/** spreadNote for a kernel contender's round medians (µs): '; round medians 20.0 / 31.1 µs (spread > 25%)'. */
export function roundSpreadNote(result: KernelResult | undefined, who = ''): string {
  return spreadNote(result?.timing?.roundMedians, (us) => us.toFixed(1), ' µs', who);
}

/** One side of a goal: its time on the clock the goal is judged on, and its round medians (any clock). */
export interface RoundedTime {
  time: number;
  rounds: readonly number[] | undefined;
}

/**
 * Each round's time on the judged clock: the round medians scaled so that their median is `time` (a side's rounds
 * may be kept on another clock: pqweb's GPU rounds where a goal is judged on wall time). Null without two rounds.
 */
function roundTimes(side: RoundedTime): number[] | null {
  const rounds = side.rounds ?? [];
  if (rounds.length < 2) return null;
  const middle = summarize(rounds).median;
  return middle > 0 ? rounds.map((round) => (round * side.time) / middle) : null;
}

/**
 * A 'met' verdict becomes 'unstable' when some round does not meet it: `meets` judged on each round's times, the
 * sides' rounds paired by index (the benchmarks interleave them) where they have as many, every combination of
 * each side's fastest and slowest round otherwise; a side without rounds keeps its time. A miss stays a miss.
 */
export function unlessSomeRoundMisses(
  verdict: GoalVerdict,
  sides: readonly RoundedTime[],
  meets: (times: readonly number[]) => boolean,
): GoalVerdict {
  if (verdict.status !== 'met') return verdict;
  const perSide = sides.map((side) => roundTimes(side) ?? [side.time]);
  const counts = new Set(perSide.filter((times) => times.length > 1).map((times) => times.length));
  let trials: number[][];
  if (counts.size <= 1) {
    const rounds = Math.max(...perSide.map((times) => times.length));
    trials = Array.from({ length: rounds }, (_, round) =>
      perSide.map((times) => times[round] ?? times[0] ?? 0),
    );
  } else {
    trials = perSide.reduce<number[][]>(
      (combos, times) =>
        combos.flatMap((combo) => [Math.min(...times), Math.max(...times)].map((time) => [...combo, time])),
      [[]],
    );
  }
  if (trials.every((times) => meets(times))) return verdict;
  return { ...verdict, status: 'unstable', shortfall: 'met overall, but not in every round: run again' };
}

/**
 * The issue's goals, judged with the auto-chosen variant (what pqweb ships); the best variant is noted. `dtype`: the
 * PQ layers' codebooks on the GPU (the issue's layers are float32; 'float16' judges the rows that keep a .pqw's
 * float16 codebooks, and their bandwidth bounds count the smaller codebooks).
 */
export function judgeGoals(run: BenchRun, dtype: CodebookDtype = 'float32'): GoalVerdict[] {
  const verdicts: GoalVerdict[] = [];
  const big1 = resultsFor(run, BIG, 1);
  const autoPq = big1.filter((r) => isAutoPq(r, dtype));
  if (autoPq.length === 0) {
    verdicts.push({
      goal: `batch 1, ${BIG}: every PQ config within 2× of its bandwidth bound`,
      target: '≤ 2× bound',
      measured: 'not measured',
      status: 'not measured',
      shortfall: null,
    });
  }
  for (const result of autoPq) {
    if (result.contender.method !== 'pq') continue;
    const { d, k } = result.contender;
    const goal = `batch 1, ${BIG}: PQ d=${d} k=${k} within 2× of its bandwidth bound`;
    const time = representativeTime(result);
    const bound = bandwidthBoundUs(run, result);
    if (!time || !bound) {
      verdicts.push({
        goal,
        target: '≤ 2× bound',
        measured: 'not measured',
        status: 'not measured',
        shortfall: null,
      });
      continue;
    }
    const factor = time.us / bound;
    const best = pqBest(big1, d, k, dtype);
    const bestTime = best ? representativeTime(best) : null;
    const bestNote =
      best && best !== result && bestTime
        ? `; best variant ${variantName(best)} ${(bestTime.us / bound).toFixed(2)}×`
        : '';
    const figure = `${factor.toFixed(2)}×`;
    const verdict: GoalVerdict = {
      goal,
      target: '≤ 2× bound',
      figure,
      measured: `${figure} bound: ${time.us.toFixed(1)} µs vs ${bound.toFixed(1)} µs, ${variantName(result)}${bestNote}${roundSpreadNote(result)}`,
      status: factor <= 2 ? 'met' : 'missed',
      shortfall: factor <= 2 ? null : `${(factor / 2).toFixed(2)}× too slow`,
    };
    const floor = floorTimeUs(run, result, time.clock);
    if (floor !== null) {
      verdict.reach = `floor ${floor.toFixed(1)} µs = ${(floor / bound).toFixed(2)}× bound`;
      verdict.outOfReach = floor / bound > 2;
    }
    const withinBound = ([us]: readonly number[]) => (us ?? Number.POSITIVE_INFINITY) / bound <= 2;
    verdicts.push(
      unlessSomeRoundMisses(verdict, [{ time: time.us, rounds: result.timing?.roundMedians }], withinBound),
    );
  }

  const ratioGoal = (
    shape: string,
    batch: number,
    d: number,
    k: number,
    against: 'dense' | 'nbits' | 'nbits-acc4',
    target: number,
    tables: 32 | 8 = 32,
  ): void => {
    const cell = resultsFor(run, shape, batch);
    const pq = tables === 8 ? pqTable8(cell, d, k) : pqAuto(cell, d, k, dtype);
    const other = against === 'dense' ? denseOf(cell) : nbitsOf(cell, against === 'nbits' ? 0 : 4);
    const label = {
      dense: 'dense fp32 (pqweb)',
      nbits: 'MatMulNBits int4',
      'nbits-acc4': 'MatMulNBits int4 accuracy_level=4',
    }[against];
    const tablesNote = tables === 8 ? ' on 8-bit tables (opt-in accuracy level, not the default)' : '';
    const goal = `batch ${batch}, ${shape}: PQ d=${d} k=${k}${tablesNote} vs ${label}`;
    const ratio = pq && other ? speedup(pq, other) : null;
    let detail = ` (${variantName(pq)}, ${ratio?.clock ?? ''} time)`;
    if (pq && other && ratio?.clock === 'wall') {
      const gpuRatio = gpuVersusWall(pq, other);
      if (gpuRatio) detail += `; pqweb GPU time vs ORT wall: ${gpuRatio.toFixed(2)}×`;
    }
    detail += roundSpreadNote(pq) + roundSpreadNote(other, against === 'dense' ? 'dense' : 'ORT');
    const verdict: GoalVerdict = {
      ...verdictAtLeast(goal, target, ratio?.ratio ?? null, ratio ? detail : ''),
      ...(tables === 8 ? { beside: true } : {}),
    };
    if (!pq?.timing || !other?.timing || !ratio) {
      verdicts.push(verdict);
      return;
    }
    // Each side's time on the clock the ratio was taken on, with its rounds.
    const side = (timing: NonNullable<KernelResult['timing']>): RoundedTime => ({
      time: ratio.clock === 'gpu' && timing.gpuPerRun ? timing.gpuPerRun.median : timing.wall.median,
      rounds: timing.roundMedians,
    });
    const floor = floorTimeUs(run, pq, ratio.clock);
    if (floor !== null) {
      const best = side(other.timing).time / floor;
      verdict.reach = `at most ${best.toFixed(2)}× (pqweb floor ${floor.toFixed(1)} µs, ${ratio.clock} time)`;
      verdict.outOfReach = best < target;
    }
    const fastEnough = ([pqUs, otherUs]: readonly number[]) =>
      pqUs !== undefined && otherUs !== undefined && otherUs / pqUs >= target;
    verdicts.push(unlessSomeRoundMisses(verdict, [side(pq.timing), side(other.timing)], fastEnough));
  };
  const ratioGoals: Parameters<typeof ratioGoal>[] = [
    [BIG, 1, 4, 256, 'dense', 6],
    [BIG, 1, 4, 256, 'nbits', 8],
    [BIG, 1, 4, 256, 'nbits-acc4', 3],
    [BIG, 1, 8, 16, 'nbits', 15],
    [MEDIUM, 1, 4, 256, 'dense', 1.8],
    [BIG, 8, 4, 256, 'dense', 3],
  ];
  for (const goal of ratioGoals) ratioGoal(...goal);
  // The same goals on 8-bit tables, after the issue's and not in their place: judged only where a run timed that
  // row (float32-codebook runs; older runs have none).
  if (dtype === 'float32') {
    for (const [shape, batch, d, k, against, target] of ratioGoals) {
      if (pqTable8(resultsFor(run, shape, batch), d, k)) ratioGoal(shape, batch, d, k, against, target, 8);
    }
  }
  return verdicts;
}
