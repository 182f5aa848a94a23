import { describe, expect, it } from 'vitest';
import { bitsForK, packCodes, unpackCodes } from '../../packages/format/src/packing';
import { allFinite, pickRows, relativeError, sampleRows } from '../lib/check';
import { randomPackedCodes } from '../lib/pqweb-layers';
import { SeededRandom } from '../lib/random';

describe('sampleRows', () => {
  it('takes every row of small layers and spreads over large ones, ends included', () => {
    expect(sampleRows(5, 8)).toEqual([0, 1, 2, 3, 4]);
    const rows = sampleRows(16384, 128);
    expect(rows).toHaveLength(128);
    expect(rows[0]).toBe(0);
    expect(rows[127]).toBe(16383);
    expect(new Set(rows).size).toBe(128);
  });
});

describe('relativeError', () => {
  it('is ‖y − ref‖ / ‖ref‖ over the checked rows of every input', () => {
    // batch 2, rows 3, checked rows 0 and 2: y there = (3, 7), (4, 0); ref = (3, 4), (0, 0);
    // y − ref = (0, 3), (4, 0), so ‖y − ref‖ = 5 and ‖ref‖ = 5.
    const y = Float32Array.from([3, 99, 7, 4, 99, 0]);
    const reference = [3, 4, 0, 0];
    expect(relativeError(y, reference, [0, 2], 3, 2)).toBeCloseTo(5 / 5, 12);
  });

  it('turns an unwritten (NaN) output into a failure', () => {
    const y = Float32Array.from([1, Number.NaN]);
    expect(relativeError(y, [1, 1], [0, 1], 2, 1)).toBeNaN();
    expect(allFinite(y)).toBe(false);
  });
});

describe('randomPackedCodes', () => {
  it('packs codes as packCodes does, padding bits zero', () => {
    for (const [codesPerRow, k] of [
      [784, 256],
      [98, 16],
      [13, 16],
      [3, 256],
    ] as const) {
      const { words, packing } = randomPackedCodes(new SeededRandom(7), 5, codesPerRow, k);
      const codes = unpackCodes(words, packing, 5);
      expect(Math.max(...codes)).toBeLessThan(k);
      expect(packing.bits).toBe(bitsForK(k));
      expect(packCodes(codes, 5, codesPerRow, packing.bits).words).toEqual(words);
    }
  });

  it('picks rows', () => {
    const matrix = Float32Array.from([0, 1, 2, 3, 4, 5]);
    expect(Array.from(pickRows(matrix, 2, [2, 0], (n) => new Float32Array(n)))).toEqual([4, 5, 0, 1]);
  });
});
