/** loadClassifier for Node: a model path or bytes, the head on Dawn (WebGPU) or the CPU, the backbone on onnxruntime-node. */
import { readFile } from 'node:fs/promises';
import type { Classifier, LoadOptions } from '../api';
import { ModelLoadError } from '../api';
import { loadClassifier } from '../classifier';
import type { ModelSource } from '../source';
import { installNodeGpu } from './dawn';
import { onnxruntimeNodeBackbone } from './ort-node-backbone';

export interface NodeLoadOptions extends LoadOptions {
  /** Dawn toggles for the device this creates. */
  dawnFlags?: string[];
}

/**
 * `source` may also be a file path. backend 'auto' tries Dawn and falls back to the CPU head; the
 * classifier's info() says which ran and why.
 */
export async function loadNodeClassifier(
  source: ModelSource,
  options: NodeLoadOptions = {},
): Promise<Classifier> {
  let bytes: ModelSource = source;
  if (typeof source === 'string' && !/^[a-z]+:\/\//i.test(source)) {
    try {
      bytes = new Uint8Array(await readFile(source));
    } catch (err) {
      throw new ModelLoadError(
        `cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  }
  if (!options.device && options.backend !== 'wasm') {
    // Give the runtime a navigator.gpu backed by Dawn, so it requests (and after a loss re-requests) its own
    // device exactly as in a browser.
    try {
      await installNodeGpu({ dawnFlags: options.dawnFlags });
    } catch (err) {
      if (options.backend === 'webgpu') throw err;
    }
  }
  return loadClassifier(bytes, { backbone: onnxruntimeNodeBackbone, ...options });
}
