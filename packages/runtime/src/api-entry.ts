/**
 * `@pqweb/runtime/api`: the engine interface and error classes without onnxruntime-web or the kernels, for code
 * that only talks to a classifier (e.g. the page side of @pqweb/worker), so its bundle stays small.
 */
export * from './api';
export { GpuDeviceLostError, GpuLimitError, GpuUnavailableError, KernelInputError } from './gpu/errors';
export { abortReason, type ModelSource, readModelSource, readStream } from './source';
