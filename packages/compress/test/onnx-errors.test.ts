/**
 * What is refused, and how: bytes that are not ONNX (OnnxParseError), models without a dense head this
 * module can read (UnsupportedModelError naming node and op), dense layers that do not fit
 * (DenseLayerShapeError). Also int64 handling and the retention of fields the schema does not know.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildDenseOnnx,
  DenseLayerShapeError,
  describeOnnx,
  OnnxParseError,
  splitDenseHead,
  UnsupportedModelError,
} from '../src/onnx';
import { createMessage, decodeModel, encodeModel, int64ToNumber, type TensorProto } from '../src/onnx/proto';
import {
  int64Tensor,
  makeFloat32Tensor,
  makeModel,
  makeNode,
  randomNormal,
  seededRandom,
} from './onnx-test-models';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const classicBytes = new Uint8Array(readFileSync(`${REPO_ROOT}fixtures/onnx/tiny-classic.onnx`));

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an exception, none was thrown');
}

function expectUnsupported(model: Uint8Array, node: string, opType: string, message: RegExp): void {
  const error = thrown(() => splitDenseHead(model));
  expect(error).toBeInstanceOf(UnsupportedModelError);
  if (!(error instanceof UnsupportedModelError)) return;
  expect({ node: error.node, opType: error.opType }).toEqual({ node, opType });
  expect(error.message).toMatch(message);
}

const random = seededRandom(31);
const weights = (name: string, dims: number[]) =>
  makeFloat32Tensor(
    name,
    dims,
    randomNormal(
      random,
      dims.reduce((product, dim) => product * dim, 1),
    ),
  );

/** x [batch, 4] → Gemm fc (4 → 3) → `tail` nodes reading 'h'. */
function mlpWith(
  tail: ReturnType<typeof makeNode>[],
  output: string,
  extra: TensorProto[] = [],
  gemmAttributes = {},
) {
  return makeModel({
    input: { name: 'x', dims: [-1, 4] },
    outputs: [{ name: output, dims: [-1, 3] }],
    nodes: [
      makeNode('Gemm', 'fc', ['x', 'w', 'b'], ['h'], { transB: { int: 1 }, ...gemmAttributes }),
      ...tail,
    ],
    initializers: [weights('w', [3, 4]), weights('b', [3]), ...extra],
  });
}

describe('bytes that are not ONNX', () => {
  it.each([1, 2, 3, 4, 5])('random bytes (seed %i) → OnnxParseError', (seed) => {
    const noise = seededRandom(seed);
    const bytes = Uint8Array.from({ length: 64 * seed }, () => Math.floor(noise() * 256));
    expect(() => splitDenseHead(bytes)).toThrow(OnnxParseError);
    expect(() => describeOnnx(bytes)).toThrow(OnnxParseError);
  });

  it('empty input → OnnxParseError', () => {
    expect(() => splitDenseHead(new Uint8Array(0))).toThrow(/no graph/);
  });

  it.each([0.1, 0.5, 0.9])('a model truncated to %f of its length → OnnxParseError', (fraction) => {
    const truncated = classicBytes.subarray(0, Math.floor(classicBytes.length * fraction));
    expect(() => splitDenseHead(truncated)).toThrow(OnnxParseError);
  });

  it('a model missing its last byte → OnnxParseError', () => {
    expect(() => splitDenseHead(classicBytes.subarray(0, classicBytes.length - 1))).toThrow(OnnxParseError);
  });
});

describe('models without a dense head this module reads', () => {
  it('output from Softmax → asks for logits', () => {
    expectUnsupported(
      mlpWith([makeNode('Softmax', 'probs', ['h'], ['p'])], 'p'),
      'probs',
      'Softmax',
      /export the logits/,
    );
  });

  it('output from a Conv', () => {
    const model = makeModel({
      input: { name: 'x', dims: [-1, 1, 4, 4] },
      outputs: [{ name: 'y', dims: [-1, 2, 4, 4] }],
      nodes: [makeNode('Conv', 'conv', ['x', 'k'], ['y'], { pads: { ints: [1, 1, 1, 1] } })],
      initializers: [weights('k', [2, 1, 3, 3])],
    });
    expectUnsupported(model, 'conv', 'Conv', /dense layer/);
  });

  it('output from Relu after a Conv names the Conv', () => {
    const model = makeModel({
      input: { name: 'x', dims: [-1, 1, 4, 4] },
      outputs: [{ name: 'y', dims: [-1, 2, 4, 4] }],
      nodes: [makeNode('Conv', 'conv', ['x', 'k'], ['c']), makeNode('Relu', 'relu', ['c'], ['y'])],
      initializers: [weights('k', [2, 1, 3, 3])],
    });
    expectUnsupported(model, 'conv', 'Conv', /dense layer/);
  });

  it('Gemm with transA=1', () => {
    const model = makeModel({
      input: { name: 'x', dims: [4, -1] },
      outputs: [{ name: 'h', dims: [-1, 3] }],
      nodes: [makeNode('Gemm', 'fc', ['x', 'w'], ['h'], { transA: { int: 1 }, transB: { int: 1 } })],
      initializers: [weights('w', [3, 4])],
    });
    expectUnsupported(model, 'fc', 'Gemm', /transA=1/);
  });

  it('float16 weights', () => {
    const halfWeights = createMessage('TensorProto', {
      name: 'w',
      dims: [3, 4],
      data_type: 10,
      raw_data: new Uint8Array(3 * 4 * 2),
    });
    const model = makeModel({
      input: { name: 'x', dims: [-1, 4] },
      outputs: [{ name: 'h', dims: [-1, 3] }],
      nodes: [makeNode('Gemm', 'fc', ['x', 'w'], ['h'], { transB: { int: 1 } })],
      initializers: [halfWeights],
    });
    expectUnsupported(model, 'fc', 'Gemm', /FLOAT16/);
  });

  it('a Flatten between dense layers that does not keep [batch, features]', () => {
    const model = mlpWith(
      [
        makeNode('Flatten', 'flat0', ['h'], ['f'], { axis: { int: 0 } }),
        makeNode('Gemm', 'fc2', ['f', 'w2'], ['y'], { transB: { int: 1 } }),
      ],
      'y',
      [weights('w2', [2, 3])],
    );
    expectUnsupported(model, 'flat0', 'Flatten', /axis=0/);
  });

  it('a Reshape between dense layers that changes the features', () => {
    const model = mlpWith(
      [
        makeNode('Reshape', 'reshape', ['h', 'shape'], ['r']),
        makeNode('Gemm', 'fc2', ['r', 'w2'], ['y'], { transB: { int: 1 } }),
      ],
      'y',
      [weights('w2', [2, 3]), int64Tensor('shape', [-1, 1])],
    );
    expectUnsupported(model, 'reshape', 'Reshape', /\[-1, 1\]/);
  });

  it('a MatMul on a 3-D input (a per-position layer, not a dense layer over examples)', () => {
    const model = makeModel({
      input: { name: 'x', dims: [-1, 2, 4] },
      outputs: [{ name: 'y', dims: [-1, 2, 3] }],
      nodes: [makeNode('MatMul', 'mm', ['x', 'w'], ['y'])],
      initializers: [weights('w', [4, 3])],
    });
    expectUnsupported(model, 'mm', 'MatMul', /2-D/);
  });

  it('an Add of two computed tensors', () => {
    const model = mlpWith([makeNode('Add', 'residual', ['h', 'h'], ['y'])], 'y');
    expectUnsupported(model, 'residual', 'Add', /MatMul followed by/);
  });

  it('two outputs', () => {
    const model = makeModel({
      input: { name: 'x', dims: [-1, 4] },
      outputs: [
        { name: 'h', dims: [-1, 3] },
        { name: 'y', dims: [-1, 3] },
      ],
      nodes: [
        makeNode('Gemm', 'fc', ['x', 'w'], ['h'], { transB: { int: 1 } }),
        makeNode('Relu', 'relu', ['h'], ['y']),
      ],
      initializers: [weights('w', [3, 4])],
    });
    expect(() => splitDenseHead(model)).toThrow(/2 outputs/);
  });
});

describe('buildDenseOnnx refuses layers that do not fit', () => {
  const input = { name: 'x', shape: [-1, 4], dtype: 'float32' as const };
  const layer = {
    name: 'fc',
    rows: 3,
    cols: 4,
    weight: new Float32Array(12),
    bias: null,
    activation: 'none' as const,
  };
  const build = (overrides: Partial<Parameters<typeof buildDenseOnnx>[0]>) =>
    buildDenseOnnx({
      backbone: null,
      input,
      headInputName: 'x',
      outputName: 'y',
      layers: [layer],
      ...overrides,
    });

  it('accepts the well-formed case', () => {
    expect(describeOnnx(build({})).outputs).toEqual(['y']);
  });

  it.each([
    [
      'a weight of the wrong length',
      { layers: [{ ...layer, weight: new Float32Array(11) }] },
      /weight has 11 values/,
    ],
    [
      'a bias of the wrong length',
      { layers: [{ ...layer, bias: new Float32Array(2) }] },
      /bias has 2 values/,
    ],
    ['layers that do not chain', { layers: [layer, { ...layer, name: 'fc2' }] }, /reads 4 features/],
    ['an input of another width', { input: { ...input, shape: [-1, 5] } }, /needs \[batch, 4\]/],
    ['a head input that is not the model input', { headInputName: 'z' }, /must read the model input/],
    [
      'a backbone without the head input',
      { backbone: splitDenseHead(classicBytes).backbone, headInputName: 'nope' },
      /no output 'nope'/,
    ],
    ['no layers', { layers: [] }, /no dense layers/],
  ])('%s', (_, overrides, message) => {
    const error = thrown(() => build(overrides));
    expect(error).toBeInstanceOf(DenseLayerShapeError);
    expect(error instanceof Error ? error.message : '').toMatch(message);
  });
});

describe('protobuf details', () => {
  it('int64 beyond 32 bits converts exactly; beyond 2^53 is refused', () => {
    // 2^40 + 5 as protobuf.js hands it out: low 32 bits, high 32 bits.
    expect(int64ToNumber({ low: 5, high: 2 ** 8, unsigned: false }, 'test')).toBe(2 ** 40 + 5);
    expect(int64ToNumber({ low: -1, high: -1, unsigned: false }, 'test')).toBe(-1);
    expect(() => int64ToNumber({ low: 0, high: 2 ** 22, unsigned: false }, 'test')).toThrow(OnnxParseError);
  });

  it('fields unknown to the schema survive decode → encode', () => {
    // Field 99, varint 42: tag (99 << 3 | 0) = 792 = 0x98 0x06, then 0x2a.
    const unknownField = [0x98, 0x06, 0x2a];
    const withUnknown = Uint8Array.from([...classicBytes, ...unknownField]);
    expect(Buffer.from(encodeModel(decodeModel(withUnknown))).equals(Buffer.from(withUnknown))).toBe(true);
  });
});
