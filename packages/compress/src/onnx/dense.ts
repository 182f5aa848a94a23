/**
 * Recognizing one dense layer y = W x + b in ONNX, in the forms exporters write it:
 * - Gemm(x, B, C) with transA=0: PyTorch (classic and dynamo exporters) writes B as [out, in] with transB=1;
 *   transB=0 stores [in, out]. Y = alpha·x·B' + beta·C, so alpha is folded into W and beta into b.
 * - MatMul(x, B) [+ Add(·, b)]: Keras/TF-style, B stored [in, out], so W = Bᵀ; the bias is [out] or [1, out].
 * Weights must be constants (initializers or Constant nodes) in float32.
 */
import { UnsupportedModelError } from './errors';
import type { GraphIndex } from './graph';
import { floatAttribute, intAttribute, isStandardOp, type NodeProto, nodeLabel } from './proto';
import { elementCount, readFloat32Tensor, tensorDims } from './tensor';

export interface DenseMatch {
  /** The dense op, then its bias Add when it has one. */
  nodes: NodeProto[];
  /** The tensor the layer multiplies (its x). */
  dataInput: string;
  /** The tensor the layer produces (W x + b). */
  output: string;
  rows: number;
  cols: number;
  weight: Float32Array;
  bias: Float32Array | null;
  /** The stored weight tensor's name, to name the layer when its nodes have no names. */
  weightName: string;
}

/** Either a dense layer or, when the node is not one, why not (used in the error for the last node). */
export type DenseMatchResult = DenseMatch | { reason: string };

function unsupportedAt(node: NodeProto, message: string): UnsupportedModelError {
  return new UnsupportedModelError(message, { node: nodeLabel(node), opType: node.op_type });
}

/** [rows, cols] row-major of the transpose of a [cols, rows] row-major matrix, each element times scale. */
function transposeScaled(source: Float32Array, sourceRows: number, sourceCols: number, scale: number) {
  const out = new Float32Array(source.length);
  for (let r = 0; r < sourceRows; r++) {
    for (let c = 0; c < sourceCols; c++) out[c * sourceRows + r] = (source[r * sourceCols + c] ?? 0) * scale;
  }
  return out;
}

/**
 * A bias read per output: shape [rows] or [1, rows], or (Gemm's broadcast) a single value. Null with a
 * reason when the tensor is computed or has another shape.
 */
function readBias(
  index: GraphIndex,
  name: string,
  rows: number,
  node: NodeProto,
  scale: number,
  allowScalar: boolean,
): Float32Array | { reason: string } {
  const tensor = index.constantTensor(name);
  if (tensor === null) return { reason: `its bias '${name}' is computed, not a stored tensor` };
  const dims = tensorDims(tensor);
  const values = readFloat32Tensor(tensor, { role: `bias '${name}'`, node });
  const perOutput =
    (dims.length === 1 && dims[0] === rows) || (dims.length === 2 && dims[0] === 1 && dims[1] === rows);
  if (perOutput) return values.map((value) => value * scale);
  if (allowScalar && elementCount(dims) === 1) return new Float32Array(rows).fill((values[0] ?? 0) * scale);
  return { reason: `its bias '${name}' has shape [${dims.join(', ')}], expected [${rows}] or [1, ${rows}]` };
}

export function matchGemm(index: GraphIndex, gemm: NodeProto): DenseMatchResult {
  const [dataInput = '', weightName = '', biasName = ''] = gemm.input;
  const output = gemm.output[0] ?? '';
  if (intAttribute(gemm, 'transA', 0) !== 0) {
    throw unsupportedAt(
      gemm,
      'Gemm with transA=1 multiplies the transposed input; only transA=0 (y = x·Bᵀ + c, a dense layer) is supported',
    );
  }
  if (index.constantTensor(dataInput) !== null) return { reason: `its input A '${dataInput}' is a constant` };
  const weightTensor = index.constantTensor(weightName);
  if (weightTensor === null)
    return { reason: `its weight B '${weightName}' is computed, not a stored tensor` };
  const dims = tensorDims(weightTensor);
  const [first = 0, second = 0] = dims;
  if (dims.length !== 2)
    throw unsupportedAt(gemm, `weight '${weightName}' has ${dims.length} dims, Gemm needs 2`);
  const stored = readFloat32Tensor(weightTensor, { role: `weight '${weightName}'`, node: gemm });
  const alpha = floatAttribute(gemm, 'alpha', 1);
  const beta = floatAttribute(gemm, 'beta', 1);
  const transB = intAttribute(gemm, 'transB', 0) !== 0;
  // transB=1: B is [out, in] = W already; transB=0: B is [in, out] = Wᵀ.
  const rows = transB ? first : second;
  const cols = transB ? second : first;
  const weight = transB
    ? stored.map((value) => value * alpha)
    : transposeScaled(stored, first, second, alpha);
  let bias: Float32Array | null = null;
  if (biasName !== '') {
    const read = readBias(index, biasName, rows, gemm, beta, true);
    if (!(read instanceof Float32Array)) return read;
    bias = read;
  }
  return { nodes: [gemm], dataInput, output, rows, cols, weight, bias, weightName };
}

/** MatMul(x, B) with B a stored 2-D [in, out] tensor, with `add` (MatMul's only reader) adding the bias. */
export function matchMatMul(index: GraphIndex, matmul: NodeProto, add: NodeProto | null): DenseMatchResult {
  const [dataInput = '', weightName = ''] = matmul.input;
  if (index.constantTensor(dataInput) !== null) {
    return { reason: `its first input '${dataInput}' is a constant (W·x order is not supported)` };
  }
  const weightTensor = index.constantTensor(weightName);
  if (weightTensor === null)
    return { reason: `its second input '${weightName}' is computed, not a stored weight` };
  const dims = tensorDims(weightTensor);
  const [inputs = 0, outputs = 0] = dims;
  if (dims.length !== 2) {
    return {
      reason: `its weight '${weightName}' has shape [${dims.join(', ')}], expected 2-D [inputs, outputs]`,
    };
  }
  const stored = readFloat32Tensor(weightTensor, { role: `weight '${weightName}'`, node: matmul });
  const weight = transposeScaled(stored, inputs, outputs, 1);
  const matmulOutput = matmul.output[0] ?? '';
  if (add === null) {
    return {
      nodes: [matmul],
      dataInput,
      output: matmulOutput,
      rows: outputs,
      cols: inputs,
      weight,
      bias: null,
      weightName,
    };
  }
  const biasName = add.input[0] === matmulOutput ? add.input[1] : add.input[0];
  const bias = readBias(index, biasName ?? '', outputs, add, 1, false);
  if (!(bias instanceof Float32Array)) return bias;
  const output = add.output[0] ?? '';
  return { nodes: [matmul, add], dataInput, output, rows: outputs, cols: inputs, weight, bias, weightName };
}

/**
 * An Add that is the bias of a MatMul dense layer: one input is a stored tensor, the other is produced by a
 * MatMul that nothing else reads.
 */
export function matchBiasAdd(index: GraphIndex, add: NodeProto): DenseMatchResult {
  for (const [dataSide, biasSide] of [
    [0, 1],
    [1, 0],
  ] as const) {
    const dataName = add.input[dataSide] ?? '';
    const biasName = add.input[biasSide] ?? '';
    const matmul = index.producers.get(dataName);
    if (matmul === undefined || !isStandardOp(matmul, 'MatMul') || index.constantTensor(biasName) === null)
      continue;
    const readers = index.consumersOf(dataName);
    if (readers.length !== 1 || index.graphOutputNames.has(dataName)) {
      return { reason: `the MatMul output '${dataName}' it adds to is also read elsewhere` };
    }
    return matchMatMul(index, matmul, add);
  }
  return { reason: 'it is not a MatMul followed by the addition of a stored bias' };
}
