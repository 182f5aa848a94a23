/**
 * ONNX in and out for the compressor: find a classifier's dense head and split it off (`splitDenseHead`),
 * put a runnable model back together from a backbone and dense weights (`buildDenseOnnx`), and describe a
 * model (`describeOnnx`).
 */
export { buildDenseOnnx } from './build';
export { describeOnnx } from './describe';
export { DenseLayerShapeError, OnnxParseError, UnsupportedModelError } from './errors';
export { splitDenseHead } from './split';
export type {
  BuildDenseOnnxArgs,
  DenseHeadSplit,
  DenseLayerSpec,
  DenseLayerWeights,
  OnnxDescription,
  OnnxInputInfo,
} from './types';
