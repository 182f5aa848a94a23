/**
 * PQ / RQ layers on 8-bit tables on the GPU (executor option tableBits: 8, shaders/pq_table8.wgsl) against their CPU
 * twin lut8Forward and against the exact product on the dense W rebuilt from the codes, on seeded random layers
 * whose rows, columns, segments and batches are multiples of no tile: k ∈ {16, 100, 128, 256} (4- and 8-bit codes),
 * d ∈ {2, 3, 4, 8} (dividing cols or not), RQ with 2 stages, float16 codebooks, batch tiles of 1, 4 and 8, several
 * row blocks. The output is poisoned with NaN, with guard floats past its end that must stay NaN.
 *
 * Tolerances, per output of input b, with s_g its tables' step in segment group g (quantizeTables' scale) and
 * m = 1e-5 · √n · (|b_i| + Σ_j |W_ij x_j|) the float32 rounding allowance of the LUT tests (n = stages · cols):
 *   against the twin: |gpu − twin| ≤ 2 Σ_g s_g + m. The GPU forms each entry from a float32 dot product summed in
 *     its own order and divides by the range with WGSL's division (2.5 ulp), so an entry on a rounding boundary may
 *     land one level off; two such entries per group and output are allowed. A systematic error (truncating
 *     instead of rounding, a wrong segment's table, a lost group offset) moves an output by about half a step per
 *     segment, 8 steps per group, and fails it.
 *   against the exact product: |gpu − exact| ≤ Σ_g s_g (segments in g / 2 + 2) + m: each entry within half a step
 *     (the twin's bound), plus the allowance above.
 */

import { float32ToFloat16 } from '@pqweb/format';
import { describe, expect, it } from 'vitest';
import pqTable8Wgsl from '../../../shaders/pq_table8.wgsl?raw';
import entry1Wgsl from '../../../shaders/table8_entry1.wgsl?raw';
import entry4Wgsl from '../../../shaders/table8_entry4.wgsl?raw';
import entry8Wgsl from '../../../shaders/table8_entry8.wgsl?raw';
import { lut8Forward } from '../src/cpu';
import type { RqShape } from '../src/cpu/layer-shapes';
import { buildTables8, TABLE_GROUP_SEGMENTS, TABLE_LEVELS, tableCodes, tableShape } from '../src/cpu/lut8';
import { GpuLimitError, KernelInputError } from '../src/gpu/errors';
import {
  createLayerExecutor,
  float16CodebookWords,
  GROUPED_TABLES_MAX_BATCH,
  groupedFloatTablesLayout,
  groupTableCodebook,
  groupTableCodes,
  interleaveCodeRows,
  type LayerExecutorOptions,
  type LutLayerDescriptor,
  PAIRED_GROUPED_TABLES_D8_MAX_BATCH,
  PAIRED_GROUPED_TABLES_MAX_BATCH,
  TABLE_GROUP_SEGMENT_CHOICES,
  TABLE8_BATCH_TILES,
  TABLE8_MAX_CACHED_QUADS,
  TABLE8_MAX_KEPT_VALUES,
  TABLE32_MAX_CACHED_QUADS,
  type TableCodeLayout,
  type TableGroupSegments,
  table8CodebookBytes,
  table8CodebookValues,
  table8CodeLayout,
  table8CodeWords,
  table8GatherStorageBytes,
  table8Slots,
  table32GatherStorageBytes,
  tableBuildSegments,
  takesGroupedFloatTables,
  unwrappedLaneOrder,
  usesGroupedFloatTables,
  WIDE_GROUPS_MIN_SEGMENTS,
} from '../src/kernels';
import type { CodebookDtype } from '../src/kernels/codebook-dtype';
import {
  gpuUnavailableReason,
  randomFloats,
  runLayerOnce,
  seededRandom,
  uploadFloat32,
  withGpu,
} from './gpu-fixture';
import { denseReference, type LutLayerSpec, type QuantizedLayer, randomLutLayer } from './lut-fixtures';

const TOLERANCE_PER_SQRT_TERM = 1e-5;
const OUTPUT_GUARD_FLOATS = 8;
/** Levels an output may differ from the twin by per segment group (see the header). */
const TWIN_LEVELS_PER_GROUP = 2;

const noGpuReason = await gpuUnavailableReason();

type LutLayer = QuantizedLayer<LutLayerDescriptor & RqShape>;

type LayerSpec = LutLayerSpec & { relu: boolean };

function table8Layer(spec: LayerSpec, random: () => number): LutLayer {
  const layer = randomLutLayer(spec, random);
  const activation = spec.relu ? 'relu' : 'none';
  const method = spec.stages === 1 ? 'pq' : 'rq';
  return { ...layer, shape: { method, ...layer.shape, activation } as LutLayerDescriptor & RqShape };
}

function uploadWords(
  device: GPUDevice,
  words: Uint32Array<ArrayBuffer>,
  bytes: number,
  label: string,
): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(Math.max(bytes, words.byteLength) / 16) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buffer, 0, words);
  return buffer;
}

/** The layer's codebook in the 8-bit-table layout, as float32 or as float16 two values to a word. */
function uploadCodebook(
  device: GPUDevice,
  layer: LutLayer,
  dtype: CodebookDtype,
  groupSegments: TableGroupSegments = 16,
): GPUBuffer {
  const bytes = table8CodebookBytes(layer.shape, dtype, groupSegments);
  if (dtype === 'float32') {
    const grouped = groupTableCodebook(layer.values, layer.shape, groupSegments);
    return uploadWords(device, new Uint32Array(grouped.buffer), bytes, 'codebook');
  }
  const halves = groupTableCodebook(float32ToFloat16(layer.values), layer.shape, groupSegments);
  return uploadWords(device, float16CodebookWords(halves), bytes, 'codebook-f16');
}

/** Uploads the layer in the 8-bit-table layout, runs it on `x`, reads y back and destroys what it made. */
async function runTable8(
  device: GPUDevice,
  layer: LutLayer,
  x: Float32Array<ArrayBuffer>,
  batch: number,
  options: LayerExecutorOptions,
  dtype: CodebookDtype,
): Promise<{ y: Float32Array; guardsIntact: boolean; variant: string }> {
  const { rows } = layer.shape;
  const executorOptions: LayerExecutorOptions = { tableBits: 8, ...options };
  const layout = table8CodeLayout(device, layer.shape, executorOptions);
  const codes = uploadWords(device, groupTableCodes(layer.words, layer.shape, layout), 0, 'codes');
  const codebook = uploadCodebook(device, layer, dtype, layout.groupSegments);
  const bias = layer.bias ? uploadFloat32(device, layer.bias, 'bias') : null;
  return runLayerOnce(
    device,
    [codes, codebook, bias],
    () =>
      createLayerExecutor(
        device,
        layer.shape,
        { codes, codebook, codebookDtype: dtype, bias },
        executorOptions,
      ),
    x,
    rows,
    batch,
    OUTPUT_GUARD_FLOATS,
  );
}

/** Σ_g s_g and Σ_g s_g · (segments in g) per input: the steps the tolerances are made of. */
function tableSteps(
  layer: LutLayer,
  x: Float32Array,
  batch: number,
): { steps: number[]; halfSteps: number[] } {
  const { shape } = layer;
  const steps: number[] = [];
  const halfSteps: number[] = [];
  for (let b = 0; b < batch; b++) {
    const { scales, groupsPerStage, table } = buildTables8(shape, layer.values, x, b);
    let sum = 0;
    let half = 0;
    scales.forEach((scale, group) => {
      const g = group % groupsPerStage;
      const segmentsInGroup = Math.min(TABLE_GROUP_SEGMENTS, table.segments - g * TABLE_GROUP_SEGMENTS);
      sum += scale;
      half += (scale * segmentsInGroup) / 2;
    });
    steps.push(sum);
    halfSteps.push(half);
  }
  return { steps, halfSteps };
}

async function expectTable8Matches(
  device: GPUDevice,
  spec: LayerSpec,
  batch: number,
  seed: number,
  options: LayerExecutorOptions = {},
  dtype: CodebookDtype = 'float32',
): Promise<void> {
  const random = seededRandom(seed);
  const layer = table8Layer(spec, random);
  const { shape } = layer;
  const x = new Float32Array(randomFloats(batch * shape.cols, random));
  const relu = shape.activation === 'relu';
  const exact = denseReference(layer.weights, shape.rows, shape.cols, layer.bias, x, batch, relu);
  const twin = lut8Forward(shape, layer.words, layer.values, layer.bias, x, batch, relu);
  const { steps, halfSteps } = tableSteps(layer, x, batch);
  const run = await runTable8(device, layer, x, batch, options, dtype);
  const allowance = TOLERANCE_PER_SQRT_TERM * Math.sqrt(shape.stages * shape.cols);
  const where = `${JSON.stringify(spec)} batch ${batch} ${dtype} ${JSON.stringify(options)}`;
  expect(run.variant).toBe('table8');
  expect(run.guardsIntact, `${where}: wrote past the output`).toBe(true);
  for (let index = 0; index < run.y.length; index++) {
    const b = Math.floor(index / shape.rows);
    const float = allowance * (exact.magnitude[index] ?? 0);
    const gpu = run.y[index] ?? Number.NaN;
    const twinError = Math.abs(gpu - (twin[index] ?? 0));
    const twinBound = TWIN_LEVELS_PER_GROUP * (steps[b] ?? 0) + float;
    if (!(twinError <= twinBound)) {
      expect.fail(`${where}: output ${index} gpu ${gpu} twin ${twin[index]} (bound ${twinBound})`);
    }
    const exactError = Math.abs(gpu - (exact.y[index] ?? 0));
    const exactBound = (halfSteps[b] ?? 0) + TWIN_LEVELS_PER_GROUP * (steps[b] ?? 0) + float;
    if (!(exactError <= exactBound)) {
      expect.fail(`${where}: output ${index} gpu ${gpu} exact ${exact.y[index]} (bound ${exactBound})`);
    }
  }
}

interface Table8Case {
  spec: LayerSpec;
  batch: number;
  seed: number;
  options?: LayerExecutorOptions;
  dtype?: CodebookDtype;
}

/** The layers run on the GPU, in two tests (SwiftShader compiles each shape's pipelines): why each is there. */
const TABLE8_CASES: { title: string; cases: Table8Case[] }[] = [
  {
    title:
      'matches the twin and the exact product on PQ layers: 8-bit codes, ragged shapes, several row blocks',
    cases: [
      // cols 37 is no multiple of d 4 (the last segment overhangs), 10 segments fill part of one group.
      {
        spec: { rows: 70, cols: 37, d: 4, k: 256, stages: 1, withBias: true, relu: true },
        batch: 5,
        seed: 11,
      },
      // 300 rows in blocks of 128 rows (targetWorkgroups) over 4 groups and 3 batch tiles; quad reads.
      {
        spec: { rows: 300, cols: 256, d: 4, k: 256, stages: 1, withBias: true, relu: false },
        batch: 9,
        seed: 12,
        options: { workgroupSize: 128, targetWorkgroups: 64 },
      },
      // A shape that needs none of the kernel's guards (EXACT_ENTRIES, EXACT_ROWS, EXACT_COLUMNS): 256 rows in one
      // block of 256 invocations, 2 full groups, 16 · 16 entries; 2 inputs in a tile of 4.
      {
        spec: { rows: 256, cols: 128, d: 4, k: 16, stages: 1, withBias: true, relu: false },
        batch: 2,
        seed: 14,
        options: { workgroupSize: 256 },
      },
      // d 8, k 100 (8-bit codes of a codebook short of 256), one input (a tile of 1), no bias.
      {
        spec: { rows: 33, cols: 96, d: 8, k: 100, stages: 1, withBias: false, relu: false },
        batch: 1,
        seed: 13,
      },
      // A tile of 1 at batch 1 over 3 row blocks of 128 rows and 2 groups, the last one 9 segments of 16, ReLU.
      {
        spec: { rows: 300, cols: 100, d: 4, k: 256, stages: 1, withBias: true, relu: true },
        batch: 1,
        seed: 15,
        options: { workgroupSize: 128, targetWorkgroups: 6 },
      },
    ],
  },
  {
    title: 'matches on RQ layers, 4-bit codes, float16 codebooks and batch tiles of 8',
    cases: [
      // 2 stages of 20 segments of 4-bit codes: 10 pairs each, a group of 16 with 6 of padding.
      {
        spec: {
          rows: 45,
          cols: 40,
          d: 2,
          k: 16,
          stages: 2,
          withBias: true,
          relu: false,
          float16Codebooks: true,
        },
        batch: 3,
        seed: 21,
        dtype: 'float16',
      },
      // Batch tile 8 (16 · 128 · 8 bytes of tile), 11 inputs in 2 tiles; d 3 does not divide 50.
      {
        spec: { rows: 50, cols: 50, d: 3, k: 128, stages: 1, withBias: true, relu: true },
        batch: 11,
        seed: 22,
        options: { batchTile: 8 },
      },
      // Tiles of 1 chosen by the caller: 3 inputs in 3 tiles, RQ, 8-bit codes.
      {
        spec: { rows: 70, cols: 64, d: 4, k: 256, stages: 2, withBias: true, relu: false },
        batch: 3,
        seed: 24,
        options: { batchTile: 1 },
      },
      // Paired 4-bit codes whose build keeps its values in registers, so that the half tables lie over the tile's
      // entries (HALVES_OVER_ENTRIES): a tile of 1 (16 · 256 entries over 256 invocations), 33 segments in 17 pairs.
      {
        spec: { rows: 90, cols: 66, d: 2, k: 16, stages: 1, withBias: true, relu: false },
        batch: 1,
        seed: 25,
      },
      // And tiles of 4 and 8 at k 4 (16 codes per pair): two halves to an entry at tile 8 (table8_entry8.wgsl).
      {
        spec: { rows: 70, cols: 45, d: 3, k: 4, stages: 2, withBias: true, relu: true },
        batch: 4,
        seed: 26,
      },
      {
        spec: { rows: 70, cols: 45, d: 3, k: 4, stages: 2, withBias: false, relu: false },
        batch: 9,
        seed: 27,
        options: { batchTile: 8, workgroupSize: 128 },
      },
      // Tile 8 with the dot products kept in registers (3 entries per invocation × 8 inputs); k 17, unpaired: paired
      // 4-bit codes at tile 8 need 50 KiB of workgroup memory.
      {
        spec: { rows: 200, cols: 64, d: 4, k: 17, stages: 2, withBias: false, relu: false },
        batch: 8,
        seed: 23,
        options: { batchTile: 8, workgroupSize: 128 },
      },
    ],
  },
];

describe('the host mirrors pq_table8.wgsl', () => {
  it("in its constants: segments per group, kept values, cached quads, and each tile prelude's inputs", () => {
    expect(pqTable8Wgsl).toContain(`override TILE_SEGMENTS: u32 = ${TABLE_GROUP_SEGMENTS}u;`);
    // Code vectors of 16 bytes per (slot, row): RowCodes holds two, the widest group the host offers.
    expect(Math.max(...TABLE_GROUP_SEGMENT_CHOICES)).toBe(32);
    expect(pqTable8Wgsl).toMatch(/struct RowCodes \{\s*low: vec4<u32>,\s*high: vec4<u32>,\s*\}/);
    expect(pqTable8Wgsl).toContain(`const TABLE_LEVELS = ${TABLE_LEVELS}.0;`);
    expect(pqTable8Wgsl).toContain(`const MAX_KEPT_VALUES = ${TABLE8_MAX_KEPT_VALUES}u;`);
    expect(pqTable8Wgsl).toContain(`const MAX_CACHED_QUADS = ${TABLE32_MAX_CACHED_QUADS}u;`);
    // gather_table8's cached quads (fewer) share the shader's register array.
    expect(TABLE8_MAX_CACHED_QUADS).toBeLessThanOrEqual(TABLE32_MAX_CACHED_QUADS);
    // The build keeps every cached quad's values for the widest tile (the shader's pass 2 relies on it).
    expect(TABLE8_MAX_CACHED_QUADS * Math.max(...TABLE8_BATCH_TILES)).toBeLessThanOrEqual(
      TABLE8_MAX_KEPT_VALUES,
    );
    expect(entry1Wgsl).toContain(`const TABLE_INPUTS = ${TABLE8_BATCH_TILES[0]}u;`);
    expect(entry4Wgsl).toContain(`const TABLE_INPUTS = ${TABLE8_BATCH_TILES[1]}u;`);
    expect(entry8Wgsl).toContain(`const TABLE_INPUTS = ${TABLE8_BATCH_TILES[2]}u;`);
  });
});

const ROTATED_16: TableCodeLayout = { groupSegments: 16, lanes: 'rotation' };

describe('groupTableCodes and groupTableCodebook (8-bit-table layouts)', () => {
  // A "segment" of the layouts is a table segment (tableShape): a pair of the layer's segments where k ≤ 16, whose
  // byte is c + k·c′ (tableCodes, checked in lut8.test.ts), else the layer's segment and its code.
  it('puts segment (row + t) mod 16 of each group at byte t, one byte per code or pair, padding groups with 0', () => {
    const random = seededRandom(75);
    for (const spec of [
      { rows: 5, cols: 40, d: 2, k: 16, stages: 2, withBias: false },
      { rows: 19, cols: 150, d: 3, k: 256, stages: 1, withBias: false },
    ]) {
      const layer = randomLutLayer(spec, random);
      const { rows, stages } = layer.shape;
      const { segments } = tableShape(layer.shape);
      const indices = tableCodes(layer.shape, layer.words);
      const bytes = new Uint8Array(groupTableCodes(layer.words, layer.shape, ROTATED_16).buffer);
      const groups = Math.ceil(segments / 16);
      expect(bytes.length).toBe(table8CodeWords(layer.shape) * 4);
      for (let t = 0; t < stages; t++) {
        for (let row = 0; row < rows; row++) {
          for (let g = 0; g < groups; g++) {
            for (let byte = 0; byte < 16; byte++) {
              const segment = g * 16 + ((row + byte) % 16);
              const expected = segment < segments ? indices[(t * rows + row) * segments + segment] : 0;
              expect(bytes[((t * groups + g) * rows + row) * 16 + byte]).toBe(expected);
            }
          }
        }
      }
    }
  });

  it('lays the codebooks out entry by entry, [slots][k][16 or the 32 of 16 pairs][d], zeros for the padding', () => {
    const random = seededRandom(76);
    for (const [spec, buildSegments] of [
      [{ rows: 2, cols: 60, d: 3, k: 17, stages: 2, withBias: false }, 16],
      [{ rows: 2, cols: 70, d: 3, k: 4, stages: 2, withBias: false }, 32],
    ] as const) {
      const layer = randomLutLayer(spec, random);
      const { segments, k, d } = layer.shape;
      expect(tableBuildSegments(k, 16)).toBe(buildSegments);
      const grouped = groupTableCodebook(layer.values, layer.shape);
      const groups = Math.ceil(segments / buildSegments);
      expect(table8Slots(layer.shape)).toBe(2 * groups);
      expect(grouped.length).toBe(2 * groups * k * buildSegments * d);
      for (let t = 0; t < 2; t++) {
        for (let g = 0; g < groups; g++) {
          for (let code = 0; code < k; code++) {
            for (let s = 0; s < buildSegments; s++) {
              const segment = g * buildSegments + s;
              for (let j = 0; j < d; j++) {
                const expected =
                  segment < segments ? layer.values[((t * segments + segment) * k + code) * d + j] : 0;
                expect(grouped[(((t * groups + g) * k + code) * buildSegments + s) * d + j]).toBe(expected);
              }
            }
          }
        }
      }
    }
    const layer = randomLutLayer({ rows: 2, cols: 60, d: 3, k: 4, stages: 2, withBias: false }, random);
    const halves = groupTableCodebook(new Uint16Array(layer.values.length).fill(7), layer.shape);
    expect(halves).toBeInstanceOf(Uint16Array);
    expect(halves.filter((value) => value === 7).length).toBe(layer.values.length);
  });

  it('in groups of 32 below 4096 segments puts segment (row + t) mod 32 at byte t, in two 16-byte vectors [slots][2][rows]', () => {
    const random = seededRandom(83);
    for (const spec of [
      { rows: 7, cols: 150, d: 2, k: 16, stages: 2, withBias: false },
      { rows: 33, cols: 260, d: 4, k: 256, stages: 1, withBias: false },
    ]) {
      const layer = randomLutLayer(spec, random);
      const { rows, stages, k, d } = layer.shape;
      const { segments } = tableShape(layer.shape);
      const indices = tableCodes(layer.shape, layer.words);
      const bytes = new Uint8Array(
        groupTableCodes(layer.words, layer.shape, { groupSegments: 32, lanes: 'rotation' }).buffer,
      );
      const groups = Math.ceil(segments / 32);
      expect(table8Slots(layer.shape, 32)).toBe(stages * groups);
      expect(bytes.length).toBe(table8CodeWords(layer.shape, 32) * 4);
      expect(bytes.length).toBe(stages * groups * rows * 32);
      for (let t = 0; t < stages; t++) {
        for (let row = 0; row < rows; row++) {
          for (let g = 0; g < groups; g++) {
            for (let byte = 0; byte < 32; byte++) {
              const segment = g * 32 + ((row + byte) % 32);
              const expected = segment < segments ? indices[(t * rows + row) * segments + segment] : 0;
              const vector = ((t * groups + g) * 2 + Math.floor(byte / 16)) * rows + row;
              expect(bytes[vector * 16 + (byte % 16)]).toBe(expected);
            }
          }
        }
      }
      // The codebooks of the layer's segments: 32 per slot, or the 64 of its 32 pairs.
      const grouped = groupTableCodebook(layer.values, layer.shape, 32);
      expect(grouped.length).toBe(table8CodebookValues(layer.shape, 32));
      const buildSegments = tableBuildSegments(k, 32);
      const layerSegments = layer.shape.segments;
      for (let t = 0; t < stages; t++) {
        for (let segment = 0; segment < groups * buildSegments; segment++) {
          const g = Math.floor(segment / buildSegments);
          for (let code = 0; code < k; code += 7) {
            for (let j = 0; j < d; j++) {
              const expected =
                segment < layerSegments
                  ? layer.values[((t * layerSegments + segment) * k + code) * d + j]
                  : 0;
              const at = (((t * groups + g) * k + code) * buildSegments + (segment % buildSegments)) * d + j;
              expect(grouped[at]).toBe(expected);
            }
          }
        }
      }
    }
  });

  it('in groups of 32 on wide layers (4096 segments or more) puts segment (row mod 32) xor t at byte t', () => {
    const random = seededRandom(88);
    // 4100 segments: 129 groups, the last of 4 segments; 16 keeps the rotation at any width.
    const layer = randomLutLayer({ rows: 37, cols: 4100, d: 1, k: 32, stages: 2, withBias: false }, random);
    const { rows, segments, stages } = layer.shape;
    expect(unwrappedLaneOrder(segments, 32)).toBe('xor');
    expect(unwrappedLaneOrder(segments, 16)).toBe('rotation');
    expect(unwrappedLaneOrder(WIDE_GROUPS_MIN_SEGMENTS - 1, 32)).toBe('rotation');
    const bytes = new Uint8Array(
      groupTableCodes(layer.words, layer.shape, { groupSegments: 32, lanes: 'xor' }).buffer,
    );
    const groups = Math.ceil(segments / 32);
    // Built byte by byte from the rule and compared whole (a per-byte expect would be 300,000 of them).
    const expected = new Uint8Array(stages * groups * rows * 32);
    for (let t = 0; t < stages; t++) {
      for (let row = 0; row < rows; row++) {
        for (let g = 0; g < groups; g++) {
          for (let byte = 0; byte < 32; byte++) {
            const segment = g * 32 + ((row % 32) ^ byte);
            const code = segment < segments ? (layer.codes[(t * rows + row) * segments + segment] ?? -1) : 0;
            const vector = ((t * groups + g) * 2 + Math.floor(byte / 16)) * rows + row;
            expected[vector * 16 + (byte % 16)] = code;
          }
        }
      }
    }
    expect(bytes).toEqual(expected);
  });

  // The wrapped order, checked through the index the kernel computes from each byte (pq_table8.wgsl sum_rows):
  // stored code · G + row mod G + t must be the entry of the segment's code, code · G + segment, or for code 0 past
  // the wrap, one of the tile's extra entries k · G + segment, which hold code 0's entries of segments 0 … G − 2.
  it('in the wrapped order stores one code less (mod k) where row mod G + t wraps: the index needs no modulo', () => {
    const random = seededRandom(92);
    for (const [spec, groupSegments] of [
      [{ rows: 37, cols: 40, d: 2, k: 16, stages: 2, withBias: false }, 16],
      [{ rows: 35, cols: 150, d: 3, k: 256, stages: 1, withBias: false }, 32],
      [{ rows: 33, cols: 70, d: 1, k: 100, stages: 1, withBias: false }, 16],
      [{ rows: 9, cols: 40, d: 1, k: 3, stages: 1, withBias: false }, 32],
    ] as const) {
      const layer = randomLutLayer(spec, random);
      const { rows, stages } = layer.shape;
      const { segments, k } = tableShape(layer.shape);
      const indices = tableCodes(layer.shape, layer.words);
      const layout: TableCodeLayout = { groupSegments, lanes: 'wrapped' };
      const bytes = new Uint8Array(groupTableCodes(layer.words, layer.shape, layout).buffer);
      const rotated = new Uint8Array(
        groupTableCodes(layer.words, layer.shape, { groupSegments, lanes: 'rotation' }).buffer,
      );
      const groups = Math.ceil(segments / groupSegments);
      const vectors = groupSegments / 16;
      let wrapped = 0;
      for (let t = 0; t < stages; t++) {
        for (let row = 0; row < rows; row++) {
          for (let g = 0; g < groups; g++) {
            for (let byte = 0; byte < groupSegments; byte++) {
              const inGroup = (row + byte) % groupSegments;
              const segment = g * groupSegments + inGroup;
              const code = segment < segments ? (indices[(t * rows + row) * segments + segment] ?? -1) : 0;
              const vector = ((t * groups + g) * vectors + Math.floor(byte / 16)) * rows + row;
              const at = vector * 16 + (byte % 16);
              const stored = bytes[at] ?? -1;
              expect(stored).toBeLessThan(k);
              const index = stored * groupSegments + (row % groupSegments) + byte;
              const wraps = (row % groupSegments) + byte >= groupSegments;
              if (wraps) wrapped++;
              const expected =
                wraps && code === 0 ? k * groupSegments + inGroup : code * groupSegments + inGroup;
              if (index !== expected)
                expect.fail(`row ${row} group ${g} byte ${byte}: index ${index}, want ${expected}`);
              expect(index).toBeLessThan(k * groupSegments + groupSegments - 1);
              // Bytes that do not wrap are the rotation's.
              if (!wraps) expect(stored).toBe(rotated[at]);
            }
          }
        }
      }
      expect(wrapped).toBeGreaterThan(0);
    }
  });

  it('rejects codes and codebooks of the wrong length, and group sizes other than 16 and 32', () => {
    const layer = randomLutLayer(
      { rows: 3, cols: 8, d: 2, k: 16, stages: 1, withBias: false },
      seededRandom(1),
    );
    expect(() => groupTableCodes(layer.words.subarray(1), layer.shape, ROTATED_16)).toThrow(KernelInputError);
    expect(() => groupTableCodebook(layer.values.subarray(1), layer.shape)).toThrow(KernelInputError);
    expect(() =>
      groupTableCodes(layer.words, layer.shape, { groupSegments: 8 as 16, lanes: 'rotation' }),
    ).toThrow(/one of 16, 32, got 8/);
    expect(() =>
      groupTableCodes(layer.words, layer.shape, { groupSegments: 16, lanes: 'spiral' as 'xor' }),
    ).toThrow(/lanes must be one of rotation, xor, wrapped, got spiral/);
    expect(() => groupTableCodebook(layer.values, layer.shape, 64 as 32)).toThrow(/one of 16, 32, got 64/);
  });
});

/**
 * Runs `layer` under 'auto' with its grouped copies in groups of `groupSegments` beside the packed codes: `batches` up
 * to `lastGroupedBatch` must run 'grouped-float32', those past it another kernel, all within the LUT tests' allowance
 * of the exact product; grouped codes too short for that layout are refused with an error naming it. `options` go to
 * every executor and layout it asks for. Destroys what it made.
 */
async function expectAutoGroupedMatches(
  device: GPUDevice,
  layer: LutLayer,
  relu: boolean,
  groupSegments: TableGroupSegments,
  random: () => number,
  codebookDtype: CodebookDtype = 'float32',
  batches: readonly number[] = [1, 3, GROUPED_TABLES_MAX_BATCH + 1],
  lastGroupedBatch = GROUPED_TABLES_MAX_BATCH,
  options: LayerExecutorOptions = {},
): Promise<void> {
  const { shape } = layer;
  const codes = uploadWords(
    device,
    interleaveCodeRows(layer.words, shape.rows, shape.packing.wordsPerRow),
    0,
    'codes',
  );
  // The packed codebook as the file stores it: float32, or float16 two values to a word.
  const codebook =
    codebookDtype === 'float32'
      ? uploadFloat32(device, layer.values, 'codebook')
      : uploadWords(device, float16CodebookWords(float32ToFloat16(layer.values)), 0, 'codebook-f16');
  const layout = groupedFloatTablesLayout(device, shape, options, codebookDtype);
  expect(layout?.groupSegments).toBe(groupSegments);
  if (!layout) return;
  const groupedCodes = uploadWords(device, groupTableCodes(layer.words, shape, layout), 0, 'grouped-codes');
  const groupedCodebook = uploadCodebook(device, layer, codebookDtype, groupSegments);
  const bias = layer.bias ? uploadFloat32(device, layer.bias, 'bias') : null;
  const buffers = { codes, codebook, codebookDtype, bias, groupedCodes, groupedCodebook };
  const allowance = TOLERANCE_PER_SQRT_TERM * Math.sqrt(shape.cols);
  try {
    const plain = createLayerExecutor(device, shape, { codes, codebook, codebookDtype, bias }, options);
    // Without the grouped copies the layer keeps its banked or fused gathers.
    expect(plain.variantAt(1)).toMatch(/^fused/);
    plain.destroy();
    const tuned = createLayerExecutor(device, shape, buffers, { ...options, targetWorkgroups: 64 });
    expect(tuned.variantAt(1)).not.toBe('grouped-float32');
    tuned.destroy();
    const short = device.createBuffer({ label: 'short', size: 64, usage: GPUBufferUsage.STORAGE });
    expect(() => createLayerExecutor(device, shape, { ...buffers, groupedCodes: short }, options)).toThrow(
      new RegExp(
        `groupedCodes .*8-bit-table layout \\(groupTableCodes with groupSegments ${groupSegments}, ` +
          `lanes '${layout.lanes}', as groupedFloatTablesLayout gives\\)`,
      ),
    );
    short.destroy();
    for (const batch of batches) {
      const x = new Float32Array(randomFloats(batch * shape.cols, random));
      const exact = denseReference(layer.weights, shape.rows, shape.cols, layer.bias, x, batch, relu);
      const run = await runLayerOnce(
        device,
        [],
        () => createLayerExecutor(device, shape, buffers, options),
        x,
        shape.rows,
        batch,
        OUTPUT_GUARD_FLOATS,
      );
      if (batch <= lastGroupedBatch) expect(run.variant).toBe('grouped-float32');
      else expect(run.variant).not.toBe('grouped-float32');
      expect(run.guardsIntact).toBe(true);
      for (let index = 0; index < run.y.length; index++) {
        const gpu = run.y[index] ?? Number.NaN;
        const bound = allowance * (exact.magnitude[index] ?? 0);
        if (!(Math.abs(gpu - (exact.y[index] ?? 0)) <= bound)) {
          expect.fail(
            `${groupSegments}-segment groups, ${codebookDtype} codebook, batch ${batch} (${run.variant}): output ${index} gpu ${gpu} exact ${exact.y[index]}`,
          );
        }
      }
    }
  } finally {
    for (const buffer of [codes, codebook, groupedCodes, groupedCodebook, bias]) buffer?.destroy();
  }
}

describe.skipIf(noGpuReason !== null)('8-bit tables on the GPU (tableBits: 8)', () => {
  for (const { title, cases } of TABLE8_CASES) {
    it(title, async () => {
      await withGpu(async ({ device }) => {
        for (const { spec, batch, seed, options, dtype } of cases) {
          await expectTable8Matches(device, spec, batch, seed, options, dtype);
        }
      });
    });
  }

  // groupedFloatTables: true (every batch; steps 80–81): the same kernel on float32 entries is the exact product up to float
  // rounding (the LUT tests' allowance m), whatever the batch (tiles of 1), with RQ, float16 codebooks and ragged shapes.
  it('matches the exact product with float32 entries (groupedFloatTables)', async () => {
    await withGpu(async ({ device }) => {
      const cases: Table8Case[] = [
        {
          spec: { rows: 300, cols: 100, d: 4, k: 256, stages: 1, withBias: true, relu: true },
          batch: 1,
          seed: 41,
        },
        {
          spec: { rows: 70, cols: 37, d: 4, k: 256, stages: 2, withBias: true, relu: false },
          batch: 3,
          seed: 42,
        },
        {
          spec: {
            rows: 45,
            cols: 40,
            d: 2,
            k: 16,
            stages: 1,
            withBias: false,
            relu: false,
            float16Codebooks: true,
          },
          batch: 2,
          seed: 43,
          dtype: 'float16',
        },
      ];
      // 4 entries per invocation at d 4 (CACHED_QUADS: the build loads every quad first), 13 segments of a group of 16.
      cases.push({
        spec: { rows: 77, cols: 52, d: 4, k: 32, stages: 1, withBias: true, relu: false },
        batch: 1,
        seed: 47,
      });
      // Groups of 32 segments (step 83): 101 segments, a padded last group; k 5, paired: 41 segments in 21 pairs (the
      // last one half padding) of 25 codes, not a power of two; rows past a whole row block.
      const wide: Table8Case[] = [
        {
          spec: { rows: 300, cols: 404, d: 4, k: 256, stages: 1, withBias: true, relu: false },
          batch: 1,
          seed: 44,
          options: { tableGroupSegments: 32 },
        },
        {
          spec: { rows: 130, cols: 81, d: 2, k: 5, stages: 2, withBias: false, relu: true },
          batch: 2,
          seed: 45,
          options: { tableGroupSegments: 32, targetWorkgroups: 256, reduceSlices: 4 },
        },
        {
          spec: {
            rows: 97,
            cols: 160,
            d: 4,
            k: 256,
            stages: 1,
            withBias: true,
            relu: false,
            float16Codebooks: true,
          },
          batch: 1,
          seed: 46,
          dtype: 'float16',
          options: { tableGroupSegments: 32, reduceSlices: 2 },
        },
        // 8 entries per invocation (2048 of a 32-segment group at k 64 over 256 invocations): the float32 build
        // keeps all 8 codebook quads (TABLE32_MAX_CACHED_QUADS); 50 segments, a padded second group; a reduce of
        // one row warp and 8 slices (256 invocations, SwiftShader's most).
        {
          spec: { rows: 150, cols: 200, d: 4, k: 64, stages: 1, withBias: true, relu: true },
          batch: 1,
          seed: 48,
          options: { tableGroupSegments: 32, workgroupSize: 256, reduceRowWarps: 1, reduceSlices: 8 },
        },
        // A wide layer (4100 segments at d 1, 129 groups, the last of 4), over two stages and two inputs: wrapped at
        // k 17 (the narrowest k whose segments are not paired); below, the xor lane order (unwrappedLaneOrder) where
        // the workgroup memory allowed leaves no room for the wrapped order's 31 extra entries.
        {
          spec: { rows: 70, cols: 4100, d: 1, k: 17, stages: 2, withBias: true, relu: false },
          batch: 2,
          seed: 88,
          options: { tableGroupSegments: 32 },
        },
        // The same with the quads loaded entry by entry (cachedQuads false), and in groups of 16 (4 cached).
        {
          spec: { rows: 150, cols: 200, d: 4, k: 64, stages: 1, withBias: true, relu: true },
          batch: 1,
          seed: 48,
          options: { tableGroupSegments: 32, workgroupSize: 256, cachedQuads: false },
        },
        {
          spec: { rows: 70, cols: 200, d: 4, k: 64, stages: 1, withBias: false, relu: false },
          batch: 1,
          seed: 49,
          options: { workgroupSize: 256, cachedQuads: false, reduceRowWarps: 2 },
        },
        // Each lane order (tableCodeLayout): the wide layer with workgroup memory for its 2,176-byte tile alone takes
        // the xor order; groups of 16 at k 256 in WebGPU's default 16 KiB, the rotation; k 100 (codes clamped, not
        // masked) with room to spare, the wrapped order.
        {
          spec: { rows: 70, cols: 4100, d: 1, k: 17, stages: 2, withBias: true, relu: false },
          batch: 1,
          seed: 89,
          options: { tableGroupSegments: 32, maxWorkgroupStorageBytes: 32 * 17 * 4 },
        },
        {
          spec: { rows: 150, cols: 100, d: 4, k: 256, stages: 1, withBias: true, relu: true },
          batch: 1,
          seed: 90,
          options: { maxWorkgroupStorageBytes: 16384 },
        },
        {
          spec: { rows: 90, cols: 70, d: 2, k: 100, stages: 2, withBias: false, relu: false },
          batch: 2,
          seed: 91,
        },
      ];
      const lanes = new Set<string>();
      for (const { spec, batch, seed, dtype = 'float32', options: extra } of [...cases, ...wide]) {
        const random = seededRandom(seed);
        const layer = table8Layer(spec, random);
        const { shape } = layer;
        const x = new Float32Array(randomFloats(batch * shape.cols, random));
        const exact = denseReference(layer.weights, shape.rows, shape.cols, layer.bias, x, batch, spec.relu);
        const options = { tableBits: 32, groupedFloatTables: true, workgroupSize: 128, ...extra } as const;
        lanes.add(table8CodeLayout(device, shape, options).lanes);
        const run = await runTable8(device, layer, x, batch, options, dtype);
        expect(run.guardsIntact).toBe(true);
        const allowance = TOLERANCE_PER_SQRT_TERM * Math.sqrt(shape.stages * shape.cols);
        for (let index = 0; index < run.y.length; index++) {
          const gpu = run.y[index] ?? Number.NaN;
          const bound = allowance * (exact.magnitude[index] ?? 0);
          if (!(Math.abs(gpu - (exact.y[index] ?? 0)) <= bound)) {
            expect.fail(
              `${JSON.stringify(spec)} batch ${batch}: output ${index} gpu ${gpu} exact ${exact.y[index]}`,
            );
          }
        }
      }
      expect([...lanes].sort()).toEqual(['rotation', 'wrapped', 'xor']);
    });
  });

  // The layout follows the workgroup memory the launch may take (tableCodeLayout): the wrapped order wherever the
  // gather holds its G − 1 extra entries, in every kernel and group size.
  it('lays codes out in the wrapped order where the workgroup memory holds its extra entries', async () => {
    await withGpu(async ({ device }) => {
      const shape = table8Layer(
        { rows: 40, cols: 16388, d: 4, k: 256, stages: 1, withBias: false, relu: false },
        seededRandom(93),
      ).shape;
      const float32 = { groupedFloatTables: true } as const;
      const wide = { ...float32, tableGroupSegments: 32 } as const;
      const tile32 = table32GatherStorageBytes(256, { groupSegments: 32, lanes: 'xor' });
      expect(tile32).toBe(32768);
      expect(table32GatherStorageBytes(256, { groupSegments: 32, lanes: 'wrapped' })).toBe(32768 + 31 * 4);
      expect(table8CodeLayout(device, shape, { ...wide, maxWorkgroupStorageBytes: tile32 })).toEqual({
        groupSegments: 32,
        lanes: 'xor',
      });
      const roomy = device.limits.maxComputeWorkgroupStorageSize >= tile32 + 31 * 4;
      expect(table8CodeLayout(device, shape, wide).lanes).toBe(roomy ? 'wrapped' : 'xor');
      expect(table8CodeLayout(device, shape, { ...float32, maxWorkgroupStorageBytes: 16384 }).lanes).toBe(
        'rotation',
      );
      expect(table8CodeLayout(device, shape, { ...float32, maxWorkgroupStorageBytes: 16384 + 60 })).toEqual({
        groupSegments: 16,
        lanes: 'wrapped',
      });
      const table8Bytes = table8GatherStorageBytes(256, 1, { groupSegments: 16, lanes: 'wrapped' });
      expect(table8Bytes).toBe(table8GatherStorageBytes(256, 1, ROTATED_16) + 15 * 4);
      expect(
        table8CodeLayout(device, shape, { tableBits: 8, maxWorkgroupStorageBytes: table8Bytes }).lanes,
      ).toBe('wrapped');
      expect(
        table8CodeLayout(device, shape, { tableBits: 8, maxWorkgroupStorageBytes: table8Bytes - 4 }).lanes,
      ).toBe('rotation');
      expect(() => table8CodeLayout(device, shape, {})).toThrow(/tableBits 8 or groupedFloatTables true/);
      // Paired 4-bit codes (k 16): a tile of 256 codes, and the float32 halves of 32 segments per input past it.
      expect(table8GatherStorageBytes(16, 8, { groupSegments: 16, lanes: 'wrapped' })).toBe(
        table8GatherStorageBytes(256, 8, { groupSegments: 16, lanes: 'wrapped' }) + 32 * 16 * 8 * 4,
      );
      expect(table32GatherStorageBytes(16, { groupSegments: 32, lanes: 'rotation' })).toBe(
        32768 + 64 * 16 * 4,
      );
      expect(table32GatherStorageBytes(17, { groupSegments: 32, lanes: 'rotation' })).toBe(32 * 17 * 4);
    });
  });

  // 'auto' on layers the rule gives grouped float32 tables (plan.ts usesGroupedFloatTables: d 4, k 256, ≥ 2^24 weights;
  // rows, cols and segments multiples of no tile): batches 1 and 3 run them from the grouped copies (3 batch tiles, in
  // the most row blocks that stay within the target workgroups), batch 5 the packed codes, all the exact product up to
  // float rounding; without the copies, or with an option that picks other kernels,
  // batch 1 keeps the banked gathers. 1025 segments take groups of 16, 4097 groups of 32 (plan.ts
  // groupedTableSegments), whose 32 KiB tile SwiftShader's 32 KiB of workgroup memory holds.
  it("runs batches 1 to 4 of a large PQ layer on grouped float32 tables under 'auto' (variant 'grouped-float32')", async () => {
    await withGpu(async ({ device, liveBuffers }) => {
      const before = liveBuffers();
      const spec = { rows: 4099, cols: 4098, d: 4, k: 256, stages: 1, withBias: true, relu: true };
      const random = seededRandom(51);
      const layer = table8Layer(spec, random);
      const { shape } = layer;
      expect(usesGroupedFloatTables(shape, 1)).toBe(true);
      expect(takesGroupedFloatTables(device, shape)).toBe(true);
      expect(groupedFloatTablesLayout(device, shape)?.groupSegments).toBe(16);
      // What keeps the other kernels: options that tune them, 4-bit codes, a smaller layer. Float16 codebooks take the
      // grouped tables too (step 90), in their own layout.
      expect(groupedFloatTablesLayout(device, shape, {}, 'float16')?.groupSegments).toBe(16);
      expect(takesGroupedFloatTables(device, shape, { workgroupSize: 128 })).toBe(false);
      expect(takesGroupedFloatTables(device, shape, { variant: 'fused-banked' })).toBe(false);
      expect(takesGroupedFloatTables(device, shape, { groupedFloatTables: false })).toBe(false);
      expect(takesGroupedFloatTables(device, shape, { tableGroupSegments: 16 })).toBe(false);
      expect(takesGroupedFloatTables(device, { ...shape, rows: 4000 })).toBe(false);
      expect(takesGroupedFloatTables(device, shape, { maxBindingBytes: 1 << 20 })).toBe(false);
      await expectAutoGroupedMatches(device, layer, spec.relu, 16, random);

      const wideSpec = { rows: 1025, cols: 16388, d: 4, k: 256, stages: 1, withBias: false, relu: false };
      const wide = table8Layer(wideSpec, random);
      expect(wide.shape.segments).toBe(4097);
      expect(groupedFloatTablesLayout(device, wide.shape)?.groupSegments).toBe(32);
      await expectAutoGroupedMatches(device, wide, wideSpec.relu, 32, random);
      // A .pqw with float16 codebooks (values float16 holds): its grouped copy stays float16, in groups of 32 here.
      const halfSpec = { ...wideSpec, rows: 1031, withBias: true, relu: true, float16Codebooks: true };
      const half = table8Layer(halfSpec, random);
      expect(groupedFloatTablesLayout(device, half.shape, {}, 'float16')?.groupSegments).toBe(32);
      await expectAutoGroupedMatches(device, half, halfSpec.relu, 32, random, 'float16');
      expect(liveBuffers()).toBe(before);
    });
  });

  // 4-bit codes read in pairs (steps 94 and 98: plan.ts usesGroupedFloatTables, batches 1 to 16 at d ≤ 4 and 1 to 32
  // at d = 8 from 2^24 weights): 'auto' runs batches 1 and 3 on the grouped pair tables, in groups of 16 at every size,
  // and batch 17 on the packed codes; k 5 pairs into 25-entry tables. A layer of the reference model's size takes no
  // grouped copies.
  it("runs batches 1 to 16 of a large PQ layer of 4-bit codes on grouped float32 pair tables under 'auto'", async () => {
    await withGpu(async ({ device, liveBuffers }) => {
      const before = liveBuffers();
      const random = seededRandom(53);
      const spec = { rows: 4097, cols: 4100, d: 4, k: 16, stages: 1, withBias: true, relu: true };
      const layer = table8Layer(spec, random);
      expect(usesGroupedFloatTables(layer.shape, PAIRED_GROUPED_TABLES_MAX_BATCH)).toBe(true);
      await expectAutoGroupedMatches(
        device,
        layer,
        spec.relu,
        16,
        random,
        'float32',
        [1, 3, PAIRED_GROUPED_TABLES_MAX_BATCH + 1],
        PAIRED_GROUPED_TABLES_MAX_BATCH,
      );
      const narrowSpec = { rows: 4103, cols: 4093, d: 8, k: 5, stages: 1, withBias: false, relu: false };
      const narrow = table8Layer(narrowSpec, random);
      await expectAutoGroupedMatches(
        device,
        narrow,
        narrowSpec.relu,
        16,
        random,
        'float16',
        [1],
        PAIRED_GROUPED_TABLES_D8_MAX_BATCH,
      );
      // Where a batch's split-K sums would not fit one binding (here 4 MiB: 33 slots × 4097 rows × 4 bytes per input,
      // 7 inputs fit, 8 do not), 'auto' runs that batch on the packed codes instead of failing.
      await expectAutoGroupedMatches(device, layer, spec.relu, 16, random, 'float32', [7, 8], 7, {
        maxBindingBytes: 4 * 1024 * 1024,
      });
      const fc1 = { ...layer.shape, rows: 1024, cols: 3136, segments: 784 };
      expect(takesGroupedFloatTables(device, fc1)).toBe(false);
      expect(groupedFloatTablesLayout(device, fc1)).toBeNull();
      expect(liveBuffers()).toBe(before);
    });
  });

  it('takes a tile of 1 at batch 1, 4 up to batch 4 and 8 above, as its integer sums show', async () => {
    await withGpu(async ({ device }) => {
      const layer = table8Layer(
        { rows: 40, cols: 64, d: 4, k: 256, stages: 1, withBias: false, relu: false },
        seededRandom(32),
      );
      const layout = table8CodeLayout(device, layer.shape, { tableBits: 8 });
      const codes = uploadWords(device, groupTableCodes(layer.words, layer.shape, layout), 0, 'codes');
      const codebook = uploadCodebook(device, layer, 'float32');
      const executor = createLayerExecutor(
        device,
        layer.shape,
        { codes, codebook, bias: null },
        { tableBits: 8 },
      );
      // 1 slot (16 segments); per row and slot a u32 at tile 1, 16-bit lanes (2 bytes an input) at tiles 4 and 8;
      // per slot and input a scale and an offset.
      const rows = layer.shape.rows;
      const scratch = (tiles: number, tile: number) => tiles * (rows * Math.max(4, 2 * tile) + tile * 8);
      try {
        expect(executor.scratchBytes(1)).toBe(scratch(1, 1));
        expect(executor.scratchBytes(2)).toBe(scratch(1, 4));
        expect(executor.scratchBytes(4)).toBe(scratch(1, 4));
        const wide = device.limits.maxComputeWorkgroupStorageSize >= table8GatherStorageBytes(256, 8, layout);
        expect(executor.scratchBytes(5)).toBe(wide ? scratch(1, 8) : scratch(2, 4));
      } finally {
        executor.destroy();
        codes.destroy();
        codebook.destroy();
      }
    });
  });

  it('rejects what it cannot run with typed errors, creating nothing', async () => {
    await withGpu(async ({ device, liveBuffers }) => {
      const random = seededRandom(31);
      const layer = table8Layer(
        { rows: 20, cols: 32, d: 4, k: 256, stages: 1, withBias: false, relu: false },
        random,
      );
      const codes = uploadWords(
        device,
        groupTableCodes(layer.words, layer.shape, table8CodeLayout(device, layer.shape, { tableBits: 8 })),
        0,
        'codes',
      );
      const codebook = uploadCodebook(device, layer, 'float32');
      const buffers = { codes, codebook, bias: null };
      const before = liveBuffers();
      const make = (options: LayerExecutorOptions) =>
        createLayerExecutor(device, layer.shape, buffers, { tableBits: 8, ...options });
      expect(() => make({ variant: 'fused-banked' })).toThrow(/leave variant 'auto'/);
      expect(() => make({ batchTile: 2 })).toThrow(/batchTile with tableBits 8 must be one of 1, 4, 8/);
      expect(() => make({ workgroupSize: 24 })).toThrow(/multiple of 16/);
      expect(() => make({ ablation: 'no-lookups' })).toThrow(KernelInputError);
      expect(() => make({ tableBits: 16 as 8 })).toThrow(/tableBits must be 32 .* or 8/);
      expect(() => make({ groupedFloatTables: true })).toThrow(/leave tableBits 32/);
      expect(() => make({ tableGroupSegments: 32 })).toThrow(/8-bit tables take 16/);
      expect(() => make({ tableGroupSegments: 24 as 32 })).toThrow(/one of 16, 32, got 24/);
      expect(() => make({ reduceSlices: 3 })).toThrow(
        /reduceSlices must be one of 1, 2, 4, 8, 16, 32, got 3/,
      );
      expect(() => make({ reduceRowWarps: 3 })).toThrow(/reduceRowWarps must be one of 1, 2, 4, got 3/);
      expect(() => make({ tableBits: 32, reduceRowWarps: 1 })).toThrow(
        /reduceRowWarps applies to the grouped kernels/,
      );
      expect(() => make({ tableBits: 32, cachedQuads: false })).toThrow(
        /cachedQuads applies to the grouped kernels/,
      );
      expect(() => make({ tableBits: 32, reduceSlices: 4 })).toThrow(
        /reduceSlices applies to the grouped kernels/,
      );
      const float32Tables = { tableBits: 32, groupedFloatTables: true, tableGroupSegments: 32 } as const;
      // Codes in the layout of groups of 16 are too short for groups of 32 at 8 segments (one padded group of 32).
      expect(() => make(float32Tables)).toThrow(/groupTableCodes with groupSegments 32/);
      expect(() => make({ batchTile: 8, maxWorkgroupStorageBytes: 16384 })).toThrow(GpuLimitError);
      const kmeans = { method: 'kmeans', rows: 20, cols: 32, k: 16, activation: 'none' } as const;
      expect(() =>
        createLayerExecutor(
          device,
          { ...kmeans, packing: { bits: 4, codesPerRow: 32, wordsPerRow: 4 } },
          buffers,
          { tableBits: 8 },
        ),
      ).toThrow(/tableBits 8 applies to pq and rq layers/);
      const short = device.createBuffer({ label: 'short', size: 64, usage: GPUBufferUsage.STORAGE });
      expect(() =>
        createLayerExecutor(device, layer.shape, { ...buffers, codes: short }, { tableBits: 8 }),
      ).toThrow(
        /8-bit-table layout \(groupTableCodes with groupSegments 16, lanes 'wrapped', as table8CodeLayout gives\)/,
      );
      expect(liveBuffers()).toBe(before + 1);
      for (const buffer of [codes, codebook, short]) buffer.destroy();
    });
  });
});
