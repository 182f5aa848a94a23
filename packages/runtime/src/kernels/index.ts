export {
  createLayerExecutor,
  DEFAULT_WORKGROUP_SIZE,
  DEFAULT_WORKGROUP_STORAGE_BYTES,
  type LayerExecutor,
  type LayerExecutorOptions,
  type LayerGpuBuffers,
  type LutLayerDescriptor,
} from './executor';
export { GATHER_BATCH_TILE, GATHER_PARAMS, LUT_BUILD_PARAMS, REDUCE_PARAMS } from './params';
export {
  type CodeBlock,
  type CodeBlockPlan,
  chooseLutVariant,
  type ExecutorVariant,
  type GatherGeometry,
  LUT_VARIANTS,
  type LutVariant,
  lutGeometry,
  planCodeBlocks,
  rowGrouping,
  type ScalarVariant,
  SMALL_LAYER_LOOKUPS,
  scalarGeometry,
  TARGET_WORKGROUPS,
} from './plan';
