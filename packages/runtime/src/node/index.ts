export { createNodeDevice, createNodeGpu, type NodeGpuOptions, requestedLimits } from './dawn';
