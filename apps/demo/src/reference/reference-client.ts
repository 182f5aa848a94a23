/**
 * Page side of the reference-model worker: the uncompressed .onnx the compare, benchmark and accuracy pages
 * hold pqweb against. Loaded on first use (15 MB), once per page.
 */
import type { BackendOption, LoadProgress, PixelInput } from '@pqweb/runtime/api';
import { installErrorTransfer } from '@pqweb/worker';
import { proxy, type Remote, wrap } from 'comlink';
import card from '../../../../models/reference/fashion-vgg.json';
import type { ReferenceInfo, ReferenceResult, ReferenceWorkerApi } from './protocol';

/** Where the demo serves models/reference/fashion-vgg.onnx (vite-plugins.ts, referenceModel). */
export const REFERENCE_MODEL_PATH = 'models/fashion-vgg.onnx';

export interface ReferenceClassifier {
  info: ReferenceInfo;
  url: string;
  classifyBatch(inputs: PixelInput[], topK: number): Promise<ReferenceResult[]>;
  dispose(): Promise<void>;
}

export async function loadReference(
  baseUrl: string,
  options: { backend: BackendOption; onProgress?: (progress: LoadProgress) => void },
): Promise<ReferenceClassifier> {
  installErrorTransfer();
  const worker = new Worker(new URL('./reference-worker.ts', import.meta.url), {
    type: 'module',
    name: 'pqweb-reference',
  });
  const remote: Remote<ReferenceWorkerApi> = wrap<ReferenceWorkerApi>(worker);
  const url = new URL(REFERENCE_MODEL_PATH, baseUrl).href;
  const preprocessing = {
    width: card.preprocessing.width,
    height: card.preprocessing.height,
    channels: card.preprocessing.channels === 3 ? (3 as const) : (1 as const),
    layout: card.input.layout === 'NHWC' ? ('NHWC' as const) : ('NCHW' as const),
    scale: card.preprocessing.scale,
    mean: card.preprocessing.mean,
    std: card.preprocessing.std,
  };
  try {
    const info = await remote.load(
      { url, backend: options.backend, preprocessing, labels: card.labels },
      options.onProgress ? proxy(options.onProgress) : undefined,
    );
    return {
      info,
      url,
      classifyBatch: (inputs, topK) => remote.classify(inputs, topK),
      dispose: async () => {
        await remote.dispose().catch(() => undefined);
        worker.terminate();
      },
    };
  } catch (error) {
    worker.terminate();
    throw error;
  }
}

/** The model card's test accuracy (all 10,000 Fashion-MNIST test images, onnxruntime), for context. */
export const REFERENCE_CARD = card;
