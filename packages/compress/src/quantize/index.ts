/**
 * The paper's quantizers for dense layers (shared/paper.md): binarization, scalar k-means, product
 * quantization (PQ), residual quantization (RQ) and the SVD baseline; storage accounting; the target-rate
 * search. Seeded and deterministic: the same seed gives the same bytes whatever the thread count.
 */
export { QuantizerOptionError, QuantizerWorkerError } from './errors';
export { type KmeansOptions, type KmeansResult, kmeans } from './kmeans';
export { quantizeMatrix } from './quantize-matrix';
export { packedCodeBits, type StorageBits, type StorageChoice, storageBits } from './storage';
export {
  chooseForTargetRate,
  type RateChoice,
  type RateLayerInput,
  type RateLayerResult,
  TARGET_RATE_GRID,
  type TargetRateOptions,
} from './target-rate';
export type { QuantizedLayer, QuantizeOptions, QuantizeResult, QuantMethodOption } from './types';
