/**
 * Worker side: the runtime's in-thread classifier behind comlink. Calls run in arrival order (CallQueue);
 * results go back with their logits buffers transferred. `src/worker.ts` is the ready entry; a custom entry
 * (to set onnxruntime-web's wasm paths first, say) calls `exposeClassifier()` itself.
 */
import { FormatError } from '@pqweb/format';
import {
  type Classifier,
  ClassifierDisposedError,
  type ClassifyResult,
  type LoadOptions,
  loadClassifier,
} from '@pqweb/runtime';
import { type Endpoint, expose, releaseProxy, transfer } from 'comlink';
import { CallQueue } from './call-queue';
import { installErrorTransfer } from './error-transfer';
import { holdLifeline } from './lifeline';
import { browserModelIo, type ModelBytesOptions, type ModelIo, readModelBytes } from './model-bytes';
import type { ClassifierWorkerApi, ProgressSink, WorkerLoadRequest } from './protocol';

/** Relays progress to the page; `flush` waits until the page has seen the last event. */
function progressRelay(sink: ProgressSink | undefined): {
  report: ModelBytesOptions['onProgress'];
  flush(): Promise<unknown>;
} {
  let last: Promise<unknown> = Promise.resolve();
  return {
    report: sink
      ? (progress) => {
          // Events are posted in order on one port, so awaiting the last awaits them all.
          last = Promise.resolve(sink(progress)).catch(() => undefined);
        }
      : undefined,
    flush: () => last,
  };
}

/** Free the page-side end of a comlink callback proxy (a plain function has no releaser: a no-op). */
function releaseCallback(callback: ProgressSink | undefined): void {
  const release: unknown = callback ? Reflect.get(callback, releaseProxy) : undefined;
  if (typeof release === 'function') release();
}

function transferLogits(results: ClassifyResult[]): ClassifyResult[] {
  const buffers = new Set<ArrayBuffer>();
  for (const { logits } of results) if (logits.buffer instanceof ArrayBuffer) buffers.add(logits.buffer);
  return transfer(results, [...buffers]);
}

function runtimeOptions(request: WorkerLoadRequest, signal: AbortSignal): LoadOptions {
  return { ...request.options, signal };
}

/** The worker-side API; `io` (fetch and the model cache) defaults to the browser's. */
export function createClassifierHost(io: ModelIo = browserModelIo()): ClassifierWorkerApi {
  const queue = new CallQueue();
  let classifier: Classifier | null = null;

  const requireClassifier = (): Classifier => {
    if (!classifier)
      throw new ClassifierDisposedError('no model is loaded in this worker (disposed, or load failed)');
    return classifier;
  };

  const loadModel = async (
    request: WorkerLoadRequest,
    onProgress: ProgressSink | undefined,
    signal: AbortSignal,
  ): Promise<void> => {
    const progress = progressRelay(onProgress);
    const readOptions = { onProgress: progress.report, signal };
    let model = await readModelBytes(request, readOptions, io);
    let loaded: Classifier;
    try {
      loaded = await loadClassifier(model.bytes, runtimeOptions(request, signal));
    } catch (error) {
      // A cached file that fails its checksums was damaged at rest: drop it and fetch once more.
      if (model.origin !== 'cache' || !(error instanceof FormatError)) throw error;
      await model.discard();
      model = await readModelBytes(request, readOptions, io);
      loaded = await loadClassifier(model.bytes, runtimeOptions(request, signal));
    }
    await progress.flush();
    // Only files that loaded are cached.
    await model.commit();
    const previous = classifier;
    classifier = loaded;
    await previous?.dispose();
  };

  return {
    holdLifeline,
    load: (callId, request, onProgress) =>
      queue
        .run(callId, (signal) => loadModel(request, onProgress, signal))
        .finally(() => releaseCallback(onProgress)),
    classify: (callId, inputs, options) =>
      queue.run(callId, async () => transferLogits(await requireClassifier().classifyBatch(inputs, options))),
    info: (callId) => queue.run(callId, () => requireClassifier().info()),
    dispose: (callId) =>
      queue.run(callId, async () => {
        const disposing = classifier;
        classifier = null;
        await disposing?.dispose();
      }),
    cancel: (callId) => {
      queue.cancel(callId);
    },
    stats: () => ({ ...queue.stats }),
  };
}

/** Serve a classifier on `endpoint` (default: this worker's global scope); returns the host it serves. */
export function exposeClassifier(endpoint?: Endpoint): ClassifierWorkerApi {
  installErrorTransfer();
  const host = createClassifierHost();
  expose(host, endpoint);
  return host;
}
