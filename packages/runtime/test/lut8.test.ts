/**
 * PQ / RQ layers on 8-bit lookup tables (src/cpu/lut8.ts): the quantization checked against its definition computed
 * here in float64, and the layer against the dense product on the rebuilt W, within the error the quantization
 * allows (half a step of each group's scale per segment).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePqw } from '@pqweb/format';
import { describe, expect, it } from 'vitest';
import { CpuHead, type TableBits } from '../src';
import {
  buildLut,
  buildTables8,
  checkTableBits,
  lut8Forward,
  PAIRED_CODES_MAX_K,
  pairTables,
  quantizeTables,
  type RqShape,
  TABLE_GROUP_SEGMENTS,
  TABLE_LEVELS,
  tableCodes,
  tableShape,
} from '../src/cpu';
import { KernelInputError } from '../src/gpu/errors';
import { randomFloats, seededRandom } from './gpu-fixture';
import { denseReference, randomLutLayer } from './lut-fixtures';

/** Float32 rounding of the result and of the per-group offsets, relative to Σ|terms|. */
const ROUNDING = 16 * 2 ** -24;

const SHAPES = [
  // segments 1, 15, 16, 17 and 40: groups that are short, exact and split; k for 1-, 2-, 4- and 8-bit codes
  { rows: 5, cols: 3, d: 4, k: 2, stages: 1, batch: 1, relu: false, withBias: true },
  { rows: 9, cols: 60, d: 4, k: 3, stages: 1, batch: 2, relu: true, withBias: false },
  { rows: 33, cols: 64, d: 4, k: 16, stages: 1, batch: 3, relu: false, withBias: true },
  { rows: 17, cols: 67, d: 4, k: 256, stages: 1, batch: 2, relu: true, withBias: true },
  { rows: 12, cols: 80, d: 2, k: 200, stages: 2, batch: 2, relu: false, withBias: true },
];

/** One row of two segments of k = 4 (2-bit codes). */
const TWO_SEGMENTS = {
  rows: 1,
  cols: 8,
  d: 4,
  k: 4,
  segments: 2,
  stages: 1,
  packing: { bits: 2, wordsPerRow: 1 },
} as RqShape;

describe('quantizeTables', () => {
  it('maps each segment’s lowest entry to 0 and each group’s widest range to 255, within half a step', () => {
    const random = seededRandom(75);
    for (const { segments, k, stages } of [
      { segments: 1, k: 2, stages: 1 },
      { segments: 15, k: 16, stages: 1 },
      { segments: 16, k: 256, stages: 1 },
      { segments: 17, k: 5, stages: 2 },
      { segments: 40, k: 256, stages: 3 },
    ]) {
      const shape = {
        rows: 1,
        cols: segments * 4,
        d: 4,
        k,
        segments,
        stages,
        packing: { bits: 8, wordsPerRow: 1 },
      };
      const lut = new Float64Array(randomFloats(stages * segments * k, random, 3));
      const { entries, scales, offsets, groupsPerStage } = quantizeTables(shape as RqShape, lut);
      expect(groupsPerStage).toBe(Math.ceil(segments / TABLE_GROUP_SEGMENTS));
      for (let t = 0; t < stages; t++) {
        for (let g = 0; g < groupsPerStage; g++) {
          const first = g * TABLE_GROUP_SEGMENTS;
          const last = Math.min(segments, first + TABLE_GROUP_SEGMENTS);
          let range = 0;
          let lowSum = 0;
          let widest = 0;
          for (let j = first; j < last; j++) {
            const table = Array.from(
              lut.subarray((t * segments + j) * k, (t * segments + j + 1) * k),
              Math.fround,
            );
            range = Math.max(range, Math.max(...table) - Math.min(...table));
            lowSum += Math.min(...table);
          }
          const scale = scales[t * groupsPerStage + g];
          expect(scale).toBeCloseTo(range / TABLE_LEVELS, 6);
          expect(Math.abs(offsets[t * groupsPerStage + g] - lowSum)).toBeLessThan(
            1e-5 * (1 + Math.abs(lowSum)),
          );
          for (let j = first; j < last; j++) {
            const base = (t * segments + j) * k;
            const table = Array.from(lut.subarray(base, base + k), Math.fround);
            const low = Math.min(...table);
            let smallest = TABLE_LEVELS;
            for (let c = 0; c < k; c++) {
              const q = entries[base + c];
              smallest = Math.min(smallest, q);
              widest = Math.max(widest, q);
              expect(Math.abs(low + q * scale - table[c])).toBeLessThanOrEqual(scale / 2 + 1e-6 * range);
            }
            expect(smallest).toBe(0);
          }
          expect(widest).toBe(TABLE_LEVELS);
        }
      }
    }
  });

  it('gives all-zero entries and a zero scale for constant tables, so the sum is exact', () => {
    const shape = TWO_SEGMENTS;
    const { entries, scales, offsets } = quantizeTables(shape, new Float64Array(8).fill(1.5));
    expect(Array.from(entries)).toEqual(new Array(8).fill(0));
    expect(Array.from(scales)).toEqual([0]);
    expect(Array.from(offsets)).toEqual([3]);
  });

  it('rejects tables of the wrong size', () => {
    const shape = TWO_SEGMENTS;
    expect(() => quantizeTables(shape, new Float64Array(7))).toThrow(KernelInputError);
  });
});

describe('paired codes (k ≤ 16)', () => {
  it('pairs segments 2p and 2p + 1 into one table of k² entries, a missing last segment adding 0', () => {
    expect(tableShape({ segments: 7, k: PAIRED_CODES_MAX_K })).toEqual({ segments: 4, k: 256, paired: true });
    expect(tableShape({ segments: 7, k: 3 })).toEqual({ segments: 4, k: 9, paired: true });
    expect(tableShape({ segments: 7, k: PAIRED_CODES_MAX_K + 1 })).toEqual({
      segments: 7,
      k: 17,
      paired: false,
    });
    const random = seededRandom(93);
    const shape = { segments: 3, k: 3, stages: 2 };
    const lut = new Float64Array(randomFloats(2 * 3 * 3, random, 2));
    const pairs = pairTables(shape, lut);
    expect(pairs.length).toBe(2 * 2 * 9);
    for (let t = 0; t < 2; t++) {
      for (let low = 0; low < 3; low++) {
        for (let high = 0; high < 3; high++) {
          const first = Math.fround(lut[(t * 3 + 0) * 3 + low]);
          const second = Math.fround(lut[(t * 3 + 1) * 3 + high]);
          expect(pairs[(t * 2 + 0) * 9 + high * 3 + low]).toBe(Math.fround(first + second));
          // Segment 2 has no partner: its pair's entries are its own, whatever the second code.
          expect(pairs[(t * 2 + 1) * 9 + high * 3 + low]).toBe(Math.fround(lut[(t * 3 + 2) * 3 + low]));
        }
      }
    }
  });

  it('indexes a pair by one byte, c + k·c′, and leaves 8-bit codes one per byte', () => {
    // 2 rows of 3 segments of k 16, packed 8 to a word: codes 1, 2, 3 and 15, 0, 9.
    const shape = {
      rows: 2,
      segments: 3,
      stages: 1,
      k: 16,
      packing: { bits: 4, wordsPerRow: 1, codesPerRow: 3 },
    } as const;
    const words = new Uint32Array([1 | (2 << 4) | (3 << 8), 15 | (0 << 4) | (9 << 8)]);
    expect(Array.from(tableCodes(shape, words))).toEqual([1 + 16 * 2, 3, 15 + 16 * 0, 9]);
    const wide = { ...shape, k: 17, packing: { bits: 8, wordsPerRow: 1, codesPerRow: 3 } } as const;
    const bytes = new Uint32Array([1 | (2 << 8) | (16 << 16), 3 | (4 << 8) | (5 << 16)]);
    expect(Array.from(tableCodes(wide, bytes))).toEqual([1, 2, 16, 3, 4, 5]);
  });

  it('runs layers of 4-bit codes on the pair tables: the same sums as the layer rebuilt with paired segments', () => {
    // A layer of k 4, d 2 is the layer of k 16, d 4 whose centroids are the pairs of its segments' centroids.
    const random = seededRandom(94);
    const layer = randomLutLayer({ rows: 9, cols: 14, d: 2, k: 4, stages: 1, withBias: true }, random);
    const { segments } = layer.shape;
    const pairs = Math.ceil(segments / 2);
    const x = new Float32Array(randomFloats(14, random));
    const pairedCodebook = new Float32Array(pairs * 16 * 4);
    for (let p = 0; p < pairs; p++) {
      for (let code = 0; code < 16; code++) {
        for (let half = 0; half < 2; half++) {
          const segment = 2 * p + half;
          const centroid = half === 0 ? code % 4 : Math.floor(code / 4);
          const source = layer.values.subarray(
            (segment * 4 + centroid) * 2,
            (segment * 4 + centroid + 1) * 2,
          );
          pairedCodebook.set(source, ((p * 16 + code) * 2 + half) * 2);
        }
      }
    }
    const pairedShape = { ...layer.shape, d: 4, k: 16, segments: pairs };
    const floats = buildLut(pairedShape, pairedCodebook, x, 0);
    const expected = quantizeTables(pairedShape, floats);
    const got = buildTables8(layer.shape, layer.values, x, 0);
    expect(got.table).toEqual({ segments: pairs, k: 16, paired: true });
    expect(Array.from(got.scales)).toEqual(Array.from(expected.scales));
    // Entry by entry: the pair's sum in float32 against the paired sub-vector's dot product, a level at most apart.
    got.entries.forEach((entry, index) => {
      expect(Math.abs(entry - (expected.entries[index] ?? 0))).toBeLessThanOrEqual(1);
    });
  });
});

describe('lut8Forward', () => {
  it('matches W·x + b on random PQ and RQ layers within half a step per segment', () => {
    const random = seededRandom(8);
    for (const spec of SHAPES) {
      const layer = randomLutLayer(spec, random);
      const x = randomFloats(spec.batch * spec.cols, random);
      const reference = denseReference(
        layer.weights,
        spec.rows,
        spec.cols,
        layer.bias,
        x,
        spec.batch,
        spec.relu,
      );
      const y = lut8Forward(layer.shape, layer.words, layer.values, layer.bias, x, spec.batch, spec.relu);
      let worstShare = 0;
      for (let b = 0; b < spec.batch; b++) {
        // Half a step per table the row reads: per pair of segments where the codes are paired (k ≤ 16).
        const { scales, groupsPerStage, table } = buildTables8(layer.shape, layer.values, x, b);
        const { segments } = table;
        let allowed = 0;
        scales.forEach((scale, group) => {
          const g = group % groupsPerStage;
          const count = Math.min(segments, (g + 1) * TABLE_GROUP_SEGMENTS) - g * TABLE_GROUP_SEGMENTS;
          allowed += (scale * count) / 2;
        });
        for (let i = 0; i < spec.rows; i++) {
          const index = b * spec.rows + i;
          const error = Math.abs(y[index] - reference.y[index]);
          const bound = allowed + ROUNDING * reference.magnitude[index];
          expect(error, `${JSON.stringify(spec)} input ${b} row ${i}`).toBeLessThanOrEqual(bound);
          worstShare = Math.max(worstShare, error / bound);
        }
      }
      // The tables are quantized: some output moves, and by less than the bound allows.
      expect(worstShare, JSON.stringify(spec)).toBeGreaterThan(0);
    }
  });

  it('checks the layer and the batch as the float32 executor does', () => {
    const random = seededRandom(10);
    const layer = randomLutLayer({ rows: 4, cols: 8, d: 4, k: 16, stages: 1, withBias: false }, random);
    const x = randomFloats(8, random);
    expect(() => lut8Forward(layer.shape, layer.words, layer.values, null, x, 2, false)).toThrow(
      KernelInputError,
    );
    expect(() => lut8Forward(layer.shape, layer.words.subarray(1), layer.values, null, x, 1, false)).toThrow(
      KernelInputError,
    );
  });
});

describe('8-bit tables in the CPU head', () => {
  const repo = join(import.meta.dirname, '../../..');
  const file = decodePqw(new Uint8Array(readFileSync(join(repo, 'apps/demo/public/models/fashion-vgg.pqw'))));

  it('runs the bundled model’s PQ layers on 8-bit tables, close to the float32 tables and with the same top-1', () => {
    const quantized = new CpuHead(file, { tableBits: 8 });
    const exact = new CpuHead(file, { wasmSimd: false });
    expect(quantized.kernels).toEqual(['js-8-bit-tables', 'js-8-bit-tables', 'js']);
    const batch = 6;
    const random = seededRandom(5);
    const features = new Float32Array(batch * exact.inputSize).map(() => Math.max(0, random() * 4 - 2));
    const got = quantized.forward(features, batch);
    const expected = exact.forward(features, batch);
    let moved = 0;
    for (let b = 0; b < batch; b++) {
      const row = (logits: Float32Array) => Array.from(logits.subarray(b * 10, (b + 1) * 10));
      const scale = Math.max(...row(expected).map(Math.abs));
      for (let c = 0; c < 10; c++) {
        const change = Math.abs(row(got)[c] - row(expected)[c]);
        expect(change).toBeLessThan(0.02 * scale);
        moved = Math.max(moved, change);
      }
      const top = (values: number[]) => values.indexOf(Math.max(...values));
      expect(top(row(got))).toBe(top(row(expected)));
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('rejects a table width it does not have', () => {
    expect(() => checkTableBits(16)).toThrow(/tableBits must be 32/);
    expect(() => new CpuHead(file, { tableBits: 4 as TableBits })).toThrow(KernelInputError);
  });
});
