/**
 * The whole classifier in Chromium: the bundled .pqw through loadClassifier on WebGPU (backbone on
 * onnxruntime-web's WebGPU EP, head on the LUT kernels, one device) against the `decompress`ed ONNX in
 * onnxruntime-node on 1,000 Fashion-MNIST test images: top-1 agreement ≥ 99.9%, max |Δlogit| reported.
 * PQWEB_AGREEMENT_IMAGES overrides the count (e.g. for a quick local run).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import { buildDenseOnnx } from '../packages/compress/src/index';
import { loadFashionMnist } from '../packages/data/src/index';
import { decodePqw, layerArrays, reconstructWeights } from '../packages/format/src/index';

const IMAGES = Number(process.env.PQWEB_AGREEMENT_IMAGES ?? 1000);
const BATCH = 100;
/** float32 summation order differs between the GPU kernels and ORT's GEMM. */
const MAX_LOGIT_DIFF = 1e-3;

async function referenceLogits(images: Uint8Array): Promise<Float32Array> {
  const file = decodePqw(
    new Uint8Array(readFileSync(join(import.meta.dirname, '../apps/demo/public/models/fashion-vgg.pqw'))),
  );
  const { manifest } = file;
  const onnx = buildDenseOnnx({
    backbone: manifest.backbone ? file.bytes(manifest.backbone.section) : null,
    input: manifest.model.input,
    headInputName: manifest.backbone?.outputName ?? manifest.model.input.name,
    outputName: manifest.model.outputName,
    layers: manifest.layers.map((layer) => {
      const arrays = layerArrays(file, layer);
      return { ...layer, bias: arrays.bias ?? null, weight: reconstructWeights(layer, arrays) };
    }),
  });
  const p = manifest.preprocessing;
  const x = new Float32Array(IMAGES * 784);
  for (let i = 0; i < x.length; i++) x[i] = ((images[i] ?? 0) * p.scale - (p.mean[0] ?? 0)) / (p.std[0] ?? 1);
  const session = await ort.InferenceSession.create(onnx);
  const out = await session.run({
    [manifest.model.input.name]: new ort.Tensor('float32', x, [IMAGES, 1, 28, 28]),
  });
  await session.release();
  return out[manifest.model.outputName]?.data as Float32Array;
}

function argmax(values: ArrayLike<number>, offset: number, count: number): number {
  let best = 0;
  for (let c = 1; c < count; c++) if ((values[offset + c] ?? 0) > (values[offset + best] ?? 0)) best = c;
  return best;
}

interface Agreement {
  agree: number;
  maxDiff: number;
}

function compare(logits: number[], reference: Float32Array, count: number): Agreement {
  const classes = 10;
  let agree = 0;
  let maxDiff = 0;
  for (let i = 0; i < count; i++) {
    if (argmax(logits, i * classes, classes) === argmax(reference, i * classes, classes)) agree++;
    for (let c = 0; c < classes; c++) {
      maxDiff = Math.max(
        maxDiff,
        Math.abs((logits[i * classes + c] ?? 0) - (reference[i * classes + c] ?? 0)),
      );
    }
  }
  return { agree, maxDiff };
}

/**
 * SwiftShader emulates the GPU on the CPU: onnxruntime-web's WebGPU convolutions take about a second per image
 * there, so the all-WebGPU path (backbone and head on one device, features staying in a GPU buffer) runs on
 * GPU_BACKBONE_IMAGES images, and the 1,000-image check runs the head kernels on WebGPU with the backbone on wasm.
 */
const GPU_BACKBONE_IMAGES = 20;

for (const mode of ['head on WebGPU, backbone on wasm', 'backbone and head on WebGPU'] as const) {
  test(`bundled model agrees with the decompressed ONNX (${mode})`, async ({ page }) => {
    test.setTimeout(600_000);
    const backboneOnGpu = mode === 'backbone and head on WebGPU';
    const count = backboneOnGpu ? Math.min(GPU_BACKBONE_IMAGES, IMAGES) : IMAGES;
    const data = await loadFashionMnist('test', { limit: IMAGES });
    const reference = await referenceLogits(data.images);
    await page.goto('/classifier.html');
    await page.waitForFunction(() => document.body.dataset.state === 'ready');
    const images = Buffer.from(data.images.buffer, data.images.byteOffset, count * 784).toString('base64');
    const run = await page.evaluate(
      ([b64, n, batch, onGpu]) => window.classifierHarness.run(b64, n, batch, 'webgpu', onGpu),
      [images, count, BATCH, backboneOnGpu] as const,
    );
    const { agree, maxDiff } = compare(run.logits, reference, count);
    const summary = `${agree}/${count} top-1, max |Δlogit| ${maxDiff.toExponential(2)}, backbone ${run.info.backbone}, kernels ${run.info.kernels.join(', ')}, ${run.millis.toFixed(0)} ms`;
    test.info().annotations.push({ type: 'agreement', description: summary });
    console.log(summary);
    expect(run.info.backend).toBe('webgpu');
    expect(run.info.backbone).toBe(backboneOnGpu ? 'webgpu' : 'cpu');
    expect(agree / count).toBeGreaterThanOrEqual(0.999);
    expect(maxDiff).toBeLessThan(MAX_LOGIT_DIFF);
  });
}
