/**
 * Accuracy on Fashion-MNIST like the paper's tables: the backbone through onnxruntime-node, the dense head
 * through the runtime's CPU executor working on codes (never a rebuilt matrix), or the whole ONNX model.
 */
import { loadFashionMnist } from '@pqweb/data';
import { decodePqw, type PqwFile, type Preprocessing } from '@pqweb/format';
import { CpuHead, type TableBits } from '@pqweb/runtime';
import * as ort from 'onnxruntime-node';

/** Images per onnxruntime run: large enough to amortize per-run overhead, small enough for modest memory. */
const EVAL_BATCH = 500;

export interface Accuracy {
  images: number;
  top1: number;
  top5: number;
}

export interface TestSet {
  /** Normalized model inputs, images × (channels·height·width). */
  inputs: Float32Array;
  labels: Uint8Array;
  count: number;
}

/** Fashion-MNIST test images normalized with a model's preprocessing (grayscale, NCHW, 28×28). */
export async function loadTestSet(
  preprocessing: Preprocessing,
  options: { dir?: string; limit?: number },
): Promise<TestSet> {
  const data = await loadFashionMnist('test', options);
  if (
    preprocessing.channels !== 1 ||
    preprocessing.width !== data.cols ||
    preprocessing.height !== data.rows
  ) {
    throw new Error(
      `the model expects ${preprocessing.width}×${preprocessing.height}×${preprocessing.channels} inputs; ` +
        `Fashion-MNIST images are ${data.cols}×${data.rows}×1`,
    );
  }
  const mean = preprocessing.mean[0] ?? 0;
  const std = preprocessing.std[0] ?? 1;
  const inputs = new Float32Array(data.images.length);
  for (let i = 0; i < inputs.length; i++)
    inputs[i] = ((data.images[i] ?? 0) * preprocessing.scale - mean) / std;
  return { inputs, labels: data.labels, count: data.count };
}

/** Top-1 and top-5 hits of one row of logits. */
export function rankOf(logits: Float32Array, offset: number, classes: number, label: number): number {
  const target = logits[offset + label] ?? Number.NEGATIVE_INFINITY;
  let higher = 0;
  for (let c = 0; c < classes; c++) if ((logits[offset + c] ?? 0) > target) higher++;
  return higher;
}

export function accuracyOf(logits: Float32Array, labels: Uint8Array, classes: number): Accuracy {
  let top1 = 0;
  let top5 = 0;
  for (let i = 0; i < labels.length; i++) {
    const rank = rankOf(logits, i * classes, classes, labels[i] ?? 0);
    if (rank === 0) top1++;
    if (rank < 5) top5++;
  }
  return { images: labels.length, top1: top1 / labels.length, top5: top5 / labels.length };
}

/** Run an ONNX model (bytes) over inputs in batches; returns the named output, images × width. */
export async function runOnnx(
  model: Uint8Array,
  inputName: string,
  outputName: string,
  inputs: Float32Array,
  count: number,
  inputShape: number[],
): Promise<{ values: Float32Array; width: number }> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  try {
    const perImage = inputs.length / count;
    let values: Float32Array | null = null;
    let width = 0;
    for (let start = 0; start < count; start += EVAL_BATCH) {
      const n = Math.min(EVAL_BATCH, count - start);
      const shape = [n, ...inputShape.slice(1)];
      const tensor = new ort.Tensor(
        'float32',
        inputs.subarray(start * perImage, (start + n) * perImage),
        shape,
      );
      const result = await session.run({ [inputName]: tensor }, [outputName]);
      const out = result[outputName];
      if (!out) throw new Error(`the model has no output named ${outputName}`);
      const data = out.data as Float32Array;
      width = data.length / n;
      values ??= new Float32Array(count * width);
      values.set(data, start * width);
    }
    return { values: values ?? new Float32Array(0), width };
  } finally {
    await session.release();
  }
}

/** Backbone features of a .pqw model for the test set (or the inputs themselves when it has no backbone). */
export async function backboneFeatures(file: PqwFile, test: TestSet): Promise<Float32Array> {
  const { manifest } = file;
  if (!manifest.backbone) return test.inputs;
  const { values } = await runOnnx(
    file.bytes(manifest.backbone.section),
    manifest.model.input.name,
    manifest.backbone.outputName,
    test.inputs,
    test.count,
    manifest.model.input.shape,
  );
  return values;
}

/**
 * Logits of the compressed head on precomputed features, through the CPU executor on codes; `tableBits` 8 runs
 * its PQ / RQ layers on 8-bit lookup tables (an accuracy level, @pqweb/runtime's lut8Forward).
 */
export function headLogits(
  file: PqwFile,
  features: Float32Array,
  count: number,
  tableBits: TableBits = 32,
): Float32Array {
  return new CpuHead(file, { tableBits }).forward(features, count);
}

export async function evaluatePqw(
  bytes: Uint8Array,
  options: { dir?: string; limit?: number; tableBits?: TableBits },
): Promise<Accuracy> {
  const file = decodePqw(bytes);
  const test = await loadTestSet(file.manifest.preprocessing, options);
  const features = await backboneFeatures(file, test);
  const logits = headLogits(file, features, test.count, options.tableBits);
  return accuracyOf(logits, test.labels, file.manifest.labels.length);
}

export async function evaluateOnnx(
  bytes: Uint8Array,
  preprocessing: Preprocessing,
  options: { dir?: string; limit?: number },
): Promise<Accuracy> {
  const test = await loadTestSet(preprocessing, options);
  const probe = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  const inputName = probe.inputNames[0] ?? 'input';
  const outputName = probe.outputNames[0] ?? 'output';
  await probe.release();
  const { values, width } = await runOnnx(bytes, inputName, outputName, test.inputs, test.count, [
    -1,
    preprocessing.channels,
    preprocessing.height,
    preprocessing.width,
  ]);
  return accuracyOf(values, test.labels, width);
}
