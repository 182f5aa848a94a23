/**
 * What bench/e2e.ts (Node) and the benchmark page (bench-e2e.ts) hand each other: one request per measured
 * row, one result back. Times are milliseconds of the page's `performance.now()`.
 */

export type E2eEngine = 'pqweb' | 'ort';
export type E2eBackend = 'webgpu' | 'wasm';

/** The model's input normalization (models/reference/fashion-vgg.json): x = (pixel · scale − mean) / std. */
export interface GrayPreprocessing {
  width: number;
  height: number;
  scale: number;
  mean: number;
  std: number;
}

export interface E2eRowRequest {
  engine: E2eEngine;
  backend: E2eBackend;
  /** The model file as the page fetches it (the .pqw for pqweb, the .onnx for onnxruntime-web). */
  modelUrl: string;
  /** onnxruntime-web's ES module, the file `onnxruntime-web/webgpu` resolves to (the dense path imports it). */
  ortModuleUrl: string;
  /** `imageCount` grayscale images of width × height bytes, back to back, base64. */
  imagesBase64: string;
  imageCount: number;
  /** Untimed calls after the first classify. */
  warmup: number;
  /** Timed calls after the warm-up. */
  runs: number;
  /** The dense path's preprocessing (pqweb applies the one in its .pqw manifest). */
  preprocessing: GrayPreprocessing;
  /** Input and output names of the dense ONNX. */
  inputName: string;
  outputName: string;
}

/** What the engine reports about itself once loaded. */
export interface E2eEngineInfo {
  /** Backend really used: pqweb's info().backend, or the execution provider asked of onnxruntime-web. */
  backend: E2eBackend;
  /** pqweb: where the backbone runs ('webgpu' | 'cpu' | 'none'); null for onnxruntime-web. */
  backbone: string | null;
  /** pqweb: kernel per head layer; empty for onnxruntime-web. */
  kernels: string[];
  /** pqweb: why WebGPU (or the GPU backbone) was not used; null when it was, and for onnxruntime-web. */
  fallbackReason: string | null;
}

/** pqweb's own split of one call (its ClassifyResult.timings), ms. */
export interface E2eStageTimes {
  preprocessMs: number;
  backboneMs: number;
  headMs: number;
}

export interface E2eRowPageResult {
  /** Fetch of the model + classifier / session creation. */
  loadMs: number;
  /** The first call after load (compiles kernels and shaders). */
  firstClassifyMs: number;
  warmupMs: number[];
  steadyMs: number[];
  /** pqweb: the stages of each timed call; empty for onnxruntime-web (one session.run). */
  steadyStages: E2eStageTimes[];
  /** Per image (index = image), its logits; every image is classified at least once. */
  logits: number[][];
  engine: E2eEngineInfo;
}

/** The page's WebGPU adapter, or why there is none. */
export type E2eAdapterInfo =
  | {
      available: true;
      vendor: string;
      architecture: string;
      device: string;
      description: string;
      features: string[];
      limits: Record<string, number>;
    }
  | { available: false; reason: string };
