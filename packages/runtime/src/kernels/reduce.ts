/** The split-K reduction dispatch (shaders/splitk_reduce.wgsl): y = relu?(bias + Σ_slot partial). */
import { dispatch1d } from '../gpu/dispatch';
import { getPipeline } from '../gpu/pipeline-cache';
import { REDUCE_PARAMS, specializedParamConstants } from './params';
import { createUniformBuffer, FLOAT_BYTES, type PlannedDispatch, type ProgramContext } from './program';
import { SPLITK_REDUCE_KERNEL } from './sources';

/** `const ROWS_PER_GROUP` of shaders/splitk_reduce.wgsl (a test checks they agree). */
export const REDUCE_ROWS_PER_GROUP = 32;
/**
 * 512 invocations: 16 slot lanes per row, each with 4 sums in flight, so that a 16384-row layer's 512 workgroups
 * fill every H200 core (256 left half of them idle: docs/kernel-attempts.md, step 12). Capped by the gather's
 * workgroup size, so devices with a lower limit get what they allow.
 */
const REDUCE_WORKGROUP_SIZE = 512;
/** `const ACCUMULATORS` of shaders/splitk_reduce.wgsl: the slots a slot lane sums in one pass of its loop. */
export const REDUCE_ACCUMULATORS = 4;

/**
 * The most invocations a reduce over `slots` slots can use: ROWS_PER_GROUP rows × the slot lanes that sum all the
 * slots in one pass of their loop. With few slots (the decoded gather's 16) the default 512 invocations leave most slot
 * lanes idle.
 */
export function onePassReduceWorkgroupSize(slots: number): number {
  return REDUCE_ROWS_PER_GROUP * Math.ceil(slots / REDUCE_ACCUMULATORS);
}

export function reduceDispatch(
  context: ProgramContext,
  batch: number,
  slots: number,
  partials: GPUBuffer,
  partialBytes: number,
  maxWorkgroupSize = REDUCE_WORKGROUP_SIZE,
): { dispatch: PlannedDispatch; uniform: GPUBuffer } {
  const { device, rows, workgroupSize } = context;
  const outputs = batch * rows;
  const values = { rows, slots, outputs, has_bias: context.hasBias ? 1 : 0, relu: context.relu ? 1 : 0 };
  const uniform = createUniformBuffer(context, REDUCE_PARAMS, values, `reduce-params[${batch}]`);
  // shaders/splitk_reduce.wgsl: ROWS_PER_GROUP rows per workgroup, the rest of the workgroup splits the slots.
  // Its size is a multiple of REDUCE_ROWS_PER_GROUP no larger than the gather's.
  const reduceWorkgroupSize = Math.max(
    REDUCE_ROWS_PER_GROUP,
    Math.floor(Math.min(workgroupSize, REDUCE_WORKGROUP_SIZE, maxWorkgroupSize) / REDUCE_ROWS_PER_GROUP) *
      REDUCE_ROWS_PER_GROUP,
  );
  const rowGroups = Math.ceil(rows / REDUCE_ROWS_PER_GROUP);
  const dispatch: PlannedDispatch = {
    label: `${context.label}/splitk-reduce`,
    stage: 'reduce',
    pipeline: getPipeline(device, SPLITK_REDUCE_KERNEL, {
      WORKGROUP_SIZE: reduceWorkgroupSize,
      ...(context.specializedParams ? specializedParamConstants(values) : {}),
    }),
    workgroups: dispatch1d(device, rowGroups * batch),
    entries: (_input, output) => [
      { binding: 0, resource: { buffer: uniform } },
      { binding: 1, resource: { buffer: partials, size: partialBytes } },
      { binding: 2, resource: { buffer: context.bias, size: context.biasBytes } },
      { binding: 3, resource: { buffer: output, size: outputs * FLOAT_BYTES } },
    ],
  };
  return { dispatch, uniform };
}
