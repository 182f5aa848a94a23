/**
 * The dispatches for scalar k-means and binary layers: gather per code block (shaders/kmeans_gather.wgsl,
 * binary_gather.wgsl; x chunk, and the k centroids, in workgroup memory), then the split-K reduce when the
 * columns needed more than one chunk. With a single chunk the gather writes y itself, bias and ReLU fused.
 */
import type { CodePacking } from '@pqweb/format';
import type { OverrideConstants } from '../gpu/pipeline-cache';
import { blockDispatches } from './gather-blocks';
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
  FLOAT_BYTES,
  type LayerProgram,
  type ProgramContext,
} from './program';
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
    const kernel = shape.method === 'kmeans' ? KMEANS_GATHER_KERNEL : BINARY_GATHER_KERNEL;
    const inputBytes = batch * cols * FLOAT_BYTES;
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
    };
    return blockDispatches(context, gatherLayout, blockPlan.blocks, {
      name: `gather-${variant}`,
      codes: buffers.codes,
      outputBinding: 5,
      partialBytes,
      entries: (input) => [
        { binding: 2, resource: { buffer: buffers.values, size: valuesBytes } },
        { binding: 3, resource: { buffer: input, size: inputBytes } },
        { binding: 4, resource: { buffer: context.bias, size: context.biasBytes } },
      ],
    });
  }

  return {
    variantAt: () => variant,
    scratchBytes: (batch) => layout(batch).partialBytes,
    createPlan,
  };
}
