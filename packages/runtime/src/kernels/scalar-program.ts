/**
 * The dispatches for scalar k-means and binary layers: gather per code block (shaders/kmeans_gather.wgsl,
 * binary_gather.wgsl; x chunk, and the k centroids, in workgroup memory), then the split-K reduce when the
 * columns needed more than one chunk. With a single chunk the gather writes y itself, bias and ReLU fused.
 */
import type { CodePacking } from '@pqweb/format';
import type { OverrideConstants } from '../gpu/pipeline-cache';
import { gatherBlock } from './gather-blocks';
import {
  planCodeBlocks,
  SCALAR_TARGET_WORKGROUPS,
  type ScalarVariant,
  scalarChunkAlign,
  scalarGeometry,
  scalarWordsInFlight,
} from './plan';
import {
  type BatchPlan,
  checkBindingSize,
  createScratchBuffer,
  FLOAT_BYTES,
  type LayerProgram,
  type PlannedDispatch,
  type ProgramContext,
} from './program';
import { reduceDispatch } from './reduce';
import { BINARY_GATHER_KERNEL, KMEANS_GATHER_KERNEL } from './sources';

export type ScalarProgramShape =
  | { method: 'kmeans'; rows: number; cols: number; k: number; packing: CodePacking }
  | { method: 'binary'; rows: number; cols: number; packing: CodePacking };

/**
 * `values` is the k-means codebook (k floats) or the binary per-row scales (rows floats).
 */
export function createScalarProgram(
  context: ProgramContext,
  shape: ScalarProgramShape,
  buffers: { codes: GPUBuffer; values: GPUBuffer },
): LayerProgram {
  const { rows, cols, packing } = shape;
  const { workgroupSize } = context;
  const blockPlan = planCodeBlocks(
    rows,
    1,
    packing.wordsPerRow,
    context.maxBindingBytes,
    context.offsetAlignment,
  );
  const reservedFloats = shape.method === 'kmeans' ? shape.k * context.centroidCopies : 0;
  const valuesBytes = (shape.method === 'kmeans' ? shape.k : rows) * FLOAT_BYTES;
  checkBindingSize(
    context,
    shape.method === 'kmeans' ? 'the codebook' : 'the scales',
    valuesBytes,
    'the layer cannot run on this device',
  );
  const targetWorkgroups = context.targetWorkgroups ?? SCALAR_TARGET_WORKGROUPS;
  const variant: ScalarVariant = shape.method === 'kmeans' ? 'kmeans-tiled' : 'binary-tiled';

  function layout(batch: number) {
    const geometry = scalarGeometry(
      cols,
      batch,
      context.tileFloatsLimit,
      reservedFloats,
      scalarChunkAlign(packing.bits),
      { rows, workgroupSize, targetWorkgroups },
    );
    const slots = geometry.chunks;
    const partialBytes = slots === 1 ? 0 : batch * slots * rows * FLOAT_BYTES;
    return { geometry, slots, partialBytes };
  }

  function constants(tileFloats: number, batchTile: number): OverrideConstants {
    const common = {
      WORKGROUP_SIZE: workgroupSize,
      X_TILE_QUADS: tileFloats / 4,
      TILE_INPUTS: batchTile,
      BITS: packing.bits,
      WORDS_IN_FLIGHT: context.wordsInFlight ?? scalarWordsInFlight(batchTile, packing.bits),
    };
    return shape.method === 'kmeans'
      ? { ...common, K: shape.k, CENTROID_COPIES: context.centroidCopies }
      : common;
  }

  function createPlan(batch: number): BatchPlan {
    const { geometry, slots, partialBytes } = layout(batch);
    checkBindingSize(
      context,
      `the split-K partial sums for batch ${batch}`,
      partialBytes,
      'run the batch in smaller parts',
    );
    const owned: GPUBuffer[] = [];
    const dispatches: PlannedDispatch[] = [];
    const partials =
      partialBytes > 0 ? createScratchBuffer(context, partialBytes, `partials[${batch}]`) : null;
    if (partials) owned.push(partials);
    const kernel = shape.method === 'kmeans' ? KMEANS_GATHER_KERNEL : BINARY_GATHER_KERNEL;
    const inputBytes = batch * cols * FLOAT_BYTES;
    const outputBytes = batch * rows * FLOAT_BYTES;
    const gatherLayout = {
      kernel,
      kernelConstants: constants(geometry.tileFloats, geometry.batchTile),
      batch,
      geometry,
      segments: cols,
      wordsPerRow: packing.wordsPerRow,
      stagesTotal: 1,
      slots,
      workgroupSize,
      targetWorkgroups,
      reduced: partials !== null,
    };
    for (const [index, block] of blockPlan.blocks.entries()) {
      const { workgroups, uniform, pipeline } = gatherBlock(context, gatherLayout, block, index);
      owned.push(uniform);
      dispatches.push({
        label: `${context.label}/gather-${variant}[${index}]`,
        stage: 'gather',
        pipeline,
        workgroups,
        entries: (input, output) => [
          { binding: 0, resource: { buffer: uniform } },
          {
            binding: 1,
            resource: { buffer: buffers.codes, offset: block.bindingOffset, size: block.bindingSize },
          },
          { binding: 2, resource: { buffer: buffers.values, size: valuesBytes } },
          { binding: 3, resource: { buffer: input, size: inputBytes } },
          { binding: 4, resource: { buffer: context.bias, size: context.biasBytes } },
          {
            binding: 5,
            resource: partials
              ? { buffer: partials, size: partialBytes }
              : { buffer: output, size: outputBytes },
          },
        ],
      });
    }
    if (partials) {
      const reduce = reduceDispatch(context, batch, slots, partials, partialBytes);
      owned.push(reduce.uniform);
      dispatches.push(reduce.dispatch);
    }
    return { dispatches, buffers: owned };
  }

  return {
    variantAt: () => variant,
    scratchBytes: (batch) => layout(batch).partialBytes,
    createPlan,
  };
}
