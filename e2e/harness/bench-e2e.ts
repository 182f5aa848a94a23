/**
 * The page `pnpm bench:e2e` (bench/e2e.ts) drives: `window.benchE2e.run(request)` loads one model with one
 * engine and backend — the .pqw through @pqweb/runtime's loadClassifier, or the dense .onnx through
 * onnxruntime-web's InferenceSession — and times the load, the first classify, a warm-up and the steady calls
 * on real Fashion-MNIST images handed over by the driver. Each row runs in a fresh browser, so nothing
 * (compiled shaders, the wasm, the HTTP cache) carries over from one row to the next.
 *
 * Both engines start every call from the same ImageData and end with logits on the CPU: pqweb preprocesses
 * with its manifest, the dense path normalizes with models/reference/fashion-vgg.json's mean and std.
 */
/// <reference path="../../packages/runtime/node_modules/onnxruntime-web/types.d.ts" />
import { configureOrtWasm, loadClassifier } from '../../packages/runtime/src/index';
import type {
  E2eAdapterInfo,
  E2eEngineInfo,
  E2eRowPageResult,
  E2eRowRequest,
  E2eStageTimes,
  GrayPreprocessing,
} from './bench-e2e-protocol';

type OrtWeb = typeof import('onnxruntime-web/webgpu');

const RGBA = 4;

/** One engine, loaded: classify one image to logits on the CPU (and pqweb's split of the call). */
interface LoadedEngine {
  info: E2eEngineInfo;
  classify(image: ImageData): Promise<{ logits: Float32Array; stages: E2eStageTimes | null }>;
  dispose(): Promise<void>;
}

class BenchPageError extends Error {
  override name = 'BenchPageError';
}

function decodeImages(request: E2eRowRequest): ImageData[] {
  const { width, height } = request.preprocessing;
  const gray = Uint8Array.from(atob(request.imagesBase64), (c) => c.charCodeAt(0));
  const plane = width * height;
  if (gray.length !== request.imageCount * plane) {
    throw new BenchPageError(
      `got ${gray.length} pixel bytes; ${request.imageCount} images of ${width}×${height} need ${request.imageCount * plane}`,
    );
  }
  return Array.from({ length: request.imageCount }, (_, image) => {
    const rgba = new Uint8ClampedArray(plane * RGBA);
    for (let p = 0; p < plane; p++) {
      const v = gray[image * plane + p] ?? 0;
      rgba.set([v, v, v, 255], p * RGBA);
    }
    return new ImageData(rgba, width, height);
  });
}

/** The dense model's input, 1×1×H×W, from a gray RGBA image (its red channel). */
function grayTensor(image: ImageData, p: GrayPreprocessing): Float32Array {
  const plane = p.width * p.height;
  const x = new Float32Array(plane);
  for (let i = 0; i < plane; i++) x[i] = ((image.data[i * RGBA] ?? 0) * p.scale - p.mean) / p.std;
  return x;
}

/**
 * onnxruntime-web's wasm threads, in both paths: one, as in a page that is not cross-origin isolated. The harness
 * serves this page isolated for a finer clock (vite.config.ts), where onnxruntime-web would otherwise take several
 * threads on a machine with more cores.
 */
const ORT_WASM_THREADS = 1;

async function loadPqweb(request: E2eRowRequest): Promise<LoadedEngine> {
  configureOrtWasm({ numThreads: ORT_WASM_THREADS });
  const classifier = await loadClassifier(request.modelUrl, { backend: request.backend });
  const { backend, backbone, kernels, fallbackReason } = await classifier.info();
  return {
    info: { backend, backbone, kernels, fallbackReason },
    classify: async (image) => {
      const { logits, timings } = await classifier.classify(image);
      const { preprocessMs, backboneMs, headMs } = timings;
      return { logits, stages: { preprocessMs, backboneMs, headMs } };
    },
    dispose: () => classifier.dispose(),
  };
}

let ortModule: OrtWeb | null = null;

/**
 * Imports onnxruntime-web for the dense path before anything is timed or counted, as pqweb's page has its
 * copy (through the runtime) before it loads a model. The same build the runtime imports, by URL: the harness
 * has no dependency on the package.
 */
async function prepare(request: Pick<E2eRowRequest, 'engine' | 'ortModuleUrl'>): Promise<void> {
  if (request.engine === 'ort') ortModule ??= await import(/* @vite-ignore */ request.ortModuleUrl);
}

async function loadOrt(request: E2eRowRequest): Promise<LoadedEngine> {
  const ort = ortModule;
  if (!ort) throw new BenchPageError('call benchE2e.prepare(request) before run(request)');
  ort.env.wasm.numThreads = ORT_WASM_THREADS;
  const response = await fetch(request.modelUrl);
  if (!response.ok) {
    throw new BenchPageError(`GET ${request.modelUrl} answered ${response.status} ${response.statusText}`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [request.backend] });
  const { width, height } = request.preprocessing;
  return {
    info: { backend: request.backend, backbone: null, kernels: [], fallbackReason: null },
    classify: async (image) => {
      const shape = [1, 1, height, width];
      const input = new ort.Tensor('float32', grayTensor(image, request.preprocessing), shape);
      const outputs = await session.run({ [request.inputName]: input });
      const output = outputs[request.outputName];
      if (!output) throw new BenchPageError(`the dense model produced no output named ${request.outputName}`);
      const logits = new Float32Array(output.data as Float32Array);
      output.dispose();
      return { logits, stages: null };
    },
    dispose: () => session.release(),
  };
}

async function run(request: E2eRowRequest): Promise<E2eRowPageResult> {
  const images = decodeImages(request);
  if (images.length === 0) throw new BenchPageError('no images to classify');
  const logits: (number[] | undefined)[] = new Array(images.length);
  let next = 0;
  const loadStart = performance.now();
  const engine = request.engine === 'pqweb' ? await loadPqweb(request) : await loadOrt(request);
  const loadMs = performance.now() - loadStart;
  /** Classifies the next image (cycling through them), keeps its logits; the call's wall time and stages. */
  const call = async (): Promise<{ millis: number; stages: E2eStageTimes | null }> => {
    const index = next % images.length;
    next++;
    const image = images[index];
    if (!image) throw new BenchPageError(`no image ${index}`);
    const started = performance.now();
    const result = await engine.classify(image);
    const millis = performance.now() - started;
    logits[index] = Array.from(result.logits);
    return { millis, stages: result.stages };
  };
  try {
    const firstClassifyMs = (await call()).millis;
    const warmupMs: number[] = [];
    for (let i = 0; i < request.warmup; i++) warmupMs.push((await call()).millis);
    const steadyMs: number[] = [];
    const steadyStages: E2eStageTimes[] = [];
    for (let i = 0; i < request.runs; i++) {
      const { millis, stages } = await call();
      steadyMs.push(millis);
      if (stages) steadyStages.push(stages);
    }
    // Images no timed call reached are classified too, untimed, for the top-1 check.
    while (next < images.length) await call();
    return {
      loadMs,
      firstClassifyMs,
      warmupMs,
      steadyMs,
      steadyStages,
      logits: logits.map((row) => row ?? []),
      engine: engine.info,
    };
  } finally {
    await engine.dispose();
  }
}

/** Limits recorded with the adapter (as bench/lib/machine.ts records them for the kernel benchmark). */
const RECORDED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
] as const;

async function adapter(): Promise<E2eAdapterInfo> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { available: false, reason: 'no navigator.gpu in this page' };
  const granted = await gpu.requestAdapter();
  if (!granted) return { available: false, reason: 'navigator.gpu.requestAdapter() gave no adapter' };
  const { vendor, architecture, device, description } = granted.info;
  const limits: Record<string, number> = {};
  for (const name of RECORDED_LIMITS) limits[name] = granted.limits[name];
  return {
    available: true,
    vendor,
    architecture,
    device,
    description,
    features: [...granted.features].sort(),
    limits,
  };
}

declare global {
  interface Window {
    benchE2e: { prepare: typeof prepare; run: typeof run; adapter: typeof adapter };
  }
}

window.benchE2e = { prepare, run, adapter };
document.body.dataset.state = 'ready';
