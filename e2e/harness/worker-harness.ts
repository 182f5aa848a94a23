/**
 * Harness page for the worker specs: puts the classifiers (worker and in-thread), the error classes, the test
 * models and small helpers on `window.pq`, for specs to drive with page.evaluate, then sets
 * `body[data-state=ready]`.
 */
// Relative imports, as in main.ts: the harness has no dependency on the packages. The packages' own `@pqweb/*`
// imports resolve to these same files, so `instanceof` sees one class.
import { FormatError } from '../../packages/format/src/index';
import {
  ClassifierDisposedError,
  InputError,
  loadClassifier,
  ModelLoadError,
} from '../../packages/runtime/src/index';
import {
  cacheKeyFor,
  clearCache,
  createWorkerClassifier,
  IntegrityError,
  MODEL_CACHE_NAME,
  WorkerCrashedError,
} from '../../packages/worker/src/index';
import { randomArray, seededRandom } from './random';
import {
  buildTestModel,
  INPUT_SIZE,
  referenceLogits,
  referenceTensor,
  TEST_PREPROCESSING,
} from './worker-model';
import type { WorkerTestHook } from './worker-test-entry';

const models = {
  tiny: buildTestModel('tiny', { seed: 1, backbone: false }),
  tinyV2: buildTestModel('tiny', { seed: 2, backbone: false, labelPrefix: 'v2' }),
  backbone: buildTestModel('tiny', { seed: 3, backbone: true }),
  heavy: buildTestModel('heavy', { seed: 4, backbone: false }),
};
export type ModelName = keyof typeof models;

/** Workers started through `trackedWorker`, for specs to terminate or poke. */
const workers: Worker[] = [];

function trackedWorker(): Worker {
  const worker = new Worker(new URL('./worker-test-entry.ts', import.meta.url), { type: 'module' });
  workers.push(worker);
  return worker;
}

/**
 * The package's ready entry, started as its README tells a Vite app to (there with the bare specifier
 * '@pqweb/worker/worker', which this harness cannot resolve: it does not depend on the package).
 */
function packageEntryWorker(): Worker {
  return new Worker(new URL('../../packages/worker/src/worker.ts', import.meta.url), { type: 'module' });
}

function sendHook(worker: Worker, hook: WorkerTestHook): void {
  worker.postMessage(hook);
}

function workerStats(worker: Worker): Promise<{ started: number; skipped: number }> {
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent<unknown>) => {
      const data = event.data;
      if (
        typeof data === 'object' &&
        data !== null &&
        'hook' in data &&
        'started' in data &&
        'skipped' in data
      ) {
        worker.removeEventListener('message', onMessage);
        resolve({ started: Number(data.started), skipped: Number(data.skipped) });
      }
    };
    worker.addEventListener('message', onMessage);
    sendHook(worker, { hook: 'stats' });
  });
}

function randomTensor(seed: number): Float32Array<ArrayBuffer> {
  return randomArray(INPUT_SIZE, seededRandom(seed));
}

/** How long a busy batch (busyBatch) should keep a worker: far past the 30 ms the specs wait before they act. */
const BUSY_MS = 1000;
/** Most inputs of a busy batch, however fast the machine. */
const MOST_BUSY_INPUTS = 20_000;

/**
 * Inputs for a classifyBatch that keeps `classifier`'s worker busy for about BUSY_MS, sized from a timed batch of 20
 * (at least 100): the specs that crash or abort calls while a batch runs need it still running after their wait, and
 * a fixed 100 calls ended within 30 ms on a fast machine.
 */
async function busyBatch(classifier: {
  classifyBatch(inputs: Float32Array<ArrayBuffer>[]): Promise<unknown>;
}): Promise<Float32Array<ArrayBuffer>[]> {
  const probe = 20;
  const started = performance.now();
  await classifier.classifyBatch(Array.from({ length: probe }, (_, i) => randomTensor(i)));
  const perInputMs = Math.max((performance.now() - started) / probe, 0.01);
  const inputs = Math.min(MOST_BUSY_INPUTS, Math.max(100, Math.ceil(BUSY_MS / perInputMs)));
  return Array.from({ length: inputs }, (_, i) => randomTensor(i));
}

/** Opaque gray RGBA pixels (r = g = b), 8×8. */
function grayPixels(seed: number): Uint8ClampedArray<ArrayBuffer> {
  const random = seededRandom(seed);
  const rgba = new Uint8ClampedArray(INPUT_SIZE * 4);
  for (let i = 0; i < INPUT_SIZE; i++) {
    const value = Math.floor(random() * 256);
    rgba.set([value, value, value, 255], i * 4);
  }
  return rgba;
}

function grayImageData(seed: number): ImageData {
  return new ImageData(grayPixels(seed), TEST_PREPROCESSING.width, TEST_PREPROCESSING.height);
}

function modelBase64(name: ModelName): string {
  let binary = '';
  for (const byte of models[name].bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The cached entry for a model URL: its byte length and sha256, or null when there is none. */
async function cachedEntry(url: string): Promise<{ bytes: number; sha256: string } | null> {
  const cache = await caches.open(MODEL_CACHE_NAME);
  const response = await cache.match(cacheKeyFor(url, location.href));
  if (!response) return null;
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { bytes: bytes.byteLength, sha256: await sha256Hex(bytes) };
}

/** The error's class as the page sees it, for specs to assert on. */
function describeError(error: unknown): {
  name: string;
  message: string;
  stack: string;
  classes: string[];
  fields: Record<string, unknown>;
} {
  const classes = Object.entries(errorClasses)
    .filter(([, errorClass]) => error instanceof errorClass)
    .map(([name]) => name);
  if (!(error instanceof Error))
    return { name: typeof error, message: String(error), stack: '', classes, fields: {} };
  return {
    name: error.name,
    message: error.message,
    stack: error.stack ?? '',
    classes,
    fields: JSON.parse(JSON.stringify(error)) as Record<string, unknown>,
  };
}

/** A load the spec starts, aborts when its request is seen, and then inspects. */
interface TrackedLoad {
  controller: AbortController;
  abortedAt: number;
  outcome: Promise<{ error: ReturnType<typeof describeError> | null; settledAt: number }>;
}
const trackedLoads = new Map<string, TrackedLoad>();

function startLoad(url: string): void {
  const controller = new AbortController();
  const outcome = createWorkerClassifier(url, { backend: 'wasm', signal: controller.signal }).then(
    async (classifier) => {
      await classifier.dispose();
      return { error: null, settledAt: performance.now() };
    },
    (error: unknown) => ({ error: describeError(error), settledAt: performance.now() }),
  );
  trackedLoads.set(url, { controller, abortedAt: Number.NaN, outcome });
}

function abortLoad(url: string): void {
  const load = trackedLoads.get(url);
  if (!load) throw new Error(`no load of ${url} was started`);
  load.abortedAt = performance.now();
  load.controller.abort();
}

/** How the load ended, and how long after the abort it rejected. */
async function loadOutcome(
  url: string,
): Promise<{ error: ReturnType<typeof describeError> | null; afterAbortMs: number }> {
  const load = trackedLoads.get(url);
  if (!load) throw new Error(`no load of ${url} was started`);
  const { error, settledAt } = await load.outcome;
  return { error, afterAbortMs: settledAt - load.abortedAt };
}

const errorClasses = {
  Error,
  DOMException,
  FormatError,
  ModelLoadError,
  InputError,
  ClassifierDisposedError,
  IntegrityError,
  WorkerCrashedError,
};

const harness = {
  createWorkerClassifier,
  loadClassifier,
  clearCache,
  models,
  errorClasses,
  workers,
  trackedWorker,
  packageEntryWorker,
  sendHook,
  workerStats,
  randomTensor,
  busyBatch,
  grayPixels,
  grayImageData,
  modelBase64,
  sha256Hex,
  cachedEntry,
  describeError,
  startLoad,
  abortLoad,
  loadOutcome,
  referenceLogits,
  referenceTensor,
  MODEL_CACHE_NAME,
};

export type WorkerHarness = typeof harness;

declare global {
  interface Window {
    pq: WorkerHarness;
  }
}

window.pq = harness;
document.body.dataset.state = 'ready';
