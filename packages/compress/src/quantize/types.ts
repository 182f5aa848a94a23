/** Public types of the quantizers (see index.ts for the entry points). */

export type QuantMethodOption = 'pq' | 'kmeans' | 'binary' | 'rq' | 'svd';

export interface QuantizeOptions {
  method: QuantMethodOption;
  /** Code bits; k = 2^bits for kmeans, pq and rq (1..8). Give bits or k, or both if they agree. */
  bits?: number;
  /** Centroids (2..256; ≤ rows for pq/rq). Default 256, or the largest power of two ≤ rows when rows < 256. */
  k?: number;
  /** PQ/RQ sub-vector length: a power of two, at most cols rounded up to a power of two. Default 4. */
  d?: number;
  /** RQ stages (1..16). Default 2. */
  stages?: number;
  /** SVD rank (1..min(rows, cols)); required for svd. */
  rank?: number;
  /** Any safe integer. Default 1. */
  seed?: number;
  /** Lloyd iterations per k-means. Default 25. */
  maxIterations?: number;
  /** Stop k-means when the distortion falls by less than this fraction in an iteration. Default 1e-4. */
  tolerance?: number;
  /** Worker threads for pq/rq. Default os.availableParallelism(); 1 runs in this thread. Output never depends on it. */
  threads?: number;
  /** pq/rq: segments done of all; kmeans: Lloyd iterations; svd: subspace iterations; binary: 0 of 1, 1 of 1. */
  onProgress?: (done: number, total: number) => void;
}

export type QuantizedLayer =
  | {
      method: 'pq';
      d: number;
      k: number;
      segments: number;
      /** rows × segments, row-major. */
      codes: Uint8Array;
      /** [segments][k][d]; coordinates past the last column are 0. */
      codebook: Float32Array;
    }
  | {
      method: 'kmeans';
      k: number;
      /** rows × cols, row-major. */
      codes: Uint8Array;
      /** k centroids, ascending. */
      codebook: Float32Array;
    }
  | {
      method: 'binary';
      /** rows × cols, 1 where w ≥ 0. */
      signs: Uint8Array;
      /** rows: mean |W[i]|. */
      scales: Float32Array;
    }
  | {
      method: 'rq';
      d: number;
      k: number;
      segments: number;
      stages: number;
      /** [stages][rows][segments]. */
      codes: Uint8Array;
      /** [stages][segments][k][d]. */
      codebook: Float32Array;
    }
  | {
      method: 'svd';
      rank: number;
      /** rows × rank, row-major, orthonormal columns. */
      u: Float32Array;
      /** rank × cols, row-major; row j has norm σ_j. */
      v: Float32Array;
    };

export interface QuantizeResult {
  layer: QuantizedLayer;
  /** ‖W − Ŵ‖_F / ‖W‖_F (0 for an all-zero W), measured against the float32 values in `layer`. */
  relativeError: number;
}
