import { describe, expect, it } from 'vitest';
import { bitsForK, packCodes, unpackCodes, wordsPerRowFor } from '../src/index';
import { randomCodes, seededRng } from './fixtures';

const BIT_WIDTHS = [1, 2, 4, 8] as const;

describe('bitsForK', () => {
  it('picks the smallest of 1, 2, 4, 8 bits with 2^bits ≥ k', () => {
    const expected: Array<[number, number]> = [
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 2],
      [5, 4],
      [16, 4],
      [17, 8],
      [255, 8],
      [256, 8],
    ];
    for (const [k, bits] of expected) expect(bitsForK(k), `k = ${k}`).toBe(bits);
  });

  it('refuses k beyond a byte and non-integers', () => {
    expect(() => bitsForK(257)).toThrow(RangeError);
    expect(() => bitsForK(0)).toThrow(RangeError);
    expect(() => bitsForK(2.5)).toThrow(RangeError);
  });
});

describe('packCodes / unpackCodes', () => {
  const shapes: Array<[rows: number, codesPerRow: number]> = [
    [1, 1],
    [7, 13],
    [3, 37],
    [5, 31],
    [11, 33],
    [2, 64],
    [0, 5],
  ];

  for (const bits of BIT_WIDTHS) {
    for (const [rows, codesPerRow] of shapes) {
      it(`${bits}-bit codes, ${rows} × ${codesPerRow}: bit layout matches the spec and unpacking inverts packing`, () => {
        const rng = seededRng(bits * 1000 + rows * 100 + codesPerRow);
        const codes = randomCodes(rng, rows * codesPerRow, 2 ** bits);
        const { words, packing } = packCodes(codes, rows, codesPerRow, bits);
        const wordsPerRow = Math.ceil((codesPerRow * bits) / 32);
        expect(packing).toEqual({ bits, codesPerRow, wordsPerRow });
        expect(words.length).toBe(rows * wordsPerRow);
        // Independent bit-by-bit check: bit b of code j in row r is bit (j·bits + b) mod 32 of word
        // floor((j·bits + b) / 32) of that row, and every other bit is zero.
        const expectedWords = new Uint32Array(rows * wordsPerRow);
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < codesPerRow; j++) {
            for (let b = 0; b < bits; b++) {
              if ((codes[r * codesPerRow + j] >> b) & 1) {
                const position = j * bits + b;
                const index = r * wordsPerRow + Math.floor(position / 32);
                expectedWords[index] = (expectedWords[index] + 2 ** (position % 32)) >>> 0;
              }
            }
          }
        }
        expect(words).toEqual(expectedWords);
        expect(unpackCodes(words, packing, rows)).toEqual(codes);
      });
    }
  }

  it('stores 8-bit codes as plain bytes in order', () => {
    const codes = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 200, 9);
    const { words } = packCodes(codes, 1, 9, 8);
    expect(Array.from(new Uint8Array(words.buffer, 0, 9))).toEqual(Array.from(codes));
  });

  it('rejects codes that do not fit and shapes that do not match', () => {
    expect(() => packCodes(Uint8Array.of(0, 4), 1, 2, 2)).toThrow(RangeError);
    expect(() => packCodes(Uint8Array.of(0, 1, 1), 1, 2, 2)).toThrow(RangeError);
    expect(() => unpackCodes(new Uint32Array(1), { bits: 8, codesPerRow: 5, wordsPerRow: 2 }, 1)).toThrow(
      RangeError,
    );
    expect(() => unpackCodes(new Uint32Array(1), { bits: 8, codesPerRow: 5, wordsPerRow: 1 }, 1)).toThrow(
      RangeError,
    );
  });

  it('wordsPerRowFor is ceil(codesPerRow · bits / 32)', () => {
    expect(wordsPerRowFor(33, 1)).toBe(2);
    expect(wordsPerRowFor(32, 1)).toBe(1);
    expect(wordsPerRowFor(5, 8)).toBe(2);
    expect(wordsPerRowFor(0, 4)).toBe(0);
  });
});
