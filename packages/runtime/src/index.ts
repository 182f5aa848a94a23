/**
 * @pqweb/runtime — run .pqw classifiers: the dense head on its codes (WebGPU lookup-table kernels, or the CPU
 * executor), the embedded ONNX backbone on onnxruntime-web. Browser-safe; Node helpers live in
 * `@pqweb/runtime/node`.
 */
export * from './api';
export {
  type BackboneFactory,
  type BackboneRunner,
  configureOrtWasm,
  ortWebBackbone,
  ortWebCpuBackbone,
} from './backbone';
export { loadClassifier } from './classifier';
export * from './cpu';
export { denseForward } from './cpu/dense';
export {
  acquireDevice,
  type DeviceHandle,
  getGpu,
  isSoftwareDevice,
  OPTIONAL_FEATURES,
  requestedLimits,
} from './device';
export { GpuDeviceLostError, GpuLimitError, GpuUnavailableError, KernelInputError } from './gpu/errors';
export { CpuHead, type CpuHeadOptions, type CpuLayerKernel } from './head/cpu-head';
export { GpuHead, type GpuHeadOptions, type HeadInput } from './head/gpu-head';
export * from './kernels';
export {
  createDenseKernel,
  DEFAULT_DENSE_WORKGROUP_SIZE,
  DENSE_UNIFORMS,
  type DenseBuffers,
  type DenseKernel,
  type DenseKernelOptions,
  type DenseSizes,
  type DenseVariant,
} from './kernels/dense';
export { pixelsToTensor, resizeRgba, toInputTensor } from './preprocess';
export type { ModelSource } from './source';
export { topPredictions } from './topk';
