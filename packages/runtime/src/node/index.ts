export {
  createNodeDevice,
  createNodeGpu,
  installNodeGpu,
  type NodeGpuOptions,
} from './dawn';
export { loadNodeClassifier, type NodeLoadOptions } from './load-node';
export { onnxruntimeNodeBackbone } from './ort-node-backbone';
