/**
 * Shared by the onnx*.test.ts files: a seeded RNG, onnxruntime-node as the reference executor, a plain-TS
 * dense head, and a small builder for synthetic ONNX models written with the vendored schema.
 */
import * as ort from 'onnxruntime-node';
import {
  type AttributeProto,
  AttributeType,
  createMessage,
  encodeModel,
  type NodeProto,
  type TensorProto,
} from '../src/onnx/proto';
import { makeFloat32Tensor } from '../src/onnx/tensor';
import { floatValueInfo, sizeDim } from '../src/onnx/value-info';

/** mulberry32: a small, well-mixed 32-bit generator; enough for test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Standard normal samples (Box–Muller). */
export function randomNormal(random: () => number, count: number, scale = 1): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const u = 1 - random();
    const v = random();
    values[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return values;
}

/** Runs a model in onnxruntime-node on one float32 input and returns the named output. */
export async function runOrt(
  modelBytes: Uint8Array,
  inputName: string,
  input: Float32Array,
  dims: number[],
  outputName: string,
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(modelBytes);
  try {
    const results = await session.run({ [inputName]: new ort.Tensor('float32', input, dims) }, [outputName]);
    const output = results[outputName];
    if (output === undefined || !(output.data instanceof Float32Array)) {
      throw new Error(`onnxruntime gave no float32 output '${outputName}'`);
    }
    return { data: output.data, dims: output.dims };
  } finally {
    await session.release();
  }
}

export interface PlainDenseLayer {
  rows: number;
  cols: number;
  weight: Float32Array;
  bias: Float32Array | null;
  activation: 'none' | 'relu';
}

/** y = act(W x + b) for each example and layer, accumulated in float64: the reference dense head. */
export function applyDenseLayers(features: Float32Array, batch: number, layers: readonly PlainDenseLayer[]) {
  let current = features;
  for (const layer of layers) {
    const next = new Float32Array(batch * layer.rows);
    for (let example = 0; example < batch; example++) {
      for (let row = 0; row < layer.rows; row++) {
        let sum = layer.bias?.[row] ?? 0;
        for (let col = 0; col < layer.cols; col++) {
          sum += (layer.weight[row * layer.cols + col] ?? 0) * (current[example * layer.cols + col] ?? 0);
        }
        next[example * layer.rows + row] = layer.activation === 'relu' ? Math.max(0, sum) : sum;
      }
    }
    current = next;
  }
  return current;
}

/** Largest |actual − expected| divided by the largest |expected|: relative error on the tensor's scale. */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs((actual[i] ?? 0) - (expected[i] ?? 0)));
    scale = Math.max(scale, Math.abs(expected[i] ?? 0));
  }
  return worst / Math.max(scale, Number.MIN_VALUE);
}

export type AttributeValue =
  | { int: number }
  | { float: number }
  | { ints: number[] }
  | { tensor: TensorProto };

export function makeNode(
  opType: string,
  name: string,
  inputs: string[],
  outputs: string[],
  attributes: Record<string, AttributeValue> = {},
): NodeProto {
  const attribute: AttributeProto[] = Object.entries(attributes).map(([attributeName, value]) => {
    if ('int' in value)
      return createMessage('AttributeProto', { name: attributeName, type: AttributeType.INT, i: value.int });
    if ('float' in value) {
      return createMessage('AttributeProto', {
        name: attributeName,
        type: AttributeType.FLOAT,
        f: value.float,
      });
    }
    if ('ints' in value) {
      return createMessage('AttributeProto', {
        name: attributeName,
        type: AttributeType.INTS,
        ints: value.ints,
      });
    }
    return createMessage('AttributeProto', {
      name: attributeName,
      type: AttributeType.TENSOR,
      t: value.tensor,
    });
  });
  return createMessage('NodeProto', { op_type: opType, name, input: inputs, output: outputs, attribute });
}

/** A float32 tensor stored in float_data instead of raw_data (the other storage the reader must handle). */
export function floatDataTensor(name: string, dims: number[], values: Float32Array): TensorProto {
  return createMessage('TensorProto', { name, dims, data_type: 1, float_data: Array.from(values) });
}

export function int64Tensor(name: string, values: number[]): TensorProto {
  return createMessage('TensorProto', { name, dims: [values.length], data_type: 7, int64_data: values });
}

export { makeFloat32Tensor };

/** dims: -1 for a symbolic batch dimension. */
function dimsOf(dims: number[]) {
  return dims.map((size) =>
    size < 0 ? createMessage('TensorShapeProto.Dimension', { dim_param: 'batch' }) : sizeDim(size),
  );
}

export function makeModel(spec: {
  input: { name: string; dims: number[] };
  outputs: Array<{ name: string; dims: number[] }>;
  nodes: NodeProto[];
  initializers: TensorProto[];
  opset?: number;
}): Uint8Array {
  const graph = createMessage('GraphProto', {
    name: 'synthetic',
    node: spec.nodes,
    initializer: spec.initializers,
    input: [floatValueInfo(spec.input.name, dimsOf(spec.input.dims))],
    output: spec.outputs.map((output) => floatValueInfo(output.name, dimsOf(output.dims))),
  });
  return encodeModel(
    createMessage('ModelProto', {
      ir_version: 8,
      producer_name: 'pqweb-test',
      opset_import: [createMessage('OperatorSetIdProto', { domain: '', version: spec.opset ?? 17 })],
      graph,
    }),
  );
}
