import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/index';
import { randomInt, seededRng } from './fixtures';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('crc32', () => {
  it('matches the published check values', () => {
    // The CRC catalogue's check value for CRC-32/ISO-HDLC (the zlib CRC) over "123456789".
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('agrees with node:zlib on random data of every length mod 8 and at unaligned offsets', () => {
    const rng = seededRng(7);
    const pool = new Uint8Array(5000);
    for (let i = 0; i < pool.length; i++) pool[i] = randomInt(rng, 256);
    for (let trial = 0; trial < 300; trial++) {
      const start = randomInt(rng, 64);
      const length = randomInt(rng, pool.length - start);
      const slice = pool.subarray(start, start + length);
      expect(crc32(slice)).toBe(zlibCrc32(slice));
    }
  });

  it('continues a running checksum: crc32(b, crc32(a)) = crc32(a ‖ b)', () => {
    const rng = seededRng(8);
    const whole = new Uint8Array(1000);
    for (let i = 0; i < whole.length; i++) whole[i] = randomInt(rng, 256);
    for (const split of [0, 1, 7, 8, 9, 500, 999, 1000]) {
      const first = crc32(whole.subarray(0, split));
      expect(crc32(whole.subarray(split), first)).toBe(zlibCrc32(whole));
    }
  });
});
