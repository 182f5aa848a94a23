/**
 * `--target-rate X`: per-layer parameters (the method is fixed) so that the overall dense-layer rate
 *   Σ dense fp32 bits (weights + bias) / Σ compressed bits (codes + codebooks + bias + scales)
 * is ≥ X with the least sum of relative squared reconstruction errors Σ_L ‖W_L − Ŵ_L‖²_F / ‖W_L‖²_F.
 * Relative, not absolute: with absolute errors the largest layer dominates and a smaller one is starved (on the
 * reference head at rate 30 the 512×1024 layer fell to relative error 0.90 and top-1 to 83.7%), though an error
 * in a small layer hurts the output as much as one in a large layer.
 *
 * 1. Each layer's candidates come from a fixed grid (TARGET_RATE_GRID), minus those it cannot hold
 *    (k > rows, d past cols) and those that alone would break the budget even with every other layer at its
 *    smallest candidate. Their bits are exact (storageBits).
 * 2. Each candidate's error is measured. PQ/RQ: by quantizing it, in full when the layer's whole candidate set
 *    costs ≤ SEARCH_WORK_PER_LAYER multiply-adds, otherwise on an evenly spread sample of segments (errors add
 *    up over segments; the sample's error is scaled by cols / sampled columns). One RQ run of t stages gives
 *    the errors of 1..t stages. kmeans and binary are always measured in full (they are cheap); SVD takes one
 *    decomposition at the largest rank needed, whose Ritz values give the error of every smaller rank.
 * 3. A multiple-choice knapsack picks one candidate per layer: dynamic programming over layers keeping the
 *    Pareto front of (bits, error) partial solutions, exact for the measured errors.
 * 4. Chosen candidates measured on a sample are quantized in full ("confirmed"); the others reuse their run.
 */
import { QuantizerOptionError } from './errors';
import { fitScalarKmeans, type SortedScalars, sortScalars } from './kmeans-scalar';
import {
  checkFinite,
  checkShape,
  MAX_K,
  QUANT_METHODS,
  type ResolvedChoice,
  type ResolvedSettings,
  resolveSettings,
  smallestPowerOfTwoAtLeast,
} from './options';
import { type ProductRun, productLayer, productSquaredError, runProduct, spreadSegments } from './product';
import { inThreadRunner, type ProductRunner, startWorkerPool } from './product-runner';
import { segmentCount } from './product-segment';
import { quantizeResolved, relativeErrorOf, squaredNorm, svdLayer } from './quantize-matrix';
import { deriveSeed, SeededRandom } from './random';
import { denseBits, type StorageChoice, storageBits } from './storage';
import { truncatedSvd } from './svd';
import type { QuantizedLayer, QuantizeOptions, QuantizeResult, QuantMethodOption } from './types';

/** The parameters the search may pick from, per method (documented grid of `--target-rate`). */
export const TARGET_RATE_GRID = {
  /** PQ/RQ sub-vector lengths. */
  d: [1, 2, 4, 8, 16, 32],
  /** PQ/RQ centroids per codebook (only k ≤ rows are tried). */
  k: [2, 4, 8, 16, 32, 64, 128, 256],
  /** Scalar k-means code bits (k = 2^bits). */
  kmeansBits: [1, 2, 3, 4, 5, 6, 7, 8],
  /** RQ stages. */
  rqStages: [1, 2, 3, 4],
  /** SVD ranks: 1, 2, 3, 4, 6, 8, 12, 16, 24, … (powers of two and 1.5×), capped at min(rows, cols). */
  svdRanks: (limit: number): number[] => {
    const ranks: number[] = [];
    for (let power = 1; power <= limit; power *= 2) {
      ranks.push(power);
      const between = (power * 3) / 2;
      if (Number.isInteger(between) && between <= limit && between !== power) ranks.push(between);
    }
    if (ranks[ranks.length - 1] !== limit) ranks.push(limit);
    return [...new Set(ranks)].sort((a, b) => a - b);
  },
} as const;

/**
 * Work units (rows × padded cols × k × stages × iterations, summed over a layer's candidates) measured in
 * full; past it, candidates are measured on a sample of segments. The accelerated Lloyd gets through
 * ~0.9·10^9 units per second per core (measured: 4096 × 4096, d = 4, k = 256), so 2·10^10 is ~12 s on 2 cores.
 */
const SEARCH_WORK_PER_LAYER = 2e10;
/** A sampled estimate uses at least this many segments (fewer makes the error estimate noisy). */
const MIN_SAMPLED_SEGMENTS = 16;
/** Pareto fronts larger than this are thinned to one state per 1/MAX_FRONT_STATES of their bit range. */
const MAX_FRONT_STATES = 200_000;

export interface RateLayerInput {
  name: string;
  weight: Float32Array;
  rows: number;
  cols: number;
}

export interface RateChoice {
  d?: number;
  k?: number;
  stages?: number;
  rank?: number;
  /** log2(k) where k is a power of two (always, on the grid). */
  bits?: number;
}

export interface RateLayerResult {
  name: string;
  /** Options for quantizeMatrix that reproduce `layer` (with the same seed, iterations and tolerance). */
  choice: RateChoice;
  /** This layer's own rate, exact (storageBits). */
  predictedRate: number;
  /** ‖W − Ŵ‖_F / ‖W‖_F of the chosen parameters, measured in full. */
  relativeError: number;
  /** The quantized layer itself, so callers need not quantize again. */
  layer: QuantizedLayer;
}

export interface TargetRateOptions extends Partial<QuantizeOptions> {
  /** Width of stored codebooks (and SVD factors) in bits, as storageBits. Default 32. */
  codebookBits?: 32 | 16;
}

interface Candidate {
  choice: RateChoice;
  resolved: ResolvedChoice;
  bits: number;
  /** Measured (or, for sampled PQ/RQ, estimated) ‖W − Ŵ‖²_F. */
  squaredError: number;
  /** The full result when the measurement was a full quantization. */
  full: QuantizeResult | null;
}

interface LayerState {
  input: RateLayerInput;
  energy: number;
  candidates: Candidate[];
}

export async function chooseForTargetRate(
  layers: RateLayerInput[],
  method: QuantMethodOption,
  targetRate: number,
  options: TargetRateOptions,
): Promise<RateLayerResult[]> {
  if (!Number.isFinite(targetRate) || targetRate <= 0) {
    throw new QuantizerOptionError(`target rate ${targetRate} must be a finite number > 0`, 'targetRate');
  }
  if (layers.length === 0) throw new QuantizerOptionError('no layers given to chooseForTargetRate', 'layers');
  if (!QUANT_METHODS.includes(method)) {
    throw new QuantizerOptionError(
      `method '${String(method)}' is not one of ${QUANT_METHODS.join(', ')}`,
      'method',
    );
  }
  const codebookBits = options.codebookBits ?? 32;
  if (codebookBits !== 32 && codebookBits !== 16) {
    throw new QuantizerOptionError(`codebookBits = ${codebookBits} must be 32 or 16`, 'codebookBits');
  }
  const settings = resolveSettings(options);
  for (const layer of layers) {
    checkShape(layer.rows, layer.cols, layer.weight.length, `layer '${layer.name}' weight`);
    checkFinite(layer.weight, layer.rows, layer.cols, `layer '${layer.name}' weight`);
  }

  const states: LayerState[] = layers.map((input) => ({
    input,
    energy: squaredNorm(input.weight),
    candidates: gridFor(method, input.rows, input.cols).map((choice) => {
      const resolved = resolvedFor(method, choice);
      return {
        choice,
        resolved,
        bits: storageBits(input.rows, input.cols, resolved, codebookBits).totalBits,
        squaredError: 0,
        full: null,
      };
    }),
  }));
  const totalDense = layers.reduce((sum, layer) => sum + denseBits(layer.rows, layer.cols), 0);
  const reaches = (bits: number): boolean => totalDense / bits >= targetRate;
  const empty = states.find((state) => state.candidates.length === 0);
  if (empty) {
    throw new QuantizerOptionError(
      `layer '${empty.input.name}' (${empty.input.rows}×${empty.input.cols}) admits no ${method} parameters ` +
        '(k ≥ 2 needs at least 2 rows); keep it float32',
      'layers',
    );
  }
  const minimumBits = states.map((state) => Math.min(...state.candidates.map((c) => c.bits)));
  const smallestTotal = minimumBits.reduce((a, b) => a + b, 0);
  if (!reaches(smallestTotal)) {
    throw new QuantizerOptionError(
      `target rate ${targetRate} is out of reach with ${method}: the best reachable overall rate on its grid is ` +
        `${(totalDense / smallestTotal).toFixed(3)} (codebooks, bias and scales counted); lower the target or pick another method`,
      'targetRate',
    );
  }
  states.forEach((state, index) => {
    const othersMinimum = smallestTotal - (minimumBits[index] ?? 0);
    state.candidates = state.candidates.filter((candidate) => reaches(candidate.bits + othersMinimum));
  });

  const needsWorkers = method === 'pq' || method === 'rq';
  const runner: ProductRunner =
    needsWorkers && settings.threads > 1
      ? ((await startWorkerPool(settings.threads)) ?? inThreadRunner)
      : inThreadRunner;
  try {
    const progress = makeProgress(settings, states.length * 2);
    for (const state of states) {
      await measureCandidates(state, method, settings, runner);
      progress();
    }
    const picks = pickCandidates(states, reaches);
    const results: RateLayerResult[] = [];
    for (const [index, state] of states.entries()) {
      const candidate = state.candidates[picks[index] ?? -1];
      if (candidate === undefined) throw new Error('chooseForTargetRate: knapsack returned no candidate'); // unreachable
      const { rows, cols, weight, name } = state.input;
      const full =
        candidate.full ??
        (await quantizeResolved(weight, rows, cols, candidate.resolved, quiet(settings), runner));
      results.push({
        name,
        choice: candidate.choice,
        predictedRate: denseBits(rows, cols) / candidate.bits,
        relativeError: full.relativeError,
        layer: full.layer,
      });
      progress();
    }
    return results;
  } finally {
    await runner.close();
  }
}

function makeProgress(settings: ResolvedSettings, total: number): () => void {
  let done = 0;
  settings.onProgress?.(0, total);
  return () => settings.onProgress?.(++done, total);
}

/** Settings without the caller's progress callback (it counts search steps, not inner segments). */
function quiet(settings: ResolvedSettings): ResolvedSettings {
  const { onProgress: _ignored, ...rest } = settings;
  return rest;
}

function gridFor(method: QuantMethodOption, rows: number, cols: number): RateChoice[] {
  const ds = TARGET_RATE_GRID.d.filter((d) => d <= smallestPowerOfTwoAtLeast(cols));
  const ks = TARGET_RATE_GRID.k.filter((k) => k <= Math.min(rows, MAX_K));
  switch (method) {
    case 'pq':
      return ds.flatMap((d) => ks.map((k) => ({ d, k, bits: Math.log2(k) })));
    case 'rq':
      return ds.flatMap((d) =>
        ks.flatMap((k) => TARGET_RATE_GRID.rqStages.map((stages) => ({ d, k, stages, bits: Math.log2(k) }))),
      );
    case 'kmeans':
      return TARGET_RATE_GRID.kmeansBits
        .filter((bits) => 2 ** bits <= rows * cols)
        .map((bits) => ({ k: 2 ** bits, bits }));
    case 'binary':
      return [{}];
    case 'svd':
      return TARGET_RATE_GRID.svdRanks(Math.min(rows, cols)).map((rank) => ({ rank }));
  }
}

function resolvedFor(method: QuantMethodOption, choice: RateChoice): ResolvedChoice & StorageChoice {
  const d = choice.d ?? 0;
  const k = choice.k ?? 0;
  switch (method) {
    case 'pq':
      return { method, d, k };
    case 'rq':
      return { method, d, k, stages: choice.stages ?? 1 };
    case 'kmeans':
      return { method, k };
    case 'binary':
      return { method };
    case 'svd':
      return { method, rank: choice.rank ?? 1 };
  }
}

async function measureCandidates(
  state: LayerState,
  method: QuantMethodOption,
  settings: ResolvedSettings,
  runner: ProductRunner,
): Promise<void> {
  const { weight, rows, cols } = state.input;
  const inner = quiet(settings);
  const finish = (candidate: Candidate, result: QuantizeResult): void => {
    candidate.full = result;
    candidate.squaredError = result.relativeError ** 2 * state.energy;
  };
  switch (method) {
    case 'binary':
      for (const candidate of state.candidates) {
        finish(candidate, await quantizeResolved(weight, rows, cols, candidate.resolved, inner, runner));
      }
      return;
    case 'svd': {
      const largest = Math.max(...state.candidates.map((c) => c.choice.rank ?? 1));
      const svd = truncatedSvd(weight, rows, cols, largest, settings.seed);
      for (const candidate of state.candidates) {
        finish(candidate, svdLayer(svd, weight, candidate.choice.rank ?? 1, state.energy));
      }
      return;
    }
    case 'kmeans': {
      let scalars: SortedScalars | null = null;
      for (const candidate of state.candidates) {
        scalars ??= sortScalars(weight);
        const k = candidate.choice.k ?? 2;
        // Same stream as quantizeMatrix's kmeans, so the result is the one quantizeMatrix would give.
        const fit = fitScalarKmeans(scalars, k, new SeededRandom(deriveSeed(settings.seed)), settings);
        const codes = fit.codes instanceof Uint8Array ? fit.codes : Uint8Array.from(fit.codes);
        finish(candidate, {
          layer: { method: 'kmeans', k, codes, codebook: Float32Array.from(fit.centroids) },
          relativeError: relativeErrorOf(fit.distortion, state.energy),
        });
      }
      return;
    }
    case 'pq':
    case 'rq':
      await measureProductCandidates(state, method, settings, runner);
      return;
  }
}

async function measureProductCandidates(
  state: LayerState,
  method: 'pq' | 'rq',
  settings: ResolvedSettings,
  runner: ProductRunner,
): Promise<void> {
  const { weight, rows, cols } = state.input;
  // One run per (d, k), with as many stages as any surviving candidate of that (d, k) needs.
  const groups = new Map<string, { d: number; k: number; stages: number; members: Candidate[] }>();
  for (const candidate of state.candidates) {
    const d = candidate.choice.d ?? 1;
    const k = candidate.choice.k ?? 2;
    const key = `${d}/${k}`;
    const group = groups.get(key) ?? { d, k, stages: 0, members: [] };
    group.stages = Math.max(group.stages, candidate.choice.stages ?? 1);
    group.members.push(candidate);
    groups.set(key, group);
  }
  const workOf = (g: { d: number; k: number; stages: number }): number =>
    rows * segmentCount(cols, g.d) * g.d * g.k * g.stages * Math.max(1, settings.maxIterations);
  const totalWork = [...groups.values()].reduce((sum, group) => sum + workOf(group), 0);
  const fraction = Math.min(1, SEARCH_WORK_PER_LAYER / totalWork);
  for (const group of groups.values()) {
    const segments = segmentCount(cols, group.d);
    const sampled = Math.min(segments, Math.max(MIN_SAMPLED_SEGMENTS, Math.ceil(fraction * segments)));
    const run: ProductRun = await runProduct(
      weight,
      rows,
      cols,
      group,
      settings,
      runner,
      spreadSegments(segments, sampled),
    );
    for (const member of group.members) {
      const stages = member.choice.stages ?? 1;
      member.squaredError = productSquaredError(run, cols, stages);
      if (sampled === segments) {
        member.full = {
          layer: productLayer(run, rows, method, stages),
          relativeError: relativeErrorOf(member.squaredError, state.energy),
        };
      }
    }
  }
}

interface FrontState {
  bits: number;
  /** Σ over the layers so far of squared error / layer energy. */
  cost: number;
  /** Index in the previous front. */
  parent: number;
  candidate: number;
}

/**
 * Multiple-choice knapsack over layers: minimise Σ relative squared error subject to reaches(Σ bits). Keeps, after each
 * layer, the Pareto front of partial solutions (no other state has fewer or equal bits and less error), and
 * drops states that cannot reach the rate even with the remaining layers at their smallest candidates.
 */
function pickCandidates(states: LayerState[], reaches: (bits: number) => boolean): number[] {
  const remainingMinimum = new Array<number>(states.length + 1).fill(0);
  for (let i = states.length - 1; i >= 0; i--) {
    const candidates = states[i]?.candidates ?? [];
    remainingMinimum[i] = (remainingMinimum[i + 1] ?? 0) + Math.min(...candidates.map((c) => c.bits));
  }
  const fronts: FrontState[][] = [];
  let front: FrontState[] = [{ bits: 0, cost: 0, parent: -1, candidate: -1 }];
  states.forEach((state, layerIndex) => {
    const rest = remainingMinimum[layerIndex + 1] ?? 0;
    const next: FrontState[] = [];
    front.forEach((partial, parent) => {
      state.candidates.forEach((candidate, index) => {
        const bits = partial.bits + candidate.bits;
        if (!reaches(bits + rest)) return;
        next.push({
          bits,
          cost: partial.cost + candidate.squaredError / Math.max(state.energy, Number.MIN_VALUE),
          parent,
          candidate: index,
        });
      });
    });
    next.sort((a, b) => a.bits - b.bits || a.cost - b.cost);
    let pruned: FrontState[] = [];
    let bestCost = Number.POSITIVE_INFINITY;
    for (const partial of next) {
      if (partial.cost < bestCost) {
        pruned.push(partial);
        bestCost = partial.cost;
      }
    }
    if (pruned.length > MAX_FRONT_STATES) pruned = thin(pruned);
    fronts.push(pruned);
    front = pruned;
  });
  // The last state of a Pareto front has the least error.
  let index = front.length - 1;
  const picks = new Array<number>(states.length).fill(-1);
  for (let layer = states.length - 1; layer >= 0 && index >= 0; layer--) {
    const partial = fronts[layer]?.[index];
    if (partial === undefined) break;
    picks[layer] = partial.candidate;
    index = partial.parent;
  }
  return picks;
}

/** Keeps the least-error state per 1/MAX_FRONT_STATES of the front's bit range (still a Pareto front). */
function thin(front: FrontState[]): FrontState[] {
  const lowest = front[0]?.bits ?? 0;
  const highest = front[front.length - 1]?.bits ?? 0;
  const bucketBits = Math.max(1, (highest - lowest) / MAX_FRONT_STATES);
  const kept: FrontState[] = [];
  for (const partial of front) {
    const last = kept[kept.length - 1];
    if (last !== undefined && Math.floor(last.bits / bucketBits) === Math.floor(partial.bits / bucketBits)) {
      kept[kept.length - 1] = partial; // later in the front = less error
    } else {
      kept.push(partial);
    }
  }
  return kept;
}
