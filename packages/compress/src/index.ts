/**
 * @pqweb/compress — ONNX classifier in, the paper's quantizers, .pqw out. Node-only (worker_threads);
 * the browser runtime never imports it.
 */

export * from './onnx';
export {
  CompressOptionError,
  type CompressOptions,
  type CompressProgress,
  type CompressResult,
  compressOnnx,
  DEFAULT_MIN_PARAMS,
  describeLayerParams,
  type LayerReport,
  PRODUCER,
} from './pipeline';
export * from './quantize';
