/**
 * The LUT kernels (every PQ / RQ variant, k-means, binary) against the float64 reference on the dense W rebuilt
 * from unpacked codes (lut-fixtures.ts), and against the CPU executor, on seeded random layers whose rows and
 * cols are multiples of no tile, with k ∈ {2, 4, 16, 256} (code widths 1, 2, 4, 8 bits), d ∈ {1, 2, 4, 8}
 * (d dividing cols or not), batch 1..33 and RQ with 2–3 stages. The grid is sampled, not crossed, to keep
 * SwiftShader fast. The output is poisoned with NaN, with guard floats past its end that must stay NaN.
 *
 * Tolerance, per output element: |gpu − reference| ≤ 1e-5 · √n · (|b_i| + Σ_j |W_ij x_j|), n = stages·cols
 * the number of products summed. The GPU sums n float32 terms (through the LUT entries, then segments), whose
 * worst-case error is n · 2^-24 of Σ|terms|; 1e-5 · √n is above that for every n ≤ 2.8·10^4 used here, and
 * one dropped or doubled term (≈ Σ|terms| / n) still breaks it for n ≤ 10^4.
 */
import { bitsForK, float32ToFloat16 } from '@pqweb/format';
import { describe, expect, it, vi } from 'vitest';
import { binaryForward, kmeansForward, pqForward, rqForward } from '../src/cpu';
import { GpuLimitError, KernelInputError } from '../src/gpu/errors';
import { cachedPipelineCount } from '../src/gpu/pipeline-cache';
import {
  createLayerExecutor,
  type DispatchTimer,
  float16CodebookWords,
  interleaveCodeRows,
  type LayerExecutorOptions,
  type LayerGpuBuffers,
  LUT_VARIANTS,
  type LutLayerDescriptor,
  type LutVariant,
} from '../src/kernels';
import type { CodebookDtype } from '../src/kernels/codebook-dtype';
import { isBankedVariant, MAX_ROWS_PER_INVOCATION, WIDE_GATHER } from '../src/kernels/plan';
import {
  gpuUnavailableReason,
  poisonedOutput,
  randomFloats,
  readFloat32,
  runLayerOnce,
  seededRandom,
  uploadFloat32,
  withGpu,
} from './gpu-fixture';
import {
  denseReference,
  firstMismatch,
  type QuantizedLayer,
  randomBinaryLayer,
  randomKmeansLayer,
  randomLutLayer,
} from './lut-fixtures';

const TOLERANCE_PER_SQRT_TERM = 1e-5;
/** Floats after the output that the kernels must leave poisoned (catches writes past batch × rows). */
const OUTPUT_GUARD_FLOATS = 8;

const noGpuReason = await gpuUnavailableReason();

function uploadWords(device: GPUDevice, words: Uint32Array<ArrayBuffer>, label: string): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(words.byteLength / 16) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buffer, 0, words);
  return buffer;
}

type AnyLayer = QuantizedLayer<LutLayerDescriptor>;

/**
 * The layer's codebook as `dtype`: float32 as is, or float16 two values to a word as a .pqw float16 section holds
 * them (the layer's values must be float16-exact: lutLayer's float16Codebooks).
 */
function uploadCodebook(
  device: GPUDevice,
  values: Float32Array<ArrayBuffer>,
  dtype: CodebookDtype,
): GPUBuffer {
  if (dtype === 'float32') return uploadFloat32(device, values, 'codebook');
  const halves = float32ToFloat16(values);
  return uploadWords(device, float16CodebookWords(halves), 'codebook-f16');
}

/** The layer's codes in the GPU layout the executor reads (kernels/code-layout.ts). */
function uploadCodes(device: GPUDevice, layer: AnyLayer): GPUBuffer {
  const { shape } = layer;
  const stages = shape.method === 'rq' ? shape.stages : 1;
  return uploadWords(
    device,
    interleaveCodeRows(layer.words, shape.rows, shape.packing.wordsPerRow, stages),
    'codes',
  );
}

interface Run {
  /** GPU result, batch × rows. */
  y: Float32Array;
  /** Whether every guard float past the output stayed NaN. */
  guardsIntact: boolean;
  variant: string;
}

/** Uploads the layer, runs its executor on `x`, reads the result back, and destroys everything it created. */
async function runOnGpu(
  device: GPUDevice,
  layer: AnyLayer,
  x: Float32Array<ArrayBuffer>,
  batch: number,
  options: LayerExecutorOptions,
  codebookDtype: CodebookDtype = 'float32',
): Promise<Run> {
  const { rows } = layer.shape;
  const codes = uploadCodes(device, layer);
  const values = uploadCodebook(device, layer.values, codebookDtype);
  const bias = layer.bias ? uploadFloat32(device, layer.bias, 'bias') : null;
  const buffers: LayerGpuBuffers =
    layer.shape.method === 'binary'
      ? { codes, scales: values, bias }
      : { codes, codebook: values, codebookDtype, bias };
  return runLayerOnce(
    device,
    [codes, values, bias],
    () => createLayerExecutor(device, layer.shape, buffers, options),
    x,
    rows,
    batch,
    OUTPUT_GUARD_FLOATS,
  );
}

function cpuTwin(layer: AnyLayer, x: Float32Array, batch: number): Float32Array {
  const { shape, words, values, bias } = layer;
  const relu = shape.activation === 'relu';
  if (shape.method === 'pq') return pqForward(shape, words, values, bias, x, batch, relu);
  if (shape.method === 'rq') return rqForward(shape, words, values, bias, x, batch, relu);
  if (shape.method === 'kmeans') return kmeansForward(shape, words, values, bias, x, batch, relu);
  return binaryForward(shape, words, values, bias, x, batch, relu);
}

/** Runs the layer on the GPU under each option set and checks every element against reference and CPU twin. */
async function expectMatches(
  device: GPUDevice,
  layer: AnyLayer,
  batch: number,
  random: () => number,
  optionSets: LayerExecutorOptions[],
  codebookDtype: CodebookDtype = 'float32',
): Promise<string[]> {
  const { rows, cols } = layer.shape;
  const stages = layer.shape.method === 'rq' ? layer.shape.stages : 1;
  const x = new Float32Array(randomFloats(batch * cols, random));
  const relu = layer.shape.activation === 'relu';
  const reference = denseReference(layer.weights, rows, cols, layer.bias, x, batch, relu);
  const tolerance = TOLERANCE_PER_SQRT_TERM * Math.sqrt(stages * cols);
  const twin = cpuTwin(layer, x, batch);
  expect(firstMismatch(twin, reference, tolerance), 'CPU twin vs reference').toBe(-1);
  const variants: string[] = [];
  for (const options of optionSets) {
    const run = await runOnGpu(device, layer, x, batch, options, codebookDtype);
    const mismatch = firstMismatch(run.y, reference, tolerance);
    const where = `${run.variant} ${codebookDtype} ${JSON.stringify(options)}: element ${mismatch} gpu ${run.y[mismatch]} reference ${reference.y[mismatch]}`;
    expect(mismatch, where).toBe(-1);
    expect(run.guardsIntact, `${run.variant}: wrote past the output`).toBe(true);
    variants.push(run.variant);
  }
  return variants;
}

/** A random k-means layer (test-helpers randomKmeansLayer) with its activation, as the executor takes it. */
function kmeansAnyLayer(
  spec: Parameters<typeof randomKmeansLayer>[0],
  activation: 'none' | 'relu',
  random: () => number,
): AnyLayer {
  const layer = randomKmeansLayer(spec, random);
  return { ...layer, shape: { method: 'kmeans', ...layer.shape, activation } };
}

/** A random binary layer (test-helpers randomBinaryLayer) with its activation, as the executor takes it. */
function binaryAnyLayer(
  spec: Parameters<typeof randomBinaryLayer>[0],
  activation: 'none' | 'relu',
  random: () => number,
): AnyLayer {
  const layer = randomBinaryLayer(spec, random);
  return { ...layer, shape: { method: 'binary', ...layer.shape, activation } };
}

function lutLayer(
  spec: {
    rows: number;
    cols: number;
    d: number;
    k: number;
    stages: number;
    withBias: boolean;
    relu: boolean;
    float16Codebooks?: boolean;
  },
  random: () => number,
): AnyLayer {
  const layer = randomLutLayer(spec, random);
  const activation = spec.relu ? 'relu' : 'none';
  const shape: LutLayerDescriptor =
    spec.stages === 1
      ? { method: 'pq', ...layer.shape, activation }
      : { method: 'rq', ...layer.shape, activation };
  return { ...layer, shape };
}

/**
 * Workgroup budget for the forced tiled and fused runs: small, so layers need several chunks (split-K), and
 * because Dawn's zero-initialisation of workgroup memory makes SwiftShader's compile time grow by ≈1 ms per
 * tile float. Two segments of the largest stage set, at least 2 KiB.
 */
function smallTileBytes(spec: { k: number; stages: number }): number {
  return Math.max(2048, 2 * spec.stages * spec.k * 4);
}

/**
 * 'lut-banked' chunks whole code words of segments (4 at k = 256, 8 at k = 16, …), so its smallest tile is one
 * word's segments of the stage set; no smaller than smallTileBytes.
 */
function smallBankedTileBytes(spec: { k: number; stages: number }): number {
  const codesPerWord = 32 / bitsForK(spec.k);
  return Math.max(smallTileBytes(spec), codesPerWord * spec.stages * spec.k * 4);
}

/** A tile budget the variant accepts: the small one, widened for the banked variants. */
function tileBytesFor(variant: LutVariant, spec: { k: number; stages: number }, bytes: number): number {
  return isBankedVariant(variant) ? Math.max(bytes, smallBankedTileBytes(spec)) : bytes;
}

/**
 * Each variant forced on a small tile and 64-invocation workgroups (SwiftShader's cost grows with both), then
 * 'auto' with the defaults.
 */
function variantOptions(spec: { k: number; stages: number }): LayerExecutorOptions[] {
  const workgroupSize = 64;
  const maxWorkgroupStorageBytes = smallTileBytes(spec);
  return [
    ...LUT_VARIANTS.map((variant) => ({
      variant,
      maxWorkgroupStorageBytes: tileBytesFor(variant, spec, maxWorkgroupStorageBytes),
      workgroupSize,
    })),
    {},
    // One and three code words in flight (three divides no chunk's word count evenly): same sums.
    { variant: 'lut-tiled-splitk', maxWorkgroupStorageBytes, wordsInFlight: 1 },
    { variant: 'fused', maxWorkgroupStorageBytes, wordsInFlight: 3 },
    // 'lut-banked' with 3 rows per invocation and few workgroups (several row steps per invocation); and one
    // row with 3 words in flight.
    {
      variant: 'lut-banked',
      maxWorkgroupStorageBytes: smallBankedTileBytes(spec),
      rowsPerInvocation: 3,
      targetWorkgroups: 1,
      workgroupSize: 32,
    },
    {
      variant: 'fused-banked',
      maxWorkgroupStorageBytes: smallBankedTileBytes(spec),
      rowsPerInvocation: 1,
      wordsInFlight: 3,
    },
    // The most rows per invocation, few workgroups: rows past the row group's end in most row steps.
    {
      variant: 'fused-banked',
      rowsPerInvocation: MAX_ROWS_PER_INVOCATION,
      targetWorkgroups: 1,
      workgroupSize: 32,
    },
    // Smaller batch tiles than the default: more workgroups along the batch, a last tile part full.
    { variant: 'fused-banked', batchTile: 1 },
    // The scalar table build where the vec4 one would apply (cases whose d is a multiple of 4 dividing cols).
    { variant: 'fused-banked', vectorTableBuild: false },
    // The banked lookups with their table offsets computed at run time (the kernel before the pipeline-constant
    // stage count), with several inputs per tile so that the offsets are not all zero.
    { variant: 'lut-banked', constantTableOffsets: false },
    { variant: 'fused-banked', constantTableOffsets: false, batchTile: 4 },
    { variant: 'fused-banked', batchTile: 4 },
    // 8-bit codes decoded with a per-lane shift per code instead of from rotated words.
    { variant: 'lut-banked', codeDecode: 'per-code-shifts' },
    { variant: 'fused-banked', codeDecode: 'per-code-shifts', batchTile: 2 },
    // And from rotated words where 'auto' would not (a batch tile of 1).
    { variant: 'fused-banked', codeDecode: 'rotated-words', batchTile: 1 },
    { variant: 'lut-banked', codeDecode: 'rotated-words', batchTile: 1, rowsPerInvocation: 3 },
    // One lookup per segment where k = 16 would read its codes in pairs.
    { variant: 'fused-banked', pairCodes: false },
    // Pair tables computed entry by entry (both builds) instead of from their 16-entry halves.
    { variant: 'fused-banked', nibbleTables: false },
    { variant: 'fused-banked', nibbleTables: false, vectorTableBuild: false },
    // The default tile where the short-row-group rule would shrink it (these layers' row groups are all short).
    { variant: 'fused-banked', shortRowGroupTiles: false },
    { variant: 'lut-banked', shortRowGroupTiles: false },
    { variant: 'lut-tiled-splitk', maxWorkgroupStorageBytes, batchTile: 3 },
  ];
}

const LUT_CASES = [
  { rows: 1, cols: 5, d: 2, k: 2, stages: 1, batch: 1, withBias: true, relu: false },
  { rows: 13, cols: 37, d: 4, k: 16, stages: 1, batch: 33, withBias: false, relu: true },
  { rows: 130, cols: 300, d: 8, k: 256, stages: 1, batch: 9, withBias: true, relu: true },
  { rows: 40, cols: 37, d: 1, k: 256, stages: 1, batch: 3, withBias: true, relu: false },
  { rows: 13, cols: 300, d: 2, k: 16, stages: 1, batch: 1, withBias: false, relu: false },
  { rows: 33, cols: 64, d: 2, k: 4, stages: 1, batch: 5, withBias: true, relu: true },
  { rows: 13, cols: 37, d: 4, k: 16, stages: 2, batch: 3, withBias: true, relu: false },
  { rows: 130, cols: 300, d: 8, k: 256, stages: 3, batch: 2, withBias: true, relu: true },
  { rows: 7, cols: 23, d: 2, k: 2, stages: 3, batch: 33, withBias: false, relu: false },
  // d a multiple of 4 dividing cols: 'fused-banked' builds its tables from 16-byte loads (canBuildTableWithVec4).
  { rows: 70, cols: 96, d: 4, k: 256, stages: 1, batch: 3, withBias: true, relu: false },
  { rows: 45, cols: 64, d: 8, k: 16, stages: 2, batch: 5, withBias: false, relu: true },
  // k = 16 with an odd number of segments at batch 1: the last pair of 'fused-banked's paired codes has one
  // segment, partial here (cols 35, d 4: scalar table build) and whole with two stages (cols 36: the vec4 build).
  { rows: 33, cols: 35, d: 4, k: 16, stages: 1, batch: 1, withBias: true, relu: false },
  { rows: 70, cols: 36, d: 4, k: 16, stages: 2, batch: 1, withBias: false, relu: true },
];

/**
 * Float16 codebooks kept as float16 on the GPU (LayerGpuBuffers.codebookDtype), through every kernel that reads
 * codebooks: the LUT build (the storage-LUT variants), the fused builds with scalar and 16-byte loads, RQ stages, and
 * an odd number of codebook values (k = 3, d = 1: the buffer ends in a padding half). Same reference and tolerance:
 * the values are float16-exact, so only the summation differs.
 */
const FLOAT16_LUT_CASES = [
  { rows: 130, cols: 300, d: 8, k: 256, stages: 1, batch: 9, withBias: true, relu: true },
  { rows: 70, cols: 96, d: 4, k: 256, stages: 1, batch: 1, withBias: true, relu: false },
  { rows: 13, cols: 37, d: 4, k: 16, stages: 2, batch: 3, withBias: true, relu: false },
  { rows: 7, cols: 5, d: 1, k: 3, stages: 1, batch: 2, withBias: false, relu: true },
];

describe.skipIf(noGpuReason)('LUT kernels vs CPU twin', () => {
  it.each(LUT_CASES)('pq/rq, every variant: %o', async (spec) => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(spec.rows * 1009 + spec.cols * 31 + spec.k * 7 + spec.stages);
      const variants = await expectMatches(
        device,
        lutLayer(spec, random),
        spec.batch,
        random,
        variantOptions(spec),
      );
      expect(variants.slice(0, LUT_VARIANTS.length)).toEqual(LUT_VARIANTS);
    });
  });

  it.each(FLOAT16_LUT_CASES)('pq/rq with float16 codebooks, every variant: %o', async (spec) => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(spec.rows * 2003 + spec.cols * 41 + spec.k * 5 + spec.stages);
      const layer = lutLayer({ ...spec, float16Codebooks: true }, random);
      const variants = await expectMatches(
        device,
        layer,
        spec.batch,
        random,
        [
          ...variantOptions(spec).slice(0, LUT_VARIANTS.length + 1),
          { variant: 'fused-banked', vectorTableBuild: false },
        ],
        'float16',
      );
      expect(variants.slice(0, LUT_VARIANTS.length)).toEqual(LUT_VARIANTS);
    });
  });

  it('gives each invocation several rows when row groups are few', async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(31);
      // 38 chunks (one k = 256 segment each at a 2 KiB tile) × 2 batch tiles = 76 workgroups per row group, so
      // rowGrouping asks for ceil(512 / 76) = 7 groups of 143 rows: ≈4.5 rows per 32-invocation workgroup.
      const spec = { rows: 1000, cols: 300, d: 8, k: 256, stages: 1, withBias: true, relu: false };
      const options = LUT_VARIANTS.map((variant) => ({
        variant,
        workgroupSize: 32,
        maxWorkgroupStorageBytes: tileBytesFor(variant, spec, 2048),
      }));
      await expectMatches(device, lutLayer(spec, random), 3, random, options);
      const kmeansLayer = kmeansAnyLayer({ rows: 1000, cols: 300, k: 16, withBias: true }, 'none', random);
      await expectMatches(device, kmeansLayer, 3, random, [
        { workgroupSize: 32, maxWorkgroupStorageBytes: 256 },
      ]);
      const binaryLayer = binaryAnyLayer({ rows: 1000, cols: 300, withBias: false }, 'none', random);
      // 384 bytes: 96 floats of x, one 32-column chunk (a code word) per input at batch tile 3: 10 chunks.
      await expectMatches(device, binaryLayer, 3, random, [
        { workgroupSize: 32, maxWorkgroupStorageBytes: 384 },
      ]);
    });
  });

  it('runs the wide launch (plan.ts WIDE_GATHER) where the device allows it, and names the limit where not', async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(41);
      const { limits } = device;
      const allows =
        Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX) >=
          WIDE_GATHER.workgroupSize &&
        limits.maxComputeWorkgroupStorageSize >= WIDE_GATHER.tileFloatsLimit * 4;
      const options: LayerExecutorOptions[] = [
        { variant: 'fused-banked', wideGather: true },
        { variant: 'lut-banked', wideGather: true },
      ];
      for (const spec of [LUT_CASES[2], LUT_CASES[9], LUT_CASES[10]]) {
        const layer = lutLayer(spec, random);
        if (allows) {
          await expectMatches(device, layer, spec.batch, random, options);
        } else {
          // SwiftShader allows 256 invocations: 'auto' keeps the default launch there, true is refused.
          const codes = uploadCodes(device, layer);
          const codebook = uploadFloat32(device, layer.values, 'codebook');
          for (const option of options) {
            expect(() =>
              createLayerExecutor(device, layer.shape, { codes, codebook, bias: null }, option),
            ).toThrow(GpuLimitError);
          }
          codes.destroy();
          codebook.destroy();
          await expectMatches(device, layer, spec.batch, random, [
            { variant: 'fused-banked', wideGather: 'auto' },
          ]);
        }
      }
    });
  });

  it('runs the tiled variant on the default workgroup budget (16 KiB, several chunks)', async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(21);
      // 600 segments × k 16 = 9600 LUT floats per input, above the 4096-float default tile: 3 chunks at batch 1.
      const spec = { rows: 20, cols: 600, d: 1, k: 16, stages: 1, withBias: true, relu: false };
      await expectMatches(device, lutLayer(spec, random), 1, random, [{ variant: 'lut-tiled-splitk' }]);
    });
  });

  // The default takes each block's parameters as pipeline constants (gather_common.wgsl SPECIALIZED_PARAMS); every
  // other test runs that path. This one runs the uniform path beside it, with row blocks, ReLU and a bias.
  it('reads the parameters from the uniform or from pipeline constants alike, for every method', async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(53);
      const spec = { rows: 600, cols: 100, d: 1, k: 4, stages: 2, withBias: true, relu: true };
      const options = LUT_VARIANTS.flatMap((variant) => [
        { variant, maxBindingBytes: 10240, specializedParams: false },
        { variant, maxBindingBytes: 10240 },
      ]);
      await expectMatches(device, lutLayer(spec, random), 2, random, options);
      const kmeansLayer = kmeansAnyLayer({ rows: 70, cols: 45, k: 16, withBias: true }, 'none', random);
      await expectMatches(device, kmeansLayer, 2, random, [{ specializedParams: false }, {}]);
      const binaryLayer = binaryAnyLayer({ rows: 70, cols: 100, withBias: true }, 'relu', random);
      await expectMatches(device, binaryLayer, 1, random, [{ specializedParams: false }, {}]);
    });
  });

  // GROUP_BATCH_TILES (gather_common.wgsl) moves the batch tile to the grid's fastest index; with one batch tile the
  // host leaves it off. Batches of several tiles, the last one partial, with row blocks, ReLU and a bias.
  it('takes the batch tiles in either grid order alike, for every method and variant', async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(59);
      const blocked = { rows: 600, cols: 100, d: 1, k: 4, stages: 2, withBias: true, relu: true };
      const blockedOptions = LUT_VARIANTS.map((variant) => ({
        variant,
        maxBindingBytes: 10240,
        batchTile: 1,
        groupBatchTiles: true,
      }));
      await expectMatches(device, lutLayer(blocked, random), 2, random, blockedOptions);
      const spec = { rows: 300, cols: 96, d: 4, k: 16, stages: 1, withBias: true, relu: false };
      const options = LUT_VARIANTS.flatMap((variant) => [
        { variant, batchTile: 2, groupBatchTiles: true },
        { variant, batchTile: 3, groupBatchTiles: true },
        { variant, batchTile: 2, groupBatchTiles: false },
      ]);
      await expectMatches(device, lutLayer(spec, random), 5, random, options);
      const decodedSpec = { rows: 130, cols: 200, d: 8, k: 256, stages: 1, withBias: true, relu: false };
      const decoded = await expectMatches(device, lutLayer(decodedSpec, random), 19, random, [
        { variant: 'decoded', groupBatchTiles: true },
        { variant: 'decoded', groupBatchTiles: true, specializedParams: false },
      ]);
      expect(new Set(decoded)).toEqual(new Set(['decoded']));
      const kmeansLayer = kmeansAnyLayer({ rows: 70, cols: 45, k: 16, withBias: true }, 'none', random);
      await expectMatches(device, kmeansLayer, 9, random, [
        { groupBatchTiles: true },
        { groupBatchTiles: false },
      ]);
      const binaryLayer = binaryAnyLayer({ rows: 70, cols: 100, withBias: true }, 'relu', random);
      await expectMatches(device, binaryLayer, 9, random, [
        { groupBatchTiles: true },
        { groupBatchTiles: false },
      ]);
    });
  });

  it('splits codes above the binding limit into row blocks, for every method and variant', async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(77);
      const batch = 2;
      // rows 600, cols 100, d 1, k 4 (2-bit codes): 7 words per row, 896 bytes per 32-row tile, 19 tiles = 17024
      // bytes per stage. With a 10240-byte limit a block holds (10240 − 252) / 896 = 11 tiles: 2 blocks per
      // stage, the second starting at byte 9856, bound from 9728 with 32 words skipped. Every other binding
      // fits: LUT 2·2·100·4·4 = 6400, partials 2 slots · 2 · 600 · 4 = 9600, output 4800, codebook 3200.
      for (const stages of [1, 2]) {
        const spec = { rows: 600, cols: 100, d: 1, k: 4, stages, withBias: true, relu: stages === 1 };
        const options = LUT_VARIANTS.map((variant) => ({ variant, maxBindingBytes: 10240 }));
        await expectMatches(device, lutLayer(spec, random), batch, random, options);
      }
      // k-means, same codes: an 8192-byte limit gives (8192 − 252) / 896 = 8 tiles per block, 3 blocks.
      const kmeansLayer = kmeansAnyLayer({ rows: 600, cols: 100, k: 4, withBias: false }, 'relu', random);
      await expectMatches(device, kmeansLayer, batch, random, [{ maxBindingBytes: 8192 }]);
      // Binary: 4 words per row, 512 bytes per tile, 9728 bytes; a 6144-byte limit gives 11 tiles per block,
      // 2 blocks, and leaves too little for the byte tables' partial sums (13 segments in 2 groups of 8 at a batch
      // tile of 2: 2 · 2 · 600 · 4 = 9600 bytes), so even when asked for they give way to the bit gather; a
      // 9700-byte limit gives 18 tiles per block, 2 blocks, through the byte tables.
      const binaryLayer = binaryAnyLayer({ rows: 600, cols: 100, withBias: true }, 'none', random);
      const binaryVariants = await expectMatches(device, binaryLayer, batch, random, [
        { maxBindingBytes: 6144, binaryByteTables: true },
        { maxBindingBytes: 9700, binaryByteTables: true },
        { maxBindingBytes: 9700 },
      ]);
      expect(binaryVariants).toEqual(['binary-tiled', 'binary-byte-tables', 'binary-tiled']);
    });
  });

  it.each([
    { rows: 1, cols: 5, k: 2, batch: 1, withBias: true, relu: false },
    { rows: 13, cols: 37, k: 3, batch: 3, withBias: false, relu: true },
    { rows: 130, cols: 300, k: 256, batch: 33, withBias: true, relu: false },
    { rows: 13, cols: 300, k: 16, batch: 5, withBias: true, relu: true },
  ])('kmeans: %o', async (spec) => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(spec.rows * 7 + spec.cols + spec.k);
      const quantized = kmeansAnyLayer(spec, spec.relu ? 'relu' : 'none', random);
      // 2048 bytes: 512 floats − k centroids leave room for a few dozen columns → several chunks (split-K).
      // Words in flight 1, 3 and 8 leave a remainder of words after the last full load step (3, 8) or none (1).
      const small = spec.k <= 16 ? [{ maxWorkgroupStorageBytes: 2048 }] : [];
      const variants = await expectMatches(device, quantized, spec.batch, random, [
        {},
        ...small,
        { wordsInFlight: 1 },
        { wordsInFlight: 3 },
        { wordsInFlight: 8 },
        // Interleaved centroid tables (kmeans_gather.wgsl CENTROID_COPIES): 32 copies of k ≤ 16 centroids fit the
        // default tile, of 256 they would fill 32 KiB.
        { centroidCopies: spec.k <= 16 ? 32 : 4 },
        { centroidCopies: 2, wordsInFlight: 3 },
      ]);
      expect(variants[0]).toBe('kmeans-tiled');
    });
  });

  it.each([
    { rows: 1, cols: 1, batch: 1, withBias: false, relu: false },
    { rows: 13, cols: 37, batch: 3, withBias: true, relu: true },
    { rows: 130, cols: 300, batch: 33, withBias: true, relu: false },
    { rows: 70, cols: 64, batch: 2, withBias: false, relu: true },
    { rows: 600, cols: 9, batch: 1, withBias: true, relu: true },
  ])('binary: %o', async (spec) => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(spec.rows * 5 + spec.cols);
      const quantized = binaryAnyLayer(spec, spec.relu ? 'relu' : 'none', random);
      const byteTables = { binaryByteTables: true };
      const variants = await expectMatches(device, quantized, spec.batch, random, [
        // Sign bits read a byte at a time through sign tables (asked for: 'auto' takes them on far larger layers
        // only): with the default tile; the scalar table build where cols is a multiple of 8 (whole 16-byte quads
        // of x) would take the vec4 one; with one code word's tables (4 KiB: 4-segment groups, split-K wherever
        // cols > 32); one row per invocation in few 32-invocation workgroups (several row steps); per-code shifts
        // where batch tiles above 1 would rotate code words.
        byteTables,
        { ...byteTables, vectorTableBuild: false },
        { ...byteTables, maxWorkgroupStorageBytes: 4096 },
        { ...byteTables, rowsPerInvocation: 1, targetWorkgroups: 1, workgroupSize: 32 },
        { ...byteTables, codeDecode: 'per-code-shifts' },
        // Every sign-table entry computed from x (both builds) instead of from the 16-entry halves of its byte.
        { ...byteTables, nibbleTables: false },
        { ...byteTables, nibbleTables: false, vectorTableBuild: false },
        // binary_gather.wgsl: by the size rule ('auto'), asked for, or because the tile cannot hold one code
        // word's sign tables. 512 bytes: 128 floats of x per workgroup → 32 columns (one code word) per chunk at
        // batch tile 4 (split-K); words in flight 3 leaves a remainder after the last full load step.
        {},
        { binaryByteTables: false, wordsInFlight: 3 },
        { ...byteTables, maxWorkgroupStorageBytes: 512 },
      ]);
      expect(variants).toEqual([
        ...Array<string>(7).fill('binary-byte-tables'),
        ...Array<string>(3).fill('binary-tiled'),
      ]);
    });
  });
});

describe.skipIf(noGpuReason)('binary kernels by size and batch', () => {
  it("takes the byte tables under 'auto' where plan.ts usesBinaryByteTables says, per batch", async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(12);
      // 4096² (2^24 weights): the bit gather for one input, the byte tables for a batch. 4096 × 25088 (VGG's fc6):
      // the byte tables for both. 1024 × 3136 (the reference head's fc1): the bit gather for both.
      const variantsOf = (rows: number, cols: number): string[] => {
        const wordsPerRow = Math.ceil(cols / 32);
        const words = new Uint32Array(rows * wordsPerRow).map(() => Math.floor(random() * 2 ** 32));
        const codes = uploadWords(device, interleaveCodeRows(words, rows, wordsPerRow), 'codes');
        const scales = uploadFloat32(device, new Float32Array(rows).fill(1), 'scales');
        const shape: LutLayerDescriptor = {
          method: 'binary',
          rows,
          cols,
          packing: { bits: 1, codesPerRow: cols, wordsPerRow },
          activation: 'none',
        };
        const executor = createLayerExecutor(device, shape, { codes, scales, bias: null });
        try {
          return [executor.variantAt(1), executor.variantAt(8)];
        } finally {
          executor.destroy();
          codes.destroy();
          scales.destroy();
        }
      };
      expect(variantsOf(4096, 4096)).toEqual(['binary-tiled', 'binary-byte-tables']);
      expect(variantsOf(4096, 25088)).toEqual(['binary-byte-tables', 'binary-byte-tables']);
      expect(variantsOf(1024, 3136)).toEqual(['binary-tiled', 'binary-tiled']);
    });
  });
});

describe.skipIf(noGpuReason)('PQ kernels by batch', () => {
  it("runs 'fused' above batch 1 where plan.ts batchedLutVariant says, 'fused-banked' at batch 1", async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(46);
      const runs = async (spec: { rows: number; cols: number; d: number; k: number }, batches: number[]) => {
        const layer = lutLayer({ ...spec, stages: 1, withBias: true, relu: false }, random);
        const variants: string[] = [];
        for (const batch of batches)
          variants.push(...(await expectMatches(device, layer, batch, random, [{}])));
        return variants;
      };
      // 4-bit codes, d = 4, 256 rows, one input's LUT (64 segments × 16) inside the default 16 KiB tile.
      expect(await runs({ rows: 256, cols: 256, d: 4, k: 16 }, [1, 2, 5])).toEqual([
        'fused-banked',
        'fused',
        'fused',
      ]);
      // d = 8 from 1024 rows; too few rows or k = 256: the banked gather at every batch.
      expect(await runs({ rows: 1024, cols: 256, d: 8, k: 16 }, [1, 3])).toEqual(['fused-banked', 'fused']);
      expect(await runs({ rows: 512, cols: 256, d: 8, k: 16 }, [3])).toEqual(['fused-banked']);
      expect(await runs({ rows: 200, cols: 256, d: 4, k: 16 }, [3])).toEqual(['fused-banked']);
      expect(await runs({ rows: 256, cols: 64, d: 4, k: 256 }, [3])).toEqual(['fused-banked']);
      // One input's LUT (320 segments × 16) larger than the 16 KiB tile: 'fused' walks it a chunk at a time.
      expect(await runs({ rows: 256, cols: 1280, d: 4, k: 16 }, [4])).toEqual(['fused']);
    });
  });
});

/**
 * The decoded gather (shaders/pq_decode.wgsl) on layers it accepts (plan.ts canDecode: one stage, d a multiple of 4
 * dividing cols), rows a multiple of no workgroup, against the same reference and tolerance: its default launch
 * (fewer rows per invocation where the layer is short); a tile of one segment (sub-chunks shorter than a code word);
 * 32-invocation workgroups with 3 rows each in one row group (several passes); many chunks (split-K); the uniform
 * parameters; a batch tile of 8 with a part-full second tile (batch 11). The first case stages without range checks
 * (whole sub-chunks and batch tiles: plan.ts decodeNeedsRangeChecks), the others with. Code blocks have a case of
 * their own.
 */
const DECODED_CASES = [
  { rows: 37, cols: 64, d: 4, k: 256, batch: 8, withBias: true, relu: false },
  { rows: 300, cols: 96, d: 4, k: 256, batch: 11, withBias: false, relu: true },
  { rows: 130, cols: 200, d: 8, k: 256, batch: 3, withBias: true, relu: true },
  { rows: 45, cols: 132, d: 4, k: 16, batch: 1, withBias: true, relu: false },
  { rows: 70, cols: 48, d: 4, k: 3, batch: 5, withBias: false, relu: false },
  { rows: 33, cols: 128, d: 4, k: 2, batch: 9, withBias: true, relu: true },
];

describe.skipIf(noGpuReason)('decoded gather vs CPU twin', () => {
  it.each(DECODED_CASES)('pq decoded: %o', async (spec) => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(spec.rows * 613 + spec.cols * 17 + spec.k);
      const layer = lutLayer({ ...spec, stages: 1 }, random);
      const decoded = { variant: 'decoded' } as const;
      const oneSegmentBytes = (spec.k * spec.d + spec.d * Math.min(spec.batch, 8)) * 4;
      const variants = await expectMatches(device, layer, spec.batch, random, [
        decoded,
        { ...decoded, maxWorkgroupStorageBytes: oneSegmentBytes },
        { ...decoded, workgroupSize: 32, rowsPerInvocation: 3, targetWorkgroups: 1 },
        { ...decoded, targetWorkgroups: 4096 },
        { ...decoded, specializedParams: false },
      ]);
      expect(new Set(variants)).toEqual(new Set(['decoded']));
    });
  });

  it.each(DECODED_CASES.slice(0, 3))('pq decoded with float16 codebooks: %o', async (spec) => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(spec.rows * 419 + spec.cols * 23 + spec.k);
      const layer = lutLayer({ ...spec, stages: 1, float16Codebooks: true }, random);
      const decoded = { variant: 'decoded' } as const;
      const variants = await expectMatches(
        device,
        layer,
        spec.batch,
        random,
        [decoded, { ...decoded, workgroupSize: 32, rowsPerInvocation: 3, targetWorkgroups: 1 }],
        'float16',
      );
      expect(new Set(variants)).toEqual(new Set(['decoded']));
    });
  });

  it('splits codes above the binding limit into row blocks', async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(540);
      // rows 2000, cols 512, d 4, k 16: 16 words per row, 2048 bytes per 32-row tile, 63 tiles = 129024 bytes. A
      // 40960-byte limit gives (40960 − 252) / 2048 = 19 tiles per block, 4 blocks. Every other binding fits:
      // codebook 128 · 16 · 4 · 4 = 32768, x 2 · 512 · 4, y 2 · 2000 · 4 = 16000, and with two workgroups one
      // chunk, so no partial sums.
      const layer = lutLayer(
        { rows: 2000, cols: 512, d: 4, k: 16, stages: 1, withBias: true, relu: true },
        random,
      );
      const variants = await expectMatches(device, layer, 2, random, [
        { variant: 'decoded', maxBindingBytes: 40960, targetWorkgroups: 2 },
      ]);
      expect(variants).toEqual(['decoded']);
    });
  });

  it("runs large PQ layers decoded under 'auto' where plan.ts usesDecodedGather says, per batch", async () => {
    await withGpu(async ({ device }) => {
      // Executors only (no encode): a 4096² layer is 2^24 weights, slow to run on SwiftShader.
      const variantsOf = (rows: number, cols: number, d: number, k: number, batches: number[]) => {
        const segments = cols / d;
        const bits = bitsForK(k);
        const wordsPerRow = Math.ceil((segments * bits) / 32);
        const shape: LutLayerDescriptor = {
          method: 'pq',
          rows,
          cols,
          d,
          k,
          segments,
          packing: { bits, codesPerRow: segments, wordsPerRow },
          activation: 'none',
        };
        const usage = GPUBufferUsage.STORAGE;
        const codes = device.createBuffer({ size: Math.ceil(rows / 32) * 32 * wordsPerRow * 4, usage });
        const codebook = device.createBuffer({ size: segments * k * d * 4, usage });
        const executor = createLayerExecutor(device, shape, { codes, codebook, bias: null });
        const variants = batches.map((batch) => executor.variantAt(batch));
        executor.destroy();
        codes.destroy();
        codebook.destroy();
        return variants;
      };
      expect(variantsOf(4096, 4096, 4, 256, [1, 2, 3, 4, 8, 32])).toEqual([
        'fused-banked',
        'fused-banked',
        'fused-banked',
        'decoded',
        'decoded',
        'decoded',
      ]);
      // Smaller layers from batch 2 (the reference head's fc1), down to 2^19 weights.
      expect(variantsOf(1024, 3136, 4, 256, [1, 2, 32])).toEqual(['fused-banked', 'decoded', 'decoded']);
      expect(variantsOf(4064, 4096, 4, 256, [2])).toEqual(['decoded']);
      expect(variantsOf(256, 1024, 4, 256, [32])).not.toContain('decoded');
      // d = 8 below 2^22 weights, and up to 4096² from batch 32.
      expect(variantsOf(1024, 3136, 8, 256, [2, 8])).toEqual(['decoded', 'decoded']);
      expect(variantsOf(4096, 4096, 8, 256, [8, 32])).toEqual(['fused-banked', 'decoded']);
      // 4-bit codes while weights × batch stay small: fc1 with d = 4 up to batch 10, then 'fused'.
      expect(variantsOf(1024, 3136, 4, 16, [1, 8, 11])).toEqual(['fused-banked', 'decoded', 'fused']);
      expect(variantsOf(4096, 4096, 4, 16, [2, 8, 32])).toEqual(['fused', 'fused', 'decoded']);
      // The lookup variant above batch 1 may depend on the batch too (d = 8: 'fused' up to weights × batch = 2^27).
      expect(variantsOf(4096, 4096, 8, 16, [1, 8, 32])).toEqual(['fused-banked', 'fused', 'fused-banked']);
      // and 'lut-tiled-splitk' from weights × batch = 2^30 (16384×4096 at batch 16, not 8).
      expect(variantsOf(16384, 4096, 8, 16, [1, 8, 16])).toEqual([
        'fused-banked',
        'fused-banked',
        'lut-tiled-splitk',
      ]);
      // d = 8, k = 256 from 2^25 to 2^26 weights: decoded from batch 16.
      expect(variantsOf(16384, 4096, 8, 256, [1, 8, 16])).toEqual([
        'fused-banked',
        'fused-banked',
        'decoded',
      ]);
    });
  });

  it("rejects 'decoded' where the layer cannot run decoded, naming what it needs", async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(54);
      const run = (spec: { cols: number; d: number; stages: number }, options: LayerExecutorOptions) => {
        const layer = lutLayer({ rows: 5, k: 16, withBias: false, relu: false, ...spec }, random);
        const codes = uploadCodes(device, layer);
        const codebook = uploadFloat32(device, layer.values, 'codebook');
        try {
          createLayerExecutor(device, layer.shape, { codes, codebook, bias: null }, options).destroy();
        } finally {
          codes.destroy();
          codebook.destroy();
        }
      };
      const decoded = { variant: 'decoded' } as const;
      expect(() => run({ cols: 16, d: 4, stages: 1 }, decoded)).not.toThrow();
      expect(() => run({ cols: 16, d: 2, stages: 1 }, decoded)).toThrow(
        /variant 'decoded' needs a PQ layer .* whose d \(2\) is a multiple of 4 dividing cols \(16\)/,
      );
      expect(() => run({ cols: 18, d: 4, stages: 1 }, decoded)).toThrow(KernelInputError);
      expect(() => run({ cols: 16, d: 4, stages: 2 }, decoded)).toThrow(/rq layers have several stages/);
      expect(() => run({ cols: 16, d: 4, stages: 1 }, { ...decoded, ablation: 'no-lookups' })).toThrow(
        /ablation 'no-lookups' .* variant 'decoded' has none/,
      );
      expect(() => run({ cols: 16, d: 4, stages: 1 }, { ...decoded, maxWorkgroupStorageBytes: 256 })).toThrow(
        /a tile budget of at least k · d \+ d floats \(68; got 64\)/,
      );
    });
  });
});

describe.skipIf(noGpuReason)('LUT executor contracts', () => {
  function smallPq(random: () => number): QuantizedLayer<Extract<LutLayerDescriptor, { method: 'pq' }>> {
    const layer = randomLutLayer({ rows: 13, cols: 37, d: 4, k: 16, stages: 1, withBias: true }, random);
    return { ...layer, shape: { method: 'pq', ...layer.shape, activation: 'none' } };
  }

  it('a DispatchTimer gets one timed pass per dispatch, named by stage, and the sums do not change', async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(5);
      // 600 segments × k 16 at a 2 KiB tile: several chunks, so LUT build, gather and split-K reduce all run.
      const layer = lutLayer(
        { rows: 20, cols: 600, d: 1, k: 16, stages: 1, withBias: true, relu: false },
        random,
      );
      const x = new Float32Array(randomFloats(2 * 600, random));
      const codes = uploadCodes(device, layer);
      const codebook = uploadFloat32(device, layer.values, 'codebook');
      const bias = uploadFloat32(device, layer.bias ?? new Float32Array(20), 'bias');
      const input = uploadFloat32(device, x, 'x');
      const plain = poisonedOutput(device, 2 * 20, 'y-plain');
      const timed = poisonedOutput(device, 2 * 20, 'y-timed');
      const executor = createLayerExecutor(
        device,
        layer.shape,
        { codes, codebook, bias },
        { variant: 'lut-tiled-splitk', maxWorkgroupStorageBytes: 2048 },
      );
      const querySet = device.features.has('timestamp-query')
        ? device.createQuerySet({ type: 'timestamp', count: 16 })
        : null;
      const stages: string[] = [];
      const timer: DispatchTimer = {
        passTimestamps(stage) {
          const index = stages.length;
          stages.push(stage);
          return querySet
            ? { querySet, beginningOfPassWriteIndex: 2 * index, endOfPassWriteIndex: 2 * index + 1 }
            : undefined;
        },
      };
      const encoder = device.createCommandEncoder();
      executor.encode(encoder, input, plain, 2);
      executor.encode(encoder, input, timed, 2, timer);
      device.queue.submit([encoder.finish()]);
      expect(stages).toEqual(['lut-build', 'gather', 'reduce']);
      const [y, yTimed] = await Promise.all([readFloat32(device, plain), readFloat32(device, timed)]);
      expect(Array.from(yTimed)).toEqual(Array.from(y));
      expect(y.every(Number.isFinite)).toBe(true);
      executor.destroy();
      querySet?.destroy();
      for (const buffer of [codes, codebook, bias, input, plain, timed]) buffer.destroy();
    });
  });

  it('builds fused-banked tables with 16-byte loads only where the shape allows it', async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(8);
      // One pipeline per distinct kernel: turning the vec4 build off must compile another kernel where d is a
      // multiple of 4 dividing cols, and the very same one where it does not apply (cols 300 with d 8).
      const compiledFor = async (cols: number, options: LayerExecutorOptions): Promise<number> => {
        const spec = { rows: 40, cols, d: 8, k: 256, stages: 1, withBias: false, relu: false };
        const x = new Float32Array(randomFloats(cols, random));
        const before = cachedPipelineCount(device);
        // The default tile for both widths (the short-row-group rule would give both the same 4 KiB tile, and so
        // the same scalar-build pipeline).
        await runOnGpu(device, lutLayer(spec, random), x, 1, {
          variant: 'fused-banked',
          shortRowGroupTiles: false,
          ...options,
        });
        return cachedPipelineCount(device) - before;
      };
      for (const cols of [64, 300]) await compiledFor(cols, {});
      expect(await compiledFor(64, { vectorTableBuild: false })).toBe(1);
      expect(await compiledFor(300, { vectorTableBuild: false })).toBe(0);
    });
  });

  it('reads k = 16 codes in pairs in fused-banked at batch 1 only, where its tile holds the pair tables', async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(9);
      const compiledFor = async (k: number, options: LayerExecutorOptions, batch = 1): Promise<number> => {
        const spec = { rows: 40, cols: 64, d: 4, k, stages: 1, withBias: false, relu: false };
        const x = new Float32Array(randomFloats(64 * batch, random));
        const before = cachedPipelineCount(device);
        await runOnGpu(device, lutLayer(spec, random), x, batch, { variant: 'fused-banked', ...options });
        return cachedPipelineCount(device) - before;
      };
      for (const k of [16, 256]) await compiledFor(k, {});
      // Batch 2 reads single codes: the same kernel with pairing on or off.
      await compiledFor(16, {}, 2);
      expect(await compiledFor(16, { pairCodes: false }, 2)).toBe(0);
      // Unpaired k = 16 is another kernel; k = 256 has nothing to pair; a tile too small for 4 pair tables
      // (4 KiB) leaves k = 16 unpaired: the kernel an unpaired run with that tile compiles.
      expect(await compiledFor(16, { pairCodes: false })).toBe(1);
      expect(await compiledFor(256, { pairCodes: false })).toBe(0);
      await compiledFor(16, { pairCodes: false, maxWorkgroupStorageBytes: 2048 });
      expect(await compiledFor(16, { maxWorkgroupStorageBytes: 2048 })).toBe(0);
    });
  });

  it('builds pair and sign tables from their halves where an invocation holds its share of the tile', async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(10);
      const compiledFor = async (k: number, options: LayerExecutorOptions): Promise<number> => {
        const spec = { rows: 40, cols: 64, d: 4, k, stages: 1, withBias: false, relu: false };
        const x = new Float32Array(randomFloats(64, random));
        const before = cachedPipelineCount(device);
        await runOnGpu(device, lutLayer(spec, random), x, 1, { variant: 'fused-banked', ...options });
        return cachedPipelineCount(device) - before;
      };
      for (const k of [16, 256]) await compiledFor(k, {});
      // The direct build of pair tables is another kernel; k = 256 builds no pair tables, so nothing changes.
      expect(await compiledFor(16, { nibbleTables: false })).toBe(1);
      expect(await compiledFor(256, { nibbleTables: false })).toBe(0);
      // 32 invocations would each hold 128 of a 16 KiB tile's entries (plan.ts nibbleExpandEntries): the direct
      // build, whether asked for or not.
      const small = { workgroupSize: 32, maxWorkgroupStorageBytes: 16384 };
      await compiledFor(16, small);
      expect(await compiledFor(16, { ...small, nibbleTables: false })).toBe(0);
      // Binary sign tables the same way: the direct build is another kernel.
      const binaryCompiled = async (options: LayerExecutorOptions): Promise<number> => {
        const layer = randomBinaryLayer({ rows: 40, cols: 64, withBias: false }, random);
        const quantized: AnyLayer = {
          ...layer,
          shape: { method: 'binary', ...layer.shape, activation: 'none' },
        };
        const before = cachedPipelineCount(device);
        await runOnGpu(device, quantized, new Float32Array(randomFloats(64, random)), 1, {
          binaryByteTables: true,
          ...options,
        });
        return cachedPipelineCount(device) - before;
      };
      await binaryCompiled({});
      expect(await binaryCompiled({ nibbleTables: false })).toBe(1);
    });
  });

  it('reuses pipelines across executors with the same knobs and plans across encodes of one batch', async () => {
    await withGpu(async (context) => {
      const { device } = context;
      const random = seededRandom(1);
      const layer = smallPq(random);
      const x = new Float32Array(randomFloats(3 * 37, random));
      const uniformParams = { variant: 'lut-tiled-splitk', specializedParams: false } as const;
      await runOnGpu(device, layer, x, 3, uniformParams);
      const compiled = cachedPipelineCount(device);
      // Another layer, same d, k, bits and tile, its parameters in a uniform: no new pipeline.
      const other = lutLayer(
        { rows: 20, cols: 38, d: 4, k: 16, stages: 1, withBias: false, relu: true },
        random,
      );
      const otherX = new Float32Array(randomFloats(3 * 38, random));
      await runOnGpu(device, other, otherX, 3, uniformParams);
      expect(cachedPipelineCount(device)).toBe(compiled);
      // With the parameters as pipeline constants (the default) each layer has pipelines of its own, which a second
      // executor of the same layer and batch reuses.
      await runOnGpu(device, other, otherX, 3, { variant: 'lut-tiled-splitk' });
      const specialized = cachedPipelineCount(device);
      expect(specialized).toBeGreaterThan(compiled);
      await runOnGpu(device, other, otherX, 3, { variant: 'lut-tiled-splitk' });
      expect(cachedPipelineCount(device)).toBe(specialized);

      const codes = uploadCodes(device, layer);
      const codebook = uploadFloat32(device, layer.values, 'codebook');
      const input = uploadFloat32(device, x, 'x');
      const output = poisonedOutput(device, 3 * 13, 'y');
      const executor = createLayerExecutor(device, layer.shape, { codes, codebook, bias: null });
      const createBindGroup = vi.spyOn(device, 'createBindGroup');
      const encoder = device.createCommandEncoder();
      executor.encode(encoder, input, output, 3);
      const afterFirst = context.liveBuffers();
      const bindGroupsFirst = createBindGroup.mock.calls.length;
      expect(bindGroupsFirst).toBeGreaterThan(0);
      executor.encode(encoder, input, output, 3);
      expect(context.liveBuffers()).toBe(afterFirst);
      // Same buffers: the bind groups of the first encode are reused.
      expect(createBindGroup.mock.calls.length).toBe(bindGroupsFirst);
      device.queue.submit([encoder.finish()]);
      const first = (await readFloat32(device, output)).slice(0, 3 * 13);
      const reference = denseReference(layer.weights, 13, 37, null, x, 3, false);
      expect(firstMismatch(first, reference, TOLERANCE_PER_SQRT_TERM * Math.sqrt(37))).toBe(-1);
      // Another output buffer: new bind groups, and the sums land there.
      const second = poisonedOutput(device, 3 * 13, 'y2');
      const again = device.createCommandEncoder();
      executor.encode(again, input, second, 3);
      device.queue.submit([again.finish()]);
      expect(createBindGroup.mock.calls.length).toBe(2 * bindGroupsFirst);
      expect(Array.from((await readFloat32(device, second)).slice(0, 3 * 13))).toEqual(Array.from(first));
      createBindGroup.mockRestore();
      executor.destroy();
      for (const buffer of [codes, codebook, input, output, second]) buffer.destroy();
    });
  });

  it('rejects wrong shapes, buffers and options with the expected shape spelled out', async () => {
    await withGpu(async ({ device }) => {
      const random = seededRandom(2);
      const layer = smallPq(random);
      const codes = uploadCodes(device, layer);
      const codebook = uploadFloat32(device, layer.values, 'codebook');
      const input = uploadFloat32(device, new Float32Array(2 * 37), 'x');
      const output = poisonedOutput(device, 2 * 13, 'y');
      const shape = layer.shape;
      expect(() =>
        createLayerExecutor(device, { ...shape, segments: 9 }, { codes, codebook, bias: null }),
      ).toThrow(/segments is 9, expected ceil\(cols 37 \/ d 4\) = 10/);
      expect(() => createLayerExecutor(device, shape, { codes, bias: null })).toThrow(
        /buffers.codebook is required/,
      );
      expect(() =>
        createLayerExecutor(device, { ...shape, k: 256 }, { codes, codebook, bias: null }),
      ).toThrow(KernelInputError);
      const bigger = { ...shape, rows: 200 };
      expect(() => createLayerExecutor(device, bigger, { codes, codebook, bias: null })).toThrow(
        // 200 rows are 7 tiles of 32 in the GPU layout: 7 · 2 words · 32 · 4 bytes.
        /buffers.codes holds \d+ bytes, expected at least stages 1 × row tiles 7 × wordsPerRow 2 × 32 × 4 in the GPU layout \(interleaveCodeRows\) = 1792/,
      );
      const kmeans: LutLayerDescriptor = {
        method: 'kmeans',
        rows: 13,
        cols: 37,
        k: 16,
        packing: { bits: 4, codesPerRow: 37, wordsPerRow: 5 },
        activation: 'none',
      };
      expect(() =>
        createLayerExecutor(device, kmeans, { codes, codebook, bias: null }, { variant: 'fused' }),
      ).toThrow(/applies to pq and rq layers/);
      const unknownDtype = 'bfloat16' as CodebookDtype;
      expect(() =>
        createLayerExecutor(device, shape, { codes, codebook, codebookDtype: unknownDtype, bias: null }),
      ).toThrow(/codebookDtype must be one of float32, float16, got "bfloat16"/);
      // 10 segments × 16 × 4 halves = 1280 bytes; 1024 is short.
      const shortHalves = device.createBuffer({ size: 1024, usage: GPUBufferUsage.STORAGE });
      expect(() =>
        createLayerExecutor(device, shape, {
          codes,
          codebook: shortHalves,
          codebookDtype: 'float16',
          bias: null,
        }),
      ).toThrow(/holds 1024 bytes, expected at least .* × 2 \(float16, whole u32 words\) = 1280/);
      shortHalves.destroy();
      expect(() =>
        createLayerExecutor(device, kmeans, { codes, codebook, codebookDtype: 'float16', bias: null }),
      ).toThrow(/k-means centroids must be float32/);
      expect(() =>
        createLayerExecutor(device, shape, { codes, codebook, bias: null }, { wordsInFlight: 9 }),
      ).toThrow(/wordsInFlight must be at most 8, got 9/);
      expect(() =>
        createLayerExecutor(device, shape, { codes, codebook, bias: null }, { centroidCopies: 3 }),
      ).toThrow(/centroidCopies must be one of 1, 2, 4, 8, 16, 32, got 3/);
      expect(() =>
        createLayerExecutor(device, shape, { codes, codebook, bias: null }, { maxBindingBytes: 16 }),
      ).toThrow(GpuLimitError);
      expect(() =>
        createLayerExecutor(
          device,
          shape,
          { codes, codebook, bias: null },
          // @ts-expect-error: a value outside GatherAblation, as a JavaScript caller could pass.
          { ablation: 'no-gather' },
        ),
      ).toThrow(
        /ablation must be one of none, no-code-loads, no-lookups, no-table-build, no-work, got no-gather/,
      );
      expect(() =>
        createLayerExecutor(
          device,
          shape,
          { codes, codebook, bias: null },
          // @ts-expect-error: a value outside CodeDecode, as a JavaScript caller could pass.
          { codeDecode: true },
        ),
      ).toThrow(/codeDecode must be one of auto, rotated-words, per-code-shifts, got true/);
      for (const name of [
        'vectorTableBuild',
        'constantTableOffsets',
        'pairCodes',
        'nibbleTables',
        'shortRowGroupTiles',
        'groupBatchTiles',
      ] as const) {
        // A string where a switch belongs, as a JavaScript caller could pass ('false' would read as on).
        const options = JSON.parse(`{"${name}": "false"}`) as LayerExecutorOptions;
        expect(() => createLayerExecutor(device, shape, { codes, codebook, bias: null }, options)).toThrow(
          new RegExp(`${name} must be true or false, got "false"`),
        );
      }
      for (const name of ['wideGather', 'binaryByteTables'] as const) {
        const options = JSON.parse(`{"${name}": "false"}`) as LayerExecutorOptions;
        expect(() => createLayerExecutor(device, shape, { codes, codebook, bias: null }, options)).toThrow(
          new RegExp(`${name} must be true, false or 'auto', got false`),
        );
      }
      expect(() =>
        createLayerExecutor(device, shape, { codes, codebook, bias: null }, { maxBindingBytes: 2 ** 40 }),
      ).toThrow(/maxStorageBufferBindingSize/);
      expect(() =>
        createLayerExecutor(
          device,
          shape,
          { codes, codebook, bias: null },
          { wideGather: true, workgroupSize: 64, targetWorkgroups: 8 },
        ),
      ).toThrow(
        /wideGather: true sets the gather's launch itself; leave workgroupSize, targetWorkgroups unset/,
      );
      expect(() =>
        createLayerExecutor(
          device,
          shape,
          { codes, codebook, bias: null },
          // @ts-expect-error: a value outside the option's type, as a JavaScript caller could pass.
          { wideGather: 'yes' },
        ),
      ).toThrow(/wideGather must be true, false or 'auto', got yes/);

      const executor = createLayerExecutor(device, shape, { codes, codebook, bias: null });
      const encoder = device.createCommandEncoder();
      expect(() => executor.encode(encoder, input, output, 3)).toThrow(
        /input buffer holds 304 bytes, expected at least batch 3 × cols 37 × 4 = 444/,
      );
      expect(() => executor.encode(encoder, input, output, 0)).toThrow(/batch must be an integer ≥ 1, got 0/);
      expect(() => executor.encode(encoder, input, input, 1)).toThrow(/different buffers/);
      executor.encode(encoder, input, output, 2);
      device.queue.submit([encoder.finish()]);
      expect(executor.scratchBytes(2)).toBeGreaterThanOrEqual(0);
      executor.destroy();
      expect(() => executor.encode(device.createCommandEncoder(), input, output, 2)).toThrow(/after destroy/);
      for (const buffer of [codes, codebook, input, output]) buffer.destroy();
    });
  });
});

/**
 * The measuring-only ablations (LayerExecutorOptions.ablation) must really leave their stage out, or the
 * benchmark's differences would measure nothing: without the table every sum is zero (y = bias), and without the
 * code loads or the lookups y is no longer the layer's output.
 */
describe.skipIf(noGpuReason)('LUT gather ablations', () => {
  const spec = { rows: 70, cols: 96, d: 4, k: 256, stages: 1, withBias: true, relu: false };
  const variants: LutVariant[] = ['lut-tiled-splitk', 'fused', 'lut-banked', 'fused-banked'];

  it.each(variants)('%s: each ablation changes the output the way it says', async (variant) => {
    // 'no-table-build' reads the tile it never built and expects WGSL's zero-fill there (y = bias): this device keeps
    // the zero-fill that the other tests' devices skip (gpu-fixture.ts SKIP_WORKGROUP_ZERO_FILL).
    await withGpu(
      async ({ device }) => {
        const random = seededRandom(404);
        const layer = lutLayer(spec, random);
        const batch = 2;
        const x = new Float32Array(randomFloats(batch * spec.cols, random));
        const options = { variant, maxWorkgroupStorageBytes: tileBytesFor(variant, spec, 4096) };
        const real = await runOnGpu(device, layer, x, batch, options);
        const bias = layer.bias ?? new Float32Array(spec.rows);
        const noTable = await runOnGpu(device, layer, x, batch, { ...options, ablation: 'no-table-build' });
        expect(Array.from(noTable.y)).toEqual([...bias, ...bias]);
        const outputs = new Map<string, Float32Array>();
        for (const ablation of ['no-code-loads', 'no-lookups', 'no-work'] as const) {
          const run = await runOnGpu(device, layer, x, batch, { ...options, ablation });
          const changed = run.y.filter(
            (value, i) => Math.abs(value - real.y[i]) > 1e-3 * (1 + Math.abs(real.y[i])),
          );
          expect(changed.length, `${variant} ${ablation}`).toBeGreaterThan(spec.rows);
          outputs.set(ablation, run.y);
        }
        // Without any stage the sums add the synthetic codes as numbers: not the real codes' numbers (no-lookups).
        expect(outputs.get('no-work')).not.toEqual(outputs.get('no-lookups'));
      },
      { zeroWorkgroupMemory: true },
    );
  });
});
