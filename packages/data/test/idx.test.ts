import { describe, expect, it } from 'vitest';
import { DatasetError, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx } from '../src';
import { idxBytes } from './idx-bytes';

describe('parseIdx', () => {
  it('reads dims and data of an image file', () => {
    const payload = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 7) % 256);
    const parsed = parseIdx(idxBytes(IDX_IMAGES_MAGIC, [2, 3, 4], payload));
    expect(parsed.magic).toBe(2051);
    expect(parsed.dims).toEqual([2, 3, 4]);
    expect([...parsed.data]).toEqual([...payload]);
  });

  it('reads a label file and a file with a byte offset into a larger buffer', () => {
    const file = idxBytes(IDX_LABELS_MAGIC, [3], Uint8Array.of(9, 0, 4));
    const padded = new Uint8Array(file.length + 5);
    padded.set(file, 5);
    const parsed = parseIdx(padded.subarray(5));
    expect(parsed.magic).toBe(2049);
    expect(parsed.dims).toEqual([3]);
    expect([...parsed.data]).toEqual([9, 0, 4]);
  });

  it('rejects files shorter than the magic', () => {
    expect(() => parseIdx(Uint8Array.of(0, 0), 'tiny.idx')).toThrow(/tiny\.idx: 2 bytes is too short/);
  });

  it('rejects a magic without the two zero bytes', () => {
    const file = idxBytes(0x1f8b0801, [1], Uint8Array.of(1));
    expect(() => parseIdx(file)).toThrow(/not an idx file/);
  });

  it('rejects element types other than unsigned bytes', () => {
    const floatMagic = 0x0d01; // type 0x0D = float32, 1 dimension
    expect(() => parseIdx(idxBytes(floatMagic, [1], new Uint8Array(4)))).toThrow(/element type 0xd/);
  });

  it('rejects a header cut short', () => {
    const file = idxBytes(IDX_IMAGES_MAGIC, [1, 2, 2], new Uint8Array(4)).subarray(0, 10);
    expect(() => parseIdx(file, 'cut.idx')).toThrow(/needs 16 bytes, the file has 10: truncated/);
  });

  it('rejects truncated data and trailing bytes, naming both sizes', () => {
    const whole = idxBytes(IDX_IMAGES_MAGIC, [2, 2, 2], new Uint8Array(8));
    expect(() => parseIdx(whole.subarray(0, whole.length - 1))).toThrow(
      /2×2×2 = 8 bytes of data, the file holds 7: truncated/,
    );
    const longer = idxBytes(IDX_IMAGES_MAGIC, [2, 2, 2], new Uint8Array(9));
    expect(() => parseIdx(longer)).toThrow(/holds 9: trailing bytes/);
  });

  it('throws DatasetError carrying the file name', () => {
    try {
      parseIdx(Uint8Array.of(1, 2, 3), 'named.idx');
      expect.unreachable('parseIdx accepted 3 bytes');
    } catch (err) {
      expect(err).toBeInstanceOf(DatasetError);
      expect((err as DatasetError).file).toBe('named.idx');
    }
  });
});
