/** loadClassifier for Node: a model path or bytes, the head on Dawn (WebGPU) or the CPU, the backbone on onnxruntime-node. */
import { readFile } from 'node:fs/promises';
import type { Classifier, LoadOptions } from '../api';
import { ModelLoadError } from '../api';
import { loadClassifier } from '../classifier';
import type { ModelSource } from '../source';
import { createNodeDevice } from './dawn';
import { onnxruntimeNodeBackbone } from './ort-node-backbone';

export interface NodeLoadOptions extends LoadOptions {
  /** Dawn toggles for the device this creates. */
  dawnFlags?: string[];
}

/**
 * `source` may also be a file path. backend 'auto' tries Dawn and falls back to the CPU head; the
 * classifier's info() says which ran and why.
 */
export async function loadNodeClassifier(source: ModelSource, options: NodeLoadOptions = {}): Promise<Classifier> {
  let bytes: ModelSource = source;
  if (typeof source === 'string' && !/^[a-z]+:\/\//i.test(source)) {
    try {
      bytes = new Uint8Array(await readFile(source));
    } catch (err) {
      throw new ModelLoadError(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  let device = options.device;
  let fallback: string | null = null;
  if (!device && options.backend !== 'wasm') {
    try {
      device = (await createNodeDevice({ dawnFlags: options.dawnFlags })).device;
    } catch (err) {
      if (options.backend === 'webgpu') throw err;
      fallback = err instanceof Error ? err.message : String(err);
    }
  }
  const classifier = await loadClassifier(bytes, {
    backbone: onnxruntimeNodeBackbone,
    ...options,
    device,
    backend: device ? 'webgpu' : 'wasm',
  });
  if (!device || options.device) return classifier;
  // The device is ours: destroy it with the classifier.
  const owned = device;
  return {
    classify: (input, o) => classifier.classify(input, o),
    classifyBatch: (inputs, o) => classifier.classifyBatch(inputs, o),
    info: async () => ({ ...(await classifier.info()), fallbackReason: fallback }),
    dispose: async () => {
      await classifier.dispose();
      owned.destroy();
    },
  };
}
