/** quantizeMatrix: one dense layer's weight matrix through one of the paper's quantizers. */
import { binarize } from './binary';
import { fitScalarKmeans, sortScalars } from './kmeans-scalar';
import {
  checkFinite,
  checkShape,
  type ResolvedChoice,
  type ResolvedSettings,
  resolveChoice,
  resolveSettings,
} from './options';
import { productLayer, productSquaredError, runProduct } from './product';
import { inThreadRunner, type ProductRunner, startWorkerPool } from './product-runner';
import { segmentCount } from './product-segment';
import { deriveSeed, SeededRandom } from './random';
import { type TruncatedSvd, truncatedSvd } from './svd';
import type { QuantizedLayer, QuantizeOptions, QuantizeResult } from './types';

/**
 * Below this many work units (rows × padded cols × k × stages × iterations) a pq/rq job runs in this thread
 * unless threads was set: starting workers costs ~0.3 s (measured, with tsx), about 3·10^8 units at the
 * ~0.9·10^9 per second per core measured for the accelerated Lloyd.
 */
const MIN_WORK_FOR_WORKERS = 3e8;

export async function quantizeMatrix(
  weight: Float32Array,
  rows: number,
  cols: number,
  options: QuantizeOptions,
): Promise<QuantizeResult> {
  checkShape(rows, cols, weight.length);
  const choice = resolveChoice(rows, cols, options);
  const settings = resolveSettings(options);
  checkFinite(weight, rows, cols);
  const runner = await runnerFor(rows, cols, choice, settings);
  try {
    return await quantizeResolved(weight, rows, cols, choice, settings, runner);
  } finally {
    await runner.close();
  }
}

/** Workers for pq/rq when more than one thread is allowed and the job is worth their start-up. */
export async function runnerFor(
  rows: number,
  cols: number,
  choice: ResolvedChoice,
  settings: ResolvedSettings,
): Promise<ProductRunner> {
  if (choice.method !== 'pq' && choice.method !== 'rq') return inThreadRunner;
  const segments = segmentCount(cols, choice.d);
  const stages = choice.method === 'rq' ? choice.stages : 1;
  const work = rows * segments * choice.d * choice.k * stages * settings.maxIterations;
  const threads = Math.min(settings.threads, segments);
  if (threads < 2 || (!settings.threadsGiven && work < MIN_WORK_FOR_WORKERS)) return inThreadRunner;
  return (await startWorkerPool(threads)) ?? inThreadRunner;
}

export function squaredNorm(weight: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < weight.length; i++) sum += weight[i] * weight[i];
  return sum;
}

export function relativeErrorOf(squaredError: number, energy: number): number {
  return energy > 0 ? Math.sqrt(squaredError / energy) : 0;
}

/** Quantizes with already checked options; `runner` serves pq/rq. */
export async function quantizeResolved(
  weight: Float32Array,
  rows: number,
  cols: number,
  choice: ResolvedChoice,
  settings: ResolvedSettings,
  runner: ProductRunner,
): Promise<QuantizeResult> {
  const energy = squaredNorm(weight);
  const progress = settings.onProgress;
  switch (choice.method) {
    case 'pq':
    case 'rq': {
      const stages = choice.method === 'rq' ? choice.stages : 1;
      const segments = segmentCount(cols, choice.d);
      let done = 0;
      progress?.(0, segments);
      const run = await runProduct(
        weight,
        rows,
        cols,
        { d: choice.d, k: choice.k, stages },
        settings,
        runner,
        undefined,
        () => progress?.(++done, segments),
      );
      return {
        layer: productLayer(run, rows, choice.method),
        relativeError: relativeErrorOf(productSquaredError(run, cols, stages), energy),
      };
    }
    case 'kmeans': {
      progress?.(0, settings.maxIterations);
      const fit = fitScalarKmeans(
        sortScalars(weight),
        choice.k,
        new SeededRandom(deriveSeed(settings.seed)),
        settings,
        (iteration) => progress?.(iteration, settings.maxIterations),
      );
      progress?.(settings.maxIterations, settings.maxIterations);
      const codes = fit.codes instanceof Uint8Array ? fit.codes : Uint8Array.from(fit.codes);
      return {
        layer: { method: 'kmeans', k: choice.k, codes, codebook: Float32Array.from(fit.centroids) },
        relativeError: relativeErrorOf(fit.distortion, energy),
      };
    }
    case 'binary': {
      progress?.(0, 1);
      const { layer, squaredError } = binarize(weight, rows, cols);
      progress?.(1, 1);
      return { layer, relativeError: relativeErrorOf(squaredError, energy) };
    }
    case 'svd': {
      const svd = truncatedSvd(weight, rows, cols, choice.rank, settings.seed, progress);
      return svdLayer(svd, weight, choice.rank, energy);
    }
  }
}

/** The rank-`rank` layer from an SVD of rank ≥ `rank` (its leading factors), with its exact error. */
export function svdLayer(
  svd: TruncatedSvd,
  weight: Float32Array,
  rank: number,
  energy: number,
): QuantizeResult {
  const { rows, cols } = svd;
  const u = new Float32Array(rows * rank);
  for (let i = 0; i < rows; i++) for (let j = 0; j < rank; j++) u[i * rank + j] = svd.u[j * svd.rows + i];
  const v = Float32Array.from(svd.v.subarray(0, rank * cols));
  const layer: QuantizedLayer = { method: 'svd', rank, u, v };
  return {
    layer,
    relativeError: relativeErrorOf(lowRankSquaredError(weight, rows, cols, u, v, rank), energy),
  };
}

/** ‖W − U·V‖²_F with the float32 factors, row by row. */
function lowRankSquaredError(
  weight: Float32Array,
  rows: number,
  cols: number,
  u: Float32Array,
  v: Float32Array,
  rank: number,
): number {
  const row = new Float64Array(cols);
  let error = 0;
  for (let i = 0; i < rows; i++) {
    row.fill(0);
    for (let t = 0; t < rank; t++) {
      const coefficient = u[i * rank + t];
      const base = t * cols;
      for (let c = 0; c < cols; c++) row[c] += coefficient * v[base + c];
    }
    const base = i * cols;
    for (let c = 0; c < cols; c++) {
      const diff = weight[base + c] - row[c];
      error += diff * diff;
    }
  }
  return error;
}
