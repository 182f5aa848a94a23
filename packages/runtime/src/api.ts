/**
 * The engine interface. One interface, two implementations: in-thread (`loadClassifier`) and in a Web Worker
 * (`createWorkerClassifier` in @pqweb/worker), so a caller swaps one for the other with no other change.
 */
import type { PqwManifest } from '@pqweb/format';
import type { BackboneFactory } from './backbone';

export type BackendName = 'webgpu' | 'wasm';
export type BackendOption = 'auto' | BackendName;

export interface LoadProgress {
  loaded: number;
  /** Null when the server sent no length. */
  total: number | null;
}

export interface LoadOptions {
  /** 'auto' (default): WebGPU when an adapter and device can be had, else wasm + the CPU head. */
  backend?: BackendOption;
  /** A GPUDevice to use (Dawn's in Node, or one the page already has). The runtime then never destroys it. */
  device?: GPUDevice;
  onProgress?: (progress: LoadProgress) => void;
  /** Default number of classes returned by classify(). */
  topK?: number;
  signal?: AbortSignal;
  /** Force a kernel variant for every PQ/RQ layer (tests, benchmarks); default: the shape rule picks. */
  kernelVariant?: string;
  /**
   * Largest single GPU binding to use, bytes (default: the device's maxStorageBufferBindingSize). Layers whose
   * codes exceed it are split by rows; other data that exceeds it is refused with GpuLimitError.
   */
  maxBindingBytes?: number;
  /** Runs the backbone; default onnxruntime-web (WebGPU EP on the runtime's device, or wasm). */
  backbone?: BackboneFactory;
  /**
   * Lookup-table width of the PQ / RQ layers: 32 (default) float32 tables, the exact sums; 8 for 8-bit tables, an
   * opt-in accuracy level (entries within half a step of their float32 values; the bundled model's top-1 93.81%
   * against 93.83%). On an H200 it runs the batch-8 16384² layer 3.0× faster than dense (1.9× with float32
   * tables), and at batch 1 layers with 8-bit codes run slightly faster than on float32 tables (BENCHMARKS.md); layers
   * of 4-bit codes take one byte and one table per pair of segments (docs/kernel-attempts.md step 93). Both backends honour it (WebGPU: shaders/pq_table8.wgsl; wasm: the CPU twin in JavaScript,
   * slower than the default's SIMD kernel). Anything else is a KernelInputError.
   */
  tableBits?: 32 | 8;
}

export interface Prediction {
  label: string;
  index: number;
  /** Softmax probability. */
  score: number;
}

export interface Timings {
  preprocessMs: number;
  backboneMs: number;
  /** Wall time of the head (dispatch, GPU work, logits read back; or the CPU head). */
  headMs: number;
  totalMs: number;
  /**
   * GPU time of each head layer, with `profile: true` on a WebGPU head whose device has 'timestamp-query'
   * (for a batch, the whole batch's time, the same array in every result). Browsers may quantize timestamps
   * (Chrome: 100 µs unless its WebGPU developer features are on).
   */
  headLayers?: HeadLayerTiming[];
}

/** GPU time of one head layer (Timings.headLayers). */
export interface HeadLayerTiming {
  /** The layer's name in the model. */
  name: string;
  /** The kernel that ran it at this batch (ClassifierInfo.kernels names batch 1's; a batch may run others). */
  kernel: string;
  gpuMs: number;
}

export interface ClassifyResult {
  top: Prediction[];
  logits: Float32Array;
  timings: Timings;
}

export interface ClassifyOptions {
  topK?: number;
  /**
   * Also measure each head layer's GPU time (Timings.headLayers). Each layer then sits between two extra empty
   * passes carrying timestamps, so leave it off where every microsecond counts.
   */
  profile?: boolean;
  /** Cancels the call while it waits in the queue (it then rejects with the signal's reason, an AbortError). */
  signal?: AbortSignal;
}

/** A preprocessed tensor of the model's input shape (C×H×W, or N×C×H×W with N = 1). */
export interface TensorInput {
  data: Float32Array;
  shape?: number[];
}

/** Raw pixels, as ImageData has them (RGBA, 0..255). */
export interface PixelInput {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

export type ClassifierInput =
  | Float32Array
  | TensorInput
  | PixelInput
  | ImageBitmap
  | ImageData
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas;

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

export interface ClassifierInfo {
  backend: BackendName;
  /** Why WebGPU was not used, when backend is 'wasm'. */
  fallbackReason: string | null;
  adapter: AdapterSummary | null;
  manifest: PqwManifest;
  /** Bytes of model data resident in GPU buffers (codes, codebooks, biases, scales). */
  gpuBytes: number;
  /** Live GPU buffers this classifier owns. */
  gpuBuffers: number;
  /**
   * Kernel per head layer: the GPU variant on the webgpu backend; on the wasm backend 'wasm-simd' (the
   * WebAssembly SIMD LUT kernel) or 'js' (the JavaScript executor).
   */
  kernels: string[];
  /** Where the backbone runs: on the runtime's GPU device, on the CPU (wasm, or onnxruntime-node), or 'none'. */
  backbone: 'webgpu' | 'cpu' | 'none';
}

export interface Classifier {
  classify(input: ClassifierInput, options?: ClassifyOptions): Promise<ClassifyResult>;
  classifyBatch(inputs: ClassifierInput[], options?: ClassifyOptions): Promise<ClassifyResult[]>;
  info(): Promise<ClassifierInfo>;
  dispose(): Promise<void>;
}

/** The model could not be fetched or read (network error, HTTP status, aborted). */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

/** An input that does not match the model (wrong tensor size, unsupported image type). */
export class InputError extends Error {
  override name = 'InputError';
}

/** classify() after dispose(). */
export class ClassifierDisposedError extends Error {
  override name = 'ClassifierDisposedError';
}
