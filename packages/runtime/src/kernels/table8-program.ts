/**
 * The dispatches of a PQ / RQ layer on 8-bit lookup tables (executor option tableBits: 8, shaders/pq_table8.wgsl;
 * cpu/lut8.ts is the twin): a gather that builds each segment group's tables in workgroup memory and sums every row's
 * entries as integers, then a reduce that applies each group's scale and offset, the bias and the ReLU. An accuracy
 * level, like MatMulNBits' accuracy_level 4: entries are within half a step of their float32 values, so outputs move
 * by about 1% of their RMS on random data (bundled model: top-1 93.81% against 93.83%).
 */
import type { RqShape } from '../cpu/layer-shapes';
import { pairsCodes, TABLE_GROUP_SEGMENTS, tableCodeCount, tableShape } from '../cpu/lut8';
import { GpuLimitError, KernelInputError } from '../gpu/errors';
import { getPipeline } from '../gpu/pipeline-cache';
import { type CodebookBinding, type CodebookDtype, codebookBindingBytes } from './codebook-dtype';
import {
  type BatchPlan,
  checkBindingSize,
  checkGrid,
  createScratchBuffer,
  FLOAT_BYTES,
  type LayerProgram,
  type ProgramContext,
  WORD_BYTES,
} from './program';
import {
  GATHER_TABLE8_KERNEL,
  REDUCE_TABLE8_KERNEL,
  TABLE8_BATCH_TILES,
  TABLE32_KERNELS,
  type Table8BatchTile,
} from './sources';
import {
  type TableCodeLayout,
  type TableGroupSegments,
  table8CodebookValues,
  table8CodeWords,
  table8Slots,
  tableBuildSegments,
  unwrappedLaneOrder,
  wrapEntries,
} from './table8-layout';

/**
 * Invocations per gather workgroup unless the caller says otherwise (capped by the device): one workgroup builds a
 * 16-segment group's tables for every row, and 1024 builds them in 4 entries per invocation (step 75 on the H200;
 * phones and SwiftShader allow 256).
 */
export const TABLE8_WORKGROUP_SIZE = 1024;
/**
 * Gather workgroups aimed for unless the caller sets targetWorkgroups: rows are cut into blocks (each building its
 * own tables) only while slots × batch tiles falls short of this. At 16384² d 4 there are 256 slots: one block.
 */
export const TABLE8_TARGET_WORKGROUPS = 128;
/** Reduce: slots split over this many invocations per row (step 75: 8 beat 4, 16 and 32). */
export const TABLE8_REDUCE_SLICES = 8;
/** Reduce: most groups of 32 rows per workgroup (step 75: 4 beat 1 on the H200), within the device's limits. */
export const TABLE8_REDUCE_ROW_WARPS = 4;
/** Rows of one reduce warp: a reduce workgroup takes reduceSlices × this many invocations per row warp. */
export const TABLE8_REDUCE_WARP_ROWS = 32;
/** The reduce's slices on float32 entries (grouped-float32), in groups of 16 or 32 segments (steps 83, 85). */
export const FLOAT_REDUCE_SLICES = 16;
/**
 * The reduce's most row warps on float32 entries: one group of 32 rows per workgroup, so that a 4096-row layer's
 * reduce runs 128 workgroups, not 32 (step 85).
 */
export const FLOAT_REDUCE_ROW_WARPS = 1;
/** Values executor option reduceRowWarps takes (at most; REDUCE_ROW_WARPS of pq_table8.wgsl). */
export const TABLE8_REDUCE_ROW_WARP_CHOICES: readonly number[] = [1, 2, 4];
/** Values executor option reduceSlices takes (REDUCE_SLICES of pq_table8.wgsl). */
export const TABLE8_REDUCE_SLICE_CHOICES: readonly number[] = [1, 2, 4, 8, 16, 32];

/**
 * The reduce's slices unless the caller sets reduceSlices: TABLE8_REDUCE_SLICES on 8-bit tables, FLOAT_REDUCE_SLICES
 * on float32 entries, whose sums need no scale. In groups of 32 (half the slots) 16 slices keep two loads' batches
 * per invocation and twice the reduce workgroups (16384², d 4: 43.1 against 43.5 µs with 8; 44.4 with 32, 45.5 with
 * 4; step 83); in groups of 16, 16 slices of one row warp took 47.1 against 48.4 µs at 16384², d 4, and 14.4 against
 * 14.7 at 4096² (step 85). Halved until one row warp of them fits the device's invocations.
 */
export function defaultReduceSlices(floatEntries: boolean, invocationsLimit: number): number {
  let slices = floatEntries ? FLOAT_REDUCE_SLICES : TABLE8_REDUCE_SLICES;
  while (slices > 1 && slices * TABLE8_REDUCE_WARP_ROWS > invocationsLimit) slices /= 2;
  return slices;
}
/** `const MAX_KEPT_VALUES` of shaders/pq_table8.wgsl. */
export const TABLE8_MAX_KEPT_VALUES = 32;
/** `const MAX_CACHED_QUADS` of shaders/pq_table8.wgsl: the most codebook quads gather_table32 keeps per invocation. */
export const TABLE32_MAX_CACHED_QUADS = 8;
/**
 * The most cached quads of gather_table8, whose cached quads imply its kept values: TABLE8_MAX_KEPT_VALUES over its
 * widest batch tile of 8 inputs.
 */
export const TABLE8_MAX_CACHED_QUADS = 4;
const [SINGLE_TILE, NARROW_TILE, WIDE_TILE] = TABLE8_BATCH_TILES;
/** Values in a codebook quad (codebook_quad). */
const QUAD_VALUES = 4;

/** What the executor resolved for the 8-bit-table kernels from its options and the device. */
export interface Table8Launch {
  workgroupSize: number;
  /** Workgroup memory the gather and reduce may take, bytes. */
  storageBytes: number;
  /** Inputs per batch tile; undefined: the widest whose gather fits `storageBytes`. */
  batchTile: Table8BatchTile | undefined;
  targetWorkgroups: number;
  /** The device's maxComputeInvocationsPerWorkgroup (the reduce's ceiling). */
  invocationsLimit: number;
  /**
   * Float32 entries in the tile of one input (table32_entry1.wgsl, variant 'grouped-float32': executor option
   * groupedFloatTables, docs/kernel-attempts.md steps 80–81), the exact tables in this kernel's structure. Forces a
   * batch tile of 1.
   */
  floatEntries: boolean;
  /**
   * Segments per group (slot): TABLE_GROUP_SEGMENTS, or 32 with floatEntries (executor option tableGroupSegments,
   * docs/kernel-attempts.md step 83); the codes and codebook are in the layouts of that group size.
   */
  groupSegments: TableGroupSegments;
  /** Invocations that split a row's slots in the reduce (executor option reduceSlices; defaultReduceSlices). */
  reduceSlices: number;
  /**
   * Groups of 32 rows per reduce workgroup (executor option reduceRowWarps): at most this many, within the device's
   * invocations and workgroup memory; by default TABLE8_REDUCE_ROW_WARPS on 8-bit tables, FLOAT_REDUCE_ROW_WARPS on
   * float32 entries.
   */
  reduceRowWarps: number;
  /**
   * Whether the build keeps an invocation's codebook quads in registers, all loaded before the first dot product
   * (CACHED_QUADS, where d is 4 and the invocation's entries are few enough; executor option cachedQuads): 'auto'
   * by keepsCodebookQuads' rule, true wherever they fit, false never.
   */
  cachedQuads: boolean | 'auto';
}

/** Bytes of the codebooks in the 8-bit-table layout (table8-layout.ts groupTableCodebook), as the gather binds them. */
export function table8CodebookBytes(
  shape: Pick<RqShape, 'segments' | 'stages' | 'k' | 'd'>,
  dtype: CodebookDtype,
  groupSegments: TableGroupSegments = TABLE_GROUP_SEGMENTS,
): number {
  return codebookBindingBytes(table8CodebookValues(shape, groupSegments), dtype);
}

/**
 * Bytes of one table entry in the gather's tile: a byte per input, at least a u32 (table8_entry1.wgsl keeps its one
 * byte in a word of its own).
 */
function entryBytes(batchTile: Table8BatchTile): number {
  return Math.max(WORD_BYTES, batchTile);
}

/** Bytes of a row's integer sums per slot: 16-bit lanes, two inputs a word, but a u32 for a tile of one. */
function sumsBytes(batchTile: Table8BatchTile): number {
  return Math.max(WORD_BYTES, 2 * batchTile);
}

/**
 * Workgroup memory of the half tables in pq_table8.wgsl's tile: with paired codes (k ≤ 16) the float32 tables of a
 * slot's 2G segments per input (2 KiB per input at k 16 in groups of 16), none otherwise.
 */
function halfTablesBytes(k: number, groupSegments: TableGroupSegments, inputs: number): number {
  if (!pairsCodes(k)) return 0;
  return tableBuildSegments(k, groupSegments) * k * inputs * FLOAT_BYTES;
}

/**
 * Whether gather_table8 keeps every value of its build in registers (KEEP_VALUES of pq_table8.wgsl): its entries per
 * invocation times the tile's inputs within TABLE8_MAX_KEPT_VALUES.
 */
function keepsValues(
  tableK: number,
  groupSegments: number,
  batchTile: number,
  workgroupSize: number,
): boolean {
  return Math.ceil((groupSegments * tableK) / workgroupSize) * batchTile <= TABLE8_MAX_KEPT_VALUES;
}

/**
 * Whether gather_table8's half tables lie over its tile's entries (HALVES_OVER_ENTRIES of pq_table8.wgsl): paired
 * codes whose build keeps its values in registers, so that pass 2 reads no half.
 */
function halvesOverEntries(k: number, batchTile: Table8BatchTile, workgroupSize: number): boolean {
  return pairsCodes(k) && keepsValues(tableCodeCount(k), TABLE_GROUP_SEGMENTS, batchTile, workgroupSize);
}

/**
 * Workgroup memory of the 8-bit gather (pq_table8.wgsl): the tile (with the wrapped lane order's extra entries) of
 * the layer's table codes (k², where k ≤ 16 pairs segments: cpu/lut8.ts tableShape), per (segment, input) two keys
 * and a low, and the halves of paired tables: past the tile's entries, or over them at a `workgroupSize` where the
 * build keeps its values (halvesOverEntries; without one, the larger).
 */
export function table8GatherStorageBytes(
  k: number,
  batchTile: Table8BatchTile,
  layout: TableCodeLayout,
  workgroupSize?: number,
): number {
  const tableK = tableCodeCount(k);
  const entries = (TABLE_GROUP_SEGMENTS * tableK + wrapEntries(layout)) * entryBytes(batchTile);
  const halves = halfTablesBytes(k, TABLE_GROUP_SEGMENTS, batchTile);
  const over = workgroupSize !== undefined && halvesOverEntries(k, batchTile, workgroupSize);
  const tile = over ? Math.max(entries, halves) : entries + halves;
  const perSegmentInput = 3 * TABLE_GROUP_SEGMENTS * batchTile * WORD_BYTES;
  const perInput = 2 * batchTile * WORD_BYTES;
  return tile + perSegmentInput + perInput;
}

/**
 * Workgroup memory of gather_table32 (float32 entries, variant 'grouped-float32'): the tile of one input, 16 KiB
 * at k 256 (WebGPU's default limit) or 32 KiB in groups of 32 segments, G − 1 entries more in the wrapped order, and
 * the halves of paired tables (k ≤ 16, whose tile holds k² codes).
 */
export function table32GatherStorageBytes(k: number, layout: TableCodeLayout): number {
  const { groupSegments } = layout;
  const tableK = tableCodeCount(k);
  return (groupSegments * tableK + wrapEntries(layout)) * FLOAT_BYTES + halfTablesBytes(k, groupSegments, 1);
}

/**
 * The code layout a grouped launch reads (table8-layout.ts): its group size, in the wrapped lane order wherever the
 * launch's workgroup memory holds the gather with the order's G − 1 extra entries (for 8-bit tables, at a batch tile
 * of one), else in unwrappedLaneOrder's. So the layout follows the device: in groups of 32 at k 256 the wrapped tile
 * is 32,892 bytes, above the 32 KiB of SwiftShader and most phones, and in groups of 16 at k 256, 16,444 bytes, above
 * WebGPU's default 16 KiB. The executor and every caller that lays codes out (table8CodeLayout,
 * groupedFloatTablesLayout) take the layout from here.
 */
export function tableCodeLayout(
  shape: Pick<RqShape, 'segments' | 'k'>,
  launch: Pick<Table8Launch, 'floatEntries' | 'groupSegments' | 'storageBytes' | 'workgroupSize'>,
): TableCodeLayout {
  const { groupSegments } = launch;
  const wrapped: TableCodeLayout = { groupSegments, lanes: 'wrapped' };
  const wrappedBytes = launch.floatEntries
    ? table32GatherStorageBytes(shape.k, wrapped)
    : table8GatherStorageBytes(shape.k, SINGLE_TILE, wrapped, launch.workgroupSize);
  return wrappedBytes <= launch.storageBytes
    ? wrapped
    : { groupSegments, lanes: unwrappedLaneOrder(tableShape(shape).segments, groupSegments) };
}

/**
 * The caller's batch tile, or: 1 for batch 1 (a tile of 4 would build, sum, store and reduce four inputs' bytes for
 * one: 74 against 49 µs at 16384², d 4, k 256 on the H200, step 77); 4 for batches of at most 4 (a tile of 8 would
 * do twice the work for inputs that do not exist); above that 8 where its gather fits the workgroup memory.
 */
function pickBatchTile(
  context: ProgramContext,
  k: number,
  launch: Table8Launch,
  codeLayout: TableCodeLayout,
  batch: number,
): Table8BatchTile {
  const gatherBytes = (tile: Table8BatchTile): number =>
    table8GatherStorageBytes(k, tile, codeLayout, launch.workgroupSize);
  const fits = (tile: Table8BatchTile): boolean => gatherBytes(tile) <= launch.storageBytes;
  if (launch.floatEntries) {
    const { groupSegments } = launch;
    const needed = table32GatherStorageBytes(k, codeLayout);
    if (needed > launch.storageBytes) {
      throw new GpuLimitError(
        `${context.label}: float32 tables of k ${k} in groups of ${groupSegments} segments need ${needed} bytes of ` +
          `workgroup memory, above the ${launch.storageBytes} allowed` +
          (groupSegments > TABLE_GROUP_SEGMENTS ? `; use tableGroupSegments ${TABLE_GROUP_SEGMENTS}` : ''),
        'maxComputeWorkgroupStorageSize',
        needed,
        launch.storageBytes,
      );
    }
    return SINGLE_TILE;
  }
  if (launch.batchTile !== undefined) {
    const needed = gatherBytes(launch.batchTile);
    if (!fits(launch.batchTile)) {
      throw new GpuLimitError(
        `${context.label}: 8-bit tables of k ${k} at batch tile ${launch.batchTile} need ${needed} bytes of ` +
          `workgroup memory, above the ${launch.storageBytes} allowed; use batchTile 4 or raise maxWorkgroupStorageBytes`,
        'maxComputeWorkgroupStorageSize',
        needed,
        launch.storageBytes,
      );
    }
    return launch.batchTile;
  }
  const tile =
    batch === SINGLE_TILE ? SINGLE_TILE : batch > NARROW_TILE && fits(WIDE_TILE) ? WIDE_TILE : NARROW_TILE;
  if (!fits(tile)) {
    const needed = gatherBytes(tile);
    throw new GpuLimitError(
      `${context.label}: 8-bit tables of k ${k} need ${needed} bytes of workgroup memory, above the ` +
        `${launch.storageBytes} allowed; run this layer on float32 tables (tableBits 32)`,
      'maxComputeWorkgroupStorageSize',
      needed,
      launch.storageBytes,
    );
  }
  return tile;
}

/** Reduce row warps: up to the launch's reduceRowWarps, within the device's invocations and workgroup memory. */
function reduceRowWarps(launch: Table8Launch, batchTile: Table8BatchTile): number {
  let warps = launch.reduceRowWarps;
  const invocations = (w: number) => w * TABLE8_REDUCE_WARP_ROWS * launch.reduceSlices;
  while (
    warps > 1 &&
    (invocations(warps) > launch.invocationsLimit ||
      invocations(warps) * batchTile * FLOAT_BYTES > launch.storageBytes)
  ) {
    warps /= 2;
  }
  return warps;
}

/**
 * Rows of one gather workgroup, a multiple of its invocations: the rows are cut into the most blocks (each building
 * its own tables) that keep the workgroups, one per block, slot and batch tile (`slotTiles` per block), within the
 * launch's target, and into one where whole rows already reach it. Not more: with one 1024-invocation workgroup per
 * SM, workgroups past the target start a second wave that only some SMs work on, each building its tables again
 * (H200, 4096², d = 4, k = 256, batch 3: 96 slot tiles in 2 blocks, 192 workgroups, took 24.2 µs against 18.2 for
 * batch 4's 128; docs/kernel-attempts.md step 98). Where slotTiles divides the target, as at batch 1 of every layer
 * timed on the H200, this is the fewest blocks that reach it.
 */
export function groupedRowsPerWorkgroup(
  rows: number,
  slotTiles: number,
  launch: Pick<Table8Launch, 'workgroupSize' | 'targetWorkgroups'>,
): number {
  const { workgroupSize } = launch;
  const maxBlocks = Math.ceil(rows / workgroupSize);
  const wanted = Math.floor(launch.targetWorkgroups / slotTiles);
  return (
    Math.ceil(Math.ceil(rows / Math.min(maxBlocks, Math.max(1, wanted))) / workgroupSize) * workgroupSize
  );
}

/**
 * Row steps (rows per workgroup over its invocations) up to which gather_table32 keeps its codebook quads in
 * registers under 'auto'. H200, batch 1, d = 4, k = 256 (docs/kernel-attempts.md step 85, two runs): up to 8 row
 * steps the quads, all loaded before the first dot product, shorten the build that precedes every lookup (4096²:
 * 14.7 against 15.7 µs in groups of 16, 14.2–14.3 against 17.1–17.3 in groups of 32; 16384×4096: 19.3 against 20.4
 * in groups of 16, 19.6 against 22.2 in groups of 32); with 16 (16384²) they cost more than they bring (47.6–48.4
 * against 44.6–45.7 µs in groups of 16, 56.1–56.6 against 43.3 in groups of 32): with them the driver unrolls the
 * whole row loop (4,728 instructions against 416 in groups of 32; step 86 measures a loop kept rolled).
 */
export const TABLE32_CACHED_QUADS_MAX_ROW_STEPS = 8;

/**
 * Whether the gather's build keeps each invocation's codebook quads in registers (CACHED_QUADS of pq_table8.wgsl):
 * d = 4 with whole quads of x, few enough entries per invocation (TABLE32_MAX_CACHED_QUADS float32 entries,
 * TABLE8_MAX_CACHED_QUADS 8-bit ones) and the launch not turning it off (executor option cachedQuads); under 'auto',
 * float32 entries only up to TABLE32_CACHED_QUADS_MAX_ROW_STEPS row steps.
 */
export function keepsCodebookQuads(
  shape: { d: number; cols: number; k: number },
  launch: Pick<Table8Launch, 'workgroupSize' | 'groupSegments' | 'floatEntries' | 'cachedQuads'>,
  rowsPerWorkgroup: number,
): boolean {
  const { d, cols, k } = shape;
  const { workgroupSize } = launch;
  // Paired codes build their tiles from half tables (pair_value), not from a codebook quad per entry.
  if (pairsCodes(k)) return false;
  if (launch.cachedQuads === false || d !== QUAD_VALUES || cols % QUAD_VALUES !== 0) return false;
  const entriesPerInvocation = Math.ceil((launch.groupSegments * k) / workgroupSize);
  if (!launch.floatEntries) return entriesPerInvocation <= TABLE8_MAX_CACHED_QUADS;
  if (entriesPerInvocation > TABLE32_MAX_CACHED_QUADS) return false;
  return (
    launch.cachedQuads === true || rowsPerWorkgroup / workgroupSize <= TABLE32_CACHED_QUADS_MAX_ROW_STEPS
  );
}

export function createTable8Program(
  context: ProgramContext,
  shape: RqShape,
  buffers: { codes: GPUBuffer; codebook: CodebookBinding },
  launch: Table8Launch,
): LayerProgram {
  const { rows, cols, d, k, segments, stages } = shape;
  const { label, device } = context;
  const { workgroupSize, groupSegments } = launch;
  if (!launch.floatEntries && groupSegments !== TABLE_GROUP_SEGMENTS) {
    throw new KernelInputError(
      `${label}: 8-bit tables are defined on groups of ${TABLE_GROUP_SEGMENTS} segments (one scale each), got ` +
        `${groupSegments}; groups of 32 run float32 entries only`,
    );
  }
  // Every entry an invocation builds is of one segment (pq_table8.wgsl gather_place): 2G of them with paired codes.
  const buildSegments = tableBuildSegments(k, groupSegments);
  if (workgroupSize % buildSegments !== 0) {
    throw new KernelInputError(
      `${label}: the grouped tables need a workgroupSize that is a multiple of ${buildSegments}, got ${workgroupSize}`,
    );
  }
  // Checked up front, so that a device that cannot hold even the narrowest tile fails at creation.
  const codeLayout = tableCodeLayout(shape, launch);
  pickBatchTile(context, k, launch, codeLayout, 1);
  const slots = table8Slots(shape, groupSegments);
  const codesBytes = table8CodeWords(shape, groupSegments) * WORD_BYTES;
  checkBindingSize(context, 'the codes', codesBytes, 'the layer cannot run on 8-bit tables on this device');
  const codebookBytes = table8CodebookBytes(shape, buffers.codebook.dtype, groupSegments);
  checkBindingSize(context, 'the codebook', codebookBytes, 'the layer cannot run on this device');
  const { k: tableK, paired } = tableShape(shape);
  const quadReads = d % QUAD_VALUES === 0 && cols % QUAD_VALUES === 0;

  function layout(batch: number) {
    const batchTile = pickBatchTile(context, k, launch, codeLayout, batch);
    const batchTiles = Math.ceil(batch / batchTile);
    const rowsPerWorkgroup = groupedRowsPerWorkgroup(rows, slots * batchTiles, launch);
    const rowBlocks = Math.ceil(rows / rowsPerWorkgroup);
    const partialBytes = batchTiles * slots * rows * sumsBytes(batchTile);
    const scalesBytes = batchTiles * slots * batchTile * 2 * FLOAT_BYTES;
    return { batchTile, batchTiles, rowsPerWorkgroup, rowBlocks, partialBytes, scalesBytes };
  }

  function createPlan(batch: number): BatchPlan {
    const { batchTile, batchTiles, rowsPerWorkgroup, rowBlocks, partialBytes, scalesBytes } = layout(batch);
    const rowWarps = reduceRowWarps(launch, batchTile);
    const reduceRows = rowWarps * TABLE8_REDUCE_WARP_ROWS;
    const advice = 'run the batch in smaller parts';
    checkBindingSize(context, `the integer sums of batch ${batch}`, partialBytes, advice);
    const gatherGrid = { x: rowBlocks, y: slots, z: batchTiles };
    const reduceGrid = { x: Math.ceil(rows / reduceRows), y: batchTiles, z: 1 };
    checkGrid(context, gatherGrid);
    checkGrid(context, reduceGrid);
    const constants = {
      K: k,
      D: d,
      COLS: cols,
      SEGMENTS: segments,
      STAGES: stages,
      ROWS: rows,
      BATCH: batch,
      HAS_BIAS: context.hasBias ? 1 : 0,
      RELU: context.relu ? 1 : 0,
      TILE_SEGMENTS: groupSegments,
      PAIRED_CODES: paired ? 1 : 0,
    };
    const dtype = buffers.codebook.dtype;
    const gatherKernel = launch.floatEntries ? TABLE32_KERNELS.gather : GATHER_TABLE8_KERNEL[batchTile];
    const reduceKernel = launch.floatEntries ? TABLE32_KERNELS.reduce : REDUCE_TABLE8_KERNEL[batchTile];
    const gather = getPipeline(device, gatherKernel[dtype], {
      ...constants,
      WORKGROUP_SIZE: workgroupSize,
      ROWS_PER_WORKGROUP: rowsPerWorkgroup,
      KEEP_VALUES: keepsValues(tableK, groupSegments, batchTile, workgroupSize) ? 1 : 0,
      HALVES_OVER_ENTRIES: !launch.floatEntries && halvesOverEntries(k, batchTile, workgroupSize) ? 1 : 0,
      QUAD_READS: quadReads ? 1 : 0,
      CACHED_QUADS: keepsCodebookQuads({ d, cols, k }, launch, rowsPerWorkgroup) ? 1 : 0,
      // The code bytes' lane order, as groupTableCodes laid them out (tableCodeLayout).
      XOR_LANES: codeLayout.lanes === 'xor' ? 1 : 0,
      WRAPPED_LANES: codeLayout.lanes === 'wrapped' ? 1 : 0,
    });
    const reduce = getPipeline(device, reduceKernel[dtype], {
      ...constants,
      REDUCE_SLICES: launch.reduceSlices,
      REDUCE_ROW_WARPS: rowWarps,
    });
    const partials = createScratchBuffer(context, partialBytes, `table8-sums[${batch}]`);
    const scales = createScratchBuffer(context, scalesBytes, `table8-scales[${batch}]`);
    const inputBytes = batch * cols * FLOAT_BYTES;
    return {
      buffers: [partials, scales],
      dispatches: [
        {
          label: `${label}/gather-table8`,
          stage: 'gather',
          pipeline: gather,
          workgroups: gatherGrid,
          entries: (input) => [
            { binding: 1, resource: { buffer: buffers.codes, size: codesBytes } },
            { binding: 3, resource: { buffer: buffers.codebook.buffer, size: codebookBytes } },
            { binding: 4, resource: { buffer: input, size: inputBytes } },
            { binding: 6, resource: { buffer: partials, size: partialBytes } },
            { binding: 7, resource: { buffer: scales, size: scalesBytes } },
          ],
        },
        {
          label: `${label}/reduce-table8`,
          stage: 'reduce',
          pipeline: reduce,
          workgroups: reduceGrid,
          entries: (_input, output) => [
            { binding: 5, resource: { buffer: context.bias, size: context.biasBytes } },
            { binding: 6, resource: { buffer: partials, size: partialBytes } },
            { binding: 7, resource: { buffer: scales, size: scalesBytes } },
            { binding: 8, resource: { buffer: output, size: batch * rows * FLOAT_BYTES } },
          ],
        },
      ],
    };
  }

  return {
    variantAt: () => (launch.floatEntries ? 'grouped-float32' : 'table8'),
    scratchBytes: (batch) => {
      const { partialBytes, scalesBytes } = layout(batch);
      return partialBytes + scalesBytes;
    },
    createPlan,
  };
}
