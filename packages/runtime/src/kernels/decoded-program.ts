/**
 * The dispatches of a PQ layer run decoded (variant 'decoded', shaders/pq_decode.wgsl): the gather per code block,
 * each code's centroid multiplied into the sums of a tile of inputs, then the split-K reduce where the segments were
 * cut into several chunks. No LUT: the tile holds codebooks, staged from the codebook buffer as the gather walks.
 */
import type { CodePacking } from '@pqweb/format';
import { KernelInputError } from '../gpu/errors';
import { type CodebookBinding, codebookBindingBytes } from './codebook-dtype';
import { blockDispatches } from './gather-blocks';
import { canDecode, decodeGeometry, decodeNeedsRangeChecks, planCodeBlocks } from './plan';
import {
  type BatchPlan,
  checkBindingSize,
  FLOAT_BYTES,
  type LayerProgram,
  type ProgramContext,
} from './program';
import { onePassReduceWorkgroupSize } from './reduce';
import { GATHER_DECODED_KERNEL } from './sources';

export interface DecodedProgramShape {
  rows: number;
  cols: number;
  d: number;
  k: number;
  segments: number;
  packing: CodePacking;
}

const WORD_BITS = 32;

/** KernelInputError unless the PQ layer can run decoded on this launch (plan.ts canDecode). */
function checkDecodable(context: ProgramContext, shape: DecodedProgramShape): void {
  const { workgroupSize, tileFloatsLimit } = context.decodeLaunch;
  if (canDecode({ ...shape, stages: 1 }, tileFloatsLimit, workgroupSize)) return;
  throw new KernelInputError(
    `${context.label}: variant 'decoded' needs a PQ layer (one stage) whose d (${shape.d}) is a ` +
      `multiple of 4 dividing cols (${shape.cols}), and a tile budget of at least k · d + d floats ` +
      `(${shape.k * shape.d + shape.d}; got ${tileFloatsLimit}); use a LUT variant or 'auto'`,
  );
}

export function createDecodedProgram(
  context: ProgramContext,
  shape: DecodedProgramShape,
  buffers: { codes: GPUBuffer; codebook: CodebookBinding },
): LayerProgram {
  const { rows, cols, d, k, segments, packing } = shape;
  checkDecodable(context, shape);
  const launch = context.decodeLaunch;
  const blockPlan = planCodeBlocks(
    rows,
    1,
    packing.wordsPerRow,
    context.maxBindingBytes,
    context.offsetAlignment,
  );
  const codebookBytes = codebookBindingBytes(segments * k * d, buffers.codebook.dtype);
  checkBindingSize(context, 'the codebook', codebookBytes, 'the layer cannot run on this device');

  function layout(batch: number) {
    const geometry = decodeGeometry(
      { rows, segments, k, d, codesPerWord: WORD_BITS / packing.bits },
      batch,
      launch,
    );
    const partialBytes = geometry.chunks === 1 ? 0 : batch * geometry.chunks * rows * FLOAT_BYTES;
    return { geometry, partialBytes };
  }

  function createPlan(batch: number): BatchPlan {
    const { geometry, partialBytes } = layout(batch);
    const gatherLayout = {
      kernel: GATHER_DECODED_KERNEL[buffers.codebook.dtype],
      kernelConstants: {
        WORKGROUP_SIZE: launch.workgroupSize,
        K: k,
        BITS: packing.bits,
        D: d,
        SUB_SEGMENTS: geometry.subSegments,
        DECODE_ROWS: geometry.rowsPerInvocation,
        DECODE_INPUTS: geometry.batchTile,
        CHECKED_STAGING: decodeNeedsRangeChecks(geometry, shape, batch, launch.workgroupSize) ? 1 : 0,
      },
      batch,
      geometry,
      segments,
      wordsPerRow: packing.wordsPerRow,
      stagesTotal: 1,
      slots: geometry.chunks,
      rowsPerInvocation: geometry.rowsPerInvocation,
      workgroupSize: launch.workgroupSize,
      // One workgroup pass per row group (gatherBlock's rowGrouping then takes the fewest groups).
      targetWorkgroups: geometry.rowGroups * geometry.chunks * geometry.batchTiles,
    };
    const inputBytes = batch * cols * FLOAT_BYTES;
    return blockDispatches(context, gatherLayout, blockPlan.blocks, {
      name: 'gather-decoded',
      codes: buffers.codes,
      outputBinding: 6,
      partialBytes,
      // Few slots (16 at 16384²): slot lanes for one pass over them, not the 16 of the LUT variants' hundreds.
      reduceWorkgroupSize: onePassReduceWorkgroupSize(geometry.chunks),
      entries: (input) => [
        { binding: 3, resource: { buffer: buffers.codebook.buffer, size: codebookBytes } },
        { binding: 4, resource: { buffer: input, size: inputBytes } },
        { binding: 5, resource: { buffer: context.bias, size: context.biasBytes } },
      ],
    });
  }

  return {
    variantAt: () => 'decoded',
    scratchBytes: (batch) => layout(batch).partialBytes,
    createPlan,
  };
}
