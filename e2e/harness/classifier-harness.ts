/**
 * Exposes `window.classifierHarness.run(...)`: loads the bundled .pqw with the in-thread runtime (WebGPU: the
 * backbone on onnxruntime-web's WebGPU EP and the head kernels on one device) and classifies grayscale images
 * handed over by the spec, returning the logits for comparison with onnxruntime-node in Node.
 */
import {
  type ClassifierInfo,
  loadClassifier,
  ortWebBackbone,
  ortWebCpuBackbone,
} from '../../packages/runtime/src/index';

export interface HarnessRun {
  info: Omit<ClassifierInfo, 'manifest'>;
  /** images × classes, row-major. */
  logits: number[];
  millis: number;
}

/** The bundled model, served from the repo through the harness's `fs.allow`. */
const MODEL_URL =
  '/@fs/' +
  new URL('../../apps/demo/public/models/fashion-vgg.pqw', import.meta.url).pathname.replace(
    /^\/(@fs\/)?/,
    '',
  );

async function run(
  imagesBase64: string,
  count: number,
  batch: number,
  backend: 'webgpu' | 'wasm',
  backboneOnGpu: boolean,
): Promise<HarnessRun> {
  const pixels = Uint8Array.from(atob(imagesBase64), (c) => c.charCodeAt(0));
  const classifier = await loadClassifier(MODEL_URL, {
    backend,
    backbone: backboneOnGpu ? ortWebBackbone : ortWebCpuBackbone,
  });
  const { manifest: _manifest, ...info } = await classifier.info();
  const started = performance.now();
  const logits: number[] = [];
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const inputs = Array.from({ length: n }, (_, i) => {
      const data = new Uint8ClampedArray(28 * 28 * 4);
      for (let p = 0; p < 784; p++) {
        const v = pixels[(start + i) * 784 + p] ?? 0;
        data.set([v, v, v, 255], p * 4);
      }
      return new ImageData(data, 28, 28);
    });
    for (const result of await classifier.classifyBatch(inputs)) logits.push(...result.logits);
  }
  const millis = performance.now() - started;
  await classifier.dispose();
  return { info, logits, millis };
}

declare global {
  interface Window {
    classifierHarness: { run: typeof run };
  }
}

window.classifierHarness = { run };
document.body.dataset.state = 'ready';
