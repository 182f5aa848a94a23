import { describe, expect, it } from 'vitest';
import {
  grayToRgba,
  MIN_OBJECT_CONTRAST,
  objectBox,
  otsuThreshold,
  PhotoInputError,
  photoToFashionInput,
  type RgbaImage,
  resampleArea,
  toLuma,
} from '../src/preprocess/photo';

const SIDE = 28;

/** Mulberry32: a small seeded PRNG (uniform in [0, 1)). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function grayImage(width: number, height: number, valueAt: (x: number, y: number) => number): RgbaImage {
  const gray = new Uint8ClampedArray(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) gray[y * width + x] = valueAt(x, y);
  return { data: grayToRgba(gray), width, height };
}

describe('toLuma', () => {
  it('weighs channels by BT.601 and composites transparent pixels over white', () => {
    const data = new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 0, 0, 0, 0]);
    const luma = toLuma({ data, width: 4, height: 1 });
    // 0.299·255, 0.587·255, 0.114·255; the fully transparent black pixel reads as white.
    expect([...luma].map((v) => Number(v.toFixed(3)))).toEqual([76.245, 149.685, 29.07, 255]);
  });

  it('refuses pixel data that does not match the size', () => {
    expect(() => toLuma({ data: new Uint8ClampedArray(12), width: 2, height: 2 })).toThrow(PhotoInputError);
    expect(() => toLuma({ data: new Uint8ClampedArray(12), width: 2, height: 2 })).toThrow(
      /16 RGBA bytes, got 12/,
    );
  });
});

describe('otsuThreshold', () => {
  it('splits a two-level image between its levels', () => {
    const values = new Float32Array(1000).map((_, i) => (i < 700 ? 40 : 200));
    const t = otsuThreshold(values);
    expect(t).toBeGreaterThanOrEqual(40);
    expect(t).toBeLessThan(200);
  });

  it('separates two noisy modes at their valley', () => {
    const random = mulberry32(7);
    const values = new Float32Array(4000).map((_, i) => (i % 3 === 0 ? 180 : 30) + (random() - 0.5) * 40);
    const t = otsuThreshold(values);
    // The modes span 10…50 and 160…200: every threshold in the gap separates them.
    expect(t).toBeGreaterThanOrEqual(50);
    expect(t).toBeLessThan(160);
  });
});

describe('objectBox', () => {
  it('ignores isolated specks (lines need 1% object pixels)', () => {
    const width = 300;
    const height = 200;
    const mask = new Uint8Array(width * height);
    mask[5 * width + 250] = 1; // a speck: 1 px in its row and column, below ceil(1%·300) = 3
    for (let y = 50; y < 120; y++) for (let x = 100; x < 180; x++) mask[y * width + x] = 1;
    expect(objectBox(mask, width, height)).toEqual({ x: 100, y: 50, width: 80, height: 70 });
  });

  it('is null for an empty mask', () => {
    expect(objectBox(new Uint8Array(100), 10, 10)).toBeNull();
  });
});

describe('resampleArea', () => {
  it('averages the covered source area with fractional edge weights', () => {
    // Row [0, 90, 180] to 2 px: [0, 1.5) → (0 + 0.5·90) / 1.5 = 30; [1.5, 3) → (0.5·90 + 180) / 1.5 = 150.
    const row = resampleArea(new Float32Array([0, 90, 180]), 3, { x: 0, y: 0, width: 3, height: 1 }, 2, 1);
    expect([...row]).toEqual([30, 150]);
    // A 3×3 box of a 4-wide image with one bright pixel at (1, 1), to 2×2: each output pixel covers 1.5×1.5
    // source pixels and a 0.5×0.5 corner of the bright one: 90 · 0.25 / 2.25 = 10 everywhere.
    const image = new Float32Array(16);
    image[1 * 4 + 1] = 90;
    const square = resampleArea(image, 4, { x: 0, y: 0, width: 3, height: 3 }, 2, 2);
    expect([...square].map((v) => Number(v.toFixed(6)))).toEqual([10, 10, 10, 10]);
  });
});

describe('photoToFashionInput', () => {
  it('inverts a dark object on white, crops it and fits its long side to 28 px, centred', () => {
    // A 40×20 black rectangle at (30, 20) in a white 100×60 photo.
    const photo = grayImage(100, 60, (x, y) => (x >= 30 && x < 70 && y >= 20 && y < 40 ? 0 : 255));
    const out = photoToFashionInput(photo, { width: SIDE, height: SIDE });
    expect(out.steps.inverted).toBe(true);
    expect(out.steps.background).toBe(255);
    expect(out.steps.box).toEqual({ x: 30, y: 20, width: 40, height: 20 });
    // 40×20 scaled by 28/40 → 28×14, centred vertically: rows 7…20 are the object (255), the rest black.
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        expect(out.gray[y * SIDE + x]).toBe(y >= 7 && y < 21 ? 255 : 0);
      }
    }
    expect(out.data.length).toBe(SIDE * SIDE * 4);
    expect(out.data[3]).toBe(255);
  });

  it('keeps a bright object on a dark background the right way round', () => {
    const photo = grayImage(56, 56, (x, y) => (Math.hypot(x - 28, y - 28) < 14 ? 220 : 10));
    const out = photoToFashionInput(photo, { width: SIDE, height: SIDE });
    expect(out.steps.inverted).toBe(false);
    expect(out.gray[14 * SIDE + 14]).toBe(255); // centre of the disc, stretched to full brightness
    expect(out.gray[0]).toBe(0);
  });

  it('recovers a Fashion-MNIST-like image from a noisy 8× photo of it on a light background', () => {
    const random = mulberry32(42);
    // The original: an object filling all 28 columns and rows 4…23 (so its long side is the width), with
    // intensities 150…255 on a 0 background — the way Fashion-MNIST frames a wide garment.
    const original = new Uint8ClampedArray(SIDE * SIDE);
    for (let y = 4; y < 24; y++) for (let x = 0; x < SIDE; x++) original[y * SIDE + x] = 150 + random() * 105;
    // The photo: 8× nearest upscale, dark garment on light gray paper (230), at an offset, ±5 noise.
    const scale = 8;
    const [offsetX, offsetY, paper] = [37, 53, 230];
    const photo = grayImage(300, 280, (x, y) => {
      const sx = Math.floor((x - offsetX) / scale);
      const sy = Math.floor((y - offsetY) / scale);
      const inside = x >= offsetX && y >= offsetY && sx < SIDE && sy < SIDE;
      const ink = inside ? (original[sy * SIDE + sx] ?? 0) : 0;
      return paper - (ink * paper) / 255 + (random() - 0.5) * 10;
    });
    const out = photoToFashionInput(photo, { width: SIDE, height: SIDE });
    expect(out.steps.inverted).toBe(true);
    expect(out.steps.box).toEqual({
      x: offsetX,
      y: offsetY + 4 * scale,
      width: SIDE * scale,
      height: 20 * scale,
    });
    let sumError = 0;
    let maxError = 0;
    out.gray.forEach((value, i) => {
      const error = Math.abs(value - (original[i] ?? 0));
      sumError += error;
      maxError = Math.max(maxError, error);
    });
    // Paper at 230 stretched back to 255 and ±5 noise averaged over 64 pixels per output pixel: a few levels.
    expect(sumError / out.gray.length).toBeLessThan(6);
    expect(maxError).toBeLessThan(20);
  });

  it('uses the whole image when nothing stands out from the background', () => {
    const photo = grayImage(40, 30, (x) => 200 + (x % 2) * (MIN_OBJECT_CONTRAST - 4));
    const out = photoToFashionInput(photo, { width: SIDE, height: SIDE });
    expect(out.steps.box).toBeNull();
    expect(out.gray.every((value) => value === 0)).toBe(true);
  });

  it('honours a forced inversion and refuses a bad output size', () => {
    const photo = grayImage(10, 10, () => 255);
    expect(photoToFashionInput(photo, { width: SIDE, height: SIDE, invert: false }).steps.inverted).toBe(
      false,
    );
    expect(() => photoToFashionInput(photo, { width: 0, height: SIDE })).toThrow(PhotoInputError);
  });
});
