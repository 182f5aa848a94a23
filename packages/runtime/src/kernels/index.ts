export {
  CODE_ROW_TILE,
  codeRowTiles,
  gpuCodeWords,
  gpuStageWords,
  interleaveCodeRows,
} from './code-layout';
export {
  createLayerExecutor,
  DEFAULT_LUT_WORKGROUP_SIZE,
  DEFAULT_WORKGROUP_SIZE,
  DEFAULT_WORKGROUP_STORAGE_BYTES,
  type DispatchTimer,
  type LayerExecutor,
  type LayerExecutorOptions,
  type LayerGpuBuffers,
  type LutLayerDescriptor,
} from './executor';
export { GATHER_BATCH_TILE, GATHER_PARAMS, LUT_BUILD_PARAMS, REDUCE_PARAMS } from './params';
export {
  BANKED_BATCH_TILE,
  BANKED_TARGET_WORKGROUPS,
  bankedRowsPerInvocation,
  type CodeBlock,
  type CodeBlockPlan,
  canBuildTableWithVec4,
  chooseLutVariant,
  defaultTargetWorkgroups,
  type ExecutorVariant,
  type GatherGeometry,
  LUT_VARIANTS,
  type LutVariant,
  lutGeometry,
  MAX_ROWS_PER_INVOCATION,
  MAX_WORDS_IN_FLIGHT,
  planCodeBlocks,
  rowGrouping,
  type ScalarVariant,
  SMALL_LAYER_LOOKUPS,
  scalarGeometry,
  TARGET_WORKGROUPS,
  wordsInFlightFor,
} from './plan';
export { type DispatchStage, GATHER_ABLATIONS, type GatherAblation } from './program';
