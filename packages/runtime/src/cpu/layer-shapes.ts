/**
 * Shapes of the quantized dense layers the executors run, and their checks. The shapes are the manifest's
 * layer types (packages/format/src/manifest.ts) narrowed to what the arithmetic needs, so a manifest layer can
 * be passed as is. The CPU executor and the GPU kernels share these checks, so both reject the same inputs
 * with the same messages.
 */
import type { BinaryLayer, CodePacking, KmeansLayer, PqLayer, RqLayer } from '@pqweb/format';
import { KernelInputError } from '../gpu/errors';

/** Product quantization: s = ceil(cols / d) segments, codebook [segments][k][d], codes rows × segments. */
export type PqShape = Pick<PqLayer, 'rows' | 'cols' | 'd' | 'k' | 'segments' | 'packing'>;
/** Residual quantization: `stages` PQ stages; codes [stages][rows][segments], codebooks [stages][segments][k][d]. */
export type RqShape = PqShape & Pick<RqLayer, 'stages'>;
/** Scalar k-means: one codebook of k scalars, codes rows × cols. */
export type KmeansShape = Pick<KmeansLayer, 'rows' | 'cols' | 'k' | 'packing'>;
/** Binarization: 1-bit signs rows × cols (1 = +scale[i], 0 = −scale[i]). */
export type BinaryShape = Pick<BinaryLayer, 'rows' | 'cols' | 'packing'>;

/** Codes are packed in u32 words (manifest CodePacking). */
export const BITS_PER_WORD = 32;
/** Largest codebook the format allows: codes are at most 8 bits (CodePacking.bits). */
export const MAX_CENTROIDS = 256;

function isCodeBits(bits: number): bits is CodePacking['bits'] {
  return bits === 1 || bits === 2 || bits === 4 || bits === 8;
}

/** Throws KernelInputError unless `value` is an integer ≥ `min`. */
export function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new KernelInputError(`${name} must be an integer ≥ ${min}, got ${value}`);
  }
}

/** Checks that `packing` describes `codesPerRow` codes per row wide enough for k distinct codes. */
export function checkPacking(packing: CodePacking, codesPerRow: number, k: number): void {
  const { bits } = packing;
  if (!isCodeBits(bits)) throw new KernelInputError(`packing.bits must be 1, 2, 4 or 8, got ${bits}`);
  if (2 ** bits < k) {
    throw new KernelInputError(`packing.bits ${bits} cannot hold k = ${k} codes; need 2^bits ≥ k`);
  }
  if (packing.codesPerRow !== codesPerRow) {
    throw new KernelInputError(`packing.codesPerRow is ${packing.codesPerRow}, expected ${codesPerRow}`);
  }
  const wordsPerRow = Math.ceil((codesPerRow * bits) / BITS_PER_WORD);
  if (packing.wordsPerRow !== wordsPerRow) {
    throw new KernelInputError(
      `packing.wordsPerRow is ${packing.wordsPerRow}, expected ceil(${codesPerRow} × ${bits} / ${BITS_PER_WORD}) = ${wordsPerRow}`,
    );
  }
}

function checkCentroidCount(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_CENTROIDS) {
    throw new KernelInputError(`k must be an integer in 1..${MAX_CENTROIDS}, got ${k}`);
  }
}

/** Checks a PQ / RQ shape (PQ is RQ with one stage). */
export function checkLutShape(shape: RqShape): void {
  checkInteger('rows', shape.rows, 1);
  checkInteger('cols', shape.cols, 1);
  checkInteger('d', shape.d, 1);
  checkInteger('stages', shape.stages, 1);
  checkCentroidCount(shape.k);
  const segments = Math.ceil(shape.cols / shape.d);
  if (shape.segments !== segments) {
    throw new KernelInputError(
      `segments is ${shape.segments}, expected ceil(cols ${shape.cols} / d ${shape.d}) = ${segments}`,
    );
  }
  checkPacking(shape.packing, segments, shape.k);
}

export function checkKmeansShape(shape: KmeansShape): void {
  checkInteger('rows', shape.rows, 1);
  checkInteger('cols', shape.cols, 1);
  checkCentroidCount(shape.k);
  checkPacking(shape.packing, shape.cols, shape.k);
}

export function checkBinaryShape(shape: BinaryShape): void {
  checkInteger('rows', shape.rows, 1);
  checkInteger('cols', shape.cols, 1);
  if (shape.packing.bits !== 1)
    throw new KernelInputError(`binary layers pack 1 bit per sign, got packing.bits ${shape.packing.bits}`);
  checkPacking(shape.packing, shape.cols, 2);
}

/** Throws KernelInputError unless `actual` equals `expected`; `formula` spells out where `expected` comes from. */
export function checkLength(name: string, actual: number, expected: number, formula: string): void {
  if (actual !== expected) {
    throw new KernelInputError(`${name} holds ${actual} elements, expected ${formula} = ${expected}`);
  }
}

/**
 * The CPU twins' common signature (pqForward, rqForward, kmeansForward, binaryForward): `values` is the codebook,
 * the centroids or the per-row scales; `codes` the packed words, row-major.
 */
export type QuantizedForward<Shape> = (
  shape: Shape,
  codes: Uint32Array,
  values: Float32Array,
  bias: Float32Array | null,
  x: Float32Array,
  batch: number,
  relu: boolean,
) => Float32Array;
