/**
 * What the worker exposes through comlink (`exposeClassifier`) and the page calls through a typed
 * `Remote<ClassifierWorkerApi>`. Every value here crosses by structured clone (or transfer).
 */
import type {
  ClassifierInfo,
  ClassifyOptions,
  ClassifyResult,
  LoadOptions,
  LoadProgress,
  PixelInput,
  TensorInput,
} from '@pqweb/runtime/api';
import type { ModelCacheMode } from './cache';

/** Inputs as they cross: DOM elements and canvases become ImageBitmaps on the page side first. */
export type WireInput = Float32Array | TensorInput | PixelInput | ImageBitmap | ImageData;

/**
 * The runtime's load options that cross as data. The page keeps the callback and signal (they cross as a
 * comlink proxy and a cancel call); a GPUDevice and function-valued options cannot cross at all.
 */
export type RuntimeLoadOptions = Omit<LoadOptions, 'device' | 'backbone' | 'onProgress' | 'signal'>;

export interface WorkerLoadRequest {
  /** An absolute URL (resolved against the page, not the worker script), or the bytes as a Blob. */
  source: string | Blob;
  /** Lowercase hex, or null. */
  sha256: string | null;
  cache: ModelCacheMode;
  options: RuntimeLoadOptions;
}

/**
 * A progress callback from the page. Through comlink it is a proxy whose calls return promises that settle
 * once the page ran the callback.
 */
export type ProgressSink = (progress: LoadProgress) => unknown;

export interface ClassifierWorkerApi {
  /**
   * Take the Web Lock `lockName` and hold it until the worker dies, so the page learns of a terminated worker
   * (its lock request is granted). Resolves true once held; false where Web Locks are missing.
   */
  holdLifeline(lockName: string): Promise<boolean>;
  load(callId: number, request: WorkerLoadRequest, onProgress: ProgressSink | undefined): Promise<void>;
  classify(callId: number, inputs: WireInput[], options: ClassifyOptions): Promise<ClassifyResult[]>;
  info(callId: number): Promise<ClassifierInfo>;
  dispose(callId: number): Promise<void>;
  /** Cancel a queued or running call: a queued one never runs, a running load stops reading. */
  cancel(callId: number): void;
  /** Calls run and calls skipped because they were cancelled before their turn (for tests and diagnostics). */
  stats(): { started: number; skipped: number };
}
