/**
 * Page side: createWorkerClassifier, the runtime's Classifier with the work in a Web Worker. Same interface as
 * loadClassifier's, so a caller swaps one for the other; the extras are the worker's own (which Worker, the
 * cache, the pinned hash) and an AbortSignal per call.
 */
import {
  type Classifier,
  ClassifierDisposedError,
  type ClassifierInfo,
  type ClassifierInput,
  type ClassifyOptions,
  type ClassifyResult,
  type LoadOptions,
  type LoadProgress,
  type ModelSource,
} from '@pqweb/runtime/api';
import { type Endpoint, proxy, type Remote, transfer, wrap } from 'comlink';
import { MODEL_CACHE_MODES, type ModelCacheMode, normalizeSha256 } from './cache';
import { installErrorTransfer } from './error-transfer';
import { WorkerCrashedError } from './errors';
import { type PreparedInputs, prepareInputs } from './inputs';
import { hasWebLocks, lifelineName, watchLifeline } from './lifeline';
import type { ClassifierWorkerApi, WorkerLoadRequest } from './protocol';

/**
 * What the classifier needs of a worker: a comlink endpoint it can terminate. A `Worker` is one; so is a
 * MessagePort with a `terminate` (tests run the host on the other port).
 */
export interface WorkerLike extends Endpoint {
  terminate(): void;
}

/** A worker, or a function that makes one (called again to restart after a crash). */
export type WorkerOption = WorkerLike | (() => WorkerLike);

export interface WorkerLoadOptions extends Omit<LoadOptions, 'device' | 'backbone'> {
  /**
   * The worker to run in. Default: the package's own entry, started as
   * `new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' })`. A function is called again after a
   * crash; a Worker instance cannot be restarted, so calls after its crash reject. The classifier owns the
   * worker: dispose() terminates it.
   */
  worker?: WorkerOption;
  /** SHA-256 of the .pqw, 64 hex digits. Checked on every load; a cached copy that matches needs no request. */
  sha256?: string;
  /**
   * 'default': with sha256 a matching cached copy is used with no request, without it the copy is revalidated
   * with a HEAD request (ETag / Last-Modified). 'force-cache': any cached copy, no request. 'no-store': no cache.
   */
  cache?: ModelCacheMode;
}

export interface WorkerClassifyOptions extends ClassifyOptions {
  /** Cancels this call: it rejects with the signal's DOMException (AbortError), and never runs if still queued. */
  signal?: AbortSignal;
}

/** The runtime's Classifier, whose calls also take an AbortSignal. Assignable to `Classifier`. */
export interface WorkerClassifier extends Classifier {
  classify(input: ClassifierInput, options?: WorkerClassifyOptions): Promise<ClassifyResult>;
  classifyBatch(inputs: ClassifierInput[], options?: WorkerClassifyOptions): Promise<ClassifyResult[]>;
}

/** How long dispose() waits for the worker to release its GPU resources before terminating it anyway. */
const DISPOSE_GRACE_MS = 5_000;

function startDefaultWorker(): WorkerLike {
  // Vite and webpack 5 bundle the worker from this exact pattern (a literal URL and literal options, so the
  // name cannot be a constant).
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'pqweb-classifier' });
}

/** The DOMException a call aborted by `signal` rejects with: the signal's own when it is one, else an AbortError. */
export function abortErrorFor(signal: AbortSignal): DOMException {
  const { reason } = signal;
  if (reason instanceof DOMException) return reason;
  const detail = reason === undefined ? '' : `: ${reason instanceof Error ? reason.message : String(reason)}`;
  return new DOMException(`the call was aborted${detail}`, 'AbortError');
}

/** An ErrorEvent's message ('' for a plain Event: a worker script that failed to load sends one). */
function errorEventMessage(event: Event): string {
  const message: unknown = Reflect.get(event, 'message');
  return typeof message === 'string' ? message : '';
}

function workerStarter(option: WorkerOption | undefined): () => WorkerLike {
  if (option === undefined) return startDefaultWorker;
  if (typeof option === 'function') return option;
  let given: WorkerLike | null = option;
  return () => {
    if (!given) {
      throw new WorkerCrashedError(
        'the Worker passed in options.worker has stopped and cannot be restarted; pass a function that creates a Worker to get automatic restarts',
      );
    }
    const worker = given;
    given = null;
    return worker;
  };
}

function resolveSource(source: ModelSource): string | Blob {
  if (typeof source === 'string' || source instanceof URL) {
    // Against the page: a worker would resolve a relative URL against its own script.
    return new URL(String(source), globalThis.document?.baseURI ?? globalThis.location?.href).href;
  }
  if (source instanceof Blob) return source;
  // Copied once into a Blob: the caller keeps its buffer, and restarts after a crash reuse the Blob.
  if (source instanceof ArrayBuffer) return new Blob([source]);
  return new Blob([source.slice()]);
}

function loadRequestFrom(source: ModelSource, options: WorkerLoadOptions): WorkerLoadRequest {
  // Taken apart: what the page keeps (callback, signal), what is the worker layer's, what crosses as data.
  const { worker, sha256, cache = 'default', onProgress, signal, ...runtime } = options;
  if ('device' in runtime && runtime.device !== undefined) {
    throw new TypeError(
      'options.device: a GPUDevice cannot cross into a worker; drop it (the worker gets its own device) or use loadClassifier in this thread',
    );
  }
  for (const [key, value] of Object.entries(runtime)) {
    if (typeof value === 'function') {
      throw new TypeError(
        `options.${key} is a function, which cannot cross into a worker; set it up in a custom worker entry (see @pqweb/worker/host) or use loadClassifier in this thread`,
      );
    }
  }
  if (!MODEL_CACHE_MODES.includes(cache)) {
    throw new RangeError(
      `options.cache must be one of ${MODEL_CACHE_MODES.join(', ')}, got ${JSON.stringify(cache)}`,
    );
  }
  return {
    source: resolveSource(source),
    sha256: sha256 === undefined ? null : normalizeSha256(sha256),
    cache,
    options: runtime,
  };
}

/** One worker with the model loaded in it (or loading). */
interface Connection {
  readonly worker: WorkerLike;
  readonly remote: Remote<ClassifierWorkerApi>;
  /** Settles when the model has loaded in this worker. */
  ready: Promise<void>;
  /** Rejecters of every call not yet settled, for a crash to reject them all. */
  readonly pending: Set<(error: unknown) => void>;
  /** Aborted when the page closes the connection: withdraws the lifeline watch and the event listeners. */
  readonly watch: AbortController;
  closed: boolean;
}

class RemoteClassifier implements WorkerClassifier {
  private connection: Connection | null = null;
  private disposed = false;
  private nextCallId = 1;
  /** Posts happen in call order even when preparing an input (createImageBitmap) takes a while. */
  private postChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly request: WorkerLoadRequest,
    private readonly startWorker: () => WorkerLike,
  ) {}

  /** The first load, with the caller's progress callback and signal. */
  async start(onProgress: ((progress: LoadProgress) => void) | undefined, signal: AbortSignal | undefined) {
    signal?.throwIfAborted();
    const connection = this.connect(onProgress);
    this.connection = connection;
    const abort = () => {
      // Nothing of a half-loaded worker is worth keeping: stop it, fetch and all.
      if (signal) this.shutDown(connection, abortErrorFor(signal));
    };
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await connection.ready;
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  private connect(onProgress?: (progress: LoadProgress) => void): Connection {
    const worker = this.startWorker();
    const connection: Connection = {
      worker,
      remote: wrap<ClassifierWorkerApi>(worker),
      ready: Promise.resolve(),
      pending: new Set(),
      watch: new AbortController(),
      closed: false,
    };
    const { signal } = connection.watch;
    worker.addEventListener(
      'error',
      (event) => {
        // Handled here: not also reported as an uncaught error of the page.
        event.preventDefault();
        this.crash(
          connection,
          `uncaught error in the worker: ${errorEventMessage(event) || 'its script failed to load'}`,
        );
      },
      { signal },
    );
    worker.addEventListener(
      'messageerror',
      () => this.crash(connection, 'a message from the worker could not be deserialized'),
      { signal },
    );
    // A fresh function: comlink's proxy() marks the object it is given, and the caller's is not ours to mark.
    const progress = onProgress ? proxy((event: LoadProgress) => onProgress(event)) : undefined;
    const loadId = this.nextCallId++;
    connection.ready = this.track(connection, async () => {
      const lifeline = lifelineName();
      if (hasWebLocks() && (await connection.remote.holdLifeline(lifeline))) {
        watchLifeline(lifeline, signal, () =>
          this.crash(connection, 'the worker stopped (terminated or killed)'),
        );
      }
      await connection.remote.load(loadId, this.request, progress);
    });
    // A worker whose load failed is of no use: stop it, so the next call starts afresh.
    connection.ready.catch(() => this.close(connection));
    return connection;
  }

  /** Run `task` as a call of `connection`: a crash of the connection rejects it. */
  private track<T>(
    connection: Connection,
    task: () => Promise<T>,
    signal?: AbortSignal,
    onAbort?: () => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const abort = () => {
        reject(signal ? abortErrorFor(signal) : undefined);
        onAbort?.();
      };
      connection.pending.add(reject);
      signal?.addEventListener('abort', abort, { once: true });
      task()
        .then(resolve, reject)
        .finally(() => {
          connection.pending.delete(reject);
          signal?.removeEventListener('abort', abort);
        });
    });
  }

  private crash(connection: Connection, reason: string): void {
    if (connection.closed) return;
    this.shutDown(
      connection,
      new WorkerCrashedError(`${reason}; pending calls were rejected and the next call starts a new worker`),
    );
  }

  /** Stop the worker and reject every call still pending on it with `error`. */
  private shutDown(connection: Connection, error: unknown): void {
    this.close(connection);
    for (const reject of connection.pending) reject(error);
    connection.pending.clear();
  }

  private close(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    connection.watch.abort();
    connection.worker.terminate();
    if (this.connection === connection) this.connection = null;
  }

  /**
   * Send one call: after the model is ready and every earlier call was posted, with inputs prepared. A call
   * aborted before it is posted is never sent; one aborted after is cancelled in the worker.
   */
  private call<A, T>(
    signal: AbortSignal | undefined,
    prepared: Promise<A>,
    post: (remote: Remote<ClassifierWorkerApi>, callId: number, args: A) => Promise<T>,
  ): Promise<T> {
    if (this.disposed) {
      return Promise.reject(new ClassifierDisposedError('this classifier was disposed; create a new one'));
    }
    if (signal?.aborted) return Promise.reject(abortErrorFor(signal));
    let connection: Connection;
    try {
      connection = this.connection ?? this.connect();
    } catch (error) {
      return Promise.reject(error);
    }
    this.connection = connection;
    const callId = this.nextCallId++;
    let posted = false;
    // Boxed, so the chain waits for the post and not for the reply.
    const posting = this.postChain.then(async () => {
      await connection.ready;
      const args = await prepared;
      if (signal?.aborted) throw abortErrorFor(signal);
      posted = true;
      return { reply: post(connection.remote, callId, args) };
    });
    this.postChain = posting.catch(() => undefined);
    const cancelInWorker = () => {
      if (posted && !connection.closed) void connection.remote.cancel(callId).catch(() => undefined);
    };
    return this.track(connection, async () => (await posting).reply, signal, cancelInWorker);
  }

  classify(input: ClassifierInput, options: WorkerClassifyOptions = {}): Promise<ClassifyResult> {
    return this.classifyBatch([input], options).then(([result]) => {
      if (!result) throw new Error('the worker returned no result for one input');
      return result;
    });
  }

  classifyBatch(inputs: ClassifierInput[], options: WorkerClassifyOptions = {}): Promise<ClassifyResult[]> {
    if (inputs.length === 0) return Promise.resolve([]);
    const { signal, ...rest } = options;
    // Only cloneable fields cross (an AbortSignal cannot).
    const classifyOptions: ClassifyOptions = {
      ...(rest.topK === undefined ? {} : { topK: rest.topK }),
      ...(rest.profile === undefined ? {} : { profile: rest.profile }),
    };
    const prepared = prepareInputs(inputs);
    // A rejection here reaches the caller through the call; do not also report it as unhandled.
    prepared.catch(() => undefined);
    return this.call(signal, prepared, (remote, callId, wire: PreparedInputs) =>
      // comlink transfers what is registered for the argument object itself.
      remote.classify(callId, transfer(wire.inputs, wire.transfer), classifyOptions),
    );
  }

  info(): Promise<ClassifierInfo> {
    return this.call(undefined, Promise.resolve(), (remote, callId) => remote.info(callId));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    const connection = this.connection;
    // Queued behind the pending calls, which finish first; then the worker frees its GPU resources.
    const released = connection
      ? this.call(undefined, Promise.resolve(), (remote, callId) => remote.dispose(callId))
      : Promise.resolve();
    this.disposed = true;
    if (!connection) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DISPOSE_GRACE_MS);
    });
    try {
      await Promise.race([released, grace]);
    } catch {
      // A worker that crashed or failed to load has nothing left to release.
    } finally {
      clearTimeout(timer);
      // Normally nothing is left (dispose ran after every earlier call); after the grace period, whatever is.
      this.shutDown(
        connection,
        new ClassifierDisposedError('the classifier was disposed while this call was pending'),
      );
    }
  }
}

/**
 * Load a .pqw classifier in a Web Worker. Same call and result as the runtime's loadClassifier.
 *
 * ```ts
 * const classifier = await createWorkerClassifier('/models/fashion-vgg.pqw', { onProgress, sha256 });
 * const { top } = await classifier.classify(await createImageBitmap(file)); // the bitmap is transferred
 * ```
 */
export async function createWorkerClassifier(
  source: ModelSource,
  options: WorkerLoadOptions = {},
): Promise<WorkerClassifier> {
  installErrorTransfer();
  const classifier = new RemoteClassifier(loadRequestFrom(source, options), workerStarter(options.worker));
  await classifier.start(options.onProgress, options.signal);
  return classifier;
}
