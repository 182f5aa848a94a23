/** Checks and defaults for quantizer options; every rejection is a QuantizerOptionError naming the option. */
import { availableParallelism } from 'node:os';
import { QuantizerOptionError } from './errors';
import type { QuantizeOptions, QuantMethodOption } from './types';

/** The .pqw format's codes are at most 8 bits (format/packing.ts), so at most 256 centroids. */
export const MAX_K = 256;
export const MAX_CODE_BITS = 8;
/** The paper's headline PQ setting, and the d the LUT kernels are tuned for. */
export const DEFAULT_D = 4;
export const DEFAULT_RQ_STAGES = 2;
/** A guard against typos, not a format limit: past a few stages a larger k buys more per bit. */
export const MAX_RQ_STAGES = 16;
export const DEFAULT_SEED = 1;
export const DEFAULT_MAX_ITERATIONS = 25;
export const DEFAULT_TOLERANCE = 1e-4;

export type ResolvedChoice =
  | { method: 'pq'; d: number; k: number }
  | { method: 'rq'; d: number; k: number; stages: number }
  | { method: 'kmeans'; k: number }
  | { method: 'binary' }
  | { method: 'svd'; rank: number };

export interface ResolvedSettings {
  seed: number;
  maxIterations: number;
  tolerance: number;
  threads: number;
  /** True when the caller set threads; then workers are used even for small jobs (tests rely on it). */
  threadsGiven: boolean;
  onProgress?: (done: number, total: number) => void;
}

export const QUANT_METHODS: readonly QuantMethodOption[] = ['pq', 'kmeans', 'binary', 'rq', 'svd'];

function isPowerOfTwo(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && (value & (value - 1)) === 0;
}

function largestPowerOfTwoAtMost(value: number): number {
  return 2 ** Math.floor(Math.log2(value));
}

export function smallestPowerOfTwoAtLeast(value: number): number {
  return 2 ** Math.ceil(Math.log2(value));
}

export function checkShape(rows: number, cols: number, length: number, what = 'weight'): void {
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
    throw new QuantizerOptionError(`rows (${rows}) and cols (${cols}) must be positive integers`, 'shape');
  }
  if (length !== rows * cols) {
    throw new QuantizerOptionError(
      `${length} values given, expected rows ${rows} × cols ${cols} = ${rows * cols} (row-major, y = W x)`,
      what,
    );
  }
}

/** Throws on the first NaN or ±Inf, naming its row and column. */
export function checkFinite(weight: Float32Array, rows: number, cols: number, what = 'weight'): void {
  for (let i = 0; i < weight.length; i++) {
    const value = weight[i];
    if (value - value !== 0) {
      throw new QuantizerOptionError(
        `${what}[row ${Math.floor(i / cols)}, col ${i % cols}] is ${value}; quantizers need finite weights ` +
          `(check the model export; rows = ${rows}, cols = ${cols})`,
        what,
      );
    }
  }
}

function integerIn(value: number, name: string, low: number, high: number, hint: string): number {
  if (!Number.isInteger(value) || value < low || value > high) {
    throw new QuantizerOptionError(`${name} = ${value} is not an integer in ${low}..${high}; ${hint}`, name);
  }
  return value;
}

/**
 * k from `k` and/or `bits` (k = 2^bits), with its bounds: 2..256, and ≤ `limit` (the points clustered per
 * codebook: rows for pq/rq, rows·cols for kmeans). Without either, 256 capped to the largest power of two
 * ≤ limit.
 */
function resolveK(options: QuantizeOptions, limit: number, limitName: string): number {
  const { bits, k } = options;
  if (bits !== undefined)
    integerIn(bits, 'bits', 1, MAX_CODE_BITS, 'k = 2^bits and codes are at most 8 bits');
  if (k !== undefined) integerIn(k, 'k', 2, MAX_K, 'the .pqw format packs codes in at most 8 bits');
  if (bits !== undefined && k !== undefined && k !== 2 ** bits) {
    throw new QuantizerOptionError(
      `k = ${k} disagrees with bits = ${bits} (2^bits = ${2 ** bits}); give one`,
      'k',
    );
  }
  const resolved = k ?? (bits !== undefined ? 2 ** bits : Math.min(MAX_K, largestPowerOfTwoAtMost(limit)));
  if (resolved > limit) {
    throw new QuantizerOptionError(
      `k = ${resolved} centroids need at least ${resolved} points per codebook, but there are only ${limit} ` +
        `(${limitName}); pass k ≤ ${limit} (bits ≤ ${Math.floor(Math.log2(limit))})`,
      'k',
    );
  }
  if (resolved < 2) {
    throw new QuantizerOptionError(`${limitName} = ${limit} leaves no room for k ≥ 2 centroids`, 'k');
  }
  return resolved;
}

function resolveD(d: number | undefined, cols: number): number {
  const value = d ?? DEFAULT_D;
  const largest = smallestPowerOfTwoAtLeast(cols);
  if (!isPowerOfTwo(value) || value > largest) {
    throw new QuantizerOptionError(
      `d = ${value} must be a power of two (1, 2, 4, 8, …) and at most ${largest} (cols ${cols} rounded up ` +
        'to a power of two: one zero-padded segment)',
      'd',
    );
  }
  return value;
}

export function resolveChoice(rows: number, cols: number, options: QuantizeOptions): ResolvedChoice {
  const method = options.method;
  if (!QUANT_METHODS.includes(method)) {
    throw new QuantizerOptionError(
      `method '${String(method)}' is not one of ${QUANT_METHODS.join(', ')}`,
      'method',
    );
  }
  switch (method) {
    case 'pq':
      return {
        method,
        d: resolveD(options.d, cols),
        k: resolveK(options, rows, 'rows: one sub-vector per row'),
      };
    case 'rq': {
      const stages = integerIn(options.stages ?? DEFAULT_RQ_STAGES, 'stages', 1, MAX_RQ_STAGES, 'pass 1..16');
      return {
        method,
        d: resolveD(options.d, cols),
        k: resolveK(options, rows, 'rows: one sub-vector per row'),
        stages,
      };
    }
    case 'kmeans':
      return { method, k: resolveK(options, rows * cols, 'rows × cols weights') };
    case 'binary':
      return { method };
    case 'svd': {
      const limit = Math.min(rows, cols);
      if (options.rank === undefined) {
        throw new QuantizerOptionError(
          `svd needs options.rank, an integer in 1..${limit} (min(rows, cols))`,
          'rank',
        );
      }
      return {
        method,
        rank: integerIn(options.rank, 'rank', 1, limit, `pass 1..${limit} (min(rows, cols))`),
      };
    }
  }
}

export function resolveSettings(options: Partial<QuantizeOptions>): ResolvedSettings {
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed))
    throw new QuantizerOptionError(`seed = ${seed} must be a safe integer`, 'seed');
  const maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  if (!Number.isInteger(maxIterations) || maxIterations < 0) {
    throw new QuantizerOptionError(
      `maxIterations = ${maxIterations} must be an integer ≥ 0`,
      'maxIterations',
    );
  }
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new QuantizerOptionError(`tolerance = ${tolerance} must be a finite number ≥ 0`, 'tolerance');
  }
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new QuantizerOptionError(`threads = ${threads} must be an integer ≥ 1`, 'threads');
  }
  const settings: ResolvedSettings = {
    seed,
    maxIterations,
    tolerance,
    threads,
    threadsGiven: options.threads !== undefined,
  };
  if (options.onProgress) settings.onProgress = options.onProgress;
  return settings;
}
