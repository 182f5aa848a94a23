/**
 * Random quantized layers for the CPU-executor and kernel tests, and the independent reference they are checked
 * against: codes are drawn unpacked, packed with @pqweb/format's packCodes, and the reference rebuilds the
 * dense W from the UNPACKED codes and computes W·x + b in float64, sharing no code with the executors.
 */
import { bitsForK, packCodes, roundToFloat16 } from '@pqweb/format';
import type { BinaryShape, KmeansShape, RqShape } from '../src/cpu';
import { randomFloats } from './gpu-fixture';

export interface QuantizedLayer<Shape> {
  shape: Shape;
  /** Unpacked codes, one per byte (RQ: stages × rows × segments). */
  codes: Uint8Array;
  /** The same codes packed per shape.packing. */
  words: Uint32Array<ArrayBuffer>;
  /** PQ/RQ codebooks, k-means centroids, or binary per-row scales. */
  values: Float32Array<ArrayBuffer>;
  bias: Float32Array<ArrayBuffer> | null;
  /** Dense rows × cols weights rebuilt from the unpacked codes. */
  weights: Float64Array;
}

function randomCodes(count: number, k: number, random: () => number): Uint8Array {
  const codes = new Uint8Array(count);
  for (let i = 0; i < count; i++) codes[i] = Math.min(k - 1, Math.floor(random() * k));
  return codes;
}

function packed(codes: Uint8Array, rows: number, codesPerRow: number, k: number) {
  const { words, packing } = packCodes(codes, rows, codesPerRow, bitsForK(k));
  return { words: new Uint32Array(words), packing };
}

export interface LutLayerSpec {
  rows: number;
  cols: number;
  d: number;
  k: number;
  stages: number;
  withBias: boolean;
  /** Codebook values that float16 holds exactly (rounded to it), as a .pqw file with float16 codebooks gives them. */
  float16Codebooks?: boolean;
}

/** A PQ (stages = 1) or RQ layer with random codes, codebooks and bias. */
export function randomLutLayer(spec: LutLayerSpec, random: () => number): QuantizedLayer<RqShape> {
  const { rows, cols, d, k, stages } = spec;
  const segments = Math.ceil(cols / d);
  const codes = randomCodes(stages * rows * segments, k, random);
  const { words, packing } = packed(codes, stages * rows, segments, k);
  const drawn = new Float32Array(randomFloats(stages * segments * k * d, random));
  const codebook = spec.float16Codebooks ? new Float32Array(roundToFloat16(drawn)) : drawn;
  // The format stores padded coordinates as 0; the executors must not depend on it, so leave them random.
  const weights = new Float64Array(rows * cols);
  for (let t = 0; t < stages; t++) {
    for (let i = 0; i < rows; i++) {
      for (let col = 0; col < cols; col++) {
        const j = Math.floor(col / d);
        const code = codes[(t * rows + i) * segments + j];
        weights[i * cols + col] += codebook[((t * segments + j) * k + code) * d + (col - j * d)];
      }
    }
  }
  const bias = spec.withBias ? new Float32Array(randomFloats(rows, random)) : null;
  return {
    shape: { rows, cols, d, k, segments, stages, packing: { ...packing, codesPerRow: segments } },
    codes,
    words,
    values: codebook,
    bias,
    weights,
  };
}

export function randomKmeansLayer(
  spec: { rows: number; cols: number; k: number; withBias: boolean },
  random: () => number,
): QuantizedLayer<KmeansShape> {
  const { rows, cols, k } = spec;
  const codes = randomCodes(rows * cols, k, random);
  const { words, packing } = packed(codes, rows, cols, k);
  const centroids = new Float32Array(randomFloats(k, random));
  const weights = new Float64Array(rows * cols);
  for (let index = 0; index < rows * cols; index++) weights[index] = centroids[codes[index]];
  const bias = spec.withBias ? new Float32Array(randomFloats(rows, random)) : null;
  return { shape: { rows, cols, k, packing }, codes, words, values: centroids, bias, weights };
}

export function randomBinaryLayer(
  spec: { rows: number; cols: number; withBias: boolean },
  random: () => number,
): QuantizedLayer<BinaryShape> {
  const { rows, cols } = spec;
  const signs = randomCodes(rows * cols, 2, random);
  const { words, packing } = packed(signs, rows, cols, 2);
  const scales = new Float32Array(randomFloats(rows, random));
  const weights = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) weights[i * cols + j] = signs[i * cols + j] === 1 ? scales[i] : -scales[i];
  }
  const bias = spec.withBias ? new Float32Array(randomFloats(rows, random)) : null;
  return { shape: { rows, cols, packing }, codes: signs, words, values: scales, bias, weights };
}

export interface DenseReference {
  /** y = relu?(W x + b), float64, batch × rows. */
  y: Float64Array;
  /** |b_i| + Σ_j |W_ij x_j|: the scale rounding errors are measured against. */
  magnitude: Float64Array;
}

/** The naive dense product on the rebuilt W: the ground truth. */
export function denseReference(
  weights: Float64Array,
  rows: number,
  cols: number,
  bias: Float32Array | null,
  x: Float32Array,
  batch: number,
  relu: boolean,
): DenseReference {
  const y = new Float64Array(batch * rows);
  const magnitude = new Float64Array(batch * rows);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < rows; i++) {
      let sum = bias === null ? 0 : bias[i];
      let absolute = Math.abs(sum);
      for (let j = 0; j < cols; j++) {
        const term = weights[i * cols + j] * x[b * cols + j];
        sum += term;
        absolute += Math.abs(term);
      }
      y[b * rows + i] = relu ? Math.max(0, sum) : sum;
      magnitude[b * rows + i] = absolute;
    }
  }
  return { y, magnitude };
}

/**
 * Index of the first element of `actual` off the reference by more than tolerance·magnitude (or not finite),
 * or -1. A relative bound on Σ|terms| is the honest one for sums whose terms cancel.
 */
export function firstMismatch(
  actual: ArrayLike<number>,
  reference: DenseReference,
  tolerance: number,
): number {
  if (actual.length !== reference.y.length) return 0;
  for (let index = 0; index < actual.length; index++) {
    const error = Math.abs(actual[index] - reference.y[index]);
    if (!(error <= tolerance * reference.magnitude[index])) return index;
  }
  return -1;
}
