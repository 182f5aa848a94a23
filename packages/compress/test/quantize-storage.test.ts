import { describe, expect, it } from 'vitest';
import { packedCodeBits, QuantizerOptionError, storageBits } from '../src/quantize';

/** The paper's rate (shared/paper.md): no bias, no row padding, log2(k)-bit codes, n·k·32 codebook bits. */
function paperPqRate(m: number, n: number, d: number, k: number): number {
  return (32 * m * n) / (m * (n / d) * Math.log2(k) + n * k * 32);
}

describe('storageBits', () => {
  it.each([
    // m = n = 4096, hand-worked: codes m·(n/d)·8 (rows are whole words), codebook (n/d)·k·d·32, bias 32·m.
    [4, 256, 33_554_432, 33_554_432, 8.0],
    [8, 256, 16_777_216, 33_554_432, 10.7],
    [16, 256, 8_388_608, 33_554_432, 12.8],
    [4, 16, 16_777_216, 2_097_152, 28],
  ])(
    'PQ 4096×4096, d = %i, k = %i matches the hand count and the paper',
    (d, k, codes, codebook, paperRate) => {
      const bits = storageBits(4096, 4096, { method: 'pq', d, k });
      expect(bits.codesBits).toBe(codes);
      expect(bits.codebookBits).toBe(codebook);
      expect(bits.biasBits).toBe(32 * 4096);
      expect(bits.scalesBits).toBe(0);
      expect(bits.totalBits).toBe(codes + codebook + 32 * 4096);
      expect(bits.rate).toBe((32 * (4096 * 4096 + 4096)) / bits.totalBits);
      // The paper's formula omits the bias (and row padding, none here): within 1 % of ours, the gap being the
      // bias's share, 32·4096 bits, which grows with the rate.
      const paper = paperPqRate(4096, 4096, d, k);
      expect(Math.abs(bits.rate - paper) / paper).toBeLessThan(0.01);
      expect(bits.rate).toBeLessThan(paper);
      // The paper's stated figures (8.0, 10.7, 12.8; "28×" is rounded to a whole number) to 0.1.
      expect(Math.abs((paperRate === 28 ? Math.round(bits.rate) : bits.rate) - paperRate)).toBeLessThan(0.1);
    },
  );

  it('counts the zero-padded last segment and pads every code row to whole u32 words', () => {
    // 10 × 30, d = 4 → 8 segments (the last holds 2 real columns); k = 16 → 4-bit codes, 8 × 4 = 32 bits/row.
    const pq = storageBits(10, 30, { method: 'pq', d: 4, k: 16 });
    expect(pq.codesBits).toBe(10 * 32);
    expect(pq.codebookBits).toBe(8 * 16 * 4 * 32);
    // k = 5 packs in 4 bits (the smallest width with 2^bits ≥ k); 9 segments × 4 = 36 bits → 2 words per row.
    const odd = storageBits(3, 33, { method: 'pq', d: 4, k: 5 });
    expect(odd.codesBits).toBe(3 * 64);
    expect(odd.codebookBits).toBe(9 * 5 * 4 * 32);
  });

  it('counts scalar k-means, binarization, RQ and SVD', () => {
    // kmeans k = 8: 3 bits pack as 4; 30 codes × 4 = 120 bits → 4 words = 128 bits per row; codebook 8 floats.
    expect(storageBits(7, 30, { method: 'kmeans', k: 8 })).toMatchObject({
      codesBits: 7 * 128,
      codebookBits: 8 * 32,
      biasBits: 7 * 32,
      scalesBits: 0,
      totalBits: 7 * 128 + 8 * 32 + 7 * 32,
    });
    // binary: 1 bit per weight, 70 bits → 3 words per row; scales and bias float32.
    expect(storageBits(5, 70, { method: 'binary' })).toMatchObject({
      codesBits: 5 * 96,
      codebookBits: 0,
      scalesBits: 5 * 32,
      totalBits: 5 * 96 + 5 * 32 + 5 * 32,
    });
    // rq: stages × (codes + codebooks) of the same segmentation.
    const one = storageBits(64, 100, { method: 'pq', d: 8, k: 32 });
    const rq = storageBits(64, 100, { method: 'rq', d: 8, k: 32, stages: 3 });
    expect(rq.codesBits).toBe(3 * one.codesBits);
    expect(rq.codebookBits).toBe(3 * one.codebookBits);
    // svd: U and V as float32 (or float16) factors.
    expect(storageBits(40, 60, { method: 'svd', rank: 5 }).codebookBits).toBe((40 * 5 + 5 * 60) * 32);
    expect(storageBits(40, 60, { method: 'svd', rank: 5 }, 16).codebookBits).toBe((40 * 5 + 5 * 60) * 16);
  });

  it('halves codebooks at 16 bits and leaves the rest', () => {
    const full = storageBits(4096, 4096, { method: 'pq', d: 4, k: 256 });
    const half = storageBits(4096, 4096, { method: 'pq', d: 4, k: 256 }, 16);
    expect(half.codebookBits).toBe(full.codebookBits / 2);
    expect(half.codesBits).toBe(full.codesBits);
    expect(half.rate).toBeCloseTo((32 * (4096 * 4096 + 4096)) / (33_554_432 + 16_777_216 + 131_072), 9);
  });

  it('picks packed code widths 1, 2, 4, 8 and rejects k > 256 and missing parameters', () => {
    expect([2, 3, 4, 5, 16, 17, 256].map(packedCodeBits)).toEqual([1, 2, 2, 4, 4, 8, 8]);
    expect(() => packedCodeBits(257)).toThrow(QuantizerOptionError);
    expect(() => storageBits(4, 4, { method: 'pq', k: 4 })).toThrow(/needs a positive integer d/);
  });
});
