/**
 * Synthetic models for the forms exporters write less often: Gemm with transB=0 and alpha/beta ≠ 1, biases
 * as [1, m] or scalars, float_data storage, Constant-node weights, MatMul with and without Add, Identity,
 * Dropout and no-op Flatten/Reshape between layers. Each is checked against onnxruntime-node.
 */
import { describe, expect, it } from 'vitest';
import { buildDenseOnnx, type DenseHeadSplit, splitDenseHead } from '../src/onnx';
import {
  applyDenseLayers,
  floatDataTensor,
  int64Tensor,
  makeFloat32Tensor,
  makeModel,
  makeNode,
  randomNormal,
  relativeError,
  runOrt,
  seededRandom,
} from './onnx-test-models';

const TOLERANCE = 1e-4;
const BATCH = 4;

/** split → (backbone in ORT) → layers in TS, and the rebuilt model in ORT, both against the source model. */
async function expectSplitMatchesOrt(
  model: Uint8Array,
  inputDims: number[],
  seed: number,
): Promise<DenseHeadSplit> {
  const split = splitDenseHead(model);
  const input = randomNormal(
    seededRandom(seed),
    inputDims.reduce((product, dim) => product * dim, 1),
  );
  const original = await runOrt(model, split.input.name, input, inputDims, split.outputName);
  const features =
    split.backbone === null
      ? input
      : (await runOrt(split.backbone, split.input.name, input, inputDims, split.headInputName)).data;
  expect(relativeError(applyDenseLayers(features, BATCH, split.layers), original.data)).toBeLessThan(
    TOLERANCE,
  );
  const rebuilt = await runOrt(buildDenseOnnx(split), split.input.name, input, inputDims, split.outputName);
  expect(relativeError(rebuilt.data, original.data)).toBeLessThan(TOLERANCE);
  return split;
}

describe('Gemm forms', () => {
  it('transB=0 and 1, alpha/beta ≠ 1, biases [m], [1, m], scalar and none; input read directly', async () => {
    const random = seededRandom(11);
    const model = makeModel({
      input: { name: 'x', dims: [-1, 6] },
      outputs: [{ name: 'y', dims: [-1, 3] }],
      nodes: [
        makeNode('Gemm', 'fc1', ['x', 'w1', 'b1'], ['h1'], {
          transB: { int: 0 },
          alpha: { float: 0.5 },
          beta: { float: 2 },
        }),
        makeNode('Relu', 'relu1', ['h1'], ['r1']),
        makeNode('Gemm', 'fc2', ['r1', 'w2', 'b2'], ['h2'], { transB: { int: 1 }, alpha: { float: 1.5 } }),
        makeNode('Relu', 'relu2', ['h2'], ['r2']),
        makeNode('Gemm', 'fc3', ['r2', 'w3', 'b3'], ['h3'], { beta: { float: 0.25 } }),
        makeNode('Gemm', 'fc4', ['h3', 'w4'], ['y'], { transB: { int: 1 } }),
      ],
      initializers: [
        makeFloat32Tensor('w1', [6, 5], randomNormal(random, 30)),
        makeFloat32Tensor('b1', [5], randomNormal(random, 5)),
        floatDataTensor('w2', [4, 5], randomNormal(random, 20)),
        floatDataTensor('b2', [1, 4], randomNormal(random, 4)),
        makeFloat32Tensor('w3', [4, 3], randomNormal(random, 12)),
        makeFloat32Tensor('b3', [1], randomNormal(random, 1)),
        makeFloat32Tensor('w4', [3, 3], randomNormal(random, 9)),
      ],
    });
    const split = await expectSplitMatchesOrt(model, [BATCH, 6], 1);
    expect(split.backbone).toBeNull();
    expect(split.headInputName).toBe('x');
    expect(
      split.layers.map(({ name, rows, cols, activation }) => ({ name, rows, cols, activation })),
    ).toEqual([
      { name: 'fc1', rows: 5, cols: 6, activation: 'relu' },
      { name: 'fc2', rows: 4, cols: 5, activation: 'relu' },
      { name: 'fc3', rows: 3, cols: 4, activation: 'none' },
      { name: 'fc4', rows: 3, cols: 3, activation: 'none' },
    ]);
    expect(split.layers[3]?.bias).toBeNull();
    expect(split.layers[0]?.nodes).toEqual(['fc1', 'relu1']);
  });

  it('a Relu after the last layer becomes its activation', async () => {
    const random = seededRandom(12);
    const model = makeModel({
      input: { name: 'x', dims: [-1, 5] },
      outputs: [{ name: 'y', dims: [-1, 2] }],
      nodes: [
        makeNode('Gemm', 'fc', ['x', 'w', 'b'], ['h'], { transB: { int: 1 } }),
        makeNode('Relu', 'act', ['h'], ['y']),
      ],
      initializers: [
        makeFloat32Tensor('w', [2, 5], randomNormal(random, 10)),
        makeFloat32Tensor('b', [2], randomNormal(random, 2)),
      ],
    });
    const split = await expectSplitMatchesOrt(model, [BATCH, 5], 2);
    expect(split.layers.map((layer) => layer.activation)).toEqual(['relu']);
  });
});

describe('MatMul forms', () => {
  it('Constant-node weights, bias first in Add, [1, m] bias, Identity/Dropout/Reshape between, Flatten backbone', async () => {
    const random = seededRandom(21);
    const model = makeModel({
      input: { name: 'image', dims: [-1, 2, 3] },
      outputs: [{ name: 'logits', dims: [-1, 4] }],
      nodes: [
        makeNode('Flatten', 'flatten', ['image'], ['flat'], { axis: { int: 1 } }),
        makeNode('Constant', 'w1_const', [], ['w1'], {
          value: { tensor: floatDataTensor('', [6, 5], randomNormal(random, 30)) },
        }),
        makeNode('MatMul', 'dense/MatMul', ['flat', 'w1'], ['mm1']),
        makeNode('Add', 'dense/BiasAdd', ['b1', 'mm1'], ['a1']),
        makeNode('Relu', 'dense/Relu', ['a1'], ['r1']),
        makeNode('Identity', 'id', ['r1'], ['i1']),
        makeNode('Dropout', 'drop', ['i1'], ['d1', 'mask']),
        makeNode('Reshape', 'keep2d', ['d1', 'shape'], ['s1']),
        makeNode('MatMul', 'dense_1/MatMul', ['s1', 'w2'], ['mm2']),
        makeNode('Constant', 'b2_const', [], ['b2'], {
          value: { tensor: makeFloat32Tensor('', [4], randomNormal(random, 4)) },
        }),
        makeNode('Add', 'dense_1/BiasAdd', ['mm2', 'b2'], ['logits']),
        // A dead branch the exporter left behind: not part of either half.
        makeNode('Identity', 'dangling', ['flat'], ['unused']),
      ],
      initializers: [
        makeFloat32Tensor('b1', [1, 5], randomNormal(random, 5)),
        int64Tensor('shape', [0, -1]),
        makeFloat32Tensor('w2', [5, 4], randomNormal(random, 20)),
      ],
    });
    const split = await expectSplitMatchesOrt(model, [BATCH, 2, 3], 3);
    expect(split.headInputName).toBe('flat');
    expect(
      split.layers.map(({ name, rows, cols, activation }) => ({ name, rows, cols, activation })),
    ).toEqual([
      { name: 'dense', rows: 5, cols: 6, activation: 'relu' },
      { name: 'dense_1', rows: 4, cols: 5, activation: 'none' },
    ]);
    expect(split.layers[0]?.nodes).toEqual([
      'dense/MatMul',
      'dense/BiasAdd',
      'dense/Relu',
      'id',
      'drop',
      'keep2d',
    ]);
  });

  it('MatMul without bias, on a 2-D model input', async () => {
    const random = seededRandom(22);
    const model = makeModel({
      input: { name: 'x', dims: [-1, 7] },
      outputs: [{ name: 'y', dims: [-1, 3] }],
      nodes: [
        makeNode('MatMul', 'mm1', ['x', 'w1'], ['h1']),
        makeNode('Relu', 'relu', ['h1'], ['r1']),
        makeNode('MatMul', 'mm2', ['r1', 'w2'], ['y']),
      ],
      initializers: [
        makeFloat32Tensor('w1', [7, 5], randomNormal(random, 35)),
        makeFloat32Tensor('w2', [5, 3], randomNormal(random, 15)),
      ],
    });
    const split = await expectSplitMatchesOrt(model, [BATCH, 7], 4);
    expect(split.backbone).toBeNull();
    expect(split.layers.map((layer) => layer.bias)).toEqual([null, null]);
  });
});
