/**
 * pqweb's contenders for one layer shape: PQ layers (every LUT variant), scalar k-means layers, a binary layer
 * and the dense fp32 kernel, each on seeded random weights uploaded in as many copies as weightCopies() asks for, with a
 * CPU twin (packages/runtime/src/cpu) as the reference on a sample of rows.
 */
import { float32ToFloat16, roundToFloat16 } from '../../packages/format/src/float16';
import { bitsForK, codePacking } from '../../packages/format/src/packing';
import type { QuantizedForward } from '../../packages/runtime/src/cpu';
import { denseForward } from '../../packages/runtime/src/cpu/dense';
import { pqForward } from '../../packages/runtime/src/cpu/lut';
import { lut8Forward } from '../../packages/runtime/src/cpu/lut8';
import { binaryForward, kmeansForward } from '../../packages/runtime/src/cpu/scalar';
import {
  type DispatchTimer,
  GATHER_ABLATIONS,
  type GatherAblation,
} from '../../packages/runtime/src/kernels';
import { interleaveCodeRows } from '../../packages/runtime/src/kernels/code-layout';
import { float16CodebookWords } from '../../packages/runtime/src/kernels/codebook-dtype';
import {
  createDenseKernel,
  DENSE_BATCH_TILE,
  type DenseKernel,
  type DenseKernelOptions,
} from '../../packages/runtime/src/kernels/dense';
import {
  createLayerExecutor,
  groupedFloatTablesLayout,
  type LayerExecutor,
  type LayerExecutorOptions,
  type LayerGpuBuffers,
  type LutLayerDescriptor,
  table8CodeLayout,
} from '../../packages/runtime/src/kernels/executor';
import {
  canDecode,
  DECODE_LAUNCH,
  type LutVariant,
  PQ_VARIANTS,
  type PqVariant,
} from '../../packages/runtime/src/kernels/plan';
import {
  groupTableCodebook,
  groupTableCodes,
  type TableCodeLayout,
} from '../../packages/runtime/src/kernels/table8-layout';
import { binaryWeightBytes, denseWeightBytes, kmeansWeightBytes, pqWeightBytes } from './bytes';
import { pickRows } from './check';
import { KMEANS_CONFIGS, type LayerShape, PQ_CONFIGS, weightCopies } from './grid';
import { OptionsError } from './options';
import { SeededRandom, seedFor } from './random';
import type { ContenderSpec } from './results';

const BITS_PER_WORD = 32;

/**
 * What a PQ row running 'auto' runs at a batch: a PQ variant, or the grouped float32 tables where plan.ts's rule names
 * them.
 */
type AutoPqVariant = PqVariant | 'grouped-float32';
const AUTO_PQ_VARIANTS: readonly AutoPqVariant[] = [...PQ_VARIANTS, 'grouped-float32'];

/** One pqweb kernel configuration on one shape, ready to encode runs. */
export interface PqwebContender {
  readonly id: string;
  readonly spec: ContenderSpec;
  readonly copies: number;
  /** Contenders with the same key compute the same function (the LUT variants of one PQ layer). */
  readonly referenceKey: string;
  /**
   * Records y = W x + b for `batch` inputs using weight copy `copy`; with `timer`, each dispatch in a timed pass
   * of its own (quantized layers only: the dense kernel has one dispatch and ignores it).
   */
  encode(
    encoder: GPUCommandEncoder,
    copy: number,
    input: GPUBuffer,
    output: GPUBuffer,
    batch: number,
    timer?: DispatchTimer,
  ): void;
  /** CPU reference on rows `rows`: [batch][rows.length]. */
  reference(x: Float32Array, batch: number, rows: readonly number[]): Float32Array;
  /** Whether the contender is what 'auto' runs at `batch` (spec.isAuto is batch 1's); spec.isAuto when absent. */
  readonly isAutoAt?: (batch: number) => boolean;
  /** For a row that runs 'auto' itself: the variant it runs at `batch` (spec.variant is batch 1's). */
  readonly variantAt?: (batch: number) => AutoPqVariant;
  /** Smallest batch the contender is timed at (a tuning that changes nothing below it); 1 when absent. */
  readonly minBatch?: number;
  /** Largest batch the contender is timed at (a tuning that changes nothing above it); none when absent. */
  readonly maxBatch?: number;
  /** Set on ablation rows: why the contender is timed without a correctness check (KernelResult.unchecked). */
  readonly unchecked?: string;
}

/**
 * The contenders timed at `batch`: tunings that only change something at larger batches (`minBatch`) or smaller
 * ones (`maxBatch`) are left out, in order (the benchmark's entries line up with this list).
 */
export function contendersAtBatch<T extends Pick<PqwebContender, 'minBatch' | 'maxBatch'>>(
  contenders: readonly T[],
  batch: number,
): T[] {
  return contenders.filter(
    (contender) =>
      (contender.minBatch ?? 1) <= batch && batch <= (contender.maxBatch ?? Number.POSITIVE_INFINITY),
  );
}

/** A contender that could not be built (e.g. a variant the device's limits refuse), with the reason. */
export interface FailedContender {
  id: string;
  spec: ContenderSpec;
  reason: string;
}

export interface PqwebLayerSet {
  contenders: PqwebContender[];
  failed: FailedContender[];
  /** The fp32 weights [rows][cols] (reused by the ORT MatMul graph, read as [cols][rows]). */
  denseWeights: Float32Array;
  destroy(): void;
}

/** A storage buffer holding `data`. */
export function upload(
  device: GPUDevice,
  label: string,
  data: Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>,
): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: data.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/**
 * A random PQ layer of `rows` × `cols` with sub-vectors of `d` and `k` centroids: its descriptor, its codes (row
 * major, and in the GPU layout of kernels/code-layout.ts), codebook and bias.
 */
export function randomPqLayer(
  random: SeededRandom,
  name: string,
  rows: number,
  cols: number,
  d: number,
  k: number,
): {
  layer: Extract<LutLayerDescriptor, { method: 'pq' }>;
  words: Uint32Array<ArrayBuffer>;
  gpuWords: Uint32Array<ArrayBuffer>;
  codebook: Float32Array<ArrayBuffer>;
  bias: Float32Array<ArrayBuffer>;
} {
  const segments = Math.ceil(cols / d);
  const { words, packing } = randomPackedCodes(random, rows, segments, k);
  const codebook = random.floats(segments * k * d);
  const bias = random.floats(rows);
  const layer: LutLayerDescriptor = {
    method: 'pq',
    name,
    rows,
    cols,
    d,
    k,
    segments,
    packing,
    activation: 'none',
  };
  return { layer, words, gpuWords: interleaveCodeRows(words, rows, packing.wordsPerRow), codebook, bias };
}

/**
 * Random packed codes: every code a uniform draw in [0, k) (k = 2^bits, so every bit pattern is a valid code),
 * with the unused high bits of each row's last word zero, as packCodes leaves them.
 */
export function randomPackedCodes(
  random: SeededRandom,
  rows: number,
  codesPerRow: number,
  k: number,
): { words: Uint32Array<ArrayBuffer>; packing: ReturnType<typeof codePacking> } {
  const bits = bitsForK(k);
  if (2 ** bits !== k) throw new RangeError(`randomPackedCodes: k must be a power of two, got ${k}`);
  const packing = codePacking(codesPerRow, bits);
  const words = random.words(rows * packing.wordsPerRow);
  const usedBits = (codesPerRow * bits) % BITS_PER_WORD;
  if (usedBits !== 0) {
    const mask = (2 ** usedBits - 1) >>> 0;
    for (let row = 0; row < rows; row++) {
      const last = (row + 1) * packing.wordsPerRow - 1;
      words[last] = (words[last] & mask) >>> 0;
    }
  }
  return { words, packing };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function pqContenderId(d: number, k: number, variant: string): string {
  return `pqweb PQ d=${d} k=${k} ${variant}`;
}

/**
 * Tunings the tiled LUT variants are also timed with, beside the executor's defaults: 256-invocation workgroups
 * (the default before DEFAULT_LUT_WORKGROUP_SIZE became 512; its reduce pass also runs 256 invocations instead of
 * 512), for the banked variants 512 and 1024 target workgroups (plan.ts BANKED_TARGET_WORKGROUPS is 256), at
 * batches above 1 the batch tiles the variant does not take by default (1 and 2 for the tiled variants, whose
 * default is GATHER_BATCH_TILE = 4; 1 and 4 for the banked ones, whose default is BANKED_BATCH_TILE = 2), and
 * 'fused-banked' with its scalar table build, and the banked variants with a 32 KiB tile (32-segment groups for
 * k = 256: no bank conflicts, half the partial sums; slower in steps 8 and 16). The report shows them as extra
 * rows; the goals use the defaults. Earlier runs also tried 1 and 8 code words in flight, 1 and 4 rows per
 * invocation (again in step 16), 16, 32 and 48 KiB tiles (32 KiB also at batch 8), 2048 workgroups, 128- and
 * 1024-invocation workgroups (docs/kernel-attempts.md, with each run's JSON).
 */
export interface LutTuning {
  /** Appended to the contender id; '' for the defaults. */
  label: string;
  options: LayerExecutorOptions;
  /** The variants the tuning applies to (all tiled ones when absent). */
  variants?: readonly PqVariant[];
  /** Smallest batch where the tuning differs from the defaults (batch tiles); 1 when absent. */
  minBatch?: number;
  /** Largest batch where the tuning differs from the defaults; none when absent. */
  maxBatch?: number;
  /** Ablation rows: timed without a correctness check, for this reason. */
  unchecked?: string;
}
const LUT_TUNINGS: readonly LutTuning[] = [
  { label: '', options: {} },
  { label: ' wg 256', options: { workgroupSize: 256 } },
  {
    label: ' 1 row per invocation',
    options: { rowsPerInvocation: 1 },
    variants: ['lut-banked', 'fused-banked'],
  },
  {
    label: ' 2 rows per invocation',
    options: { rowsPerInvocation: 2 },
    variants: ['lut-banked', 'fused-banked'],
  },
  {
    label: ' 4 rows per invocation',
    options: { rowsPerInvocation: 4 },
    variants: ['lut-banked', 'fused-banked'],
  },
  { label: ' target 64 wg', options: { targetWorkgroups: 64 }, variants: ['lut-banked', 'fused-banked'] },
  { label: ' target 128 wg', options: { targetWorkgroups: 128 }, variants: ['lut-banked', 'fused-banked'] },
  { label: ' target 512 wg', options: { targetWorkgroups: 512 }, variants: ['lut-banked', 'fused-banked'] },
  { label: ' target 1024 wg', options: { targetWorkgroups: 1024 }, variants: ['lut-banked', 'fused-banked'] },
  // Half the default tile: twice the chunks (workgroups) and half the table per workgroup, for layers whose grid
  // is small (4096² at batch 1 runs 128 workgroups of 512 invocations).
  {
    label: ' 8 KiB tile',
    options: { maxWorkgroupStorageBytes: 8 * 1024 },
    variants: ['lut-banked', 'fused-banked'],
  },
  {
    label: ' 4 KiB tile',
    options: { maxWorkgroupStorageBytes: 4 * 1024 },
    variants: ['lut-banked', 'fused-banked'],
  },
  // The 16 KiB default tile where step 36's rule takes a smaller one for short row groups at batch 1 (plan.ts
  // shortRowGroupTileBytes), to compare.
  {
    label: ' default tile',
    options: { shortRowGroupTiles: false },
    variants: ['lut-banked', 'fused-banked'],
    maxBatch: 1,
  },
  {
    label: ' 8 KiB tile wg 256',
    options: { maxWorkgroupStorageBytes: 8 * 1024, workgroupSize: 256 },
    variants: ['lut-banked', 'fused-banked'],
  },
  {
    label: ' 32 KiB tile',
    options: { maxWorkgroupStorageBytes: 32 * 1024 },
    variants: ['lut-banked', 'fused-banked'],
  },
  // One workgroup of 32 warps per SM: the NVIDIA Vulkan driver keeps one 32 KiB workgroup per SM
  // (docs/kernel-attempts.md, step 31), so the 32 KiB tile gets the warps of two 512-invocation workgroups this way,
  // with one wave of workgroups at 16384².
  {
    label: ' 32 KiB tile wg 1024',
    options: { maxWorkgroupStorageBytes: 32 * 1024, workgroupSize: 1024, targetWorkgroups: 128 },
    variants: ['lut-banked', 'fused-banked'],
  },
  // The defaults before step 34 made that launch the rule for batch tiles above 1 on large layers (plan.ts
  // usesWideGather): a 16 KiB tile in 512-invocation workgroups, to compare.
  {
    label: ' narrow launch',
    options: { wideGather: false },
    variants: ['lut-banked', 'fused-banked'],
    minBatch: 2,
  },
  { label: ' batch tile 1', options: { batchTile: 1 }, minBatch: 2 },
  {
    label: ' batch tile 2',
    options: { batchTile: 2 },
    variants: ['lut-tiled-splitk', 'fused'],
    minBatch: 3,
  },
  {
    label: ' batch tile 4',
    options: { batchTile: 4 },
    variants: ['lut-banked', 'fused-banked'],
    minBatch: 3,
  },
  // The layer's parameters read from a uniform, as before step 50 made them pipeline constants.
  { label: ' uniform params', options: { specializedParams: false } },
  // The batch tiles as the grid's fastest index, so that the tiles of one row group and chunk share their code reads
  // through L2 (gather_common.wgsl GROUP_BATCH_TILES, step 73); batches of several tiles only.
  {
    label: ' batch tiles grouped',
    options: { groupBatchTiles: true },
    variants: ['lut-tiled-splitk', 'fused', 'lut-banked', 'fused-banked', 'decoded'],
    minBatch: 2,
  },
  { label: ' scalar table build', options: { vectorTableBuild: false }, variants: ['fused-banked'] },
  { label: ' unpaired codes', options: { pairCodes: false }, variants: ['fused-banked'] },
  // Pair tables (k = 16 at batch 1) computed entry by entry instead of from their halves (pq_gather.wgsl
  // NIBBLE_TABLES, docs/kernel-attempts.md step 43).
  {
    label: ' direct pair tables',
    options: { nibbleTables: false },
    variants: ['fused-banked'],
    maxBatch: 1,
  },
  {
    label: ' per-code shifts',
    options: { codeDecode: 'per-code-shifts' },
    variants: ['lut-banked', 'fused-banked'],
    minBatch: 2,
  },
  {
    label: ' rotated code words',
    options: { codeDecode: 'rotated-words' },
    variants: ['lut-banked', 'fused-banked'],
    maxBatch: 1,
  },
  {
    label: ' runtime table offsets',
    options: { constantTableOffsets: false },
    variants: ['lut-banked', 'fused-banked'],
  },
  // The decoded gather's launch before step 58 (128 invocations × 8 rows, 256 target workgroups: each segment
  // chunk's codebooks staged by twice as many workgroups), and today's workgroups with its 256 target workgroups
  // (twice the split-K slots) (plan.ts DECODE_LAUNCH, docs/kernel-attempts.md step 58).
  // Both launches were measured at batches 8 and 32: timed from batch 2, as they were before the decoded row itself
  // was timed at batch 1 too.
  {
    label: ' decoded wg 128 target 256 wg',
    options: { workgroupSize: 128, targetWorkgroups: 256 },
    variants: ['decoded'],
    minBatch: 2,
  },
  { label: ' decoded target 256 wg', options: { targetWorkgroups: 256 }, variants: ['decoded'], minBatch: 2 },
];

/**
 * The dense kernel's comparison rows, timed from batch 5 where they differ from the default (shaders/
 * dense_gemm_tiled.wgsl): ' 4 inputs per pass' keeps dense_vec4 at every batch (W read once per 4 inputs, as before
 * docs/kernel-attempts.md step 35), the others take dense_vec4_rows (step 35's default, 8 inputs per pass) with 1, 2
 * or 4 rows per workgroup.
 */
const DENSE_TUNINGS: readonly { label: string; options: DenseKernelOptions }[] = [
  { label: ' 4 inputs per pass', options: { batchKernel: 'vec4' } },
  { label: ' 1 row per workgroup', options: { batchKernel: 'rows', rowTile: 1 } },
  { label: ' 2 rows per workgroup', options: { batchKernel: 'rows', rowTile: 2 } },
  { label: ' 4 rows per workgroup', options: { batchKernel: 'rows', rowTile: 4 } },
  // The tiled kernel where 'auto' takes another (smaller layers at smaller batches), then the tiled kernel (default: 16
  // rows × 2 per invocation, 128-column chunks at one input tile and 256 above, 8 inputs, input tiles grouped, rotated
  // walks) with one option changed: every row tile starting at column 0, as before step 65; each input tile's
  // workgroups sweeping all of W in turn, as before step 70; the products added as dot products, as before step 72 (the
  // chained fused multiply-adds of step 71 are the default); each chunk size at every batch (256 before step 69);
  // other row tiles; 16 inputs per workgroup (W read once per 16 inputs instead of 8); one row per invocation in
  // 32-row tiles (the kernel before step 68); four rows per invocation.
  { label: ' tiled kernel', options: { batchKernel: 'tiled' } },
  { label: ' unrotated chunks', options: { batchKernel: 'tiled', rotateChunks: false } },
  { label: ' input tiles apart', options: { batchKernel: 'tiled', groupInputTiles: false } },
  { label: ' dot products', options: { batchKernel: 'tiled', fmaChain: false } },
  { label: ' 512-column chunks', options: { batchKernel: 'tiled', tiledChunkColumns: 512 } },
  { label: ' 256-column chunks', options: { batchKernel: 'tiled', tiledChunkColumns: 256 } },
  { label: ' 128-column chunks', options: { batchKernel: 'tiled', tiledChunkColumns: 128 } },
  { label: ' 32-row tiles', options: { batchKernel: 'tiled', tiledRows: 32 } },
  { label: ' 16-input tiles', options: { batchKernel: 'tiled', tiledInputs: 16 } },
  {
    label: ' 1-row invocations 32-row tiles',
    options: { batchKernel: 'tiled', tiledRowsPerInvocation: 1, tiledRows: 32 },
  },
  { label: ' 4-row invocations', options: { batchKernel: 'tiled', tiledRowsPerInvocation: 4 } },
  // Rows, cols, batch and ReLU read from the uniform, as before the kernels took them as pipeline constants.
  { label: ' uniform params', options: { specializedParams: false } },
];

/**
 * The k-means kernel's comparison rows (shaders/scalar_gather_common.wgsl, kmeans_gather.wgsl): code words in
 * flight other than SCALAR_WORDS_IN_FLIGHT, 512-invocation workgroups (the PQ / RQ default), four times the
 * workgroups, and copies of the centroid table (docs/kernel-attempts.md, step 38).
 */
const KMEANS_TUNINGS: readonly { label: string; options: LayerExecutorOptions }[] = [
  { label: ' 1 word in flight', options: { wordsInFlight: 1 } },
  { label: ' 2 words in flight', options: { wordsInFlight: 2 } },
  { label: ' 4 words in flight', options: { wordsInFlight: 4 } },
  { label: ' 8 words in flight', options: { wordsInFlight: 8 } },
  { label: ' wg 128', options: { workgroupSize: 128 } },
  { label: ' wg 512', options: { workgroupSize: 512 } },
  // Fewer and more workgroups than SCALAR_TARGET_WORKGROUPS (1024); 320 is about what the 16384² layer ran before
  // chunks were cut for workgroups.
  { label: ' target 320 wg', options: { targetWorkgroups: 320 } },
  { label: ' target 2048 wg', options: { targetWorkgroups: 2048 } },
  // Interleaved centroid tables against the 8-bit codes' bank conflicts (kmeans_gather.wgsl CENTROID_COPIES), with
  // the tile grown so that x keeps 8 KiB: 4 KiB of copies in the default tile, 16 KiB (at most two lanes per
  // bank) in 24 KiB, 32 KiB (no conflicts) in 40 KiB, there also with one 1024-invocation workgroup per SM.
  // One copy: on 8-bit layers of 2^27 weights and up, the launch before plan.ts's COPIED_CENTROIDS rule.
  { label: ' 1 centroid copy', options: { centroidCopies: 1 } },
  { label: ' 4 centroid copies', options: { centroidCopies: 4 } },
  { label: ' 16 centroid copies', options: { centroidCopies: 16, maxWorkgroupStorageBytes: 24 * 1024 } },
  { label: ' 32 centroid copies', options: { centroidCopies: 32, maxWorkgroupStorageBytes: 40 * 1024 } },
  {
    label: ' 32 centroid copies wg 512',
    options: { centroidCopies: 32, maxWorkgroupStorageBytes: 40 * 1024, workgroupSize: 512 },
  },
  {
    label: ' 32 centroid copies wg 1024',
    options: { centroidCopies: 32, maxWorkgroupStorageBytes: 40 * 1024, workgroupSize: 1024 },
  },
  {
    label: ' 16 centroid copies wg 512',
    options: { centroidCopies: 16, maxWorkgroupStorageBytes: 20 * 1024, workgroupSize: 512 },
  },
  { label: ' uniform params', options: { specializedParams: false } },
];

/**
 * The binary kernel's comparison rows, each forcing one of its two kernels where the size rule (plan.ts
 * usesBinaryByteTables) picks one: binary_gather.wgsl, which adds each column with its sign, and the sign bits read a
 * byte at a time through sign tables (docs/kernel-attempts.md, step 42).
 */
const BINARY_TUNINGS: readonly { label: string; options: LayerExecutorOptions }[] = [
  { label: ' bit gather', options: { binaryByteTables: false } },
  { label: ' byte tables', options: { binaryByteTables: true } },
  // The byte tables with every entry computed from x instead of from its byte's two nibble halves (step 43).
  { label: ' direct byte tables', options: { binaryByteTables: true, nibbleTables: false } },
  { label: ' uniform params', options: { specializedParams: false } },
];

/**
 * The tuning row of the 8-bit-table kernel on float32 entries at every batch in groups of 16 (executor option
 * groupedFloatTables: true, docs/kernel-attempts.md steps 80–81), on layers where 'auto' does not run it in that
 * layout (groupedFloatTablesSegments).
 */
const GROUPED_FLOAT_TABLES_LABEL = 'grouped float32 tables';

/**
 * The grouped float32 tables at batch 1 with other launches than the 8-bit-table kernel's defaults (128 target
 * workgroups, 1024 invocations): at 4096², d=4 k=256 the 64 slots take two row blocks of 2048 rows, so the target
 * sets how many rows each workgroup's tables serve (docs/kernel-attempts.md step 82). Forced rows at batch 1 (those
 * marked everyBatch at every batch), timed only where `--tunings` names them (not in a run of every tuning row),
 * 'auto' or not.
 */
const GROUPED_FLOAT_TABLES_LAUNCHES: readonly {
  label: string;
  options: LayerExecutorOptions;
  everyBatch?: boolean;
}[] = [
  { label: `${GROUPED_FLOAT_TABLES_LABEL} target 64 wg`, options: { targetWorkgroups: 64 } },
  { label: `${GROUPED_FLOAT_TABLES_LABEL} target 256 wg`, options: { targetWorkgroups: 256 } },
  { label: `${GROUPED_FLOAT_TABLES_LABEL} target 512 wg`, options: { targetWorkgroups: 512 } },
  { label: `${GROUPED_FLOAT_TABLES_LABEL} wg 512`, options: { workgroupSize: 512 } },
  // Two workgroups of 512 per SM instead of one of 1024, each row block half as long, so that one could build its
  // tables while the other streams its codes (step 95: slower at 16384² by 0.6–16.5 µs, even at 4096²).
  {
    label: `${GROUPED_FLOAT_TABLES_LABEL} wg 512 target 256 wg`,
    options: { workgroupSize: 512, targetWorkgroups: 256 },
  },
  // Groups of 32 segments (tableGroupSegments: 32, step 83): a 32 KiB tile at k = 256, half the slots; on copies in
  // the layouts of that group size. At every batch, beside the groups of 16 (step 98 timed both above batch 1).
  {
    label: `${GROUPED_FLOAT_TABLES_LABEL} 32-segment groups`,
    options: { tableGroupSegments: 32 },
    everyBatch: true,
  },
  {
    label: `${GROUPED_FLOAT_TABLES_LABEL} 32-segment groups target 64 wg`,
    options: { tableGroupSegments: 32, targetWorkgroups: 64 },
  },
  {
    label: `${GROUPED_FLOAT_TABLES_LABEL} 32-segment groups target 256 wg`,
    options: { tableGroupSegments: 32, targetWorkgroups: 256 },
  },
  {
    label: `${GROUPED_FLOAT_TABLES_LABEL} 32-segment groups wg 512 target 256 wg`,
    options: { tableGroupSegments: 32, workgroupSize: 512, targetWorkgroups: 256 },
  },
  // The reduce of the 32-segment groups with other splits of each row's slots (16 by default; step 83).
  ...[4, 8, 32].map((reduceSlices) => ({
    label: `${GROUPED_FLOAT_TABLES_LABEL} 32-segment groups reduce ${reduceSlices} slices`,
    options: { tableGroupSegments: 32, reduceSlices } as const,
  })),
  // The reduce on float32 entries as before step 85, in fewer, larger workgroups (16 slices and one row warp now): in
  // groups of 16 8 slices of 4 row warps (32 workgroups at 4096²), in groups of 32 16 slices of 2.
  {
    label: `${GROUPED_FLOAT_TABLES_LABEL} reduce 8 slices 4 row warps`,
    options: { reduceSlices: 8, reduceRowWarps: 4 },
  },
  {
    label: `${GROUPED_FLOAT_TABLES_LABEL} 32-segment groups reduce 2 row warps`,
    options: { tableGroupSegments: 32, reduceRowWarps: 2 },
  },
  // The build's codebook quads (step 85): never kept in registers, or kept at any row steps (d 4, up to 8 a build).
  { label: `${GROUPED_FLOAT_TABLES_LABEL} no cached quads`, options: { cachedQuads: false } },
  { label: `${GROUPED_FLOAT_TABLES_LABEL} cached quads`, options: { cachedQuads: true } },
  {
    label: `${GROUPED_FLOAT_TABLES_LABEL} 32-segment groups no cached quads`,
    options: { tableGroupSegments: 32, cachedQuads: false },
  },
  {
    label: `${GROUPED_FLOAT_TABLES_LABEL} 32-segment groups cached quads`,
    options: { tableGroupSegments: 32, cachedQuads: true },
  },
];

/**
 * The forced grouped-float32 rows `--tunings` names (GROUPED_FLOAT_TABLES_LABEL and GROUPED_FLOAT_TABLES_LAUNCHES),
 * their options with groupedFloatTables true, as bench:kernels times them: for bench:pipelines, which compiles them.
 */
export function namedGroupedRows(
  tuningLabels: readonly string[],
): { label: string; options: LayerExecutorOptions }[] {
  return [{ label: GROUPED_FLOAT_TABLES_LABEL, options: {} }, ...GROUPED_FLOAT_TABLES_LAUNCHES]
    .filter((row) => tuningLabels.includes(row.label))
    .map((row) => ({ label: row.label, options: { groupedFloatTables: true, ...row.options } }));
}

/** A method's rows: the defaults' (label ''), and with `tunings` the tuning rows named (all when none are named). */
function namedTuningRows<Options>(
  list: readonly { label: string; options: Options }[],
  tunings: boolean,
  tuningLabels: readonly string[] | null,
): { label: string; options?: Options }[] {
  const named = list.filter(
    (tuning) => tunings && (tuningLabels === null || tuningLabels.includes(tuning.label.trim())),
  );
  return [{ label: '' }, ...named];
}

/** The dense rows: the default, and with the tunings those named (all when none are named). */
export function denseTuningRows(
  tunings: boolean,
  tuningLabels: readonly string[] | null,
): { label: string; options?: DenseKernelOptions; minBatch?: number }[] {
  // Rows that pick a batch kernel change nothing up to DENSE_BATCH_TILE inputs.
  return namedTuningRows(DENSE_TUNINGS, tunings, tuningLabels).map((row) =>
    row.options?.batchKernel !== undefined ? { ...row, minBatch: DENSE_BATCH_TILE + 1 } : row,
  );
}

/**
 * The labels `--tunings` accepts: the LUT, k-means, binary and dense tuning rows' labels without their leading space.
 */
export const TUNING_LABELS: readonly string[] = [
  ...new Set(
    [...LUT_TUNINGS, ...KMEANS_TUNINGS, ...BINARY_TUNINGS, ...DENSE_TUNINGS]
      .filter((tuning) => tuning.label)
      .map((tuning) => tuning.label.trim()),
  ),
  GROUPED_FLOAT_TABLES_LABEL,
  ...GROUPED_FLOAT_TABLES_LAUNCHES.map((launch) => launch.label),
];

/** Throws an OptionsError naming every label that is not a tuning row's (TUNING_LABELS), and the rows there are. */
export function checkTuningLabels(labels: readonly string[] | null): void {
  const unknown = (labels ?? []).filter((label) => !TUNING_LABELS.includes(label));
  if (unknown.length === 0) return;
  const quoted = (list: readonly string[]) => list.map((label) => JSON.stringify(label)).join(', ');
  throw new OptionsError(
    `--tunings: no tuning row ${quoted(unknown)}; the rows are ${quoted(TUNING_LABELS)}`,
  );
}

/** The tuning rows to time: all, or those `--tunings` named (checked by checkTuningLabels). */
function selectLutTunings(labels: readonly string[] | null): readonly LutTuning[] {
  if (!labels) return LUT_TUNINGS;
  return LUT_TUNINGS.filter((tuning) => !tuning.label || labels.includes(tuning.label.trim()));
}

/**
 * `--ablations`: each tiled gather with one stage left out (LayerExecutorOptions.ablation); the time a row saves
 * against its variant's default row is what that stage costs (docs/kernel-attempts.md, step 16).
 */
const ABLATED_VARIANTS: readonly LutVariant[] = ['lut-tiled-splitk', 'fused', 'lut-banked', 'fused-banked'];

function ablationTuning(ablation: GatherAblation, base: LutTuning | null): LutTuning {
  return {
    label: `${base?.label ?? ''} ablate ${ablation}`,
    options: { ...base?.options, ablation },
    variants: ABLATED_VARIANTS.filter((variant) => !base?.variants || base.variants.includes(variant)),
    minBatch: base?.minBatch,
    maxBatch: base?.maxBatch,
    unchecked: `ablation ${ablation}: computes a wrong result by design`,
  };
}

const ABLATION_TUNINGS: readonly LutTuning[] = GATHER_ABLATIONS.filter((ablation) => ablation !== 'none').map(
  (ablation) => ablationTuning(ablation, null),
);

/**
 * The tuning rows to build. `tunings`: the LUT_TUNINGS rows (the full grid; on SwiftShader's quick grid they would
 * only cost minutes of CPU time and say nothing about a GPU), or only those `tuningLabels` names; otherwise the
 * defaults' row alone. `ablations`: also the ABLATION_TUNINGS rows, and with named tunings each of those rows with
 * everything but its skeleton left out ('no-work'), so the skeleton's time can be read against occupancy and the
 * other knobs (docs/kernel-attempts.md, step 23).
 */
export function lutTuningRows(
  tunings: boolean,
  ablations: boolean,
  tuningLabels: readonly string[] | null,
): readonly LutTuning[] {
  const base = tunings ? selectLutTunings(tuningLabels) : LUT_TUNINGS.slice(0, 1);
  const skeletons =
    ablations && tunings && tuningLabels
      ? base.filter((tuning) => tuning.label).map((tuning) => ablationTuning('no-work', tuning))
      : [];
  return [...base, ...(ablations ? ABLATION_TUNINGS : []), ...skeletons];
}

/**
 * The CPU reference of a PQ, k-means or binary layer (`forward`: pqForward, kmeansForward, binaryForward) on the
 * rows a check picks, no ReLU: the contenders' `reference`. `valuesPerRow`: `values` holds one float per row (the
 * binary scales), picked with the rows.
 */
function referenceOnRows<Shape extends { rows: number; packing: { wordsPerRow: number } }>(
  forward: QuantizedForward<Shape>,
  layer: Shape,
  words: Uint32Array,
  values: Float32Array,
  bias: Float32Array,
  valuesPerRow = false,
): (x: Float32Array, batch: number, checked: readonly number[]) => Float32Array {
  return (x, batch, checked) =>
    forward(
      { ...layer, rows: checked.length },
      pickRows(words, layer.packing.wordsPerRow, checked, (n) => new Uint32Array(n)),
      valuesPerRow ? pickRows(values, 1, checked, (n) => new Float32Array(n)) : values,
      pickRows(bias, 1, checked, (n) => new Float32Array(n)),
      x,
      batch,
      false,
    );
}

/** The batches scanned for where 'auto' runs grouped float32 tables: past the grid's largest (32). */
const GROUPED_BATCH_SCAN = 64;

/**
 * The last batch up to GROUPED_BATCH_SCAN at which 'auto' runs grouped float32 tables, given what it runs at each
 * batch (an executor's `variantAt`); 0 where none.
 */
export function lastGroupedBatch(variantAt: (batch: number) => string): number {
  let last = 0;
  for (let batch = 1; batch <= GROUPED_BATCH_SCAN; batch++) {
    if (variantAt(batch) === 'grouped-float32') last = batch;
  }
  return last;
}

/** The PQ layers of every configuration and variant for `shape`, with the rows lutTuningRows names. */
export function createPqwebLayers(
  device: GPUDevice,
  shape: LayerShape,
  seed: number,
  tunings = true,
  ablations = false,
  tuningLabels: readonly string[] | null = null,
): PqwebLayerSet {
  const lutTunings = lutTuningRows(tunings, ablations, tuningLabels);
  const { rows, cols } = shape;
  const contenders: PqwebContender[] = [];
  const failed: FailedContender[] = [];
  const buffers: GPUBuffer[] = [];
  const executors: LayerExecutor[] = [];
  const keep = (buffer: GPUBuffer): GPUBuffer => {
    buffers.push(buffer);
    return buffer;
  };
  /**
   * The layer's buffers, once per weight copy (codes in the GPU layout); `values` are the codebook (PQ), the
   * centroids (k-means) or the per-row scales (binary).
   */
  const uploadCopies = (
    copies: number,
    name: string,
    gpuWords: Uint32Array<ArrayBuffer>,
    values: Float32Array<ArrayBuffer>,
    bias: Float32Array<ArrayBuffer>,
    valuesRole: 'codebook' | 'scales' = 'codebook',
  ): LayerGpuBuffers[] =>
    Array.from({ length: copies }, (_, c) => ({
      codes: keep(upload(device, `${name}#${c}/codes`, gpuWords)),
      [valuesRole]: keep(upload(device, `${name}#${c}/${valuesRole}`, values)),
      bias: keep(upload(device, `${name}#${c}/bias`, bias)),
    }));
  /** Builds one executor per weight copy; a contender that runs them, or a failure naming why not. */
  const addExecutorContender = (
    contender: Omit<PqwebContender, 'encode'>,
    build: () => LayerExecutor[],
  ): void => {
    let perCopy: LayerExecutor[];
    try {
      perCopy = build();
    } catch (error) {
      failed.push({ id: contender.id, spec: contender.spec, reason: errorMessage(error) });
      return;
    }
    executors.push(...perCopy);
    contenders.push({
      ...contender,
      encode(encoder, copy, input, output, batch, timer) {
        perCopy[copy % contender.copies].encode(encoder, input, output, batch, timer);
      },
    });
  };

  /**
   * A PQ row that runs `variant` with `tuning`'s options on each weight copy in `gpu`. Its batch range and whether it
   * is checked come from the tuning here, in one place for the float32 rows and the float16-codebook ones.
   */
  const addPqTuningContender = (
    contender: Pick<PqwebContender, 'id' | 'spec' | 'copies' | 'referenceKey' | 'reference' | 'isAutoAt'>,
    tuning: LutTuning,
    layer: LutLayerDescriptor,
    gpu: readonly LayerGpuBuffers[],
    variant: PqVariant,
    labelPrefix: string,
  ): void =>
    addExecutorContender(
      { ...contender, minBatch: tuning.minBatch, maxBatch: tuning.maxBatch, unchecked: tuning.unchecked },
      () =>
        gpu.map((buffersOfCopy, c) =>
          createLayerExecutor(device, layer, buffersOfCopy, {
            variant,
            label: `${labelPrefix}#${c}/${variant}${tuning.label}`,
            ...tuning.options,
          }),
        ),
    );

  /**
   * The PQ layer again with float16 codebooks kept as float16 on the GPU (LayerGpuBuffers.codebookDtype), as a .pqw
   * with float16 codebooks runs: the same codes, the codebook rounded to float16 (the reference uses the rounded
   * values), one row running 'auto' (its variant per batch in the results). Its own weight copies: fewer bytes each,
   * with, as the GPU head uploads them, the grouped copies in float16 where 'auto' runs batch 1 on grouped float32
   * tables (groupedFloatTablesLayout with 'float16').
   */
  const addFloat16CodebookContender = (
    name: string,
    layer: Extract<LutLayerDescriptor, { method: 'pq' }>,
    words: Uint32Array<ArrayBuffer>,
    gpuWords: Uint32Array<ArrayBuffer>,
    groupedCodesIn: (layout: TableCodeLayout) => Uint32Array<ArrayBuffer>,
    codebook: Float32Array<ArrayBuffer>,
    bias: Float32Array<ArrayBuffer>,
    decodable: boolean,
  ): void => {
    const { d, k } = layer;
    const rounded = new Float32Array(roundToFloat16(codebook));
    const halves = float32ToFloat16(rounded);
    const halfWords = float16CodebookWords(halves);
    const reference = referenceOnRows(pqForward, layer, words, rounded, bias);
    const copies = weightCopies(pqWeightBytes(shape, d, k, 'float16'));
    const layout = groupedFloatTablesLayout(device, layer, {}, 'float16');
    const grouped =
      layout === null
        ? null
        : {
            codes: groupedCodesIn(layout),
            halfWords: float16CodebookWords(
              groupTableCodebook(halves, { ...layer, stages: 1 }, layout.groupSegments),
            ),
          };
    const gpu: LayerGpuBuffers[] = Array.from({ length: copies }, (_, c) => ({
      codes: keep(upload(device, `${name}/float16#${c}/codes`, gpuWords)),
      codebook: keep(upload(device, `${name}/float16#${c}/codebook`, halfWords)),
      codebookDtype: 'float16',
      bias: keep(upload(device, `${name}/float16#${c}/bias`, bias)),
      ...(grouped
        ? {
            groupedCodes: keep(upload(device, `${name}/float16#${c}/grouped-codes`, grouped.codes)),
            groupedCodebook: keep(upload(device, `${name}/float16#${c}/grouped-codebook`, grouped.halfWords)),
          }
        : {}),
    }));
    let perCopy: LayerExecutor[] = [];
    const variantAt = (batch: number): AutoPqVariant => {
      const ran = perCopy[0]?.variantAt(batch);
      const variant = AUTO_PQ_VARIANTS.find((candidate) => candidate === ran);
      if (!variant) throw new Error(`${name}/float16: 'auto' ran ${ran}, not a PQ variant`);
      return variant;
    };
    addExecutorContender(
      {
        id: pqContenderId(d, k, 'float16 codebooks'),
        // variant: batch 1's, replaced per batch by variantAt once the executors exist.
        spec: {
          engine: 'pqweb',
          method: 'pq',
          d,
          k,
          variant: 'fused-banked',
          isAuto: true,
          codebookDtype: 'float16',
        },
        copies,
        referenceKey: `${name}/float16`,
        reference,
        variantAt,
      },
      () => {
        perCopy = gpu.map((buffersOfCopy, c) =>
          createLayerExecutor(device, layer, buffersOfCopy, { label: `${name}/float16#${c}` }),
        );
        return perCopy;
      },
    );
    // The tunings that name the decoded gather, on it (not 'auto'), where the layer can run decoded.
    if (!decodable) return;
    for (const tuning of lutTunings) {
      if (!tuning.label || !tuning.variants?.includes('decoded')) continue;
      addPqTuningContender(
        {
          id: `${pqContenderId(d, k, 'float16 codebooks decoded')}${tuning.label}`,
          spec: {
            engine: 'pqweb',
            method: 'pq',
            d,
            k,
            variant: 'decoded',
            isAuto: false,
            codebookDtype: 'float16',
            tuning: tuning.options,
          },
          copies,
          referenceKey: `${name}/float16`,
          reference,
        },
        tuning,
        layer,
        gpu,
        'decoded',
        `${name}/float16`,
      );
    }
  };

  /**
   * The PQ layer on 8-bit lookup tables (executor option tableBits: 8, an opt-in accuracy level): the same codes in
   * the 8-bit-table layout, checked against its own CPU twin lut8Forward (the float32-table reference differs from it
   * by up to half a table step per segment). It runs on `copiesIn`'s weight copies in the layout table8CodeLayout
   * gives, which the grouped float32 rows in the same layout share, as many as the float32 rows'.
   */
  const addTable8Contender = (
    name: string,
    layer: Extract<LutLayerDescriptor, { method: 'pq' }>,
    copies: number,
    copiesIn: (layout: TableCodeLayout) => readonly LayerGpuBuffers[],
    words: Uint32Array<ArrayBuffer>,
    codebook: Float32Array<ArrayBuffer>,
    bias: Float32Array<ArrayBuffer>,
  ): void => {
    const { d, k } = layer;
    const shape8 = { ...layer, stages: 1 };
    addExecutorContender(
      {
        id: pqContenderId(d, k, '8-bit tables'),
        spec: { engine: 'pqweb', method: 'pq', d, k, variant: 'table8', isAuto: false, tableBits: 8 },
        copies,
        referenceKey: `${name}/table8`,
        reference: referenceOnRows(lut8Forward, shape8, words, codebook, bias),
      },
      () => {
        const options = { tableBits: 8 } as const;
        return copiesIn(table8CodeLayout(device, layer, options)).map((buffersOfCopy, c) =>
          createLayerExecutor(device, layer, buffersOfCopy, { label: `${name}/table8#${c}`, ...options }),
        );
      },
    );
  };

  /**
   * 'auto' where it runs grouped float32 tables (variant 'grouped-float32', groupedFloatTablesLayout): `withGrouped(c)`
   * gives copy c's packed codes with its grouped copies beside them. Up to `maxBatch`, the last batch 'auto' runs them
   * at (batch 1 for 8-bit codes, up to 8 for 4-bit ones: plan.ts usesGroupedFloatTables; above it 'auto' runs the
   * other rows' kernels), checked against the exact reference of the float32 rows.
   */
  const addAutoGroupedContender = (
    name: string,
    layer: Extract<LutLayerDescriptor, { method: 'pq' }>,
    copies: number,
    withGrouped: (copy: number) => LayerGpuBuffers,
    probe: LayerExecutor,
    reference: PqwebContender['reference'],
    maxBatch: number,
  ): void => {
    const { d, k } = layer;
    addExecutorContender(
      {
        copies,
        referenceKey: name,
        reference,
        id: pqContenderId(d, k, 'grouped-float32'),
        spec: { engine: 'pqweb', method: 'pq', d, k, variant: 'grouped-float32', isAuto: true },
        maxBatch,
        isAutoAt: (batch) => probe.variantAt(batch) === 'grouped-float32',
      },
      () =>
        Array.from({ length: copies }, (_, c) =>
          createLayerExecutor(device, layer, withGrouped(c), { label: `${name}/grouped-auto#${c}` }),
        ),
    );
  };

  /**
   * A forced grouped-float32 row (groupedFloatTables: true and `tuning`) on `copiesIn`'s grouped copies in the layout
   * table8CodeLayout gives for its options, at the batches `batches` bounds: the tuning row GROUPED_FLOAT_TABLES_LABEL
   * at every batch (or from `minBatch`, past the batches 'auto' runs it in the same layout), or one of
   * GROUPED_FLOAT_TABLES_LAUNCHES at batch 1 (`maxBatch` 1) or, marked everyBatch, at every batch.
   */
  const addForcedGroupedContender = (
    name: string,
    layer: Extract<LutLayerDescriptor, { method: 'pq' }>,
    copies: number,
    copiesIn: (layout: TableCodeLayout) => readonly LayerGpuBuffers[],
    reference: PqwebContender['reference'],
    label: string,
    tuning: LayerExecutorOptions,
    batches: { minBatch?: number; maxBatch?: number } = {},
  ): void => {
    const { d, k } = layer;
    const options = { groupedFloatTables: true, ...tuning } as const;
    addExecutorContender(
      {
        copies,
        referenceKey: name,
        reference,
        id: pqContenderId(d, k, label),
        spec: {
          engine: 'pqweb',
          method: 'pq',
          d,
          k,
          variant: 'grouped-float32',
          isAuto: false,
          tuning: options,
        },
        ...batches,
      },
      () =>
        copiesIn(table8CodeLayout(device, layer, options)).map((buffersOfCopy, c) =>
          createLayerExecutor(device, layer, buffersOfCopy, { label: `${name}/grouped#${c}`, ...options }),
        ),
    );
  };

  const groupedLaunches = GROUPED_FLOAT_TABLES_LAUNCHES.filter(
    (launch) => tunings && tuningLabels?.includes(launch.label),
  );
  for (const { d, k } of PQ_CONFIGS) {
    const name = `${shape.name}/pq-d${d}-k${k}`;
    const { layer, words, gpuWords, codebook, bias } = randomPqLayer(
      new SeededRandom(seedFor(seed, name)),
      name,
      rows,
      cols,
      d,
      k,
    );
    const copies = weightCopies(pqWeightBytes(shape, d, k));
    const gpu = uploadCopies(copies, name, gpuWords, codebook, bias);
    // The codes and codebook again in the 8-bit-table layouts: for the 8-bit-table row, and for 'auto' where it runs
    // batch 1 on grouped float32 tables (groupedFloatTablesLayout) and the grouped tuning rows, each in the layout the
    // executor gives for its options on this device (table8CodeLayout). The codes in each layout are made once, for
    // these rows and the float16-codebook row's grouped copies, and the weight copies in each layout uploaded once.
    const shape8 = { ...layer, stages: 1 };
    const layoutKey = (layout: TableCodeLayout): string => `${layout.groupSegments}/${layout.lanes}`;
    const groupedCodes = new Map<string, Uint32Array<ArrayBuffer>>();
    const groupedCodesIn = (layout: TableCodeLayout): Uint32Array<ArrayBuffer> => {
      let codes = groupedCodes.get(layoutKey(layout));
      if (!codes) {
        codes = groupTableCodes(words, shape8, layout);
        groupedCodes.set(layoutKey(layout), codes);
      }
      return codes;
    };
    const layoutCopies = new Map<string, LayerGpuBuffers[]>();
    const copiesIn = (layout: TableCodeLayout): LayerGpuBuffers[] => {
      const key = layoutKey(layout);
      let buffers = layoutCopies.get(key);
      if (!buffers) {
        buffers = uploadCopies(
          copies,
          `${name}/table-layouts-${layout.groupSegments}-${layout.lanes}`,
          groupedCodesIn(layout),
          groupTableCodebook(codebook, shape8, layout.groupSegments),
          bias,
        );
        layoutCopies.set(key, buffers);
      }
      return buffers;
    };
    const autoLayout = groupedFloatTablesLayout(device, layer);
    const autoLayouts = autoLayout ? copiesIn(autoLayout) : [];
    const groupedNamed =
      tunings && (tuningLabels === null || tuningLabels.includes(GROUPED_FLOAT_TABLES_LABEL));
    const withGrouped = (copy: number): LayerGpuBuffers => {
      const buffers = gpu[copy];
      const grouped = autoLayouts[copy];
      return grouped
        ? { ...buffers, groupedCodes: grouped.codes, groupedCodebook: grouped.codebook }
        : buffers;
    };
    // What 'auto' runs at each batch (the variant can change with the batch): kept until the set is destroyed.
    const probe = createLayerExecutor(device, layer, withGrouped(0), { variant: 'auto' });
    executors.push(probe);
    const reference = referenceOnRows(pqForward, layer, words, codebook, bias);
    const decodable = canDecode(
      { d, k, cols, stages: 1 },
      DECODE_LAUNCH.tileFloatsLimit,
      DECODE_LAUNCH.workgroupSize,
    );
    // Every PQ variant createLayerExecutor offers (the LUT variants, then 'decoded'); 'auto' picks one per batch.
    for (const variant of PQ_VARIANTS) {
      if (variant === 'decoded' && !decodable) continue;
      for (const tuning of lutTunings) {
        // lut-global keeps no tile and one chunk: the tunings would time the same kernel again. The decoded gather
        // takes only the tunings that name it. It is timed at batch 1 too, where each decoded centroid serves one
        // input: there it ran 0.69–1.06× the speed of 'fused-banked' (docs/kernel-attempts.md, step 60), a row that
        // shows why 'auto' keeps batch 1 on the lookups.
        const namesDecoded = tuning.variants?.includes('decoded') ?? false;
        if (tuning.label && (variant === 'lut-global' || (variant === 'decoded' && !namesDecoded))) continue;
        if (tuning.variants && !tuning.variants.includes(variant)) continue;
        const spec: ContenderSpec = {
          engine: 'pqweb',
          method: 'pq',
          d,
          k,
          variant,
          isAuto: !tuning.label && variant === probe.variant,
          tuning: tuning.options,
        };
        const isAutoAt = (batch: number): boolean => !tuning.label && variant === probe.variantAt(batch);
        addPqTuningContender(
          {
            id: `${pqContenderId(d, k, variant)}${tuning.label}`,
            spec,
            copies,
            referenceKey: name,
            reference,
            isAutoAt,
          },
          tuning,
          layer,
          gpu,
          variant,
          name,
        );
      }
    }
    addFloat16CodebookContender(name, layer, words, gpuWords, groupedCodesIn, codebook, bias, decodable);
    addTable8Contender(name, layer, copies, copiesIn, words, codebook, bias);
    const groupedMaxBatch = autoLayout ? lastGroupedBatch((batch) => probe.variantAt(batch)) : 0;
    if (autoLayout)
      addAutoGroupedContender(name, layer, copies, withGrouped, probe, reference, groupedMaxBatch);
    // The tuning row GROUPED_FLOAT_TABLES_LABEL, forced at every batch in groups of 16: where 'auto' runs no grouped
    // tables, or runs them in groups of 32; where it runs them in groups of 16, past the last batch it runs them at.
    // Then the launches `--tunings` names, at batch 1 or (everyBatch) at every batch.
    const forcedRows = [
      ...(groupedNamed
        ? [
            {
              label: GROUPED_FLOAT_TABLES_LABEL,
              options: {},
              batches: { minBatch: autoLayout?.groupSegments === 16 ? groupedMaxBatch + 1 : undefined },
            },
          ]
        : []),
      ...groupedLaunches.map(({ label, options, everyBatch }) => ({
        label,
        options,
        batches: everyBatch ? {} : { maxBatch: 1 },
      })),
    ];
    for (const { label, options, batches } of forcedRows) {
      addForcedGroupedContender(name, layer, copies, copiesIn, reference, label, options, batches);
    }
  }

  const kmeansRows = namedTuningRows(KMEANS_TUNINGS, tunings, tuningLabels);
  for (const { k } of KMEANS_CONFIGS) {
    const name = `${shape.name}/kmeans-k${k}`;
    const random = new SeededRandom(seedFor(seed, name));
    const { words, packing } = randomPackedCodes(random, rows, cols, k);
    const centroids = random.floats(k);
    const bias = random.floats(rows);
    const layer: LutLayerDescriptor = { method: 'kmeans', name, rows, cols, k, packing, activation: 'none' };
    const gpuWords = interleaveCodeRows(words, rows, packing.wordsPerRow);
    const copies = weightCopies(kmeansWeightBytes(shape, k));
    const gpu = uploadCopies(copies, name, gpuWords, centroids, bias);
    const reference = referenceOnRows(kmeansForward, layer, words, centroids, bias);
    for (const { label, options } of kmeansRows) {
      const spec: ContenderSpec = {
        engine: 'pqweb',
        method: 'kmeans',
        k,
        bits: packing.bits,
        ...(options ? { tuning: options } : {}),
      };
      addExecutorContender(
        { id: `pqweb k-means ${packing.bits}-bit${label}`, spec, copies, referenceKey: name, reference },
        () =>
          gpu.map((buffersOfCopy, c) =>
            createLayerExecutor(device, layer, buffersOfCopy, { label: `${name}#${c}${label}`, ...options }),
          ),
      );
    }
  }

  {
    const name = `${shape.name}/binary`;
    const random = new SeededRandom(seedFor(seed, name));
    const { words, packing } = randomPackedCodes(random, rows, cols, 2);
    const scales = random.floats(rows);
    const bias = random.floats(rows);
    const layer: LutLayerDescriptor = { method: 'binary', name, rows, cols, packing, activation: 'none' };
    const gpuWords = interleaveCodeRows(words, rows, packing.wordsPerRow);
    const copies = weightCopies(binaryWeightBytes(shape));
    const gpu = uploadCopies(copies, name, gpuWords, scales, bias, 'scales');
    const reference = referenceOnRows(binaryForward, layer, words, scales, bias, true);
    for (const { label, options } of namedTuningRows(BINARY_TUNINGS, tunings, tuningLabels)) {
      addExecutorContender(
        {
          id: `pqweb binary${label}`,
          spec: { engine: 'pqweb', method: 'binary', ...(options ? { tuning: options } : {}) },
          copies,
          referenceKey: name,
          reference,
        },
        () =>
          gpu.map((buffersOfCopy, c) =>
            createLayerExecutor(device, layer, buffersOfCopy, { label: `${name}#${c}${label}`, ...options }),
          ),
      );
    }
  }

  const denseName = `${shape.name}/dense`;
  const denseRandom = new SeededRandom(seedFor(seed, denseName));
  const denseWeights = denseRandom.floats(rows * cols);
  const denseBias = denseRandom.floats(rows);
  const denseCopies = weightCopies(denseWeightBytes(shape, true));
  const denseSpec: ContenderSpec = { engine: 'pqweb', method: 'dense' };
  const kernels: DenseKernel[] = [];
  try {
    const copies = Array.from({ length: denseCopies }, (_, c) => ({
      weight: keep(upload(device, `${denseName}#${c}/weight`, denseWeights)),
      bias: keep(upload(device, `${denseName}#${c}/bias`, denseBias)),
    }));
    const denseRows = denseTuningRows(tunings, tuningLabels);
    for (const { label, options, minBatch } of denseRows) {
      const denseKernel = createDenseKernel(device, { relu: false, label: denseName, ...options });
      kernels.push(denseKernel);
      contenders.push({
        id: `pqweb dense fp32 ${denseKernel.variant}${label}`,
        spec: options ? { ...denseSpec, ...options } : denseSpec,
        copies: denseCopies,
        referenceKey: denseName,
        minBatch,
        encode(encoder, copy, input, output, batch) {
          denseKernel.encode(
            encoder,
            { ...copies[copy % denseCopies], input, output },
            { rows, cols, batch },
          );
        },
        reference: (x, batch, checked) =>
          denseForward(
            pickRows(denseWeights, cols, checked, (n) => new Float32Array(n)),
            pickRows(denseBias, 1, checked, (n) => new Float32Array(n)),
            x,
            checked.length,
            cols,
            batch,
            false,
          ),
      });
    }
  } catch (error) {
    failed.push({ id: 'pqweb dense fp32', spec: denseSpec, reason: errorMessage(error) });
  }

  return {
    contenders,
    failed,
    denseWeights,
    destroy() {
      for (const executor of executors) executor.destroy();
      for (const denseKernel of kernels) denseKernel.destroy();
      for (const buffer of buffers) buffer.destroy();
    },
  };
}
