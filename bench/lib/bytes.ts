/**
 * The fewest bytes each contender must move through device memory for one run (METHOD.md, "two numbers
 * first"): weights read once, x read once, y written once. Over the measured copy bandwidth this gives the
 * bandwidth bound a kernel is judged against. Pure arithmetic: the report uses it for the phone projection.
 */
import { bitsForK, wordsPerRowFor } from '../../packages/format/src/packing';
import { type CodebookDtype, codebookBindingBytes } from '../../packages/runtime/src/kernels/codebook-dtype';
import { isFusedVariant } from '../../packages/runtime/src/kernels/plan';
import { FLOAT_BYTES, WORD_BYTES } from '../../packages/runtime/src/kernels/program';
import { table8CodeWords } from '../../packages/runtime/src/kernels/table8-layout';
import { type BytesMoved, type ContenderSpec, codebookDtypeOf } from './results';

/** MatMulNBits packs two 4-bit values per byte. */
const INT4_PER_BYTE = 2;

interface Shape {
  rows: number;
  cols: number;
}

/** Codes + codebooks + bias of a PQ layer (the paper's honest storage; codebooks fp32 unless said). */
export function pqWeightBytes(
  { rows, cols }: Shape,
  d: number,
  k: number,
  codebookDtype: CodebookDtype = 'float32',
): number {
  const segments = Math.ceil(cols / d);
  const codes = rows * wordsPerRowFor(segments, bitsForK(k)) * WORD_BYTES;
  const codebooks = codebookBindingBytes(segments * k * d, codebookDtype);
  return codes + codebooks + rows * FLOAT_BYTES;
}

export function kmeansWeightBytes({ rows, cols }: Shape, k: number): number {
  return rows * wordsPerRowFor(cols, bitsForK(k)) * WORD_BYTES + k * FLOAT_BYTES + rows * FLOAT_BYTES;
}

/** Sign bits (1 per weight, rows padded to whole words) + per-row scales + bias of a binary layer. */
export function binaryWeightBytes({ rows, cols }: Shape): number {
  return rows * wordsPerRowFor(cols, 1) * WORD_BYTES + 2 * rows * FLOAT_BYTES;
}

export function denseWeightBytes({ rows, cols }: Shape, withBias: boolean): number {
  return rows * cols * FLOAT_BYTES + (withBias ? rows * FLOAT_BYTES : 0);
}

/** int4 values (N × K/2 bytes) + one fp32 scale per block of `blockSize`. */
export function nbitsWeightBytes({ rows, cols }: Shape, blockSize: number): number {
  const blocks = Math.ceil(cols / blockSize);
  return rows * blocks * (blockSize / INT4_PER_BYTE) + rows * blocks * FLOAT_BYTES;
}

/** The LUT for `batch` inputs: segments × k floats each. */
export function lutBytes({ cols }: Shape, d: number, k: number, batch: number): number {
  return batch * Math.ceil(cols / d) * k * FLOAT_BYTES;
}

/** pqweb layers carry a bias (as real layers do); the ORT graphs are a bare MatMul. */
export function bytesMoved(spec: ContenderSpec, shape: Shape, batch: number): BytesMoved {
  const activations = batch * (shape.cols + shape.rows) * FLOAT_BYTES;
  switch (spec.method) {
    case 'pq': {
      if (spec.tableBits === 8 || spec.variant === 'grouped-float32') {
        // One byte per code (per pair of codes where k ≤ 16) in 16-segment groups (kernels/table8-layout.ts; groups of
        // 32 pad a last group by at most 16 bytes more per row), the codebook, the bias; the tables stay in workgroup
        // memory (8-bit or float32 entries). Its integer sums (split-K) are not modelled, as for the other variants.
        const segments = Math.ceil(shape.cols / spec.d);
        const codes = table8CodeWords({ rows: shape.rows, segments, stages: 1, k: spec.k }) * WORD_BYTES;
        const codebooks = codebookBindingBytes(segments * spec.k * spec.d, codebookDtypeOf(spec));
        return { weights: codes + codebooks + shape.rows * FLOAT_BYTES, activations, lut: 0 };
      }
      // A LUT kept in a storage buffer is written once and read back at least once; the fused variants build it in
      // workgroup memory, and the decoded gather has none. Split-K partial sums are not modelled.
      const keepsLut =
        spec.variant !== 'decoded' && spec.variant !== 'table8' && !isFusedVariant(spec.variant);
      const lut = keepsLut ? 2 * lutBytes(shape, spec.d, spec.k, batch) : 0;
      return { weights: pqWeightBytes(shape, spec.d, spec.k, codebookDtypeOf(spec)), activations, lut };
    }
    case 'kmeans':
      return { weights: kmeansWeightBytes(shape, spec.k), activations, lut: 0 };
    case 'binary':
      return { weights: binaryWeightBytes(shape), activations, lut: 0 };
    case 'dense':
      return { weights: denseWeightBytes(shape, true), activations, lut: 0 };
    case 'matmul':
      return { weights: denseWeightBytes(shape, false), activations, lut: 0 };
    case 'matmulnbits':
      return { weights: nbitsWeightBytes(shape, spec.blockSize), activations, lut: 0 };
  }
}

/** The floor: weights + activations (the LUT is reported beside it, as a model). */
export function floorBytes(bytes: BytesMoved): number {
  return bytes.weights + bytes.activations;
}
