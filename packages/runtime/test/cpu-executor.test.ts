import { describe, expect, it } from 'vitest';
import {
  binaryForward,
  buildLut,
  kmeansForward,
  pqForward,
  type QuantizedForward,
  rqForward,
} from '../src/cpu';
import { KernelInputError } from '../src/gpu/errors';
import { randomFloats, seededRandom } from './gpu-fixture';
import {
  denseReference,
  firstMismatch,
  type QuantizedLayer,
  randomBinaryLayer,
  randomKmeansLayer,
  randomLutLayer,
} from './lut-fixtures';

/**
 * The executor accumulates in float64 and rounds once to float32, so it matches the float64 reference to
 * float32 rounding of the result: 2^-24 relative to |y|, bounded here by Σ|terms| with a 4× margin.
 */
const CPU_TOLERANCE = 4 * 2 ** -24;

/** Runs `forward` on random x and compares every output with W·x + b on the W rebuilt from the unpacked codes. */
function expectMatchesRebuilt<Shape>(
  layer: QuantizedLayer<Shape>,
  spec: { rows: number; cols: number; batch: number; relu: boolean },
  forward: QuantizedForward<Shape>,
  random: () => number,
): void {
  const x = randomFloats(spec.batch * spec.cols, random);
  const reference = denseReference(layer.weights, spec.rows, spec.cols, layer.bias, x, spec.batch, spec.relu);
  const y = forward(layer.shape, layer.words, layer.values, layer.bias, x, spec.batch, spec.relu);
  expect(firstMismatch(y, reference, CPU_TOLERANCE)).toBe(-1);
}

const LUT_SHAPES = [
  { rows: 1, cols: 5, d: 2, k: 2, stages: 1, batch: 1, withBias: true, relu: false },
  { rows: 13, cols: 37, d: 4, k: 16, stages: 1, batch: 3, withBias: false, relu: true },
  { rows: 7, cols: 300, d: 8, k: 256, stages: 1, batch: 2, withBias: true, relu: true },
  { rows: 33, cols: 64, d: 1, k: 4, stages: 1, batch: 5, withBias: true, relu: false },
  { rows: 9, cols: 23, d: 3, k: 5, stages: 2, batch: 2, withBias: true, relu: false },
  { rows: 4, cols: 70, d: 8, k: 256, stages: 3, batch: 1, withBias: false, relu: true },
  // A batch of 9: one 8-input tile, then the single-input path for the ninth.
  { rows: 13, cols: 37, d: 4, k: 16, stages: 1, batch: 9, withBias: true, relu: true },
];

describe('pqForward / rqForward', () => {
  it.each(LUT_SHAPES)('matches W·x + b on the rebuilt W: %o', (spec) => {
    const random = seededRandom(spec.rows * 131 + spec.cols * 7 + spec.k);
    const layer = randomLutLayer(spec, random);
    expectMatchesRebuilt(layer, spec, spec.stages === 1 ? pqForward : rqForward, random);
  });

  it('builds the LUT as dot products of centroids with zero-padded input segments', () => {
    const random = seededRandom(5);
    const layer = randomLutLayer({ rows: 2, cols: 5, d: 2, k: 3, stages: 1, withBias: false }, random);
    const x = randomFloats(10, random);
    const lut = buildLut(layer.shape, layer.values, x, 1);
    // Segment 2 covers column 4 only; its centroid's second coordinate meets padding.
    const centroid = (2 * 3 + 1) * 2;
    expect(lut[2 * 3 + 1]).toBeCloseTo(layer.values[centroid] * x[5 + 4], 12);
    expect(lut[0]).toBeCloseTo(layer.values[0] * x[5] + layer.values[1] * x[6], 12);
  });

  it('rejects inputs of the wrong shape with the expected shape spelled out', () => {
    const random = seededRandom(9);
    const layer = randomLutLayer({ rows: 3, cols: 10, d: 4, k: 16, stages: 1, withBias: true }, random);
    const x = randomFloats(20, random);
    expect(() =>
      pqForward(layer.shape, layer.words, layer.values, layer.bias, x.subarray(1), 2, false),
    ).toThrow(/x holds 19 elements, expected batch 2 × cols 10 = 20/);
    expect(() =>
      pqForward({ ...layer.shape, segments: 2 }, layer.words, layer.values, null, x, 2, false),
    ).toThrow(KernelInputError);
    expect(() =>
      pqForward(layer.shape, layer.words.subarray(1), layer.values, layer.bias, x, 2, false),
    ).toThrow(/codes holds/);
    const bad = new Uint32Array(layer.words);
    bad[0] = 0xffff_ffff;
    expect(() =>
      pqForward({ ...layer.shape, k: 15 }, bad, layer.values.subarray(0, 3 * 15 * 4), null, x, 2, false),
    ).toThrow(/code 15 ≥ k 15/);
  });
});

describe('kmeansForward', () => {
  it.each([
    { rows: 1, cols: 5, k: 2, batch: 1, withBias: false, relu: false },
    { rows: 13, cols: 37, k: 3, batch: 3, withBias: true, relu: true },
    { rows: 6, cols: 300, k: 16, batch: 2, withBias: true, relu: false },
    { rows: 5, cols: 41, k: 256, batch: 4, withBias: false, relu: false },
  ])('matches W·x + b on the rebuilt W: %o', (spec) => {
    const random = seededRandom(spec.rows * 17 + spec.cols + spec.k);
    const layer = randomKmeansLayer(spec, random);
    expectMatchesRebuilt(layer, spec, kmeansForward, random);
  });

  it('rejects a codebook of the wrong length', () => {
    const random = seededRandom(3);
    const layer = randomKmeansLayer({ rows: 2, cols: 3, k: 4, withBias: false }, random);
    expect(() =>
      kmeansForward(layer.shape, layer.words, new Float32Array(3), null, new Float32Array(3), 1, false),
    ).toThrow(/codebook holds 3 elements, expected k = 4/);
  });
});

describe('binaryForward', () => {
  it.each([
    { rows: 1, cols: 1, batch: 1, withBias: true, relu: false },
    { rows: 13, cols: 37, batch: 3, withBias: false, relu: true },
    { rows: 3, cols: 300, batch: 2, withBias: true, relu: false },
  ])('matches W·x + b on the rebuilt W: %o', (spec) => {
    const random = seededRandom(spec.rows * 3 + spec.cols);
    const layer = randomBinaryLayer(spec, random);
    expectMatchesRebuilt(layer, spec, binaryForward, random);
  });

  it('rejects packings wider than one bit', () => {
    const layer = randomBinaryLayer({ rows: 2, cols: 4, withBias: false }, seededRandom(1));
    const packing = { bits: 2 as const, codesPerRow: 4, wordsPerRow: 1 };
    expect(() =>
      binaryForward(
        { ...layer.shape, packing },
        layer.words,
        layer.values,
        null,
        new Float32Array(4),
        1,
        false,
      ),
    ).toThrow(/1 bit per sign/);
  });
});
