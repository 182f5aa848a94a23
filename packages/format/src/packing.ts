/**
 * Integer codes packed into little-endian u32 words (docs/format.md, "Code packing"). A code matrix is
 * row-major; each row starts on a word boundary; code j of a row sits at bit (j·bits) mod 32 of the row's word
 * floor(j·bits / 32). Because bits divides 32 no code straddles two words, and 8-bit codes are plain bytes.
 */
import type { CodePacking } from './manifest';

const BITS_PER_WORD = 32;
/** The code widths a packing may use: the divisors of 32 up to a byte (k ≤ 256). */
export const CODE_BIT_WIDTHS: readonly CodePacking['bits'][] = [1, 2, 4, 8];

/** True when `value` is one of CODE_BIT_WIDTHS. */
export function isCodeBitWidth(value: number): value is CodePacking['bits'] {
  return value === 1 || value === 2 || value === 4 || value === 8;
}

/** Smallest code width that holds k distinct codes (2^bits ≥ k). */
export function bitsForK(k: number): CodePacking['bits'] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`bitsForK: k must be a positive integer, got ${k}`);
  for (const bits of CODE_BIT_WIDTHS) {
    if (2 ** bits >= k) return bits;
  }
  throw new RangeError(`bitsForK: k = ${k} needs more than 8 bits per code; the format allows at most 256`);
}

/** u32 words one row of `codesPerRow` codes of `bits` bits occupies. */
export function wordsPerRowFor(codesPerRow: number, bits: number): number {
  return Math.ceil((codesPerRow * bits) / BITS_PER_WORD);
}

/** Packing descriptor for a code matrix with `codesPerRow` codes of `bits` bits per row. */
export function codePacking(codesPerRow: number, bits: CodePacking['bits']): CodePacking {
  return { bits, codesPerRow, wordsPerRow: wordsPerRowFor(codesPerRow, bits) };
}

/**
 * Packs a row-major `rows × codesPerRow` matrix of codes (one per byte) into u32 words.
 * Throws RangeError when the shape does not match `codes.length` or a code does not fit in `bits`.
 */
export function packCodes(
  codes: Uint8Array,
  rows: number,
  codesPerRow: number,
  bits: CodePacking['bits'],
): { words: Uint32Array; packing: CodePacking } {
  if (!isCodeBitWidth(bits)) throw new RangeError(`packCodes: bits must be 1, 2, 4 or 8, got ${bits}`);
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(codesPerRow) || codesPerRow < 0) {
    throw new RangeError(`packCodes: rows (${rows}) and codesPerRow (${codesPerRow}) must be integers ≥ 0`);
  }
  if (codes.length !== rows * codesPerRow) {
    throw new RangeError(
      `packCodes: ${codes.length} codes given, expected rows ${rows} × codesPerRow ${codesPerRow} = ${rows * codesPerRow}`,
    );
  }
  const packing = codePacking(codesPerRow, bits);
  const { wordsPerRow } = packing;
  const words = new Uint32Array(rows * wordsPerRow);
  const limit = 2 ** bits;
  for (let row = 0; row < rows; row++) {
    const codeBase = row * codesPerRow;
    const wordBase = row * wordsPerRow;
    for (let j = 0; j < codesPerRow; j++) {
      const code = codes[codeBase + j];
      if (code >= limit) {
        throw new RangeError(
          `packCodes: code ${code} at row ${row}, index ${j} does not fit in ${bits} bits`,
        );
      }
      const bitPosition = j * bits;
      const wordIndex = wordBase + Math.floor(bitPosition / BITS_PER_WORD);
      words[wordIndex] = (words[wordIndex] | (code << (bitPosition % BITS_PER_WORD))) >>> 0;
    }
  }
  return { words, packing };
}

/**
 * Unpacks `rows` packed rows into a row-major `rows × packing.codesPerRow` matrix, one code per byte.
 * Throws RangeError when `words` holds fewer than rows × wordsPerRow words.
 */
export function unpackCodes(words: Uint32Array, packing: CodePacking, rows: number): Uint8Array {
  const { bits, codesPerRow, wordsPerRow } = packing;
  if (!isCodeBitWidth(bits)) throw new RangeError(`unpackCodes: bits must be 1, 2, 4 or 8, got ${bits}`);
  if (wordsPerRow !== wordsPerRowFor(codesPerRow, bits)) {
    throw new RangeError(
      `unpackCodes: wordsPerRow ${wordsPerRow} does not match ceil(${codesPerRow} × ${bits} / 32) = ${wordsPerRowFor(codesPerRow, bits)}`,
    );
  }
  if (!Number.isInteger(rows) || rows < 0 || words.length < rows * wordsPerRow) {
    throw new RangeError(
      `unpackCodes: ${words.length} words cannot hold ${rows} rows × ${wordsPerRow} words per row`,
    );
  }
  const codes = new Uint8Array(rows * codesPerRow);
  const mask = 2 ** bits - 1;
  for (let row = 0; row < rows; row++) {
    const codeBase = row * codesPerRow;
    const wordBase = row * wordsPerRow;
    for (let j = 0; j < codesPerRow; j++) {
      const bitPosition = j * bits;
      const word = words[wordBase + Math.floor(bitPosition / BITS_PER_WORD)];
      codes[codeBase + j] = (word >>> (bitPosition % BITS_PER_WORD)) & mask;
    }
  }
  return codes;
}

/**
 * Finds the first code ≥ k, or set bit in a row's unused tail, among `rows` packed rows.
 * Returns null when every code is < k and every tail is zero; runs in O(words) without allocating.
 */
export function findInvalidCode(
  words: Uint32Array,
  packing: CodePacking,
  rows: number,
  k: number,
): { row: number; index: number; code: number } | { row: number; paddingWord: number } | null {
  const { bits, codesPerRow, wordsPerRow } = packing;
  const codesPerWord = BITS_PER_WORD / bits;
  const mask = 2 ** bits - 1;
  // With k = 2^bits every bit pattern is a valid code; only the tails need looking at.
  const checkRange = k < 2 ** bits;
  const fullWords = Math.floor(codesPerRow / codesPerWord);
  const tailCodes = codesPerRow - fullWords * codesPerWord;
  for (let row = 0; row < rows; row++) {
    const wordBase = row * wordsPerRow;
    if (checkRange) {
      for (let w = 0; w < wordsPerRow; w++) {
        const word = words[wordBase + w];
        const codesInWord = w < fullWords ? codesPerWord : tailCodes;
        for (let c = 0; c < codesInWord; c++) {
          const code = (word >>> (c * bits)) & mask;
          if (code >= k) return { row, index: w * codesPerWord + c, code };
        }
      }
    }
    if (tailCodes > 0) {
      // Bits past the row's last code must be zero, so a row has exactly one valid encoding.
      const tailWord = words[wordBase + fullWords];
      if (tailWord >>> (tailCodes * bits) !== 0) return { row, paddingWord: fullWords };
    }
  }
  return null;
}
