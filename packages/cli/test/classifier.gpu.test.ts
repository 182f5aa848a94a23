/**
 * The whole classifier in Node: the bundled .pqw with its head on Dawn (WebGPU) against the `decompress`ed
 * ONNX in onnxruntime-node on 1,000 Fashion-MNIST test images; device loss; buffer leaks over 1,000 calls;
 * a forced binding limit. Lives in the CLI package because it needs both the compressor (decompress) and the
 * runtime, which never import each other.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDenseOnnx, compressOnnx } from '@pqweb/compress';
import { loadFashionMnist } from '@pqweb/data';
import { decodePqw, layerArrays, reconstructWeights } from '@pqweb/format';
import {
  type Classifier,
  GpuDeviceLostError,
  GpuLimitError,
  KernelInputError,
  loadClassifier,
  type PixelInput,
} from '@pqweb/runtime';
import {
  createNodeDevice,
  installNodeGpu,
  loadNodeClassifier,
  onnxruntimeNodeBackbone,
} from '@pqweb/runtime/node';
import * as ort from 'onnxruntime-node';
import { describe, expect, it, vi } from 'vitest';
import { runPredict } from '../src/commands/predict';
import { encodePng } from '../src/images';

/**
 * Dawn skips zero-filling workgroup memory on this file's devices, as on the runtime's GPU test devices (see
 * SKIP_WORKGROUP_ZERO_FILL in packages/runtime/test/gpu-fixture.ts: every kernel writes what it reads, and the
 * zero-fill is most of SwiftShader's compile time). The navigator.gpu installed here is the one loadNodeClassifier
 * and `pqweb predict` use; the Playwright tests run the same model in Chromium with the zero-fill.
 */
const DAWN_FLAGS = ['enable-dawn-features=disable_workgroup_init'];
await installNodeGpu({ dawnFlags: DAWN_FLAGS });

const repo = join(import.meta.dirname, '../../..');
const modelBytes = new Uint8Array(readFileSync(join(repo, 'apps/demo/public/models/fashion-vgg.pqw')));
const file = decodePqw(modelBytes);
const AGREEMENT_IMAGES = 1000;
const BATCH = 250;
/** Logits differ only by float32 summation order between the GPU LUT kernels and ORT's dense GEMM. */
const MAX_LOGIT_DIFF = 1e-3;

function decompressedOnnx(): Uint8Array {
  const { manifest } = file;
  return buildDenseOnnx({
    backbone: manifest.backbone ? file.bytes(manifest.backbone.section) : null,
    input: manifest.model.input,
    headInputName: manifest.backbone?.outputName ?? manifest.model.input.name,
    outputName: manifest.model.outputName,
    layers: manifest.layers.map((layer) => {
      const arrays = layerArrays(file, layer);
      return { ...layer, bias: arrays.bias ?? null, weight: reconstructWeights(layer, arrays) };
    }),
  });
}

function grayToRgba(images: Uint8Array, index: number): PixelInput {
  const data = new Uint8ClampedArray(28 * 28 * 4);
  for (let i = 0; i < 784; i++) {
    const v = images[index * 784 + i] ?? 0;
    data[i * 4] = v;
    data[i * 4 + 1] = v;
    data[i * 4 + 2] = v;
    data[i * 4 + 3] = 255;
  }
  return { data, width: 28, height: 28 };
}

function argmax(values: Float32Array, offset: number, count: number): number {
  let best = 0;
  for (let c = 1; c < count; c++) if ((values[offset + c] ?? 0) > (values[offset + best] ?? 0)) best = c;
  return best;
}

/** Wraps device.createBuffer/destroy to count the buffers alive on it. */
function trackBuffers(device: GPUDevice): () => number {
  const live = new Set<GPUBuffer>();
  const create = device.createBuffer.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor) => {
    const buffer = create(descriptor);
    live.add(buffer);
    const destroy = buffer.destroy.bind(buffer);
    buffer.destroy = () => {
      live.delete(buffer);
      destroy();
    };
    return buffer;
  };
  return () => live.size;
}

describe('classifier on Dawn against the decompressed ONNX', () => {
  it(`agrees on top-1 for ≥99.9% of ${AGREEMENT_IMAGES} test images`, async () => {
    const data = await loadFashionMnist('test', { limit: AGREEMENT_IMAGES });
    const session = await ort.InferenceSession.create(decompressedOnnx());
    const classifier = await loadNodeClassifier(modelBytes, { backend: 'webgpu' });
    const info = await classifier.info();
    expect(info.backend).toBe('webgpu');
    let agree = 0;
    let maxDiff = 0;
    const classes = file.manifest.labels.length;
    const p = file.manifest.preprocessing;
    for (let start = 0; start < AGREEMENT_IMAGES; start += BATCH) {
      const inputs = Array.from({ length: BATCH }, (_, i) => grayToRgba(data.images, start + i));
      const results = await classifier.classifyBatch(inputs);
      const x = new Float32Array(BATCH * 784);
      for (let i = 0; i < x.length; i++)
        x[i] = ((data.images[start * 784 + i] ?? 0) * p.scale - (p.mean[0] ?? 0)) / (p.std[0] ?? 1);
      const reference = (await session.run({ input: new ort.Tensor('float32', x, [BATCH, 1, 28, 28]) }))
        .logits?.data as Float32Array;
      results.forEach((result, i) => {
        if (result.top[0]?.index === argmax(reference, i * classes, classes)) agree++;
        for (let c = 0; c < classes; c++) {
          maxDiff = Math.max(maxDiff, Math.abs((result.logits[c] ?? 0) - (reference[i * classes + c] ?? 0)));
        }
      });
    }
    console.log(
      `Dawn (${info.adapter?.description}): top-1 agreement ${agree}/${AGREEMENT_IMAGES}, max |Δlogit| ${maxDiff.toExponential(2)}, kernels ${info.kernels.join(', ')}`,
    );
    expect(agree / AGREEMENT_IMAGES).toBeGreaterThanOrEqual(0.999);
    expect(maxDiff).toBeLessThan(MAX_LOGIT_DIFF);
    await classifier.dispose();
    await session.release();
  });
});

describe('8-bit lookup tables (tableBits: 8)', () => {
  /**
   * The WebGPU kernel and its CPU twin quantize the same tables, but an entry whose float32 value lands on a rounding
   * boundary may round one level apart (the GPU's dot products and division round differently), and that moves a
   * logit by a table step or so. Each step is about 1/255 of a segment group's range: 0.05 bounds it.
   */
  const TWIN_LOGIT_DIFF = 0.05;
  /** Against float32 tables: the full test set moved no logit by more than 0.124 (docs/kernel-attempts.md, step 75). */
  const FLOAT32_LOGIT_DIFF = 0.25;
  const IMAGES = 200;

  it(`runs on WebGPU as its CPU twin does on ${IMAGES} test images, and close to float32 tables`, async () => {
    const data = await loadFashionMnist('test', { limit: IMAGES });
    const inputs = Array.from({ length: IMAGES }, (_, i) => grayToRgba(data.images, i));
    const gpu8 = await loadNodeClassifier(modelBytes, { backend: 'webgpu', tableBits: 8 });
    const cpu8 = await loadClassifier(modelBytes, {
      backend: 'wasm',
      tableBits: 8,
      backbone: onnxruntimeNodeBackbone,
    });
    const gpu32 = await loadNodeClassifier(modelBytes, { backend: 'webgpu' });
    const [onGpu, onCpu, float32] = [
      await gpu8.classifyBatch(inputs),
      await cpu8.classifyBatch(inputs),
      await gpu32.classifyBatch(inputs),
    ];
    const pqLayers = file.manifest.layers.filter((layer) => layer.method === 'pq' || layer.method === 'rq');
    expect(pqLayers.length).toBeGreaterThan(0);
    const gpuKernels = (await gpu8.info()).kernels;
    const cpuKernels = (await cpu8.info()).kernels;
    expect(gpuKernels.filter((kernel) => kernel === 'table8')).toHaveLength(pqLayers.length);
    expect(cpuKernels.filter((kernel) => kernel === 'js-8-bit-tables')).toHaveLength(pqLayers.length);
    let twinDiff = 0;
    let float32Diff = 0;
    let sameTop = 0;
    onGpu.forEach((result, i) => {
      expect(result.top[0]?.index, `image ${i}: GPU and CPU 8-bit tables`).toBe(onCpu[i]?.top[0]?.index);
      if (result.top[0]?.index === float32[i]?.top[0]?.index) sameTop++;
      result.logits.forEach((logit, c) => {
        twinDiff = Math.max(twinDiff, Math.abs(logit - (onCpu[i]?.logits[c] ?? 0)));
        float32Diff = Math.max(float32Diff, Math.abs(logit - (float32[i]?.logits[c] ?? 0)));
      });
    });
    console.log(
      `8-bit tables on ${IMAGES} images: max |Δlogit| ${twinDiff.toExponential(2)} against the CPU twin, ` +
        `${float32Diff.toExponential(2)} against float32 tables; top-1 as float32 on ${sameTop}/${IMAGES}`,
    );
    expect(twinDiff).toBeLessThan(TWIN_LOGIT_DIFF);
    expect(float32Diff).toBeLessThan(FLOAT32_LOGIT_DIFF);
    expect(sameTop / IMAGES).toBeGreaterThanOrEqual(0.98);
    for (const classifier of [gpu8, cpu8, gpu32]) await classifier.dispose();
  });

  it('refuses any other width with KernelInputError before it loads anything', async () => {
    const load = loadClassifier(modelBytes, { tableBits: 16 as 8, backbone: onnxruntimeNodeBackbone });
    await expect(load).rejects.toBeInstanceOf(KernelInputError);
    await expect(load).rejects.toThrow(/tableBits must be 32 .* or 8/);
  });
});

describe('pqweb predict', () => {
  it('gives the decompressed ONNX top-1 on test-image PNGs, on Dawn and on the CPU', async () => {
    const count = 12;
    const data = await loadFashionMnist('test', { limit: count });
    const dir = mkdtempSync(join(tmpdir(), 'pqweb-predict-'));
    const files = Array.from({ length: count }, (_, n) => {
      const path = join(dir, `test-${n}.png`);
      writeFileSync(
        path,
        encodePng({ ...grayToRgba(data.images, n), data: new Uint8Array(grayToRgba(data.images, n).data) }),
      );
      return path;
    });
    const session = await ort.InferenceSession.create(decompressedOnnx());
    const p = file.manifest.preprocessing;
    const x = new Float32Array(count * 784);
    for (let i = 0; i < x.length; i++)
      x[i] = ((data.images[i] ?? 0) * p.scale - (p.mean[0] ?? 0)) / (p.std[0] ?? 1);
    const reference = (await session.run({ input: new ort.Tensor('float32', x, [count, 1, 28, 28]) })).logits
      ?.data as Float32Array;
    await session.release();
    const model = join(dir, 'model.pqw');
    writeFileSync(model, modelBytes);
    const quiet = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      for (const backend of ['webgpu', 'cpu']) {
        const predictions = await runPredict(model, files, { backend, top: '1', json: true });
        predictions.forEach((prediction, n) => {
          expect(prediction.file).toBe(files[n]);
          expect(prediction.top[0]?.index, `${backend} ${prediction.file}`).toBe(
            argmax(reference, n * 10, 10),
          );
        });
      }
    } finally {
      quiet.mockRestore();
    }
  });
});

describe('GPU resources', () => {
  it('1,000 classify calls leave the live buffer count unchanged; dispose frees them all', async () => {
    // A small model keeps 1,000 calls quick on SwiftShader; the code path is the same as the reference model's.
    const small = await compressOnnx(
      new Uint8Array(readFileSync(join(repo, 'fixtures/onnx/tiny-keras.onnx'))),
      {
        method: 'pq',
        bits: 2,
        dim: 4,
        minParams: 0,
      },
    );
    const { device } = await createNodeDevice({ dawnFlags: DAWN_FLAGS });
    const liveBuffers = trackBuffers(device);
    const classifier = await loadClassifier(small.bytes, { device, backbone: onnxruntimeNodeBackbone });
    const input = { data: new Float32Array(12).fill(0.1) };
    await classifier.classify(input);
    const after1 = liveBuffers();
    expect(after1).toBeGreaterThan(0);
    for (let i = 0; i < 999; i++) await classifier.classify(input);
    expect(liveBuffers()).toBe(after1);
    await classifier.dispose();
    expect(liveBuffers()).toBe(0);
    device.destroy();
  });

  it('a device the caller owns, destroyed mid-use: calls reject with GpuDeviceLostError, never hang', async () => {
    const { device } = await createNodeDevice({ dawnFlags: DAWN_FLAGS });
    const classifier = await loadClassifier(modelBytes, { device, backbone: onnxruntimeNodeBackbone });
    const input = { data: new Float32Array(784).fill(0.2) };
    const expected = await classifier.classify(input);
    const pending = classifier.classify(input).then(
      () => 'resolved',
      (err: unknown) => err,
    );
    device.destroy();
    const outcome = await pending;
    // The call in flight may have finished before the loss took effect; the next one cannot.
    if (outcome !== 'resolved') expect(outcome).toBeInstanceOf(GpuDeviceLostError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(classifier.classify(input)).rejects.toBeInstanceOf(GpuDeviceLostError);
    expect(expected.top[0]?.index).toBeGreaterThanOrEqual(0);
    await classifier.dispose();
  });

  it('a device the runtime owns, destroyed mid-use: the next call recreates it and answers the same', async () => {
    const classifier: Classifier = await loadNodeClassifier(modelBytes, { backend: 'webgpu' });
    const input = { data: new Float32Array(784).fill(0.3) };
    const before = await classifier.classify(input);
    const device = (classifier as unknown as { engine: { device: { device: GPUDevice } } }).engine.device
      .device;
    device.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = await classifier.classify(input);
    expect(Array.from(after.logits)).toEqual(Array.from(before.logits));
    await classifier.dispose();
  });
});

describe('per-layer GPU time', () => {
  it('profile: true reports each head layer with its kernel and GPU time, and the same logits', async () => {
    const classifier: Classifier = await loadNodeClassifier(modelBytes, { backend: 'webgpu' });
    const input = { data: new Float32Array(784).fill(0.3) };
    const plain = await classifier.classify(input);
    expect(plain.timings.headLayers).toBeUndefined();
    const profiled = await classifier.classify(input, { profile: true });
    expect(Array.from(profiled.logits)).toEqual(Array.from(plain.logits));
    const device = (classifier as unknown as { engine: { device: { device: GPUDevice } } }).engine.device
      .device;
    if (!device.features.has('timestamp-query')) {
      // Without the feature the head cannot time itself: no made-up numbers.
      expect(profiled.timings.headLayers).toBeUndefined();
    } else {
      const layers = profiled.timings.headLayers ?? [];
      const info = await classifier.info();
      expect(layers.map((layer) => layer.name)).toEqual(file.manifest.layers.map((layer) => layer.name));
      expect(layers.map((layer) => layer.kernel)).toEqual(info.kernels);
      for (const layer of layers) {
        expect(Number.isFinite(layer.gpuMs)).toBe(true);
        expect(layer.gpuMs).toBeGreaterThanOrEqual(0);
      }
      // The GPU time of the layers lies inside the head's wall time (dispatch, GPU work, read back).
      const gpuTotal = layers.reduce((sum, layer) => sum + layer.gpuMs, 0);
      expect(gpuTotal).toBeGreaterThan(0);
      expect(gpuTotal).toBeLessThanOrEqual(profiled.timings.headMs);
      // A batch reports one array for the whole batch, in every result.
      const batch = await classifier.classifyBatch([input, input], { profile: true });
      expect(batch[0]?.timings.headLayers).toHaveLength(layers.length);
      expect(batch[1]?.timings.headLayers).toBe(batch[0]?.timings.headLayers);
    }
    await classifier.dispose();
  });
});

describe('binding limits', () => {
  const input = { data: new Float32Array(784).map((_, i) => Math.sin(i)) };

  it('codes above the limit are split by rows and give the same logits', async () => {
    const cpu = await loadClassifier(modelBytes, { backend: 'wasm', backbone: onnxruntimeNodeBackbone });
    const expected = await cpu.classify(input);
    // The first layer's codes are 1024 rows × 98 words × 4 = 401,408 bytes; its codebook 100,352 on the GPU
    // (784 segments × 16 × 4 float16, kept as the file stores them) and cannot be split.
    const split = await loadNodeClassifier(modelBytes, { backend: 'webgpu', maxBindingBytes: 256 * 1024 });
    const got = await split.classify(input);
    for (let c = 0; c < expected.logits.length; c++) {
      expect(Math.abs((got.logits[c] ?? 0) - (expected.logits[c] ?? 0))).toBeLessThan(1e-4);
    }
    await split.dispose();
    await cpu.dispose();
  });

  it('data that cannot be split fails with GpuLimitError naming the limit', async () => {
    // Below the first layer's float16 codebook (100,352 bytes).
    const load = loadNodeClassifier(modelBytes, { backend: 'webgpu', maxBindingBytes: 96 * 1024 });
    await expect(load).rejects.toBeInstanceOf(GpuLimitError);
    await expect(load).rejects.toThrow(/maxStorageBufferBindingSize/);
  });
});
