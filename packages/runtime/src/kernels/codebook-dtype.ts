/**
 * How PQ / RQ codebooks sit in their GPU buffer (LayerGpuBuffers.codebookDtype): float32 values, or a .pqw file's
 * binary16 values two to a u32 word (lower half first), widened in the kernels (shaders/codebook_float16.wgsl).
 * Pure arithmetic, no WGSL: the benchmark's byte counts use it too.
 */

export type CodebookDtype = 'float32' | 'float16';
export const CODEBOOK_DTYPES: readonly CodebookDtype[] = ['float32', 'float16'];
/** Bytes of one codebook value on the GPU. */
export const CODEBOOK_VALUE_BYTES: Readonly<Record<CodebookDtype, number>> = { float32: 4, float16: 2 };
const WORD_BYTES = 4;

/** A PQ / RQ codebook buffer and how it holds its values. */
export interface CodebookBinding {
  buffer: GPUBuffer;
  dtype: CodebookDtype;
}

/**
 * Bytes the kernels bind for `values` codebook values stored as `dtype`: whole u32 words (a float16 codebook of an
 * odd number of values ends in half a word, which the uploader pads).
 */
export function codebookBindingBytes(values: number, dtype: CodebookDtype): number {
  return Math.ceil((values * CODEBOOK_VALUE_BYTES[dtype]) / WORD_BYTES) * WORD_BYTES;
}

/**
 * A float16 codebook as codebookDtype 'float16' binds it: the section's little-endian binary16 bytes (as a .pqw
 * stores them), or a Uint16Array of float16 patterns, in whole u32 words, so two values to a word with the lower half
 * first, and an odd number of values ending in a zero half. A copy: it never aliases `values`.
 */
export function float16CodebookWords(values: Uint8Array | Uint16Array): Uint32Array<ArrayBuffer> {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const words = new Uint32Array(Math.ceil(bytes.byteLength / WORD_BYTES));
  new Uint8Array(words.buffer).set(bytes);
  return words;
}
