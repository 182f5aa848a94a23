/** The public k-means entry point: any dimension, with the sorted 1-D path for scalars. */
import { QuantizerOptionError } from './errors';
import { fitLloyd } from './kmeans-lloyd';
import { fitScalarKmeans, sortScalars } from './kmeans-scalar';
import { deriveSeed, SeededRandom } from './random';

/** Assignments are Uint16Array above 256 centroids, so at most 2^16. */
const MAX_PUBLIC_K = 65_536;
const MAX_K_FOR_BYTE_CODES = 256;

export interface KmeansOptions {
  seed: number;
  maxIterations: number;
  tolerance: number;
}

export interface KmeansResult {
  /** k × dim, row-major. For dim = 1, ascending. */
  centroids: Float32Array;
  /** Nearest centroid of each point (ties: lowest index); Uint8Array for k ≤ 256. */
  assignment: Uint8Array | Uint16Array;
  /** Σ‖x − c(x)‖² against the returned float32 centroids. */
  distortion: number;
  /** Lloyd iterations run after k-means++ seeding. */
  iterations: number;
}

/**
 * k-means with k-means++ seeding (seeded), Lloyd iterations, empty-cluster repair, and a stop when the
 * distortion drops by less than `tolerance` (relative) in an iteration or after `maxIterations`.
 * `points` holds count = points.length / dim points row-major. dim = 1 uses the sorted fast path.
 */
export function kmeans(points: Float32Array, dim: number, k: number, opts: KmeansOptions): KmeansResult {
  if (!Number.isInteger(dim) || dim < 1 || points.length % dim !== 0 || points.length === 0) {
    throw new QuantizerOptionError(
      `dim = ${dim} must be a positive integer dividing points.length = ${points.length} (> 0)`,
      'dim',
    );
  }
  const count = points.length / dim;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(count, MAX_PUBLIC_K)) {
    throw new QuantizerOptionError(
      `k = ${k} must be an integer in 1..${Math.min(count, MAX_PUBLIC_K)} (≤ ${count} points)`,
      'k',
    );
  }
  for (let i = 0; i < points.length; i++) {
    const value = points[i];
    if (value - value !== 0) {
      throw new QuantizerOptionError(
        `point ${Math.floor(i / dim)} coordinate ${i % dim} is ${value}`,
        'points',
      );
    }
  }
  if (!Number.isSafeInteger(opts.seed))
    throw new QuantizerOptionError(`seed = ${opts.seed} must be a safe integer`, 'seed');
  if (!Number.isInteger(opts.maxIterations) || opts.maxIterations < 0) {
    throw new QuantizerOptionError(
      `maxIterations = ${opts.maxIterations} must be an integer ≥ 0`,
      'maxIterations',
    );
  }
  if (!Number.isFinite(opts.tolerance) || opts.tolerance < 0) {
    throw new QuantizerOptionError(`tolerance = ${opts.tolerance} must be a finite number ≥ 0`, 'tolerance');
  }
  const random = new SeededRandom(deriveSeed(opts.seed));
  if (dim === 1) {
    const fit = fitScalarKmeans(sortScalars(points), k, random, opts);
    return {
      centroids: Float32Array.from(fit.centroids),
      assignment: fit.codes,
      distortion: fit.distortion,
      iterations: fit.iterations,
    };
  }
  const fit = fitLloyd(Float64Array.from(points), count, dim, k, random, opts);
  return {
    centroids: Float32Array.from(fit.centroids),
    assignment:
      k <= MAX_K_FOR_BYTE_CODES ? Uint8Array.from(fit.assignment) : Uint16Array.from(fit.assignment),
    distortion: fit.distortion,
    iterations: fit.iterations,
  };
}
