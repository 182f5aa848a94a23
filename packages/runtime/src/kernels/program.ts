/**
 * What a layer's kernels need from the executor, and what they give back: a per-batch plan of dispatches
 * (pipelines, grids, bind-group entries) with the scratch and uniform buffers it owns. Shared by the LUT
 * (PQ / RQ) and scalar (k-means, binary) programs.
 */
import type { DispatchSize } from '../gpu/dispatch';
import { GpuLimitError } from '../gpu/errors';
import type { UniformLayout } from '../gpu/uniforms';
import type { CodeDecode, DecodeLaunch, ExecutorVariant, WideGatherMode } from './plan';
import type { Table8Launch } from './table8-program';

export interface ProgramContext {
  device: GPUDevice;
  /** Label prefix for every GPU object the program creates. */
  label: string;
  rows: number;
  cols: number;
  workgroupSize: number;
  /**
   * Workgroups a gather dispatch aims for; undefined: plan.ts's default (BANKED_TARGET_WORKGROUPS for the banked
   * variants, TARGET_WORKGROUPS for the others).
   */
  targetWorkgroups: number | undefined;
  /**
   * Code words a gather invocation loads before decoding (pq_gather.wgsl, scalar_gather_common.wgsl); undefined:
   * plan.ts's rules (wordsInFlightFor, scalarWordsInFlight).
   */
  wordsInFlight: number | undefined;
  /** Interleaved copies of a k-means layer's centroid table (kmeans_gather.wgsl CENTROID_COPIES). */
  centroidCopies: number;
  /** Rows each banked gather invocation sums (pq_gather.wgsl); undefined: plan.ts's bankedRowsPerInvocation. */
  rowsPerInvocation: number | undefined;
  /**
   * Most inputs a PQ / RQ gather workgroup takes at once (≤ GATHER_BATCH_TILE); undefined: plan.ts's default
   * (BANKED_BATCH_TILE for the banked variants, GATHER_BATCH_TILE for the others).
   */
  batchTile: number | undefined;
  /** Whether 'fused-banked' may read codebook and x as 16-byte vectors (lut-program.ts canBuildTableWithVec4). */
  vectorTableBuild: boolean;
  /** Whether the banked gathers' table offsets are pipeline constants (pq_gather.wgsl CONSTANT_TABLE_OFFSETS). */
  constantTableOffsets: boolean;
  /** How the banked gathers decode 8-bit codes (plan.ts CodeDecode, pq_gather.wgsl ROTATED_CODE_WORDS). */
  codeDecode: CodeDecode;
  /** Whether 'fused-banked' reads a k = 16 layer's 4-bit codes in pairs (pq_gather.wgsl PAIRED_CODES). */
  pairCodes: boolean;
  /** Whether 'fused-banked' may build pair and sign tables from half tables (pq_gather.wgsl NIBBLE_TABLES). */
  nibbleTables: boolean;
  /** Whether the PQ / RQ gathers take their GatherParams as pipeline constants (gather_common.wgsl SPECIALIZED_PARAMS). */
  specializedParams: boolean;
  /**
   * Whether a gather's batch tiles are the grid's fastest index, so that the tiles of one row group and chunk run
   * together and share their code reads through L2 (gather_common.wgsl GROUP_BATCH_TILES).
   */
  groupBatchTiles: boolean;
  /** A stage the PQ / RQ gathers leave out, for measuring only (GatherAblation); 'none' in use. */
  ablation: GatherAblation;
  /** Largest storage binding, bytes (device limit, or lower when the caller forces it). */
  maxBindingBytes: number;
  /** Workgroup memory for tiles, in floats. */
  tileFloatsLimit: number;
  /**
   * The decoded gather's launch (shaders/pq_decode.wgsl): plan.ts DECODE_LAUNCH and DECODE_TARGET_WORKGROUPS within
   * the device's limits, or the caller's workgroupSize, rowsPerInvocation, maxWorkgroupStorageBytes and
   * targetWorkgroups where set.
   */
  decodeLaunch: DecodeLaunch;
  /** When the banked gathers take plan.ts's WIDE_GATHER launch (usesWideGather), resolved by the executor. */
  wideGather: WideGatherMode;
  /**
   * Whether banked gathers at a batch tile of 1 may take a smaller tile for short row groups (plan.ts
   * shortRowGroupTileBytes): the executor option `shortRowGroupTiles`, false where the caller set the tile budget.
   */
  shortRowGroupTiles: boolean;
  /** Whether binary layers may run as byte codes through sign tables (the executor option `binaryByteTables`). */
  binaryByteTables: boolean | 'auto';
  /** minStorageBufferOffsetAlignment. */
  offsetAlignment: number;
  /** The layer's bias, or a small placeholder when it has none (`hasBias` false). */
  bias: GPUBuffer;
  biasBytes: number;
  hasBias: boolean;
  relu: boolean;
  /** The 8-bit-table launch where the executor option tableBits is 8 (table8-program.ts), null otherwise. */
  table8: Table8Launch | null;
  /**
   * The launch of 'grouped-float32' for batch 1 under 'auto' where the layer takes it (executor.ts
   * takesGroupedFloatTables) and its grouped codes and codebook were given; null otherwise.
   */
  groupedTables: Table8Launch | null;
}

/**
 * A stage of the PQ / RQ gathers to leave out, to measure what it costs (the kernel benchmark's `--ablations`
 * rows): 'no-code-loads' makes each code word in registers instead of loading it, 'no-lookups' adds each code as a
 * number instead of reading its table entry, 'no-table-build' leaves the workgroup's tile unbuilt (zeros), 'no-work'
 * leaves out all three (what remains is the kernel's skeleton: grid, loops, decode arithmetic, stores).
 * Outputs are wrong by design with anything but 'none'.
 */
export const GATHER_ABLATIONS = ['none', 'no-code-loads', 'no-lookups', 'no-table-build', 'no-work'] as const;
export type GatherAblation = (typeof GATHER_ABLATIONS)[number];

/** What a dispatch does: build a LUT, gather codes into sums, or reduce split-K partial sums. */
export type DispatchStage = 'lut-build' | 'gather' | 'reduce';

export interface PlannedDispatch {
  label: string;
  stage: DispatchStage;
  pipeline: GPUComputePipeline;
  workgroups: DispatchSize;
  /** Bind-group entries for this dispatch given the caller's input (x) and output (y) buffers. */
  entries(input: GPUBuffer, output: GPUBuffer): GPUBindGroupEntry[];
}

export interface BatchPlan {
  dispatches: PlannedDispatch[];
  /** Scratch and uniform buffers the plan owns (destroyed with the executor). */
  buffers: GPUBuffer[];
}

export interface LayerProgram {
  /** The kernel a batch of this size runs (one for every batch but binary layers': executor option binaryByteTables). */
  variantAt(batch: number): ExecutorVariant;
  /** Bytes of scratch (LUT, partial sums) a batch of this size allocates. */
  scratchBytes(batch: number): number;
  createPlan(batch: number): BatchPlan;
}

export const FLOAT_BYTES = 4;
/** Codes are packed in u32 words. */
export const WORD_BYTES = 4;

/** Throws GpuLimitError when a binding of `bytes` exceeds the storage binding limit. */
export function checkBindingSize(context: ProgramContext, what: string, bytes: number, advice: string): void {
  if (bytes > context.maxBindingBytes) {
    throw new GpuLimitError(
      `${context.label}: ${what} needs a ${bytes}-byte storage binding, above maxStorageBufferBindingSize ` +
        `${context.maxBindingBytes}; ${advice}`,
      'maxStorageBufferBindingSize',
      bytes,
      context.maxBindingBytes,
    );
  }
}

/** Throws GpuLimitError when a grid dimension exceeds maxComputeWorkgroupsPerDimension. */
export function checkGrid(context: ProgramContext, workgroups: DispatchSize): void {
  const max = context.device.limits.maxComputeWorkgroupsPerDimension;
  const largest = Math.max(workgroups.x, workgroups.y, workgroups.z);
  if (largest > max) {
    throw new GpuLimitError(
      `${context.label}: a grid of ${workgroups.x}×${workgroups.y}×${workgroups.z} workgroups exceeds ` +
        `maxComputeWorkgroupsPerDimension ${max}; raise maxWorkgroupStorageBytes or split the batch`,
      'maxComputeWorkgroupsPerDimension',
      largest,
      max,
    );
  }
}

export function createUniformBuffer<Field extends string>(
  context: ProgramContext,
  layout: UniformLayout<Field>,
  values: Readonly<Record<Field, number>>,
  label: string,
): GPUBuffer {
  const buffer = context.device.createBuffer({
    label: `${context.label}/${label}`,
    size: layout.byteSize,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  context.device.queue.writeBuffer(buffer, 0, layout.encode(values));
  return buffer;
}

/** A storage buffer the kernels write and read within one pass (never mapped or copied). */
export function createScratchBuffer(context: ProgramContext, bytes: number, label: string): GPUBuffer {
  return context.device.createBuffer({
    label: `${context.label}/${label}`,
    size: Math.max(FLOAT_BYTES, bytes),
    usage: GPUBufferUsage.STORAGE,
  });
}

/** Number of workgroups for `invocations` invocations, at least one. */
export function workgroupsFor(invocations: number, workgroupSize: number): number {
  return Math.max(1, Math.ceil(invocations / workgroupSize));
}
