/**
 * Honest storage accounting (shared/paper.md, "Honest compression rate"): everything a runtime downloads for
 * a compressed layer against fp32 dense weights and bias,
 *   rate = 32·(m·n + m) / (bits(codes) + bits(codebooks) + bits(bias) + bits(scales)).
 * Codes are counted at the widths the .pqw file packs them (format/packing.ts): 1, 2, 4 or 8 bits, the
 * smallest with 2^bits ≥ k, each row padded to whole u32 words. The bias is always counted (float32, m
 * values), as the reference model's dense layers all have one. Codebooks, and SVD's factors U and V, are
 * `codebookBits` wide (float32 or float16 sections); binarization's per-row scales are float32.
 */
import { QuantizerOptionError } from './errors';
import { segmentCount } from './product-segment';
import type { QuantMethodOption } from './types';

const FLOAT32_BITS = 32;
const BITS_PER_WORD = 32;
/** Packed code widths of the .pqw format (docs/format.md, "Code packing"). */
const CODE_WIDTHS = [1, 2, 4, 8] as const;

export interface StorageChoice {
  method: QuantMethodOption;
  d?: number;
  k?: number;
  stages?: number;
  rank?: number;
}

export interface StorageBits {
  codesBits: number;
  /** Codebooks; for SVD the factors U and V. */
  codebookBits: number;
  biasBits: number;
  /** Binarization's per-row scales. */
  scalesBits: number;
  totalBits: number;
  /** 32·(m·n + m) / totalBits. */
  rate: number;
}

/** Smallest packed width with 2^bits ≥ k. */
export function packedCodeBits(k: number): 1 | 2 | 4 | 8 {
  for (const bits of CODE_WIDTHS) if (2 ** bits >= k) return bits;
  throw new QuantizerOptionError(
    `k = ${k} needs more than 8 bits per code; the .pqw format allows k ≤ 256`,
    'k',
  );
}

/** Bits of a code matrix of `rows` rows, each padded to whole u32 words. */
export function packedMatrixBits(rows: number, codesPerRow: number, bits: number): number {
  return rows * Math.ceil((codesPerRow * bits) / BITS_PER_WORD) * BITS_PER_WORD;
}

/** Dense fp32 bits of a layer: weights and bias. */
export function denseBits(rows: number, cols: number): number {
  return FLOAT32_BITS * (rows * cols + rows);
}

function required(value: number | undefined, name: string, method: string): number {
  if (value === undefined || !Number.isInteger(value) || value < 1) {
    throw new QuantizerOptionError(`${method} storage needs a positive integer ${name}, got ${value}`, name);
  }
  return value;
}

export function storageBits(
  rows: number,
  cols: number,
  choice: StorageChoice,
  codebookBits: 32 | 16 = 32,
): StorageBits {
  const biasBits = FLOAT32_BITS * rows;
  let codesBits = 0;
  let codebook = 0;
  let scalesBits = 0;
  switch (choice.method) {
    case 'pq':
    case 'rq': {
      const d = required(choice.d, 'd', choice.method);
      const k = required(choice.k, 'k', choice.method);
      const stages = choice.method === 'rq' ? required(choice.stages, 'stages', 'rq') : 1;
      const segments = segmentCount(cols, d);
      codesBits = stages * packedMatrixBits(rows, segments, packedCodeBits(k));
      // The file stores the padded layout [segments][k][d], so padding counts.
      codebook = stages * segments * k * d * codebookBits;
      break;
    }
    case 'kmeans': {
      const k = required(choice.k, 'k', 'kmeans');
      codesBits = packedMatrixBits(rows, cols, packedCodeBits(k));
      codebook = k * codebookBits;
      break;
    }
    case 'binary':
      codesBits = packedMatrixBits(rows, cols, 1);
      scalesBits = FLOAT32_BITS * rows;
      break;
    case 'svd': {
      const rank = required(choice.rank, 'rank', 'svd');
      codebook = (rows * rank + rank * cols) * codebookBits;
      break;
    }
  }
  const totalBits = codesBits + codebook + biasBits + scalesBits;
  return {
    codesBits,
    codebookBits: codebook,
    biasBits,
    scalesBits,
    totalBits,
    rate: denseBits(rows, cols) / totalBits,
  };
}
