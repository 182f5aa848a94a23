/**
 * The exported fixtures (PyTorch classic and dynamo exporters, a Keras-style MatMul/Add model) and the
 * reference model, checked against onnxruntime-node: split → backbone in ORT + dense head in TS equals the
 * original model; rebuilt models run in ORT and equal the original, or follow modified weights.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildDenseOnnx, type DenseHeadSplit, describeOnnx, splitDenseHead } from '../src/onnx';
import { decodeModel, encodeModel } from '../src/onnx/proto';
import { applyDenseLayers, randomNormal, relativeError, runOrt, seededRandom } from './onnx-test-models';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const readRepoFile = (path: string) => new Uint8Array(readFileSync(`${REPO_ROOT}${path}`));

/** float32 results of two differently ordered sums agree to about 1e-6; the brief allows 1e-4. */
const TOLERANCE = 1e-4;
const BATCH = 3;

interface ModelCase {
  file: string;
  /** Input dims with the batch dimension first. */
  inputDims: number[];
  /** What the exporter wrote, from the model's construction (fixtures) or its card (reference model). */
  expectedLayers: Array<{ rows: number; cols: number; activation: 'none' | 'relu' }>;
  expectedHeadInput: string;
}

const CASES: ModelCase[] = [
  {
    file: 'fixtures/onnx/tiny-classic.onnx',
    inputDims: [BATCH, 1, 8, 8],
    // Conv(1→4, 3×3, pad 1) → MaxPool 2 → 4·4·4 = 64 features → 24 → 5.
    expectedLayers: [
      { rows: 24, cols: 64, activation: 'relu' },
      { rows: 5, cols: 24, activation: 'none' },
    ],
    expectedHeadInput: '/Flatten_output_0',
  },
  {
    file: 'fixtures/onnx/tiny-dynamo.onnx',
    inputDims: [BATCH, 1, 8, 8],
    expectedLayers: [
      { rows: 24, cols: 64, activation: 'relu' },
      { rows: 5, cols: 24, activation: 'none' },
    ],
    expectedHeadInput: 'view',
  },
  {
    file: 'fixtures/onnx/tiny-keras.onnx',
    inputDims: [BATCH, 3, 4],
    // Reshape [batch, 3, 4] → [batch, 12] → MatMul [12, 9] → MatMul [9, 4].
    expectedLayers: [
      { rows: 9, cols: 12, activation: 'relu' },
      { rows: 4, cols: 9, activation: 'none' },
    ],
    expectedHeadInput: 'flat',
  },
  {
    file: 'models/reference/fashion-vgg.onnx',
    inputDims: [BATCH, 1, 28, 28],
    // models/reference/fashion-vgg.json: classifier.1, .4, .7.
    expectedLayers: [
      { rows: 1024, cols: 3136, activation: 'relu' },
      { rows: 512, cols: 1024, activation: 'relu' },
      { rows: 10, cols: 512, activation: 'none' },
    ],
    expectedHeadInput: '/classifier/classifier.0/Flatten_output_0',
  },
];

/** The dense head's input: the backbone's output in ORT, or the model input itself. */
async function headFeatures(split: DenseHeadSplit, input: Float32Array, dims: number[]) {
  if (split.backbone === null) return input;
  const features = await runOrt(split.backbone, split.input.name, input, dims, split.headInputName);
  expect(features.dims).toEqual([dims[0], split.layers[0]?.cols]);
  return features.data;
}

describe.each(CASES)('$file', (modelCase) => {
  const modelBytes = readRepoFile(modelCase.file);
  const inputCount = modelCase.inputDims.reduce((product, dim) => product * dim, 1);
  const input = randomNormal(seededRandom(0x5eed), inputCount);

  it('re-encodes byte for byte (decode → encode loses nothing)', () => {
    expect(Buffer.from(encodeModel(decodeModel(modelBytes))).equals(Buffer.from(modelBytes))).toBe(true);
  });

  it('finds the dense head the exporter wrote', () => {
    const split = splitDenseHead(modelBytes);
    expect(split.layers.map(({ rows, cols, activation }) => ({ rows, cols, activation }))).toEqual(
      modelCase.expectedLayers,
    );
    expect(split.headInputName).toBe(modelCase.expectedHeadInput);
    expect(split.outputName).toBe('logits');
    expect(split.input).toEqual({
      name: 'input',
      shape: [-1, ...modelCase.inputDims.slice(1)],
      dtype: 'float32',
    });
    for (const layer of split.layers) {
      expect(layer.weight.length).toBe(layer.rows * layer.cols);
      expect(layer.bias?.length).toBe(layer.rows);
    }
    expect(split.producer).toMatch(/^(pytorch|pqweb)/);
  });

  it('backbone in ORT then the extracted layers in TS equal the original model', async () => {
    const split = splitDenseHead(modelBytes);
    const original = await runOrt(modelBytes, 'input', input, modelCase.inputDims, 'logits');
    const features = await headFeatures(split, input, modelCase.inputDims);
    const head = applyDenseLayers(features, BATCH, split.layers);
    expect(relativeError(head, original.data)).toBeLessThan(TOLERANCE);
  });

  it('the backbone keeps only what feeds the head, with the original opset and IR', () => {
    const split = splitDenseHead(modelBytes);
    if (split.backbone === null) throw new Error('every fixture has a backbone');
    const source = describeOnnx(modelBytes);
    const backbone = describeOnnx(split.backbone);
    expect(backbone.outputs).toEqual([modelCase.expectedHeadInput]);
    expect(backbone.opset).toBe(source.opset);
    expect(decodeModel(split.backbone).ir_version).toEqual(decodeModel(modelBytes).ir_version);
    expect(backbone.opCounts.Gemm ?? 0).toBe(0);
    expect(backbone.opCounts.MatMul ?? 0).toBe(0);
    const headBytes = split.layers.reduce((sum, layer) => sum + 4 * (layer.weight.length + layer.rows), 0);
    // Every head parameter is gone from the backbone; what is left is the backbone's own (plus shapes).
    expect(backbone.initializerBytes).toBeLessThanOrEqual(source.initializerBytes - headBytes);
  });

  it('rebuilt with the original weights, runs in ORT and equals the original', async () => {
    const split = splitDenseHead(modelBytes);
    const rebuilt = buildDenseOnnx({ ...split });
    const original = await runOrt(modelBytes, 'input', input, modelCase.inputDims, 'logits');
    const output = await runOrt(rebuilt, 'input', input, modelCase.inputDims, 'logits');
    expect(output.dims).toEqual(original.dims);
    expect(relativeError(output.data, original.data)).toBeLessThan(TOLERANCE);
  });

  it('rebuilt with modified weights, follows them', async () => {
    const split = splitDenseHead(modelBytes);
    const random = seededRandom(7);
    const layers = split.layers.map((layer) => ({
      ...layer,
      weight: layer.weight.map((value) => value * 0.5),
      bias: layer.bias === null ? null : randomNormal(random, layer.rows, 0.1),
    }));
    const output = await runOrt(
      buildDenseOnnx({ ...split, layers }),
      'input',
      input,
      modelCase.inputDims,
      'logits',
    );
    const features = await headFeatures(split, input, modelCase.inputDims);
    const expected = applyDenseLayers(features, BATCH, layers);
    const unmodified = applyDenseLayers(features, BATCH, split.layers);
    expect(relativeError(output.data, expected)).toBeLessThan(TOLERANCE);
    expect(relativeError(output.data, unmodified)).toBeGreaterThan(100 * TOLERANCE);
  });
});

describe('fashion-vgg against its model card', () => {
  const card = JSON.parse(readFileSync(`${REPO_ROOT}models/reference/fashion-vgg.json`, 'utf8')) as {
    opset: number;
    parameters: { dense: number; layers: Array<{ kind: string; weightShape: number[] }> };
  };
  const modelBytes = readRepoFile('models/reference/fashion-vgg.onnx');

  it('head parameters equal the card', () => {
    const split = splitDenseHead(modelBytes);
    const denseParameters = split.layers.reduce(
      (sum, layer) => sum + layer.weight.length + (layer.bias?.length ?? 0),
      0,
    );
    expect(denseParameters).toBe(card.parameters.dense);
    const cardDense = card.parameters.layers.filter((layer) => layer.kind === 'dense');
    expect(split.layers.map((layer) => [layer.rows, layer.cols])).toEqual(
      cardDense.map((layer) => layer.weightShape),
    );
  });

  it('describeOnnx counts ops and initializer bytes', () => {
    const description = describeOnnx(modelBytes);
    const convs = card.parameters.layers.filter((layer) => layer.kind === 'conv');
    // The exporter folds each batch norm into its conv: conv weights plus one bias per output channel.
    const convParameters = convs.reduce(
      (sum, layer) =>
        sum + layer.weightShape.reduce((product, dim) => product * dim, 1) + (layer.weightShape[0] ?? 0),
      0,
    );
    expect(description).toEqual({
      producer: 'pytorch 2.11.0',
      opset: card.opset,
      inputs: [{ name: 'input', shape: [-1, 1, 28, 28], dtype: 'float32' }],
      outputs: ['logits'],
      nodes: 16,
      initializerBytes: 4 * (convParameters + card.parameters.dense),
      opCounts: { Conv: 4, Relu: 6, MaxPool: 2, Flatten: 1, Gemm: 3 },
    });
  });
});
