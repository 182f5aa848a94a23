/**
 * @pqweb/worker — the runtime's Classifier in a Web Worker, through comlink: same interface as loadClassifier,
 * with the model cached (Cache API), an optional pinned sha256, progress, per-call AbortSignals, errors that
 * keep their class across the boundary, and restart after a crash. See README.md.
 * The worker entry is `@pqweb/worker/worker`; `@pqweb/worker/host` is for custom worker entries.
 */

export { cacheKeyFor, clearCache, MODEL_CACHE_NAME, type ModelCacheMode, SHA256_HEADER } from './cache';
export {
  deserializeError,
  installErrorTransfer,
  type SerializedError,
  serializeError,
} from './error-transfer';
export { IntegrityError, WorkerCrashedError } from './errors';
export type { ClassifierWorkerApi, WireInput, WorkerLoadRequest } from './protocol';
export {
  abortErrorFor,
  createWorkerClassifier,
  type WorkerClassifier,
  type WorkerClassifyOptions,
  type WorkerLike,
  type WorkerLoadOptions,
  type WorkerOption,
} from './worker-classifier';
