/**
 * The dispatches for a PQ / RQ layer (PQ = one stage): [LUT build] → gather per code block → [split-K reduce].
 * - 'lut-global' and 'lut-tiled-splitk' build the LUT [batch][stages][segments][k] in a scratch buffer first
 *   (shaders/pq_lut_build.wgsl); 'fused' builds each chunk inside the gather workgroup.
 * - The gather (shaders/pq_gather.wgsl) covers rows × segment chunks × batch tiles; each (chunk, stage group)
 *   is a partial-sum slot. With one slot in all the gather writes y itself, bias and ReLU fused; otherwise it
 *   writes partial[b][slot][row] and splitk_reduce.wgsl sums the slots, adds the bias and applies ReLU.
 */
import type { CodePacking } from '@pqweb/format';
import { dispatch1d } from '../gpu/dispatch';
import { getPipeline, type OverrideConstants } from '../gpu/pipeline-cache';
import { type CodebookBinding, codebookBindingBytes } from './codebook-dtype';
import { blockDispatches } from './gather-blocks';
import { LUT_BUILD_PARAMS } from './params';
import {
  bankedRowsPerInvocation,
  canBuildTableWithVec4,
  canPairCodes,
  chooseLutVariant,
  defaultTargetWorkgroups,
  type GatherGeometry,
  type GatherLaunch,
  isBankedVariant,
  isFusedVariant,
  type LutVariant,
  lutGeometry,
  lutGroupSegments,
  nibbleExpandEntries,
  PAIRED_CODE_BITS,
  PAIRED_TABLE_K,
  planCodeBlocks,
  rowGrouping,
  shortRowGroupTileBytes,
  usesRotatedCodeWords,
  usesWideGather,
  WIDE_GATHER,
  wordsInFlightFor,
} from './plan';
import {
  type BatchPlan,
  checkBindingSize,
  createScratchBuffer,
  createUniformBuffer,
  FLOAT_BYTES,
  type GatherAblation,
  type LayerProgram,
  type PlannedDispatch,
  type ProgramContext,
  workgroupsFor,
} from './program';
import {
  GATHER_BANKED_FUSED_KERNEL,
  GATHER_BANKED_FUSED_VEC4_KERNEL,
  GATHER_BANKED_KERNEL,
  GATHER_FUSED_KERNEL,
  GATHER_GLOBAL_KERNEL,
  GATHER_TILED_KERNEL,
  LUT_BUILD_KERNEL,
} from './sources';

export interface LutProgramShape {
  rows: number;
  cols: number;
  d: number;
  k: number;
  segments: number;
  stages: number;
  packing: CodePacking;
}

const GATHER_KERNELS = {
  'lut-global': GATHER_GLOBAL_KERNEL,
  'lut-tiled-splitk': GATHER_TILED_KERNEL,
  fused: GATHER_FUSED_KERNEL,
  'lut-banked': GATHER_BANKED_KERNEL,
  'fused-banked': GATHER_BANKED_FUSED_KERNEL,
} as const;

const WORD_BITS = 32;

/** The codes as the gather reads them (see gatheredShape in createLutProgram). */
interface GatheredShape {
  segments: number;
  k: number;
  bits: number;
  codesPerWord: number;
  paired: boolean;
}

/** pq_gather.wgsl's ABLATION values (its ABLATE_* constants; a test checks that they agree). */
export const GATHER_ABLATION_CODES: Record<GatherAblation, number> = {
  none: 0,
  'no-code-loads': 1,
  'no-lookups': 2,
  'no-table-build': 3,
  'no-work': 4,
};

/**
 * The GPU buffers of a LUT program: codes with a codebook (PQ / RQ), or codes with the row scales of a binary layer
 * read as PQ codes of d = 8, k = 256 whose centroids are the corners of ±1 (pq_gather.wgsl SIGN_TABLES; see
 * signTableShape): no codebook.
 */
export type LutProgramBuffers =
  | { codes: GPUBuffer; codebook: CodebookBinding }
  | { codes: GPUBuffer; rowScales: GPUBuffer };

/**
 * A binary layer's shape as the LUT program reads it with sign tables: a byte of its sign bits is the code of a
 * segment of 8 columns (bit u for column 8·segment + u, as binaryForward reads them), 4 to a code word, so the same
 * words per row. Binary codes pad each row to whole words with zero bits; those name padding segments past the last,
 * whose table entries are zero.
 */
export function signTableShape(layer: { rows: number; cols: number; wordsPerRow: number }): LutProgramShape {
  const segments = Math.ceil(layer.cols / SIGN_TABLE_D);
  return {
    rows: layer.rows,
    cols: layer.cols,
    d: SIGN_TABLE_D,
    k: SIGN_TABLE_K,
    segments,
    stages: 1,
    packing: { bits: 8, codesPerRow: segments, wordsPerRow: layer.wordsPerRow },
  };
}
/** Bytes of the placeholder codebook binding of sign tables: one float32 quad (gather_banked_fused_vec4's view). */
const VEC4_BYTES = 16;
/** Columns per sign-table segment: a byte of sign bits. */
export const SIGN_TABLE_D = 8;
/** Entries per sign table: every byte. */
export const SIGN_TABLE_K = 256;

export function createLutProgram(
  context: ProgramContext,
  shape: LutProgramShape,
  buffers: LutProgramBuffers,
  requested: LutVariant | 'auto',
): LayerProgram {
  const { rows, cols, d, k, segments, stages, packing } = shape;
  const { device, workgroupSize } = context;
  const codebook = 'codebook' in buffers ? buffers.codebook : null;
  const rowScales = 'rowScales' in buffers ? buffers.rowScales : null;
  const blockPlan = planCodeBlocks(
    rows,
    stages,
    packing.wordsPerRow,
    context.maxBindingBytes,
    context.offsetAlignment,
  );
  const stageCount = blockPlan.stageGroups === 1 ? stages : 1;
  // Sign tables are built in the banked gather from x alone (the fused builds with SIGN_TABLES).
  const variant = rowScales
    ? 'fused-banked'
    : requested === 'auto'
      ? chooseLutVariant(shape, context.tileFloatsLimit)
      : requested;
  const codebookBytes = codebook ? codebookBindingBytes(stages * segments * k * d, codebook.dtype) : 0;
  // Sign tables read no codebook: their modules are the float32 ones (any would do).
  const codebookDtype = codebook?.dtype ?? 'float32';
  // 'fused-banked' reads codebook and x 4 floats at a time when every sub-vector is whole and 16-byte aligned (sign
  // tables: x alone).
  const gatherKernel =
    variant === 'fused-banked' && context.vectorTableBuild && canBuildTableWithVec4(d, cols)
      ? GATHER_BANKED_FUSED_VEC4_KERNEL[codebookDtype]
      : GATHER_KERNELS[variant][codebookDtype];
  checkBindingSize(context, 'the codebook', codebookBytes, 'the layer cannot run on this device');
  // What the gather sees: the layer's segments, k and code width, or with paired 4-bit codes (pq_gather.wgsl
  // PAIRED_CODES) a byte per pair of segments and a 256-entry table per pair. Only at batch 1: with more inputs
  // per workgroup the larger pair tables leave fewer segments per group, and the extra split-K partial sums cost
  // more than the lookups save (plan.ts canPairCodes).
  const canPair =
    context.pairCodes &&
    canPairCodes(variant, { k, bits: packing.bits, stageCount }, context.tileFloatsLimit);
  function gatheredShape(batch: number): GatheredShape {
    const paired = canPair && batch === 1;
    const shape = paired
      ? { segments: Math.ceil(segments / 2), k: PAIRED_TABLE_K, bits: PAIRED_CODE_BITS }
      : { segments, k, bits: packing.bits };
    return { ...shape, paired, codesPerWord: WORD_BITS / shape.bits };
  }

  // The gather's launch unless plan.ts usesWideGather says otherwise: the executor's workgroup size and tile budget.
  const defaultLaunch: GatherLaunch = {
    workgroupSize,
    tileFloatsLimit: context.tileFloatsLimit,
    targetWorkgroups: context.targetWorkgroups ?? defaultTargetWorkgroups(variant),
  };

  /**
   * The smaller tile plan.ts shortRowGroupTileBytes gives a banked gather at a batch tile of 1 whose row groups would
   * be short with the default tile, in floats; null where the rule does not apply, or where the smaller tile would
   * not hold one code word's group of tables (RQ with several stages).
   */
  function shortRowGroupTileFloats(gathered: GatheredShape, geometry: GatherGeometry): number | null {
    if (!context.shortRowGroupTiles || !isBankedVariant(variant) || geometry.batchTile !== 1) return null;
    const rowsPerStep = workgroupSize * rowsPerInvocationFor(gathered, geometry, defaultLaunch);
    const { rowsPerGroup } = rowGrouping(rows, rowsPerStep, geometry.chunks, defaultLaunch.targetWorkgroups);
    const bytes = shortRowGroupTileBytes(rowsPerGroup);
    if (bytes === null) return null;
    const floats = Math.min(context.tileFloatsLimit, bytes / FLOAT_BYTES);
    const smallestGroupFloats = gathered.codesPerWord * stageCount * gathered.k;
    return floats < context.tileFloatsLimit && smallestGroupFloats <= floats ? floats : null;
  }

  function layout(batch: number) {
    const gathered = gatheredShape(batch);
    const geometryFor = (tileFloatsLimit: number) =>
      lutGeometry(
        variant,
        { segments: gathered.segments, k: gathered.k, codesPerWord: gathered.codesPerWord },
        stageCount,
        batch,
        tileFloatsLimit,
        context.batchTile,
      );
    const defaultGeometry = geometryFor(defaultLaunch.tileFloatsLimit);
    // Split-K partial sums [batch][slots][rows]; none where one slot writes y itself.
    const partialBytesFor = (geometry: GatherGeometry): number => {
      const slots = blockPlan.stageGroups * geometry.chunks;
      // With sign tables the reduce adds the bias (binding 5 holds the scales): partial sums even for one slot.
      return slots === 1 && !rowScales ? 0 : batch * slots * rows * FLOAT_BYTES;
    };
    const wide = usesWideGather(
      context.wideGather,
      variant,
      defaultGeometry.batchTile,
      rows * stages * gathered.segments,
    );
    const shortFloats = wide ? null : shortRowGroupTileFloats(gathered, defaultGeometry);
    const shortGeometry = shortFloats === null ? null : geometryFor(shortFloats);
    // The smaller tile multiplies the split-K partial sums; where they would not fit one binding, the default tile
    // (which may still fit) stays.
    const short =
      shortGeometry !== null && partialBytesFor(shortGeometry) <= context.maxBindingBytes
        ? shortGeometry
        : null;
    // The smaller tile changes the geometry only: workgroup size and target stay the defaults.
    const launch = wide ? WIDE_GATHER : defaultLaunch;
    const geometry = wide ? geometryFor(WIDE_GATHER.tileFloatsLimit) : (short ?? defaultGeometry);
    const slots = blockPlan.stageGroups * geometry.chunks;
    // The grouped layout of the banked variants pads the last group (lutGroupSegments is 1 for the others).
    const lutGroup = lutGroupSegments(variant, geometry);
    const lutEntries = batch * stages * Math.ceil(segments / lutGroup) * lutGroup * k;
    const lutBytes = isFusedVariant(variant) ? 0 : lutEntries * FLOAT_BYTES;
    const partialBytes = partialBytesFor(geometry);
    return { gathered, geometry, launch, slots, lutGroup, lutEntries, lutBytes, partialBytes };
  }

  /** Rows a gather invocation takes at a time: the banked gathers' ROWS_PER_INVOCATION, 1 for the others. */
  function rowsPerInvocationFor(
    gathered: GatheredShape,
    geometry: GatherGeometry,
    launch: GatherLaunch,
  ): number {
    if (!isBankedVariant(variant)) return 1;
    return (
      context.rowsPerInvocation ??
      bankedRowsPerInvocation(gathered.bits, geometry.batchTile, rows, launch.workgroupSize)
    );
  }

  /** pq_gather.wgsl NIBBLE_TABLES where 'fused-banked' builds pair or sign tables and plan.ts allows it. */
  function nibbleConstants(
    gathered: GatheredShape,
    tileFloats: number,
    gatherWorkgroupSize: number,
  ): OverrideConstants {
    if (variant !== 'fused-banked' || !(gathered.paired || rowScales)) return {};
    const entries = nibbleExpandEntries(context.nibbleTables, tileFloats, gatherWorkgroupSize);
    return entries === null ? {} : { NIBBLE_TABLES: 1, EXPANDED_ENTRIES: entries };
  }

  function gatherConstants(
    gathered: GatheredShape,
    geometry: GatherGeometry,
    launch: GatherLaunch,
    rowsPerInvocation: number,
  ): OverrideConstants {
    const { tileFloats, batchTile } = geometry;
    const common = {
      WORKGROUP_SIZE: launch.workgroupSize,
      K: gathered.k,
      BITS: gathered.bits,
      TILE_INPUTS: batchTile,
      WORDS_IN_FLIGHT:
        context.wordsInFlight ?? wordsInFlightFor(geometry.chunkSegments, gathered.codesPerWord),
      ABLATION: GATHER_ABLATION_CODES[context.ablation],
    };
    // Each property of the variant brings its knobs: a tile (all but lut-global), the table built in the gather
    // (fused variants: D), the banked tile (its group and rows per invocation).
    return {
      ...common,
      ...(variant === 'lut-global' ? {} : { LUT_TILE_FLOATS: tileFloats }),
      ...(isFusedVariant(variant) ? { D: d } : {}),
      ...(gathered.paired ? { PAIRED_CODES: 1, CODEBOOK_K: k } : {}),
      ...(rowScales ? { SIGN_TABLES: 1 } : {}),
      ...nibbleConstants(gathered, tileFloats, launch.workgroupSize),
      ...(isBankedVariant(variant)
        ? {
            GROUP_SEGMENTS: geometry.chunkSegments,
            ROWS_PER_INVOCATION: rowsPerInvocation,
            STAGE_COUNT: stageCount,
            CONSTANT_TABLE_OFFSETS: context.constantTableOffsets ? 1 : 0,
            ROTATED_CODE_WORDS: usesRotatedCodeWords(context.codeDecode, batchTile) ? 1 : 0,
          }
        : {}),
    };
  }

  function createPlan(batch: number): BatchPlan {
    const { gathered, geometry, launch, slots, lutGroup, lutEntries, lutBytes, partialBytes } = layout(batch);
    const advice = 'run the batch in smaller parts';
    checkBindingSize(context, `the LUT for batch ${batch}`, lutBytes, advice);
    const owned: GPUBuffer[] = [];
    const dispatches: PlannedDispatch[] = [];
    const inputBytes = batch * cols * FLOAT_BYTES;
    const lut = lutBytes > 0 ? createScratchBuffer(context, lutBytes, `lut[${batch}]`) : null;
    // gather_fused reads no LUT buffer but shares the gather code that names the binding (pq_gather.wgsl), so it
    // gets a placeholder; gather_banked_fused does not name it (its pipeline layout has no binding 2).
    const lutBinding =
      lut ?? (variant === 'fused' ? createScratchBuffer(context, FLOAT_BYTES, `lut-unused[${batch}]`) : null);
    if (!lut && lutBinding) owned.push(lutBinding);
    // Sign tables read no codebook, but the fused gathers name the binding: a placeholder, one float32 quad for
    // gather_banked_fused_vec4's quad view.
    const codebookBinding =
      codebook?.buffer ?? createScratchBuffer(context, VEC4_BYTES, `codebook-unused[${batch}]`);
    if (!codebook) owned.push(codebookBinding);
    if (lut) owned.push(lut);

    if (lut) {
      const entries = lutEntries;
      const uniform = createUniformBuffer(
        context,
        LUT_BUILD_PARAMS,
        { batch, cols, segments, stages, entries },
        `lut-build-params[${batch}]`,
      );
      owned.push(uniform);
      dispatches.push({
        label: `${context.label}/lut-build`,
        stage: 'lut-build',
        pipeline: getPipeline(device, LUT_BUILD_KERNEL[codebookDtype], {
          WORKGROUP_SIZE: workgroupSize,
          D: d,
          K: k,
          LUT_GROUP: lutGroup,
        }),
        workgroups: dispatch1d(device, workgroupsFor(entries, workgroupSize)),
        entries: (input) => [
          { binding: 0, resource: { buffer: uniform } },
          { binding: 1, resource: { buffer: lut, size: lutBytes } },
          { binding: 2, resource: { buffer: input, size: inputBytes } },
          { binding: 3, resource: { buffer: codebookBinding, size: codebookBytes } },
        ],
      });
    }

    const rowsPerInvocation = rowsPerInvocationFor(gathered, geometry, launch);
    const gatherLayout = {
      kernel: gatherKernel,
      kernelConstants: gatherConstants(gathered, geometry, launch, rowsPerInvocation),
      batch,
      geometry,
      segments: gathered.segments,
      wordsPerRow: packing.wordsPerRow,
      stagesTotal: stages,
      slots,
      rowsPerInvocation,
      workgroupSize: launch.workgroupSize,
      targetWorkgroups: launch.targetWorkgroups,
    };
    // The gather's binding 5: the bias, or with sign tables the row scales (the reduce adds the bias).
    const rowBinding = rowScales
      ? { buffer: rowScales, size: rows * FLOAT_BYTES }
      : { buffer: context.bias, size: context.biasBytes };
    let gathers: BatchPlan;
    try {
      gathers = blockDispatches(context, gatherLayout, blockPlan.blocks, {
        name: `gather-${variant}`,
        codes: buffers.codes,
        outputBinding: 6,
        partialBytes,
        entries: (input) => {
          const entries: GPUBindGroupEntry[] = [{ binding: 5, resource: rowBinding }];
          if (lutBinding) {
            entries.push({
              binding: 2,
              resource: { buffer: lutBinding, size: Math.max(FLOAT_BYTES, lutBytes) },
            });
          }
          if (!lut) {
            entries.push({
              binding: 3,
              resource: { buffer: codebookBinding, size: Math.max(VEC4_BYTES, codebookBytes) },
            });
            entries.push({ binding: 4, resource: { buffer: input, size: inputBytes } });
          }
          return entries;
        },
      });
    } catch (error) {
      // The LUT and placeholder buffers and the build's uniform exist by now: nothing may leak.
      for (const buffer of owned) buffer.destroy();
      throw error;
    }
    return { dispatches: [...dispatches, ...gathers.dispatches], buffers: [...owned, ...gathers.buffers] };
  }

  return {
    variantAt: () => (rowScales ? 'binary-byte-tables' : variant),
    scratchBytes(batch) {
      const { lutBytes, partialBytes } = layout(batch);
      return lutBytes + partialBytes;
    },
    createPlan,
  };
}
