/**
 * Seeded random numbers for the benchmark's synthetic layers. Timings must not depend on the data, but the
 * data must not be zeros or constants either (METHOD.md: zeros hide unwritten outputs and can run faster),
 * and a failed check must be reproducible: every array comes from a named seed.
 */

/** mulberry32 (Tommy Ettinger, public domain): a 32-bit state generator, fast enough for 2^28 floats in ~1 s. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform float in [-1, 1). */
  nextSigned(): number {
    return this.nextUint32() / 2 ** 31 - 1;
  }

  /** `length` floats uniform in [-scale, scale). */
  floats(length: number, scale = 1): Float32Array<ArrayBuffer> {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = this.nextSigned() * scale;
    return out;
  }

  /** `length` floats uniform in [low, high): positive scales for the int4 blocks. */
  floatsBetween(length: number, low: number, high: number): Float32Array<ArrayBuffer> {
    const out = new Float32Array(length);
    const span = high - low;
    for (let i = 0; i < length; i++) out[i] = low + (this.nextUint32() / 2 ** 32) * span;
    return out;
  }

  /** `length` uniform random u32 words. */
  words(length: number): Uint32Array<ArrayBuffer> {
    const out = new Uint32Array(length);
    for (let i = 0; i < length; i++) out[i] = this.nextUint32();
    return out;
  }

  /** `length` uniform random bytes. */
  bytes(length: number): Uint8Array<ArrayBuffer> {
    const words = this.words(Math.ceil(length / Uint32Array.BYTES_PER_ELEMENT));
    return new Uint8Array(words.buffer, 0, length);
  }
}

/** A seed derived from a base seed and a label, so each array of each configuration has its own stream. */
export function seedFor(baseSeed: number, label: string): number {
  // FNV-1a over the label's UTF-16 code units, mixed with the base seed.
  let hash = 0x811c9dc5 ^ baseSeed;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
