/**
 * Seeded pseudo-random numbers for the quantizers. Every random choice (k-means++ picks, the SVD's start
 * block) draws from a stream derived from (seed, segment, stage), never from Math.random or from how work is
 * split over threads, so the same seed gives the same bytes on one thread or many.
 */

/** 2^32 / golden ratio: the Weyl increment of splitmix32 and the usual odd constant for mixing indices. */
const GOLDEN_GAMMA = 0x9e3779b9;
const TWO_POW_32 = 2 ** 32;
/** 2^-53: turns a 53-bit integer into a double in [0, 1) with every representable step. */
const TWO_POW_MINUS_53 = 2 ** -53;

/** MurmurHash3's 32-bit finalizer (Appleby): a bijection on u32 that spreads every input bit. */
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A 32-bit stream seed from a user seed (any safe integer) and stream indices (segment, stage, …).
 * Distinct index tuples give unrelated streams; the same tuple always gives the same stream.
 */
export function deriveSeed(seed: number, ...streamIndices: number[]): number {
  const low = seed >>> 0;
  const high = Math.floor(seed / TWO_POW_32) >>> 0;
  let h = mix32(low ^ mix32(high + GOLDEN_GAMMA));
  for (let i = 0; i < streamIndices.length; i++) {
    h = mix32(h + Math.imul(GOLDEN_GAMMA, i + 1) + mix32((streamIndices[i] ?? 0) >>> 0));
  }
  return h;
}

/**
 * xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2018): 128-bit state,
 * period 2^128 − 1, good equidistribution, only 32-bit integer ops (Math.imul), so identical on every engine.
 * The state is filled from the 32-bit seed with splitmix32, as the authors recommend.
 */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Second Box–Muller normal of the last pair, or null. */
  private spareNormal: number | null = null;

  constructor(seed: number) {
    let state = seed >>> 0;
    const next = (): number => {
      state = (state + GOLDEN_GAMMA) >>> 0;
      return mix32(state);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // The all-zero state is the one fixed point of xoshiro; splitmix32 cannot produce it for all four words,
    // but guard anyway since the check is free.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = GOLDEN_GAMMA;
  }

  /** Uniform u32. */
  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotateLeft(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 2 ** 26 + low) * TWO_POW_MINUS_53;
  }

  /** Uniform integer in [0, limit); limit ≥ 1. */
  nextInt(limit: number): number {
    return Math.min(limit - 1, Math.floor(this.nextFloat() * limit));
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  nextGaussian(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.nextFloat())); // 1 − u ∈ (0, 1], so log is finite
    const angle = 2 * Math.PI * this.nextFloat();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}

function rotateLeft(value: number, shift: number): number {
  return (value << shift) | (value >>> (32 - shift));
}
