/**
 * The backbone in Node on onnxruntime-node (CPU EP). onnxruntime-web's bundles do not start reliably under
 * Node (its wasm loader does a dynamic `require('node:os')` that ESM forbids), and onnxruntime-node's WebGPU EP
 * exposes no GPUDevice to share with Dawn, so in Node the backbone runs on the CPU and the head on Dawn.
 */
import * as ort from 'onnxruntime-node';
import type { BackboneFactory, BackboneRun, BackboneRunner } from '../backbone';

class OrtNodeBackbone implements BackboneRunner {
  readonly onGpu = false;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    private readonly outputName: string,
    private readonly inputShape: number[],
  ) {}

  async run(input: Float32Array, batch: number): Promise<BackboneRun> {
    const shape = [batch, ...this.inputShape.slice(1)];
    const result = await this.session.run({ [this.inputName]: new ort.Tensor('float32', input, shape) }, [
      this.outputName,
    ]);
    const output = result[this.outputName];
    if (!output) throw new Error(`backbone produced no output named ${this.outputName}`);
    return { cpu: output.data as Float32Array, gpu: null, release: () => output.dispose() };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export const onnxruntimeNodeBackbone: BackboneFactory = async (model, spec) => {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  return new OrtNodeBackbone(session, spec.inputName, spec.outputName, spec.inputShape);
};
