/**
 * IEEE 754 binary16 ⇄ binary32, bit-exact: round to nearest, ties to even; overflow to ±Infinity; NaN stays NaN
 * (payload truncated, kept quiet); binary16 subnormals both ways. Used for float16 codebooks, which halve the
 * codebooks' share of the rate (shared/paper.md).
 */

const F32_SIGN_SHIFT_TO_F16 = 16;
const F16_SIGN_MASK = 0x8000;
const F16_EXPONENT_MASK = 0x7c00;
const F16_MANTISSA_MASK = 0x03ff;
const F16_MANTISSA_BITS = 10;
const F16_EXPONENT_BIAS = 15;
/** Biased binary16 exponent of Infinity/NaN. */
const F16_EXPONENT_SPECIAL = 0x1f;
/** Quiet bit of a binary16 NaN, set so a NaN whose payload lies in the dropped bits stays a NaN. */
const F16_QUIET_NAN_BIT = 0x0200;

const F32_EXPONENT_MASK = 0x7f80_0000;
const F32_MANTISSA_MASK = 0x007f_ffff;
const F32_MANTISSA_BITS = 23;
const F32_EXPONENT_BIAS = 127;
const F32_EXPONENT_SPECIAL = 0xff;
const F32_IMPLICIT_BIT = 0x0080_0000;

/** Mantissa bits binary32 has and binary16 drops. */
const DROPPED_MANTISSA_BITS = F32_MANTISSA_BITS - F16_MANTISSA_BITS;
const DROPPED_HALFWAY = 1 << (DROPPED_MANTISSA_BITS - 1);
const DROPPED_MASK = (1 << DROPPED_MANTISSA_BITS) - 1;
/** Smallest binary16 subnormal, 2^-24. */
const F16_MIN_SUBNORMAL = 2 ** -(F16_EXPONENT_BIAS - 1 + F16_MANTISSA_BITS);
/** A 24-bit binary32 significand shifted right by more than this rounds to zero even at its largest. */
const MAX_SUBNORMAL_SHIFT = F32_MANTISSA_BITS + 1;

/** Converts one binary32 bit pattern to binary16 bits. */
function float32BitsToFloat16Bits(bits: number): number {
  const sign = (bits >>> F32_SIGN_SHIFT_TO_F16) & F16_SIGN_MASK;
  const exponent = (bits & F32_EXPONENT_MASK) >>> F32_MANTISSA_BITS;
  const mantissa = bits & F32_MANTISSA_MASK;

  if (exponent === F32_EXPONENT_SPECIAL) {
    if (mantissa === 0) return sign | F16_EXPONENT_MASK;
    return sign | F16_EXPONENT_MASK | F16_QUIET_NAN_BIT | (mantissa >>> DROPPED_MANTISSA_BITS);
  }

  const halfExponent = exponent - F32_EXPONENT_BIAS + F16_EXPONENT_BIAS;
  if (halfExponent >= F16_EXPONENT_SPECIAL) return sign | F16_EXPONENT_MASK;

  if (halfExponent <= 0) {
    // Subnormal (or zero) in binary16: shift the full significand, implicit bit included, into place.
    if (exponent === 0) return sign; // binary32 zero or subnormal: far below 2^-25.
    const shift = DROPPED_MANTISSA_BITS + 1 - halfExponent;
    if (shift > MAX_SUBNORMAL_SHIFT) return sign;
    const significand = mantissa | F32_IMPLICIT_BIT;
    let halfMantissa = significand >>> shift;
    const remainder = significand & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (halfMantissa & 1) === 1)) halfMantissa++;
    // A carry out of the mantissa lands in the exponent field and gives the smallest normal: correct.
    return sign | halfMantissa;
  }

  let result = sign | (halfExponent << F16_MANTISSA_BITS) | (mantissa >>> DROPPED_MANTISSA_BITS);
  const remainder = mantissa & DROPPED_MASK;
  // A carry may ripple into the exponent, up to Infinity: that is the correct rounding.
  if (remainder > DROPPED_HALFWAY || (remainder === DROPPED_HALFWAY && (result & 1) === 1)) result++;
  return result;
}

/** binary32 → binary16 bits, round to nearest even. */
export function float32ToFloat16(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32BitsToFloat16Bits(bits[i]);
  return out;
}

/** binary16 bits → binary32 values (exact: every binary16 value is a binary32 value). */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) {
    const half = bits[i];
    const sign = (half & F16_SIGN_MASK) << F32_SIGN_SHIFT_TO_F16;
    const exponent = (half & F16_EXPONENT_MASK) >>> F16_MANTISSA_BITS;
    const mantissa = half & F16_MANTISSA_MASK;
    if (exponent === 0) {
      // Zero or subnormal: value = mantissa · 2^-24, exact in binary32; the sign keeps -0 apart.
      const magnitude = mantissa * F16_MIN_SUBNORMAL;
      out[i] = sign === 0 ? magnitude : -magnitude;
    } else if (exponent === F16_EXPONENT_SPECIAL) {
      outBits[i] = (sign | F32_EXPONENT_MASK | (mantissa << DROPPED_MANTISSA_BITS)) >>> 0;
    } else {
      const floatExponent = exponent - F16_EXPONENT_BIAS + F32_EXPONENT_BIAS;
      outBits[i] = (sign | (floatExponent << F32_MANTISSA_BITS) | (mantissa << DROPPED_MANTISSA_BITS)) >>> 0;
    }
  }
  return out;
}

/** Rounds each value to the nearest binary16 value and back, as a float16 section would store it. */
export function roundToFloat16(values: Float32Array): Float32Array {
  return float16ToFloat32(float32ToFloat16(values));
}
