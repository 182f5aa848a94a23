/**
 * Runs product-quantization jobs (PQ/RQ, segment by segment) either in this thread or on a pool of
 * worker_threads. Both run quantizeSegment on the same inputs, so their outputs are bit-identical; the pool
 * only changes how fast it goes. Workers are started from the TypeScript sources through tsx when this module
 * is itself a .ts file (vitest, `node --import tsx`), and from the compiled kmeans-worker.js otherwise. When
 * workers cannot start, the pool is not used and the job runs in this thread (same results, one core).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { QuantizerWorkerError } from './errors';
import {
  allocateProductBuffers,
  type ProductJobBuffers,
  type ProductJobSpec,
  quantizeSegment,
} from './product-segment';
import type { ProductJobMessage, WorkerReply } from './worker-protocol';

/** A worker that has not said 'ready' after this long is taken as broken (startup measured at ~0.3 s with tsx). */
const WORKER_STARTUP_TIMEOUT_MS = 60_000;

export interface ProductRunner {
  /** Quantizes the listed segments; outputs of unlisted segments stay 0. Outputs lie on plain ArrayBuffers. */
  run(
    spec: ProductJobSpec,
    weight: Float32Array,
    segmentList: Int32Array,
    onSegmentDone?: () => void,
  ): Promise<ProductJobBuffers>;
  /** Releases threads; the runner cannot be used afterwards. */
  close(): Promise<void>;
  readonly threads: number;
}

/** The in-thread runner: no start-up cost, one core. */
export const inThreadRunner: ProductRunner = {
  threads: 1,
  async run(spec, weight, segmentList, onSegmentDone) {
    const buffers = allocateProductBuffers(spec, weight, (bytes) => new ArrayBuffer(bytes));
    for (const segment of segmentList) {
      quantizeSegment(spec, buffers, segment);
      onSegmentDone?.();
    }
    return buffers;
  },
  async close() {},
};

interface WorkerEntry {
  source: string | URL;
  eval: boolean;
}

/** How to start kmeans-worker from wherever this module was loaded. Throws when tsx is needed but missing. */
function workerEntry(): WorkerEntry {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { source: new URL('./kmeans-worker.js', here), eval: false };
  // A worker's entry module is loaded before `--import` hooks in its execArgv take effect (Node 20), so a .ts
  // entry fails there; instead a tiny eval'd bootstrap registers tsx first and then imports the entry. tsx's
  // ESM API is located through its package.json "exports" (createRequire alone would pick the CJS build).
  const tsxApi = pathToFileURL(tsxEsmApiPath(createRequire(here))).href;
  const entry = new URL('./kmeans-worker.ts', here).href;
  const source =
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); ` +
    `return import(${JSON.stringify(entry)}); });`;
  return { source, eval: true };
}

/** Absolute path of tsx's `tsx/esm/api` ESM entry (the "import" condition of its exports map). */
function tsxEsmApiPath(require: NodeJS.Require): string {
  const manifestPath = require.resolve('tsx/package.json');
  const manifest: unknown = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const exportsMap = (manifest as { exports?: Record<string, { import?: { default?: string } | string }> })
    .exports;
  const entry = exportsMap?.['./esm/api']?.import;
  const relative = typeof entry === 'string' ? entry : entry?.default;
  if (relative === undefined) throw new Error(`${manifestPath} has no "./esm/api" import export`);
  return join(dirname(manifestPath), relative);
}

function waitForReady(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new QuantizerWorkerError(`worker not ready after ${WORKER_STARTUP_TIMEOUT_MS} ms`)),
      WORKER_STARTUP_TIMEOUT_MS,
    );
    const done = (error?: Error): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    const onMessage = (message: WorkerReply): void => {
      if (message.type === 'ready') done();
    };
    const onError = (error: Error): void => done(error);
    const onExit = (code: number): void =>
      done(new QuantizerWorkerError(`worker exited with code ${code} at start-up`));
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
}

/**
 * Starts `threads` workers; resolves to null when they cannot start (no tsx for a .ts build, a sandbox
 * without worker_threads, …), in which case callers use inThreadRunner.
 */
export async function startWorkerPool(threads: number): Promise<ProductRunner | null> {
  const workers: Worker[] = [];
  try {
    const entry = workerEntry();
    for (let i = 0; i < threads; i++) workers.push(new Worker(entry.source, { eval: entry.eval }));
    await Promise.all(workers.map(waitForReady));
  } catch (error: unknown) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    warnOnce(error);
    return null;
  }
  return new WorkerPool(workers);
}

let warned = false;

/** Results do not change without workers, only the speed; say so once per process rather than fail. */
function warnOnce(error: unknown): void {
  if (warned) return;
  warned = true;
  const reason = error instanceof Error ? error.message : String(error);
  process.emitWarning(`k-means worker threads could not start (${reason}); quantizing in one thread`, {
    code: 'PQWEB_NO_WORKERS',
  });
}

class WorkerPool implements ProductRunner {
  private readonly workers: Worker[];
  private nextJobId = 1;
  /** Shared copies of weight matrices, so repeated jobs on one layer (target-rate search) copy it once. */
  private readonly sharedWeights = new WeakMap<Float32Array, Float32Array>();

  constructor(workers: Worker[]) {
    this.workers = workers;
  }

  get threads(): number {
    return this.workers.length;
  }

  async run(
    spec: ProductJobSpec,
    weight: Float32Array,
    segmentList: Int32Array,
    onSegmentDone?: () => void,
  ): Promise<ProductJobBuffers> {
    const buffers = allocateProductBuffers(spec, this.share(weight), (bytes) => new SharedArrayBuffer(bytes));
    const sharedList = new Int32Array(
      new SharedArrayBuffer(segmentList.length * Int32Array.BYTES_PER_ELEMENT),
    );
    sharedList.set(segmentList);
    const nextIndex = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const jobId = this.nextJobId++;
    const message: ProductJobMessage = {
      type: 'job',
      jobId,
      spec,
      buffers,
      segmentList: sharedList,
      nextIndex,
    };
    await new Promise<void>((resolve, reject) => {
      let workersDone = 0;
      const cleanups: Array<() => void> = [];
      const finish = (error?: Error): void => {
        for (const cleanup of cleanups) cleanup();
        if (error) reject(error);
        else resolve();
      };
      for (const worker of this.workers) {
        const onMessage = (reply: WorkerReply): void => {
          if (reply.type === 'ready' || reply.jobId !== jobId) return;
          if (reply.type === 'segment-done') onSegmentDone?.();
          else if (reply.type === 'job-done') {
            workersDone++;
            if (workersDone === this.workers.length) finish();
          } else finish(new QuantizerWorkerError(`${reply.name}: ${reply.message}`, reply.stack));
        };
        const onError = (error: Error): void => finish(new QuantizerWorkerError(error.message, error.stack));
        const onExit = (code: number): void =>
          finish(new QuantizerWorkerError(`worker exited with code ${code}`));
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        cleanups.push(() => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        });
      }
      for (const worker of this.workers) worker.postMessage(message);
    });
    // Hand back plain (non-shared) copies: callers may transfer or post them like any other array.
    return {
      weight,
      codes: buffers.codes.slice(),
      codebook: buffers.codebook.slice(),
      squaredErrors: buffers.squaredErrors.slice(),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private share(weight: Float32Array): Float32Array {
    let shared = this.sharedWeights.get(weight);
    if (shared === undefined) {
      shared = new Float32Array(new SharedArrayBuffer(weight.byteLength));
      shared.set(weight);
      this.sharedWeights.set(weight, shared);
    }
    return shared;
  }
}
