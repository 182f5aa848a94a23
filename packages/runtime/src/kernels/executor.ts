/**
 * One entry point for running a quantized dense layer on the GPU from its codes:
 * `createLayerExecutor(device, layer, buffers, options)` picks the kernels (PQ / RQ: a LUT variant by shape and batch
 * rule or by `options.variant`, and for PQ layers at larger batches the decoded gather; k-means: its one
 * kernel; binary: the bit gather, or on large layers its sign bits read a byte at a time through the banked LUT
 * gather, `binaryByteTables`), checks shapes and device limits up
 * front, and returns an executor that encodes y = relu?(W x + b) for a batch into a command encoder.
 * Per batch size it keeps a plan (uniforms, scratch, pipelines), so re-encoding the same batch allocates nothing.
 */
import type { Activation } from '@pqweb/format';
import {
  type BinaryShape,
  checkBinaryShape,
  checkInteger,
  checkKmeansShape,
  checkLutShape,
  type KmeansShape,
  type PqShape,
  type RqShape,
} from '../cpu/layer-shapes';
import { checkTableBits, TABLE_GROUP_SEGMENTS, type TableBits } from '../cpu/lut8';
import { BindGroupCache } from '../gpu/bind-group-cache';
import { GpuLimitError, KernelInputError } from '../gpu/errors';
import { CODE_ROW_TILE, codeRowTiles, gpuCodeWords } from './code-layout';
import {
  CODEBOOK_DTYPES,
  CODEBOOK_VALUE_BYTES,
  type CodebookBinding,
  type CodebookDtype,
  codebookBindingBytes,
} from './codebook-dtype';
import { createDecodedProgram } from './decoded-program';
import { createLutProgram, signTableShape } from './lut-program';
import { GATHER_BATCH_TILE } from './params';
import {
  batchedLutVariant,
  CENTROID_COPY_COUNTS,
  CODE_DECODES,
  COPIED_CENTROIDS,
  type CodeDecode,
  canDecode,
  DECODE_LAUNCH,
  DECODE_TARGET_WORKGROUPS,
  type DecodeLaunch,
  decodesAtSomeBatch,
  type ExecutorVariant,
  GROUP_BATCH_TILES,
  groupedTableSegments,
  type LutVariant,
  MAX_ROWS_PER_INVOCATION,
  MAX_WORDS_IN_FLIGHT,
  PQ_VARIANTS,
  type PqVariant,
  usesBinaryByteTables,
  usesCopiedCentroids,
  usesDecodedGather,
  usesGroupedFloatTables,
  WIDE_GATHER,
  type WideGatherMode,
} from './plan';
import {
  type BatchPlan,
  type DispatchStage,
  FLOAT_BYTES,
  GATHER_ABLATIONS,
  type GatherAblation,
  type LayerProgram,
  type PlannedDispatch,
  type ProgramContext,
  WORD_BYTES,
} from './program';
import { createScalarProgram } from './scalar-program';
import { TABLE8_BATCH_TILES, type Table8BatchTile } from './sources';
import {
  TABLE_GROUP_SEGMENT_CHOICES,
  type TableCodeLayout,
  type TableGroupSegments,
  table8CodeWords,
  table8Slots,
  tableBuildSegments,
} from './table8-layout';
import {
  createTable8Program,
  defaultReduceSlices,
  FLOAT_REDUCE_ROW_WARPS,
  groupedRowsPerWorkgroup,
  keepsCodebookQuads,
  TABLE8_REDUCE_ROW_WARP_CHOICES,
  TABLE8_REDUCE_ROW_WARPS,
  TABLE8_REDUCE_SLICE_CHOICES,
  TABLE8_REDUCE_WARP_ROWS,
  TABLE8_TARGET_WORKGROUPS,
  TABLE8_WORKGROUP_SIZE,
  type Table8Launch,
  table8CodebookBytes,
  table32GatherStorageBytes,
  tableCodeLayout,
} from './table8-program';

interface LayerCommon {
  activation: Activation;
  /** Used in GPU object labels and error messages. */
  name?: string;
}

/** The layer to run: a manifest layer (packages/format) of one of these methods can be passed as is. */
export type LutLayerDescriptor =
  | ({ method: 'pq' } & PqShape & LayerCommon)
  | ({ method: 'rq' } & RqShape & LayerCommon)
  | ({ method: 'kmeans' } & KmeansShape & LayerCommon)
  | ({ method: 'binary' } & BinaryShape & LayerCommon);

/**
 * The layer's sections on the GPU (STORAGE usage). PQ / RQ codebooks may stay float16 (`codebookDtype`); k-means
 * centroids and binary scales are float32.
 */
export interface LayerGpuBuffers {
  /**
   * Packed codes, u32 words per the layer's packing, in the GPU layout of kernels/code-layout.ts: pass the file's
   * words through `interleaveCodeRows(words, rows, wordsPerRow, stages)` before uploading.
   */
  codes: GPUBuffer;
  /** PQ / RQ codebooks [stages][segments][k][d], or the k-means centroids [k]. */
  codebook?: GPUBuffer;
  /**
   * How the PQ / RQ codebook buffer holds its values (default 'float32'). 'float16': the .pqw file's float16 section
   * uploaded as is (binary16 values two to a u32 word, lower half first; an odd count padded to a whole word), half
   * the bytes of float32. The kernels widen each value exactly, so the sums equal those of the float32 codebook with
   * the same values. k-means centroids must be float32.
   */
  codebookDtype?: CodebookDtype;
  /** Binary per-row scales [rows]. */
  scales?: GPUBuffer;
  /** [rows], or null when the layer has no bias. */
  bias: GPUBuffer | null;
  /**
   * The same PQ codes again in the 8-bit-table layout (`groupTableCodes`, in the layout
   * `groupedFloatTablesLayout` gives), with `groupedCodebook`: where `takesGroupedFloatTables` holds for the layer,
   * 'auto' runs the batches plan.ts usesGroupedFloatTables names on them ('grouped-float32': batches 1 to 4 of large
   * 8-bit-code layers of d ≤ 4 and batch 1 of d = 8 ones, 5–36% faster on the H200; batches 1 to 16 of large 4-bit
   * ones, read in pairs, and 1 to 32 at d = 8, 3–37%) and other batches on `codes`, as it does a batch whose split-K
   * sums would not fit one binding. The layer's codes and codebook are then held twice on the GPU. Ignored where that
   * rule does not hold.
   */
  groupedCodes?: GPUBuffer;
  /**
   * The codebook in the 8-bit-table layout (`groupTableCodebook`, the layout's group size), with `groupedCodes`:
   * float32, or float16 two values to a word where `codebookDtype` is 'float16' (the same dtype as `codebook`).
   */
  groupedCodebook?: GPUBuffer;
}

export interface LayerExecutorOptions {
  /**
   * PQ / RQ kernel variant; 'auto' (default) applies chooseLutVariant's shape rule, above batch 1
   * batchedLutVariant's where it names another variant, and for PQ layers usesDecodedGather's where it holds
   * (`variantAt` tells which a batch runs). 'decoded' (shaders/pq_decode.wgsl) runs every batch decoded; it takes PQ
   * layers that plan.ts canDecode accepts (KernelInputError otherwise). Other methods take 'auto'.
   */
  variant?: PqVariant | 'auto';
  /**
   * Invocations per workgroup; default min(DEFAULT_LUT_WORKGROUP_SIZE, device limit) for PQ / RQ layers and
   * min(DEFAULT_WORKGROUP_SIZE, device limit) for k-means and binary ones.
   */
  workgroupSize?: number;
  /**
   * Largest storage binding to use, bytes; default (and ceiling) device.limits.maxStorageBufferBindingSize.
   * Codes above it are split into row blocks; tests lower it to exercise the split.
   */
  maxBindingBytes?: number;
  /**
   * Workgroup memory for a kernel's tile, bytes; default min(DEFAULT_WORKGROUP_STORAGE_BYTES, device limit),
   * ceiling device.limits.maxComputeWorkgroupStorageSize. Unset, the banked gathers may take a larger tile at batch
   * tiles above 1 (`wideGather`) or a smaller one at batch 1 (`shortRowGroupTiles`); set, the tile is this budget.
   */
  maxWorkgroupStorageBytes?: number;
  /**
   * Workgroups a gather dispatch aims for (rows are grouped to reach it; k-means and binary layers also cut their
   * columns into more chunks); default BANKED_TARGET_WORKGROUPS for the banked variants, SCALAR_TARGET_WORKGROUPS
   * for k-means and binary, TARGET_WORKGROUPS otherwise. A tuning knob: more workgroups keep more rows in flight on
   * a large GPU, at the cost of more LUT staging (and, for chunks, more split-K partial sums).
   */
  targetWorkgroups?: number;
  /**
   * Code words each invocation of a gather loads before decoding any (1 … MAX_WORDS_IN_FLIGHT); default for
   * PQ / RQ the words one row holds in a segment chunk, at most MAX_WORDS_IN_FLIGHT (plan.ts wordsInFlightFor),
   * for k-means and binary plan.ts's scalarWordsInFlight (by batch tile and code width). A tuning knob: more
   * loads in flight hide memory latency but cost registers, and fewer registers mean more invocations resident
   * per core.
   */
  wordsInFlight?: number;
  /**
   * Copies of a k-means layer's centroid table in workgroup memory, interleaved so that lane l of a subgroup reads
   * copy l mod copies (kmeans_gather.wgsl CENTROID_COPIES): 1, 2, 4, 8, 16 or 32. With 32 copies (16) the lanes
   * never (at most pairwise) read one memory bank at once, whatever their codes; the copies take k × copies floats
   * of the tile budget (`maxWorkgroupStorageBytes`). With k ≤ 16 one copy is already conflict-free.
   * Default 1, except on large layers with k > 16 (plan.ts usesCopiedCentroids) where the device allows it and
   * none of `workgroupSize`, `maxWorkgroupStorageBytes` and this is set: 16, in a 20 KiB tile of 512-invocation
   * workgroups (plan.ts COPIED_CENTROIDS). Other methods ignore it.
   */
  centroidCopies?: number;
  /**
   * Rows each invocation of a banked gather ('lut-banked', 'fused-banked') takes at a time, loading their code
   * words together (1 … MAX_ROWS_PER_INVOCATION); default plan.ts's bankedRowsPerInvocation (by batch tile and
   * code width). More rows put more loads in flight, at the cost of registers. The decoded gather takes it too
   * (default DECODE_LAUNCH's 8, which only the default reaches).
   */
  rowsPerInvocation?: number;
  /**
   * Most inputs a PQ / RQ gather workgroup takes at once (1 … GATHER_BATCH_TILE); default GATHER_BATCH_TILE,
   * BANKED_BATCH_TILE for the banked variants.
   * A tuning knob: a larger batch tile reads the codes fewer times, but leaves room for fewer segments per tile,
   * so more split-K partial sums are written and read.
   */
  batchTile?: number;
  /**
   * Whether 'fused-banked' reads codebook and x as 16-byte vectors where the shape allows (sub-vectors of a
   * multiple of 4 floats that tile the columns); default true. False keeps the scalar table build, to compare.
   */
  vectorTableBuild?: boolean;
  /**
   * Whether the banked gathers take the tile's stage count as a pipeline constant, so that every table's offset in
   * the tile is a constant and Dawn's bounds clamp on each lookup can be dropped by the driver; default true. False
   * keeps the offsets computed at run time (as before docs/kernel-attempts.md step 19), to compare.
   */
  constantTableOffsets?: boolean;
  /**
   * How the banked gathers decode 8-bit codes (k = 256, and k = 16 read in pairs; plan.ts CodeDecode): 'auto'
   * (default) decodes from rotated code words at batch tiles above 1 and with one shift per code at a tile of 1
   * (plan.ts usesRotatedCodeWords); 'rotated-words' and 'per-code-shifts' force one way, to compare.
   */
  codeDecode?: CodeDecode;
  /**
   * Whether 'fused-banked' reads the 4-bit codes of a k = 16 layer in pairs (plan.ts canPairCodes): half the
   * lookups, into 256-entry tables of pair sums built in the workgroup; default true. False keeps one lookup per
   * segment, to compare.
   */
  pairCodes?: boolean;
  /**
   * Whether 'fused-banked' builds its 256-entry pair tables (k = 16 codes read in pairs) and binary sign tables from
   * 32 half values per segment, each entry one add (pq_gather.wgsl NIBBLE_TABLES), where an invocation's share of the
   * tile fits its registers (plan.ts nibbleExpandEntries); default true. False computes every entry from the codebook
   * or x, to compare.
   */
  nibbleTables?: boolean;
  /**
   * Whether the gathers and the split-K reduce take the layer's parameters (shape, row range, slots, bias and ReLU
   * switches) as pipeline constants instead of reading a uniform (gather_common.wgsl and splitk_reduce.wgsl
   * SPECIALIZED_PARAMS): one pipeline per layer, batch and code block, compiled once. Default true: on the H200 PQ
   * layers ran 3–7% faster (docs/kernel-attempts.md, step 50). False reads the uniform, to compare.
   */
  specializedParams?: boolean;
  /**
   * Whether every gather's batch tiles (batches above one tile) are the fastest index of its grid, so that the tiles
   * of one row group and segment chunk run side by side and read the same code words, the first from memory and the
   * others from L2 (gather_common.wgsl GROUP_BATCH_TILES); default GROUP_BATCH_TILES. False lets each batch tile's
   * workgroups read all of the codes before the next tile starts.
   */
  groupBatchTiles?: boolean;
  /**
   * Whether the banked gathers take a 32 KiB tile in 1024-invocation workgroups at batch tiles above 1 (plan.ts
   * WIDE_GATHER): 'auto' (default) on large layers (usesWideGather) where the device allows it and none of
   * `workgroupSize`, `maxWorkgroupStorageBytes` and `targetWorkgroups` is set; true on every layer (GpuLimitError
   * where the device lacks the limits; it cannot be combined with those three); false never, to compare.
   */
  wideGather?: boolean | 'auto';
  /**
   * Whether banked gathers at a batch tile of 1 take a 4 or 8 KiB tile where their row groups are short (plan.ts
   * shortRowGroupTileBytes: at most 2048 or 4096 rows per workgroup with the default tile); default true. Setting
   * `maxWorkgroupStorageBytes` keeps the caller's tile. False keeps the default tile, to compare.
   */
  shortRowGroupTiles?: boolean;
  /**
   * Whether binary layers read their sign bits a byte at a time, as PQ codes of 8 columns looked up in tables of
   * ±x sums built in the workgroup (pq_gather.wgsl SIGN_TABLES), instead of adding each column with its sign
   * (binary_gather.wgsl): 'auto' (default) on large layers (plan.ts usesBinaryByteTables), true on any layer, false
   * never. Either way only where the tile holds one code word's tables (4 KiB) and, per batch, where their split-K
   * partial sums fit one binding (`variantAt` tells which kernel a batch runs).
   */
  binaryByteTables?: boolean | 'auto';
  /**
   * For measuring only: a stage the PQ / RQ gathers leave out (GatherAblation). The outputs are then wrong by
   * design; default 'none'.
   */
  ablation?: GatherAblation;
  /**
   * Width of a PQ / RQ layer's lookup-table entries: 32 (default) float32 tables, the exact sums; 8 runs
   * shaders/pq_table8.wgsl on 8-bit tables (cpu/lut8.ts is its twin and states the quantization), an accuracy level
   * like MatMulNBits' accuracy_level 4: each entry is within half a step of its float32 value (about 1% of the
   * outputs' RMS on random data; the bundled model's top-1 93.81% against 93.83%). With 8, `buffers.codes` and
   * `buffers.codebook` must be in the 8-bit-table layouts (`groupTableCodes`, `groupTableCodebook`, in the layout
   * `table8CodeLayout` gives for these options on this device), `variant` must be 'auto', and `workgroupSize`
   * (default min(TABLE8_WORKGROUP_SIZE, device limit)) a multiple of 16; `batchTile` is one of TABLE8_BATCH_TILES
   * (default 1 at batch 1, 4 up to batch 4, above that the widest whose tile fits the workgroup memory:
   * `maxWorkgroupStorageBytes`, default the device's whole limit) and `targetWorkgroups` sets when rows are cut into
   * blocks (default TABLE8_TARGET_WORKGROUPS). Other options do not apply. Other methods take 32.
   */
  tableBits?: TableBits;
  /**
   * Float32 tables in the structure of the 8-bit-table kernel (variant 'grouped-float32', shaders/table32_entry1.wgsl:
   * one input per tile, codes and codebook in the 8-bit-table layouts); the sums are exact up to float rounding, as
   * the default's. 'auto' (default): the batches plan.ts usesGroupedFloatTables names run them where
   * `takesGroupedFloatTables` holds and `buffers.groupedCodes` and `buffers.groupedCodebook` are given. true: every
   * batch runs them, `buffers.codes` and `buffers.codebook` being in the 8-bit-table layouts (for measuring; tableBits
   * must be 32). false: never.
   */
  groupedFloatTables?: boolean | 'auto';
  /**
   * Segments per group of the grouped kernels: 16 (TABLE_GROUP_SEGMENTS, default), or 32 with groupedFloatTables
   * true, whose `buffers.codes` and `buffers.codebook` must then be in the layouts of groups of 32
   * (`groupTableCodes` in the layout `table8CodeLayout` gives, `groupTableCodebook(values, shape, 32)`): every lane
   * of a subgroup looks up a segment of its own and the split-K sums halve, for a tile twice as large (32 KiB at k 256;
   * docs/kernel-attempts.md step 83). 8-bit tables take 16, the group their scales are defined on.
   */
  tableGroupSegments?: TableGroupSegments;
  /**
   * For measuring: invocations that split each row's slots in the reduce of the grouped kernels (tableBits 8 or
   * groupedFloatTables true), a power of two from 1 to 32; default TABLE8_REDUCE_SLICES on 8-bit tables,
   * FLOAT_REDUCE_SLICES on float32 entries (docs/kernel-attempts.md steps 83, 85).
   */
  reduceSlices?: number;
  /**
   * For measuring: the most groups of 32 rows per reduce workgroup of the grouped kernels, 1, 2 or 4 (default
   * TABLE8_REDUCE_ROW_WARPS on 8-bit tables, FLOAT_REDUCE_ROW_WARPS on float32 entries), fewer where the device's
   * invocations or workgroup memory ask.
   */
  reduceRowWarps?: number;
  /**
   * For measuring: whether the grouped kernels' build keeps an invocation's codebook quads in registers (CACHED_QUADS
   * of shaders/pq_table8.wgsl): 'auto' (default) where table8-program.ts keepsCodebookQuads' rule says so, true
   * wherever they fit (d 4, few entries per invocation), false never.
   */
  cachedQuads?: boolean | 'auto';
  /** Label prefix of the GPU objects; default the layer's name or method and shape. */
  label?: string;
}

/**
 * Times the dispatches of a layer: when passed to `encode`, each dispatch runs in a compute pass of its own whose
 * timestamp writes come from here (undefined leaves that pass untimed). Separate passes cost a little, so this is
 * for profiling (the kernel benchmark's stage breakdown, per-layer GPU time), not for every run.
 */
export interface DispatchTimer {
  /** `stage` is the dispatch's kind: 'lut-build', 'gather' or 'reduce'; `label` its GPU label. */
  passTimestamps(stage: DispatchStage, label: string): GPUComputePassTimestampWrites | undefined;
}

export interface LayerExecutor {
  /** The kernel at batch 1, what a classifier runs (variantAt for other batches). */
  readonly variant: ExecutorVariant;
  /**
   * The kernel a batch of this size runs: `variant` at every batch, but for binary layers, which take the byte
   * tables only where their partial sums fit one binding (LayerExecutorOptions.binaryByteTables).
   */
  variantAt(batch: number): ExecutorVariant;
  readonly rows: number;
  readonly cols: number;
  /**
   * Encodes y = relu?(W x + b) for `batch` inputs: `input` holds x [batch][cols] float32, `output` receives
   * y [batch][rows]. Both need STORAGE usage and must be distinct buffers.
   */
  encode(
    encoder: GPUCommandEncoder,
    input: GPUBuffer,
    output: GPUBuffer,
    batch: number,
    timer?: DispatchTimer,
  ): void;
  /** Bytes of scratch (LUT, split-K partial sums) the executor holds for a batch of this size. */
  scratchBytes(batch: number): number;
  /** Destroys every buffer the executor created (not the caller's). */
  destroy(): void;
}

/**
 * Invocations per workgroup unless the caller says otherwise (capped by the device's limit): WebGPU's default
 * maxComputeInvocationsPerWorkgroup, a multiple of the NVIDIA warp (32) and AMD wave (64). Used for k-means and
 * binary layers. On an H200 (Dawn / Vulkan, PQ 4096×4096, d 4, k 256, batch 1, 16 KiB tile) 256 ran the LUT
 * variants in ≈50 µs per layer against ≈70 µs at 128 and ≈110–180 µs at 64.
 */
export const DEFAULT_WORKGROUP_SIZE = 256;

/**
 * Invocations per workgroup of PQ / RQ layers unless the caller says otherwise, capped by the device's limit
 * (phones allow 256, WebGPU's default). In the H200 run of docs/results/kernel-attempts/step5-full-grid-tunings.json, 512 beat 256
 * in 86 of 100 side-by-side cells, typically by 5–40% (16384², batch 1, d 4, k 256: 107.9 against 122.5 µs):
 * half the rows per invocation and one LUT chunk staged for twice the rows (docs/kernel-attempts.md).
 */
export const DEFAULT_LUT_WORKGROUP_SIZE = 512;

/**
 * Default workgroup tile budget: 16 KiB, WebGPU's default maxComputeWorkgroupStorageSize, which every device
 * offers (phones stop there). Desktop GPUs allow more (H200: 48 KiB) but a larger tile per workgroup leaves
 * fewer workgroups resident per SM; raise it through `maxWorkgroupStorageBytes` where measured to help.
 */
export const DEFAULT_WORKGROUP_STORAGE_BYTES = 16384;

/** The placeholder bound where a layer has no bias (the kernels do not read it); 16 bytes as for any binding. */
const PLACEHOLDER_BYTES = 16;

function requireBuffer(
  label: string,
  name: string,
  buffer: GPUBuffer | undefined,
  bytes: number,
  formula: string,
): GPUBuffer {
  if (!buffer) throw new KernelInputError(`${label}: buffers.${name} is required for this layer`);
  if ((buffer.usage & GPUBufferUsage.STORAGE) === 0) {
    throw new KernelInputError(`${label}: buffers.${name} (${buffer.label}) needs GPUBufferUsage.STORAGE`);
  }
  if (buffer.size < bytes) {
    throw new KernelInputError(
      `${label}: buffers.${name} holds ${buffer.size} bytes, expected at least ${formula} = ${bytes}`,
    );
  }
  return buffer;
}

function checkLimit(requested: number | undefined, limit: number, name: string, option: string): number {
  if (requested === undefined) return limit;
  checkInteger(option, requested, 1);
  if (requested > limit) {
    throw new GpuLimitError(
      `${option} ${requested} exceeds the device's ${name} ${limit}`,
      name,
      requested,
      limit,
    );
  }
  return requested;
}

function defaultLabel(layer: LutLayerDescriptor): string {
  return layer.name ?? `${layer.method} ${layer.rows}x${layer.cols}`;
}

function checkShape(layer: LutLayerDescriptor): void {
  if (layer.method === 'pq') checkLutShape({ ...layer, stages: 1 });
  else if (layer.method === 'rq') checkLutShape(layer);
  else if (layer.method === 'kmeans') checkKmeansShape(layer);
  else if (layer.method === 'binary') checkBinaryShape(layer);
  else
    throw new KernelInputError(
      `unsupported layer method ${JSON.stringify((layer as { method: unknown }).method)}`,
    );
  if (layer.activation !== 'none' && layer.activation !== 'relu') {
    throw new KernelInputError(
      `activation must be 'none' or 'relu', got ${JSON.stringify(layer.activation)}`,
    );
  }
}

function createProgram(
  context: ProgramContext,
  layer: LutLayerDescriptor,
  buffers: LayerGpuBuffers,
  variant: PqVariant | 'auto',
): LayerProgram {
  const { label, rows } = context;
  const wordsPerRow = layer.packing.wordsPerRow;
  const layoutNote = 'in the GPU layout (interleaveCodeRows)';
  const codebookDtype = buffers.codebookDtype ?? 'float32';
  if (layer.method === 'pq' || layer.method === 'rq') {
    const stages = layer.method === 'rq' ? layer.stages : 1;
    const shape = { ...layer, stages };
    if (context.table8) return createTable8Branch(context, shape, buffers, codebookDtype, variant);
    const { segments, k, d } = layer;
    const codes = requireBuffer(
      label,
      'codes',
      buffers.codes,
      gpuCodeWords(rows, wordsPerRow, stages) * WORD_BYTES,
      `stages ${stages} × row tiles ${codeRowTiles(rows)} × wordsPerRow ${wordsPerRow} × ${CODE_ROW_TILE} × 4 ${layoutNote}`,
    );
    checkCodebookDtype(label, codebookDtype);
    const codebookValues = stages * segments * k * d;
    const codebook = {
      buffer: requireBuffer(
        label,
        'codebook',
        buffers.codebook,
        codebookBindingBytes(codebookValues, codebookDtype),
        `stages ${stages} × segments ${segments} × k ${k} × d ${d} × ${CODEBOOK_VALUE_BYTES[codebookDtype]} ` +
          `(${codebookDtype}${codebookDtype === 'float16' ? ', whole u32 words' : ''})`,
      ),
      dtype: codebookDtype,
    };
    if (variant === 'decoded') {
      if (layer.method === 'rq') {
        throw new KernelInputError(
          `${label}: variant 'decoded' runs PQ layers; rq layers have several stages`,
        );
      }
      if (context.ablation !== 'none') {
        throw new KernelInputError(
          `${label}: ablation '${context.ablation}' leaves a stage of the lookup gathers out; variant 'decoded' has none`,
        );
      }
      return createDecodedProgram(context, layer, { codes, codebook });
    }
    const program = createLutProgram(context, shape, { codes, codebook }, variant);
    if (variant !== 'auto') return program;
    // Above batch 1 'auto' may run another lookup variant (batchedLutVariant, per batch). A program holds no GPU
    // objects until a batch's plan is made, so each variant's is made on first use.
    const lutPrograms = new Map<LutVariant, LayerProgram>();
    const lutProgramAt = (batch: number): LayerProgram => {
      const batched = batchedLutVariant(shape, context.tileFloatsLimit, batch);
      if (batched === null || batched === program.variantAt(1)) return program;
      let batchedProgram = lutPrograms.get(batched);
      if (!batchedProgram) {
        batchedProgram = createLutProgram(context, shape, { codes, codebook }, batched);
        lutPrograms.set(batched, batchedProgram);
      }
      return batchedProgram;
    };
    // PQ layers at larger batches run decoded under 'auto' (an ablation measures the lookups: it keeps them). A decoded
    // program is built only for a layer the rule decodes at some batch (none for RQ layers, layers below 512×1024, or
    // sub-vectors other than 4 and 8).
    const { workgroupSize, tileFloatsLimit } = context.decodeLaunch;
    const decoded =
      layer.method === 'pq' &&
      context.ablation === 'none' &&
      decodesAtSomeBatch(layer) &&
      canDecode(shape, tileFloatsLimit, workgroupSize)
        ? createDecodedProgram(context, layer, { codes, codebook })
        : null;
    const grouped = context.groupedTables
      ? createTable8Program(
          context,
          shape,
          requireTable8Buffers(
            label,
            shape,
            buffers.groupedCodes,
            buffers.groupedCodebook,
            buffers.codebookDtype ?? 'float32',
            tableCodeLayout(shape, context.groupedTables),
            { codes: 'groupedCodes', codebook: 'groupedCodebook' },
          ),
          context.groupedTables,
        )
      : null;
    // The grouped tables' split-K sums grow with the batch (a slot's sums per input): a batch whose sums would not fit
    // one binding takes the other kernels instead of failing, as the binary byte tables do.
    return programByBatch((batch) => {
      if (
        grouped &&
        usesGroupedFloatTables(shape, batch) &&
        grouped.scratchBytes(batch) <= context.maxBindingBytes
      )
        return grouped;
      if (decoded && usesDecodedGather(layer, batch)) return decoded;
      return lutProgramAt(batch);
    });
  }
  if (variant !== 'auto') {
    throw new KernelInputError(
      `${label}: variant '${variant}' applies to pq and rq layers; ${layer.method} layers have one kernel`,
    );
  }
  if (layer.method === 'kmeans' && codebookDtype !== 'float32') {
    throw new KernelInputError(
      `${label}: k-means centroids must be float32 on the GPU (got codebookDtype ` +
        `'${codebookDtype}'); widen them at upload (PqwFile.float32)`,
    );
  }
  const codes = requireBuffer(
    label,
    'codes',
    buffers.codes,
    gpuCodeWords(rows, wordsPerRow) * WORD_BYTES,
    `row tiles ${codeRowTiles(rows)} × wordsPerRow ${wordsPerRow} × ${CODE_ROW_TILE} × 4 ${layoutNote}`,
  );
  if (layer.method === 'kmeans') {
    const values = requireBuffer(
      label,
      'codebook',
      buffers.codebook,
      layer.k * FLOAT_BYTES,
      `k ${layer.k} × 4`,
    );
    return createScalarProgram(context, layer, { codes, values });
  }
  const values = requireBuffer(label, 'scales', buffers.scales, rows * FLOAT_BYTES, `rows ${rows} × 4`);
  const bits = createScalarProgram(context, layer, { codes, values });
  const byteTablesAt = (batch: number): boolean =>
    usesBinaryByteTables(context.binaryByteTables, context.tileFloatsLimit, {
      rows,
      cols: layer.cols,
      batch,
    });
  // The rule's smallest layer is the batched one's: below it no batch takes the byte tables.
  if (!byteTablesAt(1) && !byteTablesAt(2)) return bits;
  const shape = signTableShape({ rows, cols: layer.cols, wordsPerRow });
  const bytes = createLutProgram(context, shape, { codes, rowScales: values }, 'auto');
  // The byte tables always write split-K partial sums (their reduce adds the bias), more of them than the bit
  // gather's: a batch whose partial sums would not fit one binding takes binary_gather.wgsl instead of failing.
  const fits = (batch: number): boolean => bytes.scratchBytes(batch) <= context.maxBindingBytes;
  return programByBatch((batch) => (byteTablesAt(batch) && fits(batch) ? bytes : bits));
}

/** `buffers.codebookDtype` of a PQ / RQ layer, whichever tables it runs on. */
function checkCodebookDtype(label: string, codebookDtype: CodebookDtype): void {
  if (!CODEBOOK_DTYPES.includes(codebookDtype)) {
    throw new KernelInputError(
      `${label}: buffers.codebookDtype must be one of ${CODEBOOK_DTYPES.join(', ')}, got ${JSON.stringify(codebookDtype)}`,
    );
  }
}

/** A PQ / RQ layer on 8-bit tables (tableBits: 8): its own code layout and kernels. */
function createTable8Branch(
  context: ProgramContext,
  shape: RqShape,
  buffers: LayerGpuBuffers,
  codebookDtype: CodebookDtype,
  variant: PqVariant | 'auto',
): LayerProgram {
  const { label } = context;
  const launch = context.table8;
  if (!launch) throw new KernelInputError(`${label}: tableBits 8 was not resolved`);
  if (variant !== 'auto') {
    throw new KernelInputError(
      `${label}: tableBits 8 has one kernel (shaders/pq_table8.wgsl); leave variant 'auto', got '${variant}'`,
    );
  }
  checkCodebookDtype(label, codebookDtype);
  const table8Buffers = requireTable8Buffers(
    label,
    shape,
    buffers.codes,
    buffers.codebook,
    codebookDtype,
    tableCodeLayout(shape, launch),
    { codes: 'codes', codebook: 'codebook' },
  );
  return createTable8Program(context, shape, table8Buffers, launch);
}

/**
 * A layer's codes and codebook in the 8-bit-table layouts (groupTableCodes, groupTableCodebook), checked for size:
 * `buffers.codes` and `buffers.codebook` with tableBits 8, `buffers.groupedCodes` and `buffers.groupedCodebook`
 * for 'grouped-float32' under 'auto'. The lane order cannot be checked (every order has the same bytes): the messages
 * name the functions that give it.
 */
function requireTable8Buffers(
  label: string,
  shape: RqShape,
  codesBuffer: GPUBuffer | undefined,
  codebookBuffer: GPUBuffer | undefined,
  codebookDtype: CodebookDtype,
  layout: TableCodeLayout,
  names: { codes: 'codes' | 'groupedCodes'; codebook: string },
): { codes: GPUBuffer; codebook: CodebookBinding } {
  const { rows, k, d } = shape;
  const { groupSegments } = layout;
  const slots = table8Slots(shape, groupSegments);
  const layoutSource = names.codes === 'codes' ? 'table8CodeLayout' : 'groupedFloatTablesLayout';
  const codes = requireBuffer(
    label,
    names.codes,
    codesBuffer,
    table8CodeWords(shape, groupSegments) * WORD_BYTES,
    `slots ${slots} × rows ${rows} × ${groupSegments} in the 8-bit-table layout ` +
      `(groupTableCodes with groupSegments ${groupSegments}, lanes '${layout.lanes}', as ${layoutSource} gives)`,
  );
  const codebook = requireBuffer(
    label,
    names.codebook,
    codebookBuffer,
    table8CodebookBytes(shape, codebookDtype, groupSegments),
    `slots ${slots} × k ${k} × ${tableBuildSegments(k, groupSegments)} × d ${d} × ${CODEBOOK_VALUE_BYTES[codebookDtype]} ` +
      `(${codebookDtype}) in the 8-bit-table layout (groupTableCodebook with groupSegments ${groupSegments})`,
  );
  return { codes, codebook: { buffer: codebook, dtype: codebookDtype } };
}

/** The executor's 8-bit-table launch (tableBits 8) from its options and the device, or null for float32 tables. */
function resolveTable8(
  layer: LutLayerDescriptor,
  options: LayerExecutorOptions,
  workgroupSizeLimit: number,
  limits: GPUSupportedLimits,
): Table8Launch | null {
  const tableBits = options.tableBits ?? 32;
  checkTableBits(tableBits);
  const floatEntries = checkAutoSwitchOption('groupedFloatTables', options.groupedFloatTables) === true;
  if (floatEntries && tableBits !== 32) {
    throw new KernelInputError(
      `groupedFloatTables runs float32 tables; leave tableBits 32, got ${tableBits}`,
    );
  }
  const groupSegments = checkChoiceOption(
    'tableGroupSegments',
    options.tableGroupSegments,
    TABLE_GROUP_SEGMENT_CHOICES,
    TABLE_GROUP_SEGMENTS,
  );
  if (groupSegments !== TABLE_GROUP_SEGMENTS && !floatEntries) {
    throw new KernelInputError(
      `tableGroupSegments ${groupSegments} applies to groupedFloatTables: true; 8-bit tables take ` +
        `${TABLE_GROUP_SEGMENTS}, the group their scales are defined on`,
    );
  }
  if (tableBits === 32 && !floatEntries) {
    const grouped = (['reduceSlices', 'reduceRowWarps', 'cachedQuads'] as const).find(
      (name) => options[name] !== undefined,
    );
    if (grouped !== undefined) {
      throw new KernelInputError(
        `${grouped} applies to the grouped kernels: tableBits 8, or groupedFloatTables: true`,
      );
    }
    return null;
  }
  if (layer.method !== 'pq' && layer.method !== 'rq') {
    throw new KernelInputError(
      `tableBits 8 applies to pq and rq layers (their lookup tables); ${layer.method} layers take 32`,
    );
  }
  if (options.ablation !== undefined && options.ablation !== 'none') {
    throw new KernelInputError(
      `ablation '${options.ablation}' measures the float32-table gathers; tableBits 8 has none`,
    );
  }
  const batchTile = options.batchTile;
  if (batchTile !== undefined && !TABLE8_BATCH_TILES.includes(batchTile as Table8BatchTile)) {
    throw new KernelInputError(
      `batchTile with tableBits 8 must be one of ${TABLE8_BATCH_TILES.join(', ')}, got ${batchTile}`,
    );
  }
  if (options.targetWorkgroups !== undefined) checkInteger('targetWorkgroups', options.targetWorkgroups, 1);
  const reduceSlices = checkChoiceOption(
    'reduceSlices',
    options.reduceSlices,
    TABLE8_REDUCE_SLICE_CHOICES,
    defaultReduceSlices(floatEntries, workgroupSizeLimit),
  );
  // A reduce workgroup holds reduceSlices × TABLE8_REDUCE_WARP_ROWS invocations at the least (one row warp).
  checkLimit(
    reduceSlices * TABLE8_REDUCE_WARP_ROWS,
    workgroupSizeLimit,
    'maxComputeInvocationsPerWorkgroup',
    `reduceSlices ${reduceSlices} × ${TABLE8_REDUCE_WARP_ROWS} rows =`,
  );
  return {
    workgroupSize: checkLimit(
      options.workgroupSize ?? Math.min(TABLE8_WORKGROUP_SIZE, workgroupSizeLimit),
      workgroupSizeLimit,
      'maxComputeInvocationsPerWorkgroup',
      'workgroupSize',
    ),
    storageBytes: checkLimit(
      options.maxWorkgroupStorageBytes,
      limits.maxComputeWorkgroupStorageSize,
      'maxComputeWorkgroupStorageSize',
      'maxWorkgroupStorageBytes',
    ),
    batchTile: batchTile as Table8BatchTile | undefined,
    targetWorkgroups: options.targetWorkgroups ?? TABLE8_TARGET_WORKGROUPS,
    invocationsLimit: workgroupSizeLimit,
    floatEntries,
    groupSegments,
    reduceSlices,
    reduceRowWarps: checkChoiceOption(
      'reduceRowWarps',
      options.reduceRowWarps,
      TABLE8_REDUCE_ROW_WARP_CHOICES,
      floatEntries ? FLOAT_REDUCE_ROW_WARPS : TABLE8_REDUCE_ROW_WARPS,
    ),
    cachedQuads: checkAutoSwitchOption('cachedQuads', options.cachedQuads),
  };
}

/**
 * Launch options that 'grouped-float32' under 'auto' would not honour (it takes the 8-bit-table kernel's launch): a
 * caller who sets one gets the other kernels at batch 1 too. Options of the other kernels alone (wordsInFlight,
 * codeDecode, …) leave it be: at batch 1 on such a layer they change nothing.
 */
const GROUPED_TABLES_EXCLUDED_BY = [
  'workgroupSize',
  'maxWorkgroupStorageBytes',
  'targetWorkgroups',
  'batchTile',
  'tableGroupSegments',
  'reduceSlices',
  'reduceRowWarps',
  'cachedQuads',
] as const satisfies readonly (keyof LayerExecutorOptions)[];

/**
 * The launch of 'grouped-float32' under 'auto' (options.groupedFloatTables 'auto'), or null where the layer keeps its
 * other kernels: the rule (plan.ts usesGroupedFloatTables), float32 tables and codebooks, 'auto' variant, no ablation,
 * none of GROUPED_TABLES_EXCLUDED_BY set, and a device whose workgroup memory and bindings hold the kernel's tile and
 * the grouped codes. The group size is 32 where plan.ts groupedTableSegments says so, or
 * where each 32-segment workgroup sums one row step at batch 1 and its build keeps its codebook quads in registers
 * (keepsCodebookQuads: d 4, at most 8 entries per invocation, as at 4096² with 1024 invocations); else 16, and 16 too
 * where the device's workgroup memory holds the 16 KiB tile (k 256) but not the 32 KiB one.
 */
function groupedTablesLaunch(
  device: GPUDevice,
  layer: LutLayerDescriptor,
  options: LayerExecutorOptions,
  codebookDtype: CodebookDtype,
): Table8Launch | null {
  if (layer.method !== 'pq') return null;
  if ((options.groupedFloatTables ?? 'auto') !== 'auto' || (options.tableBits ?? 32) !== 32) return null;
  if ((options.variant ?? 'auto') !== 'auto' || (options.ablation ?? 'none') !== 'none') return null;
  if (GROUPED_TABLES_EXCLUDED_BY.some((name) => options[name] !== undefined)) return null;
  const shape = { ...layer, stages: 1 };
  // Every layer the rule names runs them at batch 1 (and at the larger batches the rule names).
  if (!usesGroupedFloatTables(shape, 1)) return null;
  const { limits } = device;
  const bindingLimit = Math.min(
    options.maxBindingBytes ?? limits.maxStorageBufferBindingSize,
    limits.maxStorageBufferBindingSize,
  );
  // Below WIDE_GROUPS_MIN_SEGMENTS, groups of 32 where each workgroup sums one row step and its build keeps its
  // codebook quads (step 85: 4096², d 4, k 256 14.3 against 14.5–14.7 µs in groups of 16; 16384×4096, where a
  // workgroup sums 4 row steps, 19.6 against 19.3).
  const takesWide = (launch: Table8Launch): boolean => {
    if (groupedTableSegments(shape) === 32) return true;
    const rowsPerWorkgroup = groupedRowsPerWorkgroup(
      layer.rows,
      table8Slots(shape, launch.groupSegments),
      launch,
    );
    return rowsPerWorkgroup === launch.workgroupSize && keepsCodebookQuads(layer, launch, rowsPerWorkgroup);
  };
  for (const groupSegments of [...TABLE_GROUP_SEGMENT_CHOICES].reverse()) {
    // The forced launch's defaults (none of the options it would take are set, as checked above).
    const launch = resolveTable8(
      layer,
      { groupedFloatTables: true, tableGroupSegments: groupSegments },
      workgroupInvocationsLimit(limits),
      limits,
    );
    const fits =
      launch !== null &&
      launch.workgroupSize % groupSegments === 0 &&
      table32GatherStorageBytes(layer.k, tableCodeLayout(shape, launch)) <= launch.storageBytes &&
      table8CodeWords(shape, groupSegments) * WORD_BYTES <= bindingLimit &&
      table8CodebookBytes(shape, codebookDtype, groupSegments) <= bindingLimit;
    if (fits && (groupSegments === TABLE_GROUP_SEGMENTS || takesWide(launch))) return launch;
  }
  return null;
}

/** The most invocations a workgroup of the executor's kernels (all one-dimensional) may have on this device. */
function workgroupInvocationsLimit(limits: GPUSupportedLimits): number {
  return Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);
}

/**
 * Whether 'auto' runs this layer's batch 1 on grouped float32 tables (variant 'grouped-float32') with these options
 * on this device, given `buffers.groupedCodes` and `buffers.groupedCodebook`: a caller uploads those copies
 * (`groupTableCodes`, `groupTableCodebook`, in the layout groupedFloatTablesLayout gives) only where this holds.
 */
export function takesGroupedFloatTables(
  device: GPUDevice,
  layer: LutLayerDescriptor,
  options: LayerExecutorOptions = {},
  codebookDtype: CodebookDtype = 'float32',
): boolean {
  return groupedTablesLaunch(device, layer, options, codebookDtype) !== null;
}

/**
 * The layout 'auto' expects `buffers.groupedCodes` in (`groupTableCodes(words, shape, layout)`; the codebook in
 * `groupTableCodebook(values, shape, layout.groupSegments)`), or null where takesGroupedFloatTables does not hold. It
 * follows the device (table8-program.ts tableCodeLayout): lay the codes out for the device they will run on.
 */
export function groupedFloatTablesLayout(
  device: GPUDevice,
  layer: LutLayerDescriptor,
  options: LayerExecutorOptions = {},
  codebookDtype: CodebookDtype = 'float32',
): TableCodeLayout | null {
  const launch = groupedTablesLaunch(device, layer, options, codebookDtype);
  return launch && layer.method === 'pq' ? tableCodeLayout(layer, launch) : null;
}

/**
 * The layout `buffers.codes` must be in (`groupTableCodes(words, shape, layout)`; the codebook in
 * `groupTableCodebook(values, shape, layout.groupSegments)`) for an executor with these options on this device:
 * tableBits 8, or groupedFloatTables true. It follows the device's workgroup memory (table8-program.ts
 * tableCodeLayout) and the options that set it (maxWorkgroupStorageBytes, tableGroupSegments).
 */
export function table8CodeLayout(
  device: GPUDevice,
  layer: LutLayerDescriptor,
  options: LayerExecutorOptions = {},
): TableCodeLayout {
  const { limits } = device;
  const launch = resolveTable8(layer, options, workgroupInvocationsLimit(limits), limits);
  if (!launch || (layer.method !== 'pq' && layer.method !== 'rq')) {
    throw new KernelInputError(
      'table8CodeLayout: the 8-bit-table layouts are for tableBits 8 or groupedFloatTables true; these options ' +
        'run the layer on its file layout (gpuCodeWords)',
    );
  }
  return tableCodeLayout(layer, launch);
}

/** A program that runs, for each batch size, the program `programAt` picks for it. */
function programByBatch(programAt: (batch: number) => LayerProgram): LayerProgram {
  return {
    variantAt: (batch) => programAt(batch).variantAt(batch),
    scratchBytes: (batch) => programAt(batch).scratchBytes(batch),
    createPlan: (batch) => programAt(batch).createPlan(batch),
  };
}

function checkIo(
  label: string,
  name: 'input' | 'output',
  buffer: GPUBuffer,
  batch: number,
  width: number,
  widthName: string,
): void {
  if ((buffer.usage & GPUBufferUsage.STORAGE) === 0) {
    throw new KernelInputError(`${label}: ${name} buffer (${buffer.label}) needs GPUBufferUsage.STORAGE`);
  }
  const bytes = batch * width * FLOAT_BYTES;
  if (buffer.size < bytes) {
    throw new KernelInputError(
      `${label}: ${name} buffer holds ${buffer.size} bytes, expected at least batch ${batch} × ${widthName} ${width} × 4 = ${bytes}`,
    );
  }
}

/** A tuning count option (1 … most, the size of the kernel's register array), or undefined for the default. */
function checkCountOption(name: string, value: number | undefined, most: number): number | undefined {
  if (value === undefined) return undefined;
  checkInteger(name, value, 1);
  if (value > most) throw new KernelInputError(`${name} must be at most ${most}, got ${value}`);
  return value;
}

/** A switch option: true or false, or undefined for `fallback`. */
function checkSwitchOption(name: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new KernelInputError(`${name} must be true or false, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A switch with a rule: true, false or 'auto' (the default). */
function checkAutoSwitchOption(name: string, value: boolean | 'auto' | undefined): boolean | 'auto' {
  if (value === undefined) return 'auto';
  if (value !== 'auto' && typeof value !== 'boolean') {
    throw new KernelInputError(`${name} must be true, false or 'auto', got ${String(value)}`);
  }
  return value;
}

/** An option that takes one of `choices` (a JavaScript caller may pass anything): `fallback` when absent. */
function checkChoiceOption<T extends string | number>(
  name: string,
  value: T | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value)) {
    throw new KernelInputError(`${name} must be one of ${choices.join(', ')}, got ${String(value)}`);
  }
  return value;
}

/** The executor option `wideGather` as plan.ts's WideGatherMode, checked against the options and the device. */
function resolveWideGather(
  options: LayerExecutorOptions,
  workgroupSizeLimit: number,
  workgroupStorageLimit: number,
): WideGatherMode {
  const requested = checkAutoSwitchOption('wideGather', options.wideGather);
  if (requested === false) return 'never';
  const setByCaller = (['workgroupSize', 'maxWorkgroupStorageBytes', 'targetWorkgroups'] as const).filter(
    (name) => options[name] !== undefined,
  );
  const wideStorageBytes = WIDE_GATHER.tileFloatsLimit * FLOAT_BYTES;
  if (requested === 'auto') {
    const deviceAllows =
      workgroupSizeLimit >= WIDE_GATHER.workgroupSize && workgroupStorageLimit >= wideStorageBytes;
    return deviceAllows && setByCaller.length === 0 ? 'auto' : 'never';
  }
  if (setByCaller.length > 0) {
    throw new KernelInputError(
      `wideGather: true sets the gather's launch itself; leave ${setByCaller.join(', ')} unset or use wideGather: 'auto'`,
    );
  }
  if (workgroupSizeLimit < WIDE_GATHER.workgroupSize) {
    throw new GpuLimitError(
      `wideGather: true needs ${WIDE_GATHER.workgroupSize} invocations per workgroup, the device allows ${workgroupSizeLimit}`,
      'maxComputeInvocationsPerWorkgroup',
      WIDE_GATHER.workgroupSize,
      workgroupSizeLimit,
    );
  }
  if (workgroupStorageLimit < wideStorageBytes) {
    throw new GpuLimitError(
      `wideGather: true needs ${wideStorageBytes} bytes of workgroup memory, the device allows ${workgroupStorageLimit}`,
      'maxComputeWorkgroupStorageSize',
      wideStorageBytes,
      workgroupStorageLimit,
    );
  }
  return 'always';
}

/**
 * Whether a k-means layer takes plan.ts's COPIED_CENTROIDS launch: a large layer with 8-bit codes
 * (usesCopiedCentroids), on a device that allows its workgroup size and tile, with none of `workgroupSize`,
 * `maxWorkgroupStorageBytes` and `centroidCopies` set by the caller.
 */
function takesCopiedCentroids(
  layer: LutLayerDescriptor,
  options: LayerExecutorOptions,
  workgroupSizeLimit: number,
  limits: GPUSupportedLimits,
): boolean {
  return (
    layer.method === 'kmeans' &&
    usesCopiedCentroids(layer.k, layer.rows, layer.cols) &&
    options.workgroupSize === undefined &&
    options.maxWorkgroupStorageBytes === undefined &&
    options.centroidCopies === undefined &&
    workgroupSizeLimit >= COPIED_CENTROIDS.workgroupSize &&
    limits.maxComputeWorkgroupStorageSize >= COPIED_CENTROIDS.storageBytes
  );
}

export function createLayerExecutor(
  device: GPUDevice,
  layer: LutLayerDescriptor,
  buffers: LayerGpuBuffers,
  options: LayerExecutorOptions = {},
): LayerExecutor {
  const label = options.label ?? defaultLabel(layer);
  checkShape(layer);
  const variantOption = options.variant ?? 'auto';
  if (variantOption !== 'auto' && !PQ_VARIANTS.includes(variantOption)) {
    throw new KernelInputError(
      `variant must be 'auto' or one of ${PQ_VARIANTS.join(', ')}, got ${JSON.stringify(variantOption)}`,
    );
  }
  const { limits } = device;
  const workgroupSizeLimit = workgroupInvocationsLimit(limits);
  const table8 = resolveTable8(layer, options, workgroupSizeLimit, limits);
  const copiedCentroids = takesCopiedCentroids(layer, options, workgroupSizeLimit, limits);
  const workgroupSize = checkLimit(
    options.workgroupSize ??
      (copiedCentroids
        ? COPIED_CENTROIDS.workgroupSize
        : Math.min(
            layer.method === 'pq' || layer.method === 'rq'
              ? DEFAULT_LUT_WORKGROUP_SIZE
              : DEFAULT_WORKGROUP_SIZE,
            workgroupSizeLimit,
          )),
    workgroupSizeLimit,
    'maxComputeInvocationsPerWorkgroup',
    'workgroupSize',
  );
  const maxBindingBytes = checkLimit(
    options.maxBindingBytes,
    limits.maxStorageBufferBindingSize,
    'maxStorageBufferBindingSize',
    'maxBindingBytes',
  );
  const workgroupStorageBytes = checkLimit(
    options.maxWorkgroupStorageBytes ??
      (copiedCentroids
        ? COPIED_CENTROIDS.storageBytes
        : Math.min(DEFAULT_WORKGROUP_STORAGE_BYTES, limits.maxComputeWorkgroupStorageSize)),
    limits.maxComputeWorkgroupStorageSize,
    'maxComputeWorkgroupStorageSize',
    'maxWorkgroupStorageBytes',
  );
  if (options.targetWorkgroups !== undefined) checkInteger('targetWorkgroups', options.targetWorkgroups, 1);
  const wordsInFlight = checkCountOption('wordsInFlight', options.wordsInFlight, MAX_WORDS_IN_FLIGHT);
  const centroidCopies = checkChoiceOption(
    'centroidCopies',
    options.centroidCopies,
    CENTROID_COPY_COUNTS,
    copiedCentroids ? COPIED_CENTROIDS.copies : 1,
  );
  const rowsPerInvocation = checkCountOption(
    'rowsPerInvocation',
    options.rowsPerInvocation,
    MAX_ROWS_PER_INVOCATION,
  );
  // tableBits 8 checked its own batch tiles (TABLE8_BATCH_TILES).
  const batchTile = table8 ? undefined : checkCountOption('batchTile', options.batchTile, GATHER_BATCH_TILE);
  const ablation = checkChoiceOption('ablation', options.ablation, GATHER_ABLATIONS, 'none');
  const vectorTableBuild = checkSwitchOption('vectorTableBuild', options.vectorTableBuild, true);
  const constantTableOffsets = checkSwitchOption('constantTableOffsets', options.constantTableOffsets, true);
  const pairCodes = checkSwitchOption('pairCodes', options.pairCodes, true);
  const nibbleTables = checkSwitchOption('nibbleTables', options.nibbleTables, true);
  const specializedParams = checkSwitchOption('specializedParams', options.specializedParams, true);
  const groupBatchTiles = checkSwitchOption('groupBatchTiles', options.groupBatchTiles, GROUP_BATCH_TILES);
  const binaryByteTables = checkAutoSwitchOption('binaryByteTables', options.binaryByteTables);
  // Checked with the other options, before any GPU object exists: a bad value then leaks nothing.
  const shortRowGroupTiles =
    checkSwitchOption('shortRowGroupTiles', options.shortRowGroupTiles, true) &&
    options.maxWorkgroupStorageBytes === undefined;
  const codeDecode = checkChoiceOption('codeDecode', options.codeDecode, CODE_DECODES, 'auto');
  const wideGather = resolveWideGather(options, workgroupSizeLimit, limits.maxComputeWorkgroupStorageSize);
  const decodeLaunch: DecodeLaunch = {
    workgroupSize: options.workgroupSize ?? Math.min(DECODE_LAUNCH.workgroupSize, workgroupSizeLimit),
    rowsPerInvocation: rowsPerInvocation ?? DECODE_LAUNCH.rowsPerInvocation,
    tileFloatsLimit: Math.floor(
      (options.maxWorkgroupStorageBytes ??
        Math.min(DECODE_LAUNCH.tileFloatsLimit * FLOAT_BYTES, limits.maxComputeWorkgroupStorageSize)) /
        FLOAT_BYTES,
    ),
    targetWorkgroups: options.targetWorkgroups ?? DECODE_TARGET_WORKGROUPS,
  };
  const { rows, cols } = layer;
  if (buffers.bias) requireBuffer(label, 'bias', buffers.bias, rows * FLOAT_BYTES, `rows ${rows} × 4`);

  const owned: GPUBuffer[] = [];
  const bias =
    buffers.bias ??
    device.createBuffer({
      label: `${label}/no-bias`,
      size: PLACEHOLDER_BYTES,
      usage: GPUBufferUsage.STORAGE,
    });
  if (!buffers.bias) owned.push(bias);
  const context: ProgramContext = {
    device,
    label,
    rows,
    cols,
    workgroupSize,
    targetWorkgroups: options.targetWorkgroups,
    wordsInFlight,
    centroidCopies,
    rowsPerInvocation,
    batchTile,
    vectorTableBuild,
    constantTableOffsets,
    codeDecode,
    pairCodes,
    nibbleTables,
    specializedParams,
    groupBatchTiles,
    ablation,
    maxBindingBytes,
    tileFloatsLimit: Math.floor(workgroupStorageBytes / FLOAT_BYTES),
    wideGather,
    decodeLaunch,
    shortRowGroupTiles,
    binaryByteTables,
    offsetAlignment: limits.minStorageBufferOffsetAlignment,
    bias,
    biasBytes: buffers.bias ? rows * FLOAT_BYTES : PLACEHOLDER_BYTES,
    hasBias: buffers.bias !== null,
    relu: layer.activation === 'relu',
    table8,
    groupedTables:
      buffers.groupedCodes && buffers.groupedCodebook
        ? groupedTablesLaunch(device, layer, options, buffers.codebookDtype ?? 'float32')
        : null,
  };
  let program: LayerProgram;
  try {
    program = createProgram(context, layer, buffers, variantOption);
  } catch (error) {
    for (const buffer of owned) buffer.destroy();
    throw error;
  }
  const plans = new Map<number, BatchPlan>();
  // Per dispatch and (input, output) pair: a classifier's steady state and the benchmark's rotated sets call with
  // the same few buffers (gpu/bind-group-cache.ts).
  const bindGroups = new BindGroupCache();
  let destroyed = false;

  function bindGroupFor(dispatch: PlannedDispatch, input: GPUBuffer, output: GPUBuffer): GPUBindGroup {
    return bindGroups.get([dispatch, input, output], '', () =>
      device.createBindGroup({
        label: dispatch.label,
        layout: dispatch.pipeline.getBindGroupLayout(0),
        entries: dispatch.entries(input, output),
      }),
    );
  }

  function planFor(batch: number): BatchPlan {
    let plan = plans.get(batch);
    if (!plan) {
      plan = program.createPlan(batch);
      plans.set(batch, plan);
    }
    return plan;
  }

  return {
    variant: program.variantAt(1),
    variantAt: (batch) => program.variantAt(batch),
    rows,
    cols,
    encode(encoder, input, output, batch, timer) {
      if (destroyed) throw new KernelInputError(`${label}: encode() after destroy()`);
      checkInteger('batch', batch, 1);
      checkIo(label, 'input', input, batch, cols, 'cols');
      checkIo(label, 'output', output, batch, rows, 'rows');
      if (input === output)
        throw new KernelInputError(`${label}: input and output must be different buffers`);
      const advice = 'run the batch in smaller parts';
      for (const [what, bytes] of [
        ['the input', batch * cols * FLOAT_BYTES],
        ['the output', batch * rows * FLOAT_BYTES],
      ] as const) {
        if (bytes > maxBindingBytes) {
          throw new GpuLimitError(
            `${label}: ${what} for batch ${batch} needs a ${bytes}-byte binding, above maxStorageBufferBindingSize ${maxBindingBytes}; ${advice}`,
            'maxStorageBufferBindingSize',
            bytes,
            maxBindingBytes,
          );
        }
      }
      const plan = planFor(batch);
      let pass: GPUComputePassEncoder | null = null;
      for (const dispatch of plan.dispatches) {
        if (timer) {
          pass?.end();
          pass = encoder.beginComputePass({
            label: dispatch.label,
            timestampWrites: timer.passTimestamps(dispatch.stage, dispatch.label),
          });
        }
        pass ??= encoder.beginComputePass({ label: `${label}[batch ${batch}]` });
        pass.setPipeline(dispatch.pipeline);
        pass.setBindGroup(0, bindGroupFor(dispatch, input, output));
        pass.dispatchWorkgroups(dispatch.workgroups.x, dispatch.workgroups.y, dispatch.workgroups.z);
      }
      pass?.end();
    },
    scratchBytes(batch) {
      checkInteger('batch', batch, 1);
      return program.scratchBytes(batch);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const plan of plans.values()) for (const buffer of plan.buffers) buffer.destroy();
      plans.clear();
      for (const buffer of owned) buffer.destroy();
    },
  };
}
