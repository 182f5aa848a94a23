/** PQ and RQ on a whole matrix: one job of independent segments for a ProductRunner, then the layer record. */
import type { ProductRunner } from './product-runner';
import { type ProductJobBuffers, type ProductJobSpec, segmentCount, segmentWidth } from './product-segment';
import type { QuantizedLayer } from './types';

export interface ProductChoice {
  d: number;
  k: number;
  stages: number;
}

export interface ProductSettings {
  seed: number;
  maxIterations: number;
  tolerance: number;
}

export interface ProductRun {
  choice: ProductChoice;
  segments: number;
  buffers: ProductJobBuffers;
  /** The segments that were quantized (all of them, or a sample for an estimate). */
  segmentList: Int32Array;
}

export function allSegments(segments: number): Int32Array {
  return Int32Array.from({ length: segments }, (_, j) => j);
}

/** `count` segments spread evenly over 0..segments−1 (all of them when count ≥ segments). */
export function spreadSegments(segments: number, count: number): Int32Array {
  if (count >= segments) return allSegments(segments);
  return Int32Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * segments) / count));
}

export async function runProduct(
  weight: Float32Array,
  rows: number,
  cols: number,
  choice: ProductChoice,
  settings: ProductSettings,
  runner: ProductRunner,
  segmentList: Int32Array = allSegments(segmentCount(cols, choice.d)),
  onSegmentDone?: () => void,
): Promise<ProductRun> {
  const spec: ProductJobSpec = {
    rows,
    cols,
    d: choice.d,
    k: choice.k,
    stages: choice.stages,
    seed: settings.seed,
    maxIterations: settings.maxIterations,
    tolerance: settings.tolerance,
  };
  const buffers = await runner.run(spec, weight, segmentList, onSegmentDone);
  return { choice, segments: segmentCount(cols, choice.d), buffers, segmentList };
}

/**
 * Σ‖W − Ŵ‖² over the quantized segments after `stages` stages, summed in segment order (deterministic).
 * For a sample of segments, scaled by cols / (real columns sampled) to estimate the whole matrix.
 */
export function productSquaredError(run: ProductRun, cols: number, stages: number): number {
  const { segments, buffers, segmentList } = run;
  let error = 0;
  let columns = 0;
  for (const segment of segmentList) {
    error += buffers.squaredErrors[(stages - 1) * segments + segment];
    columns += segmentWidth(cols, run.choice.d, segment);
  }
  return columns === cols ? error : (error * cols) / columns;
}

/** The layer record of a complete run, keeping the first `stages` stages (RQ stage t never depends on later ones). */
export function productLayer(
  run: ProductRun,
  rows: number,
  method: 'pq' | 'rq',
  stages: number = run.choice.stages,
): QuantizedLayer {
  const { d, k } = run.choice;
  const { segments, buffers } = run;
  const codes =
    stages === run.choice.stages ? buffers.codes : buffers.codes.slice(0, stages * rows * segments);
  const codebook =
    stages === run.choice.stages ? buffers.codebook : buffers.codebook.slice(0, stages * segments * k * d);
  if (method === 'pq') return { method, d, k, segments, codes, codebook };
  return { method, d, k, segments, stages, codes, codebook };
}
