import { describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16, roundToFloat16 } from '../src/index';
import { seededRng } from './fixtures';

/** Known binary16 patterns and their values (IEEE 754-2008, table of binary16 examples). */
const KNOWN: ReadonlyArray<[bits: number, value: number]> = [
  [0x0000, 0],
  [0x3c00, 1],
  [0x3c01, 1 + 2 ** -10],
  [0xc000, -2],
  [0x7bff, 65504],
  [0x0400, 2 ** -14],
  [0x03ff, 2 ** -14 - 2 ** -24],
  [0x0001, 2 ** -24],
  [0x3555, 0.333251953125],
  [0x7c00, Number.POSITIVE_INFINITY],
  [0xfc00, Number.NEGATIVE_INFINITY],
];

/** Every finite non-negative binary16 value, ascending, decoded from its fields by the textbook formula. */
function finiteHalves(): { bits: number; value: number }[] {
  const list: { bits: number; value: number }[] = [];
  for (let bits = 0; bits < 0x7c00; bits++) {
    const exponent = bits >> 10;
    const mantissa = bits & 0x3ff;
    const value = exponent === 0 ? mantissa * 2 ** -24 : (1 + mantissa / 1024) * 2 ** (exponent - 15);
    list.push({ bits, value });
  }
  return list;
}

/** Round-to-nearest-even by search over the table: an independent reference for float32ToFloat16. */
function referenceToHalf(value: number, table: { bits: number; value: number }[]): number {
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  const largest = table[table.length - 1];
  if (largest === undefined) throw new Error('empty table');
  // Values at or past 65520 (halfway between 65504 and the next step 65536) round to infinity.
  if (magnitude >= 65520) return sign | 0x7c00;
  let low = 0;
  let high = table.length - 1;
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (table[mid].value <= magnitude) low = mid;
    else high = mid;
  }
  const below = table[low];
  const above = table[high];
  if (below === undefined || above === undefined) throw new Error('search out of range');
  if (magnitude <= below.value) return sign | below.bits;
  if (magnitude >= above.value) return sign | above.bits;
  const toBelow = magnitude - below.value;
  const toAbove = above.value - magnitude;
  if (toBelow < toAbove) return sign | below.bits;
  if (toAbove < toBelow) return sign | above.bits;
  return sign | ((below.bits & 1) === 0 ? below.bits : above.bits);
}

describe('float16ToFloat32', () => {
  it('decodes known bit patterns', () => {
    const values = float16ToFloat32(Uint16Array.from(KNOWN.map(([bits]) => bits)));
    expect(Array.from(values)).toEqual(KNOWN.map(([, value]) => value));
  });

  it('keeps negative zero and NaN', () => {
    const [negativeZero, nan, negativeNan] = float16ToFloat32(Uint16Array.of(0x8000, 0x7e00, 0xfd01));
    expect(Object.is(negativeZero, -0)).toBe(true);
    expect(Number.isNaN(nan)).toBe(true);
    expect(Number.isNaN(negativeNan)).toBe(true);
  });
});

describe('float32ToFloat16', () => {
  it('encodes known values', () => {
    const bits = float32ToFloat16(Float32Array.from(KNOWN.map(([, value]) => value)));
    expect(Array.from(bits)).toEqual(KNOWN.map(([expected]) => expected));
  });

  it('rounds ties to even, overflows to infinity and underflows through the subnormals', () => {
    const cases: Array<[number, number]> = [
      [1 + 2 ** -11, 0x3c00], // tie between 0x3c00 and 0x3c01: even wins
      [1 + 3 * 2 ** -11, 0x3c02], // tie between 0x3c01 and 0x3c02
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just past the tie
      [65519, 0x7bff],
      [65520, 0x7c00], // tie between 65504 and 2^16 (not representable): goes to infinity
      [1e10, 0x7c00],
      [-1e10, 0xfc00],
      [2 ** -25, 0x0000], // tie between 0 and the smallest subnormal: even (0)
      [2 ** -25 * 1.5, 0x0001],
      [3 * 2 ** -25, 0x0002], // tie between 0x0001 and 0x0002
      [2 ** -14 - 2 ** -25, 0x0400], // tie between the largest subnormal (odd) and the smallest normal
      [1e-30, 0x0000],
      [-1e-30, 0x8000],
    ];
    const bits = float32ToFloat16(Float32Array.from(cases.map(([value]) => value)));
    expect(cases.map(([value], index) => [value, bits[index]])).toEqual(cases);
  });

  it('maps NaN to a NaN and -0 to -0', () => {
    const [nan, negativeZero] = float32ToFloat16(Float32Array.of(Number.NaN, -0));
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
    expect(negativeZero).toBe(0x8000);
  });

  it('round-trips every binary16 pattern that is not a NaN', () => {
    const all = new Uint16Array(0x10000);
    for (let i = 0; i < all.length; i++) all[i] = i;
    const back = float32ToFloat16(float16ToFloat32(all));
    const mismatches: number[] = [];
    for (let i = 0; i < all.length; i++) {
      const isNan = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (!isNan && back[i] !== i) mismatches.push(i);
    }
    expect(mismatches).toEqual([]);
  });

  it('matches a nearest-even search over all binary16 values on random floats of every magnitude', () => {
    const table = finiteHalves();
    const rng = seededRng(11);
    const values = new Float32Array(20000);
    for (let i = 0; i < values.length; i++) {
      // Log-uniform magnitudes from 2^-30 to 2^17 cover underflow, subnormals, normals and overflow.
      values[i] = (rng() < 0.5 ? -1 : 1) * 2 ** (rng() * 47 - 30);
    }
    const bits = float32ToFloat16(values);
    const mismatches: string[] = [];
    for (let i = 0; i < values.length; i++) {
      const expected = referenceToHalf(values[i], table);
      if (bits[i] !== expected)
        mismatches.push(`${values[i]}: got 0x${bits[i].toString(16)}, expected 0x${expected.toString(16)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('roundToFloat16 is the composition', () => {
    const values = Float32Array.of(0.1, 1 / 3, 1000.7);
    expect(roundToFloat16(values)).toEqual(float16ToFloat32(float32ToFloat16(values)));
  });
});
