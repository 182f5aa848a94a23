/**
 * The uncompressed rest of the network (the conv backbone embedded in the .pqw) on onnxruntime-web.
 * With WebGPU it runs on the runtime's own GPUDevice (`{ name: 'webgpu', device }`; `ort.env.webgpu.device`
 * is ignored by 1.30) and leaves its output in a GPU buffer that the head kernels read directly.
 */
import * as ort from 'onnxruntime-web/webgpu';

export interface BackboneRun {
  /** Features on the CPU (wasm backend). */
  cpu: Float32Array | null;
  /** Features in a GPU buffer owned by onnxruntime (webgpu backend); valid until release(). */
  gpu: GPUBuffer | null;
  release(): void;
}

/** Runs the backbone: the default is onnxruntime-web; Node uses onnxruntime-node (`@pqweb/runtime/node`). */
export interface BackboneRunner {
  /** True when outputs stay in GPU buffers on the runtime's device. */
  readonly onGpu: boolean;
  run(input: Float32Array, batch: number): Promise<BackboneRun>;
  release(): Promise<void>;
}

export interface BackboneSpec {
  inputName: string;
  outputName: string;
  inputShape: number[];
  /** The runtime's device, or null for a CPU backbone. */
  device: GPUDevice | null;
}

export type BackboneFactory = (model: Uint8Array, spec: BackboneSpec) => Promise<BackboneRunner>;

export const ortWebBackbone: BackboneFactory = (model, spec) => OrtBackbone.create(model, spec);

/**
 * onnxruntime-web's wasm EP even when the head runs on WebGPU: for devices where the WebGPU EP is slow or
 * refused (e.g. SwiftShader, a CPU emulating the GPU: its convolutions take ~1 s per image there).
 */
export const ortWebCpuBackbone: BackboneFactory = (model, spec) =>
  OrtBackbone.create(model, { ...spec, device: null });

export class OrtBackbone implements BackboneRunner {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputName: string,
    readonly outputName: string,
    readonly inputShape: number[],
    readonly onGpu: boolean,
  ) {}

  static async create(model: Uint8Array, options: BackboneSpec): Promise<OrtBackbone> {
    const session = await ort.InferenceSession.create(model, {
      executionProviders: options.device ? [{ name: 'webgpu', device: options.device }] : ['wasm'],
      preferredOutputLocation: options.device ? 'gpu-buffer' : 'cpu',
      graphOptimizationLevel: 'all',
    });
    return new OrtBackbone(
      session,
      options.inputName,
      options.outputName,
      options.inputShape,
      options.device !== null,
    );
  }

  /** Run on `batch` inputs laid out back to back. */
  async run(input: Float32Array, batch: number): Promise<BackboneRun> {
    const shape = [batch, ...this.inputShape.slice(1)];
    const feeds = { [this.inputName]: new ort.Tensor('float32', input, shape) };
    const result = await this.session.run(feeds, [this.outputName]);
    const output = result[this.outputName];
    if (!output) throw new Error(`backbone produced no output named ${this.outputName}`);
    if (output.location === 'gpu-buffer') {
      return { cpu: null, gpu: output.gpuBuffer as GPUBuffer, release: () => output.dispose() };
    }
    return { cpu: output.data as Float32Array, gpu: null, release: () => output.dispose() };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** onnxruntime-web's wasm settings; in a page that is not cross-origin isolated it runs single-threaded. */
export function configureOrtWasm(options: { wasmPaths?: string; numThreads?: number }): void {
  if (options.wasmPaths) ort.env.wasm.wasmPaths = options.wasmPaths;
  if (options.numThreads) ort.env.wasm.numThreads = options.numThreads;
}
