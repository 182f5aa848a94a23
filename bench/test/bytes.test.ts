import { describe, expect, it } from 'vitest';
import {
  bytesMoved,
  denseWeightBytes,
  floorBytes,
  kmeansWeightBytes,
  nbitsWeightBytes,
  pqWeightBytes,
} from '../lib/bytes';
import { weightCopies } from '../lib/grid';

const square = { rows: 4096, cols: 4096 };

describe('bytes model', () => {
  it("reproduces the paper's PQ compression rates at 4096×4096 (shared/paper.md)", () => {
    // Paper: k = 256, d = 4 → 8.0×, d = 8 → 10.7×; k = 16, d = 4 → 28×, rounded, from codes + fp32
    // codebooks; the bias (here on both sides) moves them by under 0.5%.
    const dense = denseWeightBytes(square, true);
    const rate = (d: number, k: number) => dense / pqWeightBytes(square, d, k);
    expect(Math.abs(rate(4, 256) - 8.0)).toBeLessThan(0.1);
    expect(Math.abs(rate(8, 256) - 10.7)).toBeLessThan(0.1);
    expect(Math.abs(rate(4, 16) - 28)).toBeLessThan(0.5);
  });

  it('counts k-means codes at their bit width and int4 weights with one fp32 scale per 32', () => {
    // 4-bit codes: m·n/2 bytes; 16 centroids; bias m floats.
    expect(kmeansWeightBytes(square, 16)).toBe((4096 * 4096) / 2 + 16 * 4 + 4096 * 4);
    // int4: m·n/2 bytes + m·n/32 scales of 4 bytes = 0.625 bytes per weight.
    expect(nbitsWeightBytes(square, 32)).toBe(4096 * 4096 * 0.625);
  });

  it('counts 8-bit-table rows at one byte per code (per pair of codes at k 16) in 16-segment groups, no LUT traffic', () => {
    const spec = {
      engine: 'pqweb',
      method: 'pq',
      d: 4,
      k: 16,
      variant: 'table8',
      isAuto: false,
      tableBits: 8,
    } as const;
    // 100 columns: 25 segments of 4-bit codes in 13 pairs, one group of 16 bytes per row; codebook 25 · 16 · 4 floats;
    // bias 10 floats.
    const bytes = bytesMoved(spec, { rows: 10, cols: 100 }, 2);
    expect(bytes).toEqual({ weights: 10 * 16 + 25 * 16 * 4 * 4 + 10 * 4, activations: 2 * 110 * 4, lut: 0 });
    // 8-bit codes (k 32): 25 segments in 2 groups of 16 bytes per row.
    const wide = bytesMoved({ ...spec, k: 32 }, { rows: 10, cols: 100 }, 2);
    expect(wide.weights).toBe(10 * 32 + 25 * 32 * 4 * 4 + 10 * 4);
  });

  it('adds x and y once each, and models the LUT only for storage-buffer variants', () => {
    const spec = {
      engine: 'pqweb',
      method: 'pq',
      d: 4,
      k: 256,
      variant: 'lut-global',
      isAuto: false,
    } as const;
    const bytes = bytesMoved(spec, { rows: 512, cols: 1024 }, 8);
    expect(bytes.activations).toBe(8 * (1024 + 512) * 4);
    // LUT: batch × segments × k floats, written and read once.
    expect(bytes.lut).toBe(2 * 8 * 256 * 256 * 4);
    expect(bytesMoved({ ...spec, variant: 'fused' }, { rows: 512, cols: 1024 }, 8).lut).toBe(0);
    expect(floorBytes(bytes)).toBe(bytes.weights + bytes.activations);
  });

  it('rotates enough copies to exceed twice the 60 MB L2, at most 64', () => {
    expect(weightCopies(200e6)).toBe(1);
    expect(weightCopies(50e6)).toBe(3);
    expect(weightCopies(1000)).toBe(64);
    expect(() => weightCopies(0)).toThrow(/must be > 0/);
  });
});
