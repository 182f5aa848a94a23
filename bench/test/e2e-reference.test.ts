import { describe, expect, it } from 'vitest';
import { normalizeGray } from '../e2e/reference';

describe('the Node reference input', () => {
  const p = { width: 2, height: 2, scale: 1 / 255, mean: 0.286041, std: 0.353024 };

  it('normalizes every pixel of every image as (pixel · scale − mean) / std', () => {
    const pixels = Uint8Array.from([0, 255, 128, 7, 1, 2, 3, 4]);
    const x = normalizeGray(pixels, 2, p);
    expect(x).toHaveLength(8);
    pixels.forEach((v, i) => {
      expect(x[i]).toBeCloseTo((v / 255 - 0.286041) / 0.353024, 6);
    });
  });

  it('refuses too few pixels for the images asked for', () => {
    expect(() => normalizeGray(new Uint8Array(7), 2, p)).toThrow(/7 pixel bytes; 2 images of 2×2 need 8/);
  });
});
