/**
 * The part of a gather dispatch every quantized method shares: for one code block, the row grouping, the grid
 * (x = row group, y = chunk, z = batch tile), the GatherParams uniform (shaders/gather_common.wgsl) and the pipeline,
 * which carries the same values as constants where the context says so (specializedParams). The PQ / RQ and scalar
 * programs add their own bindings.
 */

import type { DispatchSize } from '../gpu/dispatch';
import { getPipeline, type KernelSource, type OverrideConstants } from '../gpu/pipeline-cache';
import { gpuStageWords } from './code-layout';
import { GATHER_PARAMS, specializedParamConstants } from './params';
import { type CodeBlock, type GatherGeometry, rowGrouping } from './plan';
import {
  type BatchPlan,
  checkBindingSize,
  checkGrid,
  createScratchBuffer,
  createUniformBuffer,
  FLOAT_BYTES,
  type PlannedDispatch,
  type ProgramContext,
} from './program';
import { reduceDispatch } from './reduce';

export interface GatherLayout {
  /** The gather kernel and its pipeline constants, but for the parameters (gatherBlock adds those). */
  kernel: KernelSource;
  kernelConstants: OverrideConstants;
  batch: number;
  geometry: GatherGeometry;
  /** Segments per row (PQ / RQ), or columns (k-means, binary: one code per column). */
  segments: number;
  wordsPerRow: number;
  /** Stages of the whole layer (1 but for RQ). */
  stagesTotal: number;
  /** Partial-sum slots of the whole layer (see `reduced` for whether the gather writes y itself instead). */
  slots: number;
  /**
   * Rows an invocation takes at a time (the banked gathers' ROWS_PER_INVOCATION; 1 elsewhere): row groups get at
   * least this many rows per invocation, or some invocations would have none.
   */
  rowsPerInvocation?: number;
  /** Invocations per workgroup of the dispatch (the executor's, or plan.ts WIDE_GATHER's). */
  workgroupSize: number;
  /**
   * Workgroups the dispatch aims for: the caller's context.targetWorkgroups where set, else the program's default
   * (plan.ts GatherLaunch for PQ / RQ, SCALAR_TARGET_WORKGROUPS for k-means and binary).
   */
  targetWorkgroups: number;
  /**
   * Whether the split-K reduce follows (the program made a partial-sum buffer): with several slots always, with one
   * only where the gather must not write y itself (binary layers read as byte codes, whose reduce adds the bias).
   */
  reduced: boolean;
}

export function gatherBlock(
  context: ProgramContext,
  layout: GatherLayout,
  block: CodeBlock,
  index: number,
): { workgroups: DispatchSize; uniform: GPUBuffer; pipeline: GPUComputePipeline } {
  const { batch, geometry, segments, wordsPerRow, stagesTotal, slots } = layout;
  const { rows, cols } = context;
  const grouping = rowGrouping(
    block.rowEnd - block.rowBegin,
    layout.workgroupSize * (layout.rowsPerInvocation ?? 1),
    geometry.chunks * geometry.batchTiles,
    layout.targetWorkgroups,
  );
  // The grid's order must match the pipeline's GROUP_BATCH_TILES (gather_common.wgsl workgroup_work). With one batch
  // tile both orders launch the same workgroups in the same order, so the constant stays off and the pipeline shared.
  const groupBatchTiles = context.groupBatchTiles && geometry.batchTiles > 1;
  const workgroups = groupBatchTiles
    ? { x: geometry.batchTiles, y: grouping.rowGroups, z: geometry.chunks }
    : { x: grouping.rowGroups, y: geometry.chunks, z: geometry.batchTiles };
  checkGrid(context, workgroups);
  const values = {
    batch,
    batch_tile: geometry.batchTile,
    rows,
    row_begin: block.rowBegin,
    row_end: block.rowEnd,
    rows_per_group: grouping.rowsPerGroup,
    segments,
    chunk_segments: geometry.chunkSegments,
    words_per_row: wordsPerRow,
    code_word_offset: block.wordOffset,
    stage_begin: block.stageBegin,
    stage_count: block.stageCount,
    stage_words: gpuStageWords(rows, wordsPerRow),
    stages_total: stagesTotal,
    slot_begin: block.stageGroup * geometry.chunks,
    slots,
    cols,
    finalize: layout.reduced ? 0 : 1,
    has_bias: context.hasBias ? 1 : 0,
    relu: context.relu ? 1 : 0,
  };
  const uniform = createUniformBuffer(context, GATHER_PARAMS, values, `gather-params[${batch}][${index}]`);
  // With specialized parameters the block's pipeline carries the values too (one pipeline per layer, batch and block).
  const pipeline = getPipeline(context.device, layout.kernel, {
    ...layout.kernelConstants,
    ...(groupBatchTiles ? { GROUP_BATCH_TILES: 1 } : {}),
    ...(context.specializedParams ? specializedParamConstants(values) : {}),
  });
  return { workgroups, uniform, pipeline };
}

/** What blockDispatches needs beyond the layout: the gather's own bindings and where its sums go. */
export interface BlockBindings {
  /** Dispatch label suffix, e.g. 'gather-decoded'. */
  name: string;
  /** The codes buffer; each block binds its range at binding 1. */
  codes: GPUBuffer;
  /** The binding of the gather's output: the split-K partial sums where there are any, else y. */
  outputBinding: number;
  /**
   * Bytes of split-K partial sums [batch][slots][rows]; 0 where one slot writes y itself. blockDispatches makes the
   * scratch buffer (checked against the binding limit) and the reduce that reads it.
   */
  partialBytes: number;
  /** The gather's other bindings for input x (all but the uniform, the codes and the output). */
  entries(input: GPUBuffer): GPUBindGroupEntry[];
  /** The reduce's largest workgroup (reduceDispatch's default when absent). */
  reduceWorkgroupSize?: number;
}

/**
 * The gather dispatches of every code block (gatherBlock's grid, uniform and pipeline, the block's codes at binding
 * 1), then, where the gather writes partial sums, their scratch buffer and the split-K reduce. The plan owns the
 * uniforms and the partial sums; the caller adds its other scratch buffers.
 */
export function blockDispatches(
  context: ProgramContext,
  layout: Omit<GatherLayout, 'reduced'>,
  blocks: readonly CodeBlock[],
  bindings: BlockBindings,
): BatchPlan {
  const { batch, slots } = layout;
  const { partialBytes } = bindings;
  checkBindingSize(
    context,
    `the split-K partial sums for batch ${batch}`,
    partialBytes,
    'run the batch in smaller parts',
  );
  const owned: GPUBuffer[] = [];
  const dispatches: PlannedDispatch[] = [];
  // A block the device refuses (checkGrid) throws after buffers exist: they are destroyed, nothing leaks.
  try {
    const partials =
      partialBytes > 0 ? createScratchBuffer(context, partialBytes, `partials[${batch}]`) : null;
    if (partials) owned.push(partials);
    const outputBytes = batch * context.rows * FLOAT_BYTES;
    const reducedLayout = { ...layout, reduced: partials !== null };
    for (const [index, block] of blocks.entries()) {
      const { workgroups, uniform, pipeline } = gatherBlock(context, reducedLayout, block, index);
      owned.push(uniform);
      dispatches.push({
        label: `${context.label}/${bindings.name}[${index}]`,
        stage: 'gather',
        pipeline,
        workgroups,
        entries: (input, output) => [
          { binding: 0, resource: { buffer: uniform } },
          {
            binding: 1,
            resource: { buffer: bindings.codes, offset: block.bindingOffset, size: block.bindingSize },
          },
          ...bindings.entries(input),
          {
            binding: bindings.outputBinding,
            resource: partials
              ? { buffer: partials, size: partialBytes }
              : { buffer: output, size: outputBytes },
          },
        ],
      });
    }
    if (partials) {
      const reduce = reduceDispatch(
        context,
        batch,
        slots,
        partials,
        partialBytes,
        bindings.reduceWorkgroupSize,
      );
      owned.push(reduce.uniform);
      dispatches.push(reduce.dispatch);
    }
  } catch (error) {
    for (const buffer of owned) buffer.destroy();
    throw error;
  }
  return { dispatches, buffers: owned };
}
