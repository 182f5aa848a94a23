/**
 * loadClassifier: the factory entry point. Reads the .pqw (validated, checksummed), resolves the backend
 * ('auto' → WebGPU when an adapter and device can be had, else wasm + the CPU head), starts the backbone on
 * onnxruntime-web and uploads the head's codes and codebooks once.
 */
import { type BackboneInfo, decodePqw, type PqwFile } from '@pqweb/format';
import {
  type Classifier,
  ClassifierDisposedError,
  type ClassifierInfo,
  type ClassifierInput,
  type ClassifyOptions,
  type ClassifyResult,
  type HeadLayerTiming,
  type LoadOptions,
} from './api';
import { type BackboneRunner, ortWebBackbone } from './backbone';
import { checkTableBits } from './cpu/lut8';
import { acquireDevice, type DeviceHandle } from './device';
import { GpuDeviceLostError } from './gpu/errors';
import { CpuHead } from './head/cpu-head';
import { GpuHead, type HeadInput } from './head/gpu-head';
import { inputSize, toInputTensor } from './preprocess';
import { type ModelSource, readModelSource } from './source';
import { topPredictions } from './topk';

const DEFAULT_TOP_K = 5;

function now(): number {
  return performance.now();
}

/** A loaded classifier's parts: the head on the GPU (webgpu) or on the CPU (wasm), never both or neither. */
type Engine = { backbone: BackboneRunner | null } & (
  | { backend: 'webgpu'; device: DeviceHandle; cpuHead: null; gpuHead: GpuHead }
  | { backend: 'wasm'; device: null; cpuHead: CpuHead; gpuHead: null }
);

class PqClassifier implements Classifier {
  private engine: Engine | null = null;
  private disposed = false;
  /** Calls run one at a time: the GPU head reuses its scratch buffers between calls. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: PqwFile,
    private readonly options: LoadOptions,
    private fallbackReason: string | null,
  ) {}

  async start(): Promise<void> {
    this.engine = await this.buildEngine();
  }

  private async buildEngine(): Promise<Engine> {
    const { manifest } = this.file;
    const wantGpu = this.options.backend !== 'wasm' && this.fallbackReason === null;
    let device: DeviceHandle | null = null;
    if (wantGpu) {
      try {
        device = await acquireDevice(this.options.device);
      } catch (err) {
        if (this.options.backend === 'webgpu') throw err;
        this.fallbackReason = err instanceof Error ? err.message : String(err);
      }
    }
    const backbone = manifest.backbone
      ? await this.startBackbone(manifest.backbone, device?.device ?? null)
      : null;
    if (device) {
      const gpuHead = GpuHead.create(device.device, this.file, {
        variant: this.options.kernelVariant,
        maxBindingBytes: this.options.maxBindingBytes,
        tableBits: this.options.tableBits,
      });
      return { backend: 'webgpu', device, backbone, cpuHead: null, gpuHead };
    }
    const cpuHead = new CpuHead(this.file, { tableBits: this.options.tableBits });
    return { backend: 'wasm', device: null, backbone, cpuHead, gpuHead: null };
  }

  private backboneNote: string | null = null;

  /**
   * The backbone on the runtime's device when the factory takes it; onnxruntime-web's WebGPU EP is refused on
   * some devices, and then the backbone runs on the CPU while the head stays on the GPU (info() says so).
   */
  private async startBackbone(backbone: BackboneInfo, device: GPUDevice | null): Promise<BackboneRunner> {
    const factory = this.options.backbone ?? ortWebBackbone;
    const spec = {
      inputName: this.file.manifest.model.input.name,
      outputName: backbone.outputName,
      inputShape: this.file.manifest.model.input.shape,
    };
    const model = this.file.bytes(backbone.section);
    if (!device) return factory(model, { ...spec, device: null });
    try {
      return await factory(model, { ...spec, device });
    } catch (err) {
      this.backboneNote = `backbone on the CPU: ${err instanceof Error ? err.message : String(err)}`;
      return factory(model, { ...spec, device: null });
    }
  }

  private serialize<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const start = () => {
      signal?.throwIfAborted();
      return task();
    };
    const run = this.queue.then(start, start);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The engine, rebuilt when the device was lost and the runtime owns it; else GpuDeviceLostError. */
  private async liveEngine(): Promise<Engine> {
    if (this.disposed || !this.engine)
      throw new ClassifierDisposedError('this classifier was disposed; load it again');
    const engine = this.engine;
    if (engine.device?.lost) {
      if (!engine.device.owned) {
        throw new GpuDeviceLostError(
          `the GPUDevice passed in options.device was lost (${engine.device.lostReason}); pass a new device to loadClassifier`,
          engine.device.lostReason ?? 'unknown',
        );
      }
      await this.teardown(engine);
      this.engine = await this.buildEngine();
      return this.engine;
    }
    return engine;
  }

  private async runBatch(
    inputs: ClassifierInput[],
    topK: number,
    profile: boolean,
  ): Promise<ClassifyResult[]> {
    const engine = await this.liveEngine();
    const { manifest } = this.file;
    const batch = inputs.length;
    const t0 = now();
    const size = inputSize(manifest.preprocessing);
    const tensor = new Float32Array(batch * size);
    inputs.forEach((input, i) => {
      tensor.set(toInputTensor(input, manifest.preprocessing), i * size);
    });
    const t1 = now();
    let logits: Float32Array;
    let headLayers: HeadLayerTiming[] | null = null;
    let t2: number;
    if (engine.gpuHead) {
      const head = engine.gpuHead;
      const runHead = async (input: HeadInput): Promise<Float32Array> => {
        if (!profile) return head.run(input, batch);
        const profiled = await head.runProfiled(input, batch);
        headLayers = profiled.layers;
        return profiled.logits;
      };
      if (engine.backbone) {
        const features = await engine.backbone.run(tensor, batch);
        try {
          t2 = now();
          logits = await runHead(
            features.gpu ? { buffer: features.gpu } : { data: features.cpu ?? new Float32Array(0) },
          );
        } finally {
          features.release();
        }
      } else {
        t2 = now();
        logits = await runHead({ data: tensor });
      }
    } else {
      let features = tensor;
      if (engine.backbone) {
        const out = await engine.backbone.run(tensor, batch);
        features = new Float32Array(out.cpu ?? new Float32Array(0));
        out.release();
      }
      t2 = now();
      logits = engine.cpuHead.forward(features, batch);
    }
    const t3 = now();
    const classes = manifest.labels.length;
    return inputs.map((_, i) => {
      const row = logits.slice(i * classes, (i + 1) * classes);
      return {
        top: topPredictions(row, manifest.labels, topK),
        logits: row,
        timings: {
          preprocessMs: t1 - t0,
          backboneMs: t2 - t1,
          headMs: t3 - t2,
          totalMs: t3 - t0,
          ...(headLayers ? { headLayers } : {}),
        },
      };
    });
  }

  classify(input: ClassifierInput, options: ClassifyOptions = {}): Promise<ClassifyResult> {
    const topK = options.topK ?? this.options.topK ?? DEFAULT_TOP_K;
    return this.serialize(async () => {
      const [result] = await this.runBatch([input], topK, options.profile ?? false);
      if (!result) throw new Error('no result');
      return result;
    }, options.signal);
  }

  classifyBatch(inputs: ClassifierInput[], options: ClassifyOptions = {}): Promise<ClassifyResult[]> {
    const topK = options.topK ?? this.options.topK ?? DEFAULT_TOP_K;
    if (inputs.length === 0) return Promise.resolve([]);
    return this.serialize(() => this.runBatch(inputs, topK, options.profile ?? false), options.signal);
  }

  async info(): Promise<ClassifierInfo> {
    const engine = this.engine;
    if (this.disposed || !engine)
      throw new ClassifierDisposedError('this classifier was disposed; load it again');
    const { manifest } = this.file;
    return {
      backend: engine.backend,
      fallbackReason: this.fallbackReason ?? this.backboneNote,
      adapter: engine.device?.adapter ?? null,
      manifest,
      gpuBytes: engine.gpuHead?.residentBytes ?? 0,
      gpuBuffers: engine.gpuHead?.liveBuffers ?? 0,
      kernels: engine.gpuHead ? engine.gpuHead.kernelNames : engine.cpuHead.kernels,
      backbone: !engine.backbone ? 'none' : engine.backbone.onGpu ? 'webgpu' : 'cpu',
    };
  }

  private async teardown(engine: Engine): Promise<void> {
    engine.gpuHead?.destroy();
    await engine.backbone?.release().catch(() => undefined);
    engine.device?.release();
  }

  dispose(): Promise<void> {
    return this.serialize(async () => {
      if (this.disposed) return;
      this.disposed = true;
      const engine = this.engine;
      this.engine = null;
      if (engine) await this.teardown(engine);
    });
  }
}

/**
 * Load a .pqw classifier from a URL, ArrayBuffer, Blob or File.
 *
 * ```ts
 * const classifier = await loadClassifier('/models/fashion-vgg.pqw', { onProgress: (p) => console.log(p) });
 * const { top } = await classifier.classify(imageBitmap);
 * console.log(top[0].label, top[0].score);
 * ```
 */
export async function loadClassifier(source: ModelSource, options: LoadOptions = {}): Promise<Classifier> {
  const bytes = await readModelSource(source, { onProgress: options.onProgress, signal: options.signal });
  options.signal?.throwIfAborted();
  const file = decodePqw(bytes);
  // Checked before any device or session exists, so a bad width costs nothing to undo.
  if (options.tableBits !== undefined) checkTableBits(options.tableBits);
  const fallbackReason = options.backend === 'wasm' ? 'wasm backend requested' : null;
  const classifier = new PqClassifier(file, options, fallbackReason);
  await classifier.start();
  if (options.signal?.aborted) {
    await classifier.dispose();
    options.signal.throwIfAborted();
  }
  return classifier;
}
