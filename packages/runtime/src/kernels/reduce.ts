/** The split-K reduction dispatch (shaders/splitk_reduce.wgsl): y = relu?(bias + Σ_slot partial). */
import { dispatch1d } from '../gpu/dispatch';
import { getPipeline } from '../gpu/pipeline-cache';
import { REDUCE_PARAMS } from './params';
import {
  createUniformBuffer,
  FLOAT_BYTES,
  type PlannedDispatch,
  type ProgramContext,
  workgroupsFor,
} from './program';
import { SPLITK_REDUCE_KERNEL } from './sources';

export function reduceDispatch(
  context: ProgramContext,
  batch: number,
  slots: number,
  partials: GPUBuffer,
  partialBytes: number,
): { dispatch: PlannedDispatch; uniform: GPUBuffer } {
  const { device, rows, workgroupSize } = context;
  const outputs = batch * rows;
  const uniform = createUniformBuffer(
    context,
    REDUCE_PARAMS,
    { rows, slots, outputs, has_bias: context.hasBias ? 1 : 0, relu: context.relu ? 1 : 0 },
    `reduce-params[${batch}]`,
  );
  const dispatch: PlannedDispatch = {
    label: `${context.label}/splitk-reduce`,
    pipeline: getPipeline(device, SPLITK_REDUCE_KERNEL, { WORKGROUP_SIZE: workgroupSize }),
    workgroups: dispatch1d(device, workgroupsFor(outputs, workgroupSize)),
    entries: (_input, output) => [
      { binding: 0, resource: { buffer: uniform } },
      { binding: 1, resource: { buffer: partials, size: partialBytes } },
      { binding: 2, resource: { buffer: context.bias, size: context.biasBytes } },
      { binding: 3, resource: { buffer: output, size: outputs * FLOAT_BYTES } },
    ],
  };
  return { dispatch, uniform };
}
