/**
 * The unit of work of PQ and RQ: one segment (columns j·d … j·d + d − 1 of W, zero-padded past the last
 * column), clustered over all rows, for every RQ stage. Segments are independent, so this is what worker
 * threads run; the in-thread path runs the very same function, which is why thread count cannot change a bit
 * of the output. Stage t of segment j draws from the stream deriveSeed(seed, j, t).
 */
import { fitLloyd } from './kmeans-lloyd';
import { deriveSeed, SeededRandom } from './random';

/** What every segment of a product-quantization job shares. Plain data: it crosses to worker threads. */
export interface ProductJobSpec {
  rows: number;
  cols: number;
  /** Sub-vector length. */
  d: number;
  /** Centroids per segment codebook. */
  k: number;
  /** 1 for PQ. */
  stages: number;
  seed: number;
  maxIterations: number;
  tolerance: number;
}

/**
 * Inputs and outputs of a job. In workers these views lie on SharedArrayBuffers; each segment writes only its
 * own slots, so no two threads ever write the same element.
 */
export interface ProductJobBuffers {
  /** rows × cols, row-major. */
  weight: Float32Array;
  /** [stages][rows][segments]. */
  codes: Uint8Array;
  /** [stages][segments][k][d]; padded coordinates stay 0. */
  codebook: Float32Array;
  /** [stages][segments]: Σ‖residual‖² of the segment after stage t (its error with t + 1 stages). */
  squaredErrors: Float64Array;
}

export function segmentCount(cols: number, d: number): number {
  return Math.ceil(cols / d);
}

/** Columns of segment j that are real (not padding). */
export function segmentWidth(cols: number, d: number, segment: number): number {
  return Math.min(d, cols - segment * d);
}

export function allocateProductBuffers(
  spec: ProductJobSpec,
  weight: Float32Array,
  allocate: (bytes: number) => ArrayBufferLike,
): ProductJobBuffers {
  const segments = segmentCount(spec.cols, spec.d);
  return {
    weight,
    codes: new Uint8Array(allocate(spec.stages * spec.rows * segments)),
    codebook: new Float32Array(
      allocate(spec.stages * segments * spec.k * spec.d * Float32Array.BYTES_PER_ELEMENT),
    ),
    squaredErrors: new Float64Array(allocate(spec.stages * segments * Float64Array.BYTES_PER_ELEMENT)),
  };
}

/** Quantizes segment `segment` through all stages, writing its codes, codebooks and errors into `buffers`. */
export function quantizeSegment(spec: ProductJobSpec, buffers: ProductJobBuffers, segment: number): void {
  const { rows, cols, d, k, stages } = spec;
  const segments = segmentCount(cols, d);
  const width = segmentWidth(cols, d, segment);
  const firstColumn = segment * d;
  // The residual starts as the segment's sub-vectors; padded coordinates are 0 and, being the mean of zeros in
  // every cluster, stay 0 in every centroid and every later residual.
  const residual = new Float64Array(rows * d);
  for (let i = 0; i < rows; i++) {
    const source = i * cols + firstColumn;
    for (let x = 0; x < width; x++) residual[i * d + x] = buffers.weight[source + x];
  }
  for (let stage = 0; stage < stages; stage++) {
    const random = new SeededRandom(deriveSeed(spec.seed, segment, stage));
    const fit = fitLloyd(residual, rows, d, k, random, spec);
    const codebookBase = (stage * segments + segment) * k * d;
    for (let c = 0; c < k; c++) {
      for (let x = 0; x < d; x++) {
        // Padding is exactly 0 already (see above); writing it explicitly keeps the file's rule visible.
        buffers.codebook[codebookBase + c * d + x] = x < width ? fit.centroids[c * d + x] : 0;
      }
    }
    const codeBase = stage * rows * segments + segment;
    let squaredError = 0;
    for (let i = 0; i < rows; i++) {
      const code = fit.assignment[i];
      buffers.codes[codeBase + i * segments] = code;
      for (let x = 0; x < d; x++) {
        const value = residual[i * d + x] - (x < width ? fit.centroids[code * d + x] : 0);
        residual[i * d + x] = value;
        squaredError += value * value;
      }
    }
    buffers.squaredErrors[stage * segments + segment] = squaredError;
  }
}
