/**
 * The uncompressed reference model on onnxruntime-web, in its own worker: the compare, benchmark and accuracy
 * pages run it beside pqweb's worker without blocking the page, the same way pqweb runs, so the two latencies
 * are measured alike. WebGPU execution provider when an adapter is granted, else wasm (with the reason).
 * Preprocessing is the runtime's (resize, grayscale, normalize), so both models see the same tensor.
 */
import type { Preprocessing } from '@pqweb/format';
import { pixelsToTensor, resizeRgba, topPredictions } from '@pqweb/runtime';
import type { BackendName, LoadProgress, PixelInput } from '@pqweb/runtime/api';
import { installErrorTransfer } from '@pqweb/worker';
import { expose, transfer } from 'comlink';
import * as ort from 'onnxruntime-web/webgpu';
import type { ReferenceLoadRequest, ReferenceResult, ReferenceWorkerApi } from './protocol';

class ReferenceLoadError extends Error {
  override name = 'ReferenceLoadError';
}

async function download(url: string, onProgress?: (progress: LoadProgress) => void): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok || !response.body) {
    throw new ReferenceLoadError(`GET ${url} answered ${response.status} ${response.statusText}`);
  }
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = response.body.getReader();
  onProgress?.({ loaded, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.({ loaded, total });
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** Null when WebGPU can be used, else why not (checked before onnxruntime-web tries its WebGPU provider). */
async function webGpuMissingReason(): Promise<string | null> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return 'WebGPU is not available here (no navigator.gpu)';
  const adapter = await gpu.requestAdapter();
  return adapter ? null : 'WebGPU is present but no GPU adapter was granted';
}

interface Session {
  session: ort.InferenceSession;
  preprocessing: Preprocessing;
  labels: string[];
}

let current: Session | null = null;

function requireSession(): Session {
  if (!current)
    throw new ReferenceLoadError('no reference model is loaded in this worker; call load() first');
  return current;
}

const api: ReferenceWorkerApi = {
  async load(request: ReferenceLoadRequest, onProgress) {
    const bytes = await download(request.url, onProgress);
    let fallbackReason = request.backend === 'wasm' ? 'wasm backend requested' : await webGpuMissingReason();
    let session: ort.InferenceSession | null = null;
    let backend: BackendName = 'wasm';
    if (fallbackReason === null) {
      try {
        session = await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'] });
        backend = 'webgpu';
      } catch (error) {
        if (request.backend === 'webgpu') throw error;
        fallbackReason = `onnxruntime-web's WebGPU provider failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    session ??= await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    await current?.session.release();
    current = { session, preprocessing: request.preprocessing, labels: request.labels };
    // One run on a blank input compiles the kernels now, not on the first image (as pqweb's loader does).
    const p = request.preprocessing;
    await api.classify(
      [{ data: new Uint8ClampedArray(p.width * p.height * 4), width: p.width, height: p.height }],
      1,
    );
    return { backend, fallbackReason, fileBytes: bytes.length };
  },

  async classify(inputs: PixelInput[], topK: number) {
    const { session, preprocessing: p, labels } = requireSession();
    const started = performance.now();
    const size = p.channels * p.height * p.width;
    const tensor = new Float32Array(inputs.length * size);
    inputs.forEach((input, i) => {
      tensor.set(pixelsToTensor(resizeRgba(input, p.width, p.height), p), i * size);
    });
    const preprocessed = performance.now();
    const dims =
      p.layout === 'NCHW'
        ? [inputs.length, p.channels, p.height, p.width]
        : [inputs.length, p.height, p.width, p.channels];
    const inputName = session.inputNames[0] ?? 'input';
    const outputs = await session.run({ [inputName]: new ort.Tensor('float32', tensor, dims) });
    const output = Object.values(outputs)[0];
    if (!output) throw new ReferenceLoadError('the reference model produced no output');
    const all = new Float32Array(output.data as Float32Array);
    output.dispose();
    const finished = performance.now();
    const classes = labels.length;
    const timings = {
      preprocessMs: preprocessed - started,
      runMs: finished - preprocessed,
      totalMs: finished - started,
    };
    const results: ReferenceResult[] = inputs.map((_, i) => {
      const logits = all.slice(i * classes, (i + 1) * classes);
      return { top: topPredictions(logits, labels, topK), logits, timings };
    });
    return transfer(
      results,
      results.map((result) => result.logits.buffer as ArrayBuffer),
    );
  },

  async dispose() {
    await current?.session.release();
    current = null;
  },
};

installErrorTransfer();
expose(api);
