/**
 * Splitting an ONNX classifier into its backbone and its dense head: the chain of dense layers at the end of
 * the graph that produces the model output, with Relu, Identity, Dropout and no-op Flatten/Reshape between
 * them. The walk starts at the graph output and goes backwards until a node that is none of these.
 */
import { type DenseMatch, type DenseMatchResult, matchBiasAdd, matchGemm, matchMatMul } from './dense';
import { UnsupportedModelError } from './errors';
import { GraphIndex, liveNodes, namesReadBy } from './graph';
import {
  decodeModel,
  encodeModel,
  type GraphProto,
  intAttribute,
  isStandardOp,
  type NodeProto,
  nodeLabel,
  type ValueInfoProto,
} from './proto';
import { readInt64Tensor } from './tensor';
import type { DenseHeadSplit, DenseLayerSpec } from './types';
import { copyDim, dimSize, floatValueInfo, sizeDim, toInputInfo, valueDims } from './value-info';

/** Ops that pass a [batch, features] tensor on unchanged at inference (Relu also passes, see `activation`). */
const PASS_THROUGH_OPS = ['Relu', 'Identity', 'Dropout', 'Flatten', 'Reshape'] as const;

/** Ops that keep the rank of their first input, for proving a MatMul's input is 2-D. */
const RANK_KEEPING_OPS = [
  'Relu',
  'Identity',
  'Dropout',
  'LeakyRelu',
  'Sigmoid',
  'Tanh',
  'Elu',
  'Gelu',
  'Clip',
];

const SOFTMAX_OPS = ['Softmax', 'LogSoftmax'];

interface FoundLayer {
  match: DenseMatch;
  /** Pass-through nodes between this layer's dense op and the next layer, in execution order. */
  after: NodeProto[];
  activation: 'none' | 'relu';
}

function unsupportedAt(node: NodeProto, message: string): UnsupportedModelError {
  return new UnsupportedModelError(message, { node: nodeLabel(node), opType: node.op_type });
}

/** The data input a pass-through node forwards, or null when it does more than forward (then it ends the head). */
function passThroughInput(index: GraphIndex, node: NodeProto): string | null {
  if (!PASS_THROUGH_OPS.some((op) => isStandardOp(node, op))) return null;
  if (isStandardOp(node, 'Dropout')) {
    // Inputs 2 (training_mode) switches dropout on; output 1 (mask) is a second result someone may read.
    const trainingMode = node.input[2] ?? '';
    const mask = node.output[1] ?? '';
    if (trainingMode !== '' || (mask !== '' && index.consumersOf(mask).length > 0)) return null;
  }
  return node.input[0] ?? null;
}

/** Throws unless a Flatten/Reshape between dense layers leaves a [batch, features] tensor as it is. */
function checkKeeps2D(index: GraphIndex, node: NodeProto, features: number): void {
  if (isStandardOp(node, 'Flatten')) {
    const axis = intAttribute(node, 'axis', 1);
    // On a rank-2 tensor axis 1 (or -1) gives back [batch, features]; axis 0 would give [1, batch·features].
    if (axis !== 1 && axis !== -1) {
      throw unsupportedAt(
        node,
        `Flatten with axis=${axis} between dense layers does not keep [batch, ${features}]`,
      );
    }
    return;
  }
  if (!isStandardOp(node, 'Reshape')) return;
  const shapeName = node.input[1] ?? '';
  const shapeTensor = index.constantTensor(shapeName);
  if (shapeTensor === null) {
    throw unsupportedAt(
      node,
      `Reshape between dense layers with a computed shape '${shapeName}' is not supported`,
    );
  }
  const shape = readInt64Tensor(shapeTensor, { role: `shape '${shapeName}'`, node });
  // allowzero=1 makes 0 a literal zero-sized dimension instead of "copy the input's".
  const zeroCopies = intAttribute(node, 'allowzero', 0) === 0;
  const [batch, width] = shape;
  const keepsBatch = batch === -1 || (batch === 0 && zeroCopies);
  const keepsWidth = width === features || (width === -1 && batch === 0 && zeroCopies);
  if (shape.length !== 2 || !keepsBatch || !keepsWidth) {
    throw unsupportedAt(
      node,
      `Reshape to [${shape.join(', ')}] between dense layers does not keep [batch, ${features}]; only ` +
        `[-1, ${features}] or [0, ${features}] is supported there`,
    );
  }
}

/** True when `name` is certainly a rank-2 tensor: from declared shapes or from the op that makes it. */
function isProvably2D(index: GraphIndex, name: string): boolean {
  for (let current: string | undefined = name; current !== undefined; ) {
    const info = index.valueInfos.get(current);
    const dims = info === undefined ? null : valueDims(info);
    if (dims !== null && dims.length > 0) return dims.length === 2;
    const producer = index.producers.get(current);
    if (producer === undefined) return false;
    if (isStandardOp(producer, 'Flatten') || isStandardOp(producer, 'Gemm')) return true;
    if (isStandardOp(producer, 'Reshape')) {
      const shapeTensor = index.constantTensor(producer.input[1] ?? '');
      return (
        shapeTensor !== null &&
        shapeTensor.dims.length === 1 &&
        readInt64Tensor(shapeTensor, { role: 'shape', node: producer }).length === 2
      );
    }
    current = RANK_KEEPING_OPS.some((op) => isStandardOp(producer, op)) ? producer.input[0] : undefined;
  }
  return false;
}

function matchDense(index: GraphIndex, node: NodeProto): DenseMatchResult | null {
  if (isStandardOp(node, 'Gemm')) return matchGemm(index, node);
  if (isStandardOp(node, 'MatMul')) return matchMatMul(index, node, null);
  if (isStandardOp(node, 'Add')) return matchBiasAdd(index, node);
  return null;
}

function noHeadError(node: NodeProto, reason: string | null): UnsupportedModelError {
  if (SOFTMAX_OPS.some((op) => isStandardOp(node, op))) {
    return unsupportedAt(
      node,
      `the model output comes from ${node.op_type}; export the logits instead (the model without its final ` +
        `${node.op_type}) so that the last dense layer produces the output`,
    );
  }
  const rule =
    'the model output must come from a dense layer (Gemm, or MatMul + Add; Relu, Identity and Dropout may follow)';
  const detail =
    reason === null
      ? `it comes from ${node.op_type}, which is not one`
      : `this ${node.op_type} is not one: ${reason}`;
  return unsupportedAt(node, `${rule}; ${detail}`);
}

/** Walks back from the single graph output and collects the dense layers, last layer first. */
function findHead(index: GraphIndex, outputName: string): FoundLayer[] {
  const found: FoundLayer[] = [];
  const claimed = new Set<NodeProto>();
  let pending: NodeProto[] = [];
  let pendingRelu = false;
  let current = outputName;
  for (;;) {
    const producer = index.producers.get(current);
    if (producer === undefined) break;
    // A tensor inside the head must feed only the head, or removing the head would starve someone.
    if (current !== outputName && index.consumersOf(current).some((reader) => !claimed.has(reader))) {
      if (found.length === 0)
        throw noHeadError(producer, `its output '${current}' is also read by other nodes`);
      break;
    }
    const forwarded = passThroughInput(index, producer);
    if (forwarded !== null) {
      pending.push(producer);
      claimed.add(producer);
      if (isStandardOp(producer, 'Relu')) pendingRelu = true;
      current = forwarded;
      continue;
    }
    const result = matchDense(index, producer);
    if (result === null || 'reason' in result) {
      if (found.length === 0) throw noHeadError(producer, result === null ? null : result.reason);
      break;
    }
    const next = found.at(-1);
    if (next !== undefined && next.match.cols !== result.rows) {
      throw unsupportedAt(
        producer,
        `this layer has ${result.rows} outputs but the next dense layer ` +
          `('${nodeLabel(next.match.nodes[0] ?? producer)}') reads ${next.match.cols} features`,
      );
    }
    for (const node of pending) checkKeeps2D(index, node, result.rows);
    found.push({ match: result, after: pending.reverse(), activation: pendingRelu ? 'relu' : 'none' });
    for (const node of result.nodes) claimed.add(node);
    pending = [];
    pendingRelu = false;
    current = result.dataInput;
  }
  if (found.length === 0) {
    throw new UnsupportedModelError(
      `the model output '${outputName}' is not computed by any dense layer (it is ${
        index.initializers.has(outputName) ? 'a constant' : 'a graph input'
      })`,
    );
  }
  return found;
}

/** The layer's name: the Gemm's name, the MatMul/Add pair's common scope, or the weight's name. */
function layerName(match: DenseMatch, position: number): string {
  const [dense, add] = match.nodes;
  if (dense !== undefined && add !== undefined) {
    const scope = dense.name.slice(0, dense.name.lastIndexOf('/'));
    if (scope !== '' && add.name.startsWith(`${scope}/`)) return scope;
  }
  if (dense !== undefined && dense.name !== '') return dense.name;
  return match.weightName !== '' ? match.weightName : `dense_${position}`;
}

function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((name, position) => {
    const unique = seen.has(name) ? `${name}#${position}` : name;
    seen.add(unique);
    return unique;
  });
}

/**
 * The source model less its head, with `headInputName` as its only output: the nodes it depends on, the
 * initializers, value infos and annotations they use; ir_version, opsets, metadata and functions as they were.
 */
function extractBackbone(onnxBytes: Uint8Array, headInputName: string, features: number): Uint8Array {
  const model = decodeModel(onnxBytes);
  const graph: GraphProto = model.graph;
  const kept = liveNodes(graph.node, [headInputName]);
  const used = new Set<string>([headInputName, ...kept.flatMap(namesReadBy)]);
  const produced = new Set<string>(kept.flatMap((node) => node.output));
  const initializerNames = new Set(graph.initializer.map((tensor) => tensor.name));

  const declared = [...graph.value_info, ...graph.output].find((info) => info.name === headInputName);
  const declaredDims = declared === undefined ? null : valueDims(declared);
  let output: ValueInfoProto;
  if (declared === undefined || declaredDims === null || declaredDims.length !== 2) {
    // Not declared by the exporter: [the input's batch dim, features].
    const realInput = graph.input.find((input) => !initializerNames.has(input.name));
    const inputDims = realInput === undefined ? null : valueDims(realInput);
    output = floatValueInfo(headInputName, [copyDim(inputDims?.[0]), sizeDim(features)]);
  } else {
    output = declared;
    const width = declaredDims[1];
    if (width !== undefined && dimSize(width) !== -1 && dimSize(width) !== features) {
      throw new UnsupportedModelError(
        `the model declares '${headInputName}' with ${dimSize(width)} features but the first dense layer reads ${features}`,
      );
    }
  }

  graph.node = kept;
  graph.initializer = graph.initializer.filter((tensor) => used.has(tensor.name));
  graph.sparse_initializer = graph.sparse_initializer.filter((sparse) => used.has(sparse.values?.name ?? ''));
  graph.input = graph.input.filter((input) => !initializerNames.has(input.name) || used.has(input.name));
  graph.output = [output];
  graph.value_info = graph.value_info.filter(
    (info) => info.name !== headInputName && (used.has(info.name) || produced.has(info.name)),
  );
  graph.quantization_annotation = graph.quantization_annotation.filter(
    (annotation) => used.has(annotation.tensor_name) || produced.has(annotation.tensor_name),
  );
  return encodeModel(model);
}

/**
 * Finds the dense head of an ONNX classifier and splits the model there. Throws OnnxParseError for bytes
 * that are not ONNX, UnsupportedModelError (naming the node) for a model without a dense head it can read.
 */
export function splitDenseHead(onnxBytes: Uint8Array): DenseHeadSplit {
  const model = decodeModel(onnxBytes);
  const graph = model.graph;
  if (graph.output.length !== 1) {
    throw new UnsupportedModelError(
      `the model has ${graph.output.length} outputs (${graph.output.map((output) => output.name).join(', ')}); ` +
        'only single-output classifiers are supported',
    );
  }
  const outputName = graph.output[0]?.name ?? '';
  const index = new GraphIndex(graph);
  if (index.graphInputs.length !== 1) {
    throw new UnsupportedModelError(
      `the model has ${index.graphInputs.length} inputs (${index.graphInputs.map((input) => input.name).join(', ')}); ` +
        'only single-input models are supported',
    );
  }
  const [modelInput] = index.graphInputs;
  if (modelInput === undefined) throw new UnsupportedModelError('the model has no input');
  const input = toInputInfo(modelInput);

  const found = findHead(index, outputName).reverse();
  const first = found[0];
  if (first === undefined) throw new UnsupportedModelError(`no dense layer produces '${outputName}'`);
  const headInputName = first.match.dataInput;
  const firstOp = first.match.nodes[0];
  if (firstOp !== undefined && isStandardOp(firstOp, 'MatMul') && !isProvably2D(index, headInputName)) {
    throw unsupportedAt(
      firstOp,
      `cannot tell that its input '${headInputName}' is 2-D [batch, ${first.match.cols}]; a MatMul on a ` +
        'higher-rank tensor is not a dense layer over whole examples. Flatten or Reshape it to 2-D first',
    );
  }

  const names = uniqueNames(found.map((layer, position) => layerName(layer.match, position)));
  const layers: DenseLayerSpec[] = found.map((layer, position) => ({
    name: names[position] ?? `dense_${position}`,
    nodes: [...layer.match.nodes, ...layer.after].map(nodeLabel),
    rows: layer.match.rows,
    cols: layer.match.cols,
    weight: layer.match.weight,
    bias: layer.match.bias,
    activation: layer.activation,
  }));

  let backbone: Uint8Array | null = null;
  if (headInputName === input.name) {
    const width = input.shape[1];
    if (input.shape.length !== 2 || (width !== undefined && width !== -1 && width !== first.match.cols)) {
      throw new UnsupportedModelError(
        `the first dense layer reads the model input '${input.name}' of shape [${input.shape.join(', ')}]` +
          `, expected [batch, ${first.match.cols}]`,
      );
    }
  } else {
    backbone = extractBackbone(onnxBytes, headInputName, first.match.cols);
  }
  const producer = `${model.producer_name} ${model.producer_version}`.trim();
  return { input, outputName, headInputName, layers, backbone, producer };
}
