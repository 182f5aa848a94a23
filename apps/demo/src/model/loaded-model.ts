/**
 * Loads a .pqw into a worker classifier (@pqweb/worker): the main thread only posts pixels and reads results,
 * so it stays responsive while the GPU or wasm works. The worker caches URL models (Cache API, sha256 pinned
 * for the bundled one).
 */
import type { BackendOption, ClassifierInfo, LoadOptions, LoadProgress } from '@pqweb/runtime/api';
import { createWorkerClassifier, type WorkerClassifier } from '@pqweb/worker';
import { type ModelSummary, summarizeModel } from './describe';
import type { ModelOrigin } from './model-source';

/** Lookup-table width of the PQ / RQ layers (LoadOptions.tableBits): 32, float32 tables, or 8. */
export type TableBitsOption = NonNullable<LoadOptions['tableBits']>;

/** Classes shown per result: the UI's top-5 bars. */
export const TOP_K = 5;

export interface LoadedModel {
  origin: ModelOrigin;
  /** Lookup-table width the PQ / RQ layers run on (LoadOptions.tableBits). */
  tableBits: TableBitsOption;
  classifier: WorkerClassifier;
  info: ClassifierInfo;
  summary: ModelSummary;
  /** Size of the .pqw, bytes (from the download's length, or the picked file's size). */
  fileBytes: number | null;
  /**
   * From the start of the load until the classifier was ready, ms: download, decode, GPU upload, backbone
   * session, and one warm-up call that compiles the kernels.
   */
  loadMs: number;
}

export interface ModelLoadOptions {
  backend: BackendOption;
  /** 8: the PQ / RQ layers on 8-bit lookup tables (an opt-in accuracy level); default 32. */
  tableBits?: TableBitsOption;
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
}

export async function loadModel(origin: ModelOrigin, options: ModelLoadOptions): Promise<LoadedModel> {
  const started = performance.now();
  const tableBits = options.tableBits ?? 32;
  let fileBytes: number | null = origin.kind === 'file' ? origin.file.size : null;
  const source = origin.kind === 'file' ? origin.file : origin.url;
  const classifier = await createWorkerClassifier(source, {
    backend: options.backend,
    tableBits,
    topK: TOP_K,
    signal: options.signal,
    sha256: origin.kind === 'bundled' ? (origin.sha256 ?? undefined) : undefined,
    onProgress: (progress) => {
      fileBytes = progress.total ?? progress.loaded;
      options.onProgress?.(progress);
    },
  });
  try {
    const info = await classifier.info();
    // One call on a blank input compiles the shaders and pipelines now, not on the user's first image.
    const { preprocessing: p } = info.manifest;
    await classifier.classify(new Float32Array(p.channels * p.height * p.width), { signal: options.signal });
    return {
      origin,
      tableBits,
      classifier,
      info,
      summary: summarizeModel(info.manifest, info.kernels),
      fileBytes,
      loadMs: performance.now() - started,
    };
  } catch (error) {
    await classifier.dispose();
    throw error;
  }
}
