/** Messages between the page and the reference-model worker (reference-worker.ts), through comlink. */
import type { Preprocessing } from '@pqweb/format';
import type { BackendName, BackendOption, LoadProgress, PixelInput, Prediction } from '@pqweb/runtime/api';

export interface ReferenceLoadRequest {
  /** The uncompressed .onnx (absolute URL). */
  url: string;
  backend: BackendOption;
  /** From the model card (models/reference/fashion-vgg.json): the same as the .pqw's. */
  preprocessing: Preprocessing;
  labels: string[];
}

export interface ReferenceInfo {
  backend: BackendName;
  /** Why onnxruntime-web's WebGPU execution provider was not used, when backend is 'wasm'. */
  fallbackReason: string | null;
  /** Size of the .onnx, bytes. */
  fileBytes: number;
}

export interface ReferenceTimings {
  preprocessMs: number;
  /** onnxruntime-web's session.run, the whole network. */
  runMs: number;
  totalMs: number;
}

export interface ReferenceResult {
  top: Prediction[];
  logits: Float32Array;
  timings: ReferenceTimings;
}

export interface ReferenceWorkerApi {
  load(request: ReferenceLoadRequest, onProgress?: (progress: LoadProgress) => void): Promise<ReferenceInfo>;
  classify(inputs: PixelInput[], topK: number): Promise<ReferenceResult[]>;
  dispose(): Promise<void>;
}
