/**
 * Decompression to plain ONNX: the backbone (or the bare input) followed by one Gemm (transB=1, so W is
 * stored [rows, cols] as y = W x wants it) and an optional Relu per dense layer, ending in the original
 * output name. Any ONNX runtime runs the result; it is how a reconstructed model is checked against the
 * source.
 */
import { DenseLayerShapeError } from './errors';
import { liveNodes } from './graph';
import {
  AttributeType,
  createMessage,
  decodeModel,
  defaultOpsetVersion,
  encodeModel,
  type GraphProto,
  type ModelProto,
  type NodeProto,
} from './proto';
import { makeFloat32Tensor } from './tensor';
import type { BuildDenseOnnxArgs, DenseLayerWeights } from './types';
import {
  BATCH_DIM_PARAM,
  copyDim,
  dimSize,
  floatValueInfo,
  inputValueInfo,
  sizeDim,
  valueDims,
} from './value-info';

/**
 * A model made from scratch (no backbone): IR 8 and opset 17 run on every current ONNX runtime. Gemm and
 * Relu exist since opset 1, so a backbone importing no default opset gets this one added.
 */
const STANDALONE_IR_VERSION = 8;
const STANDALONE_OPSET = 17;
const PRODUCER_NAME = 'pqweb';

function checkLayers(layers: readonly DenseLayerWeights[]): void {
  if (layers.length === 0) throw new DenseLayerShapeError('no dense layers given');
  layers.forEach((layer, position) => {
    if (!Number.isInteger(layer.rows) || !Number.isInteger(layer.cols) || layer.rows < 1 || layer.cols < 1) {
      throw new DenseLayerShapeError(
        `rows ${layer.rows} and cols ${layer.cols} must be positive integers`,
        layer.name,
      );
    }
    if (layer.weight.length !== layer.rows * layer.cols) {
      throw new DenseLayerShapeError(
        `weight has ${layer.weight.length} values, expected rows × cols = ${layer.rows} × ${layer.cols}`,
        layer.name,
      );
    }
    if (layer.bias !== null && layer.bias.length !== layer.rows) {
      throw new DenseLayerShapeError(
        `bias has ${layer.bias.length} values, expected ${layer.rows}`,
        layer.name,
      );
    }
    const previous = layers[position - 1];
    if (previous !== undefined && previous.rows !== layer.cols) {
      throw new DenseLayerShapeError(
        `reads ${layer.cols} features but the layer before ('${previous.name}') gives ${previous.rows}`,
        layer.name,
      );
    }
  });
}

function standaloneModel(args: BuildDenseOnnxArgs): ModelProto & { graph: GraphProto } {
  const { input, headInputName } = args;
  if (headInputName !== input.name) {
    throw new DenseLayerShapeError(
      `without a backbone the first layer must read the model input '${input.name}', not '${headInputName}'`,
    );
  }
  const graph = createMessage('GraphProto', { name: 'dense_head', input: [inputValueInfo(input)] });
  const model = createMessage('ModelProto', {
    ir_version: STANDALONE_IR_VERSION,
    producer_name: PRODUCER_NAME,
    opset_import: [createMessage('OperatorSetIdProto', { domain: '', version: STANDALONE_OPSET })],
    graph,
  });
  return Object.assign(model, { graph });
}

/** Adds `base` (or `base_2`, `base_3`… when taken) to the taken names and returns it. */
function claimName(taken: Set<string>, base: string): string {
  let name = base;
  for (let suffix = 2; taken.has(name); suffix++) name = `${base}_${suffix}`;
  taken.add(name);
  return name;
}

function node(opType: string, name: string, inputs: string[], output: string, transB: boolean): NodeProto {
  const attribute = transB
    ? [createMessage('AttributeProto', { name: 'transB', type: AttributeType.INT, i: 1 })]
    : [];
  return createMessage('NodeProto', { op_type: opType, name, input: inputs, output: [output], attribute });
}

/**
 * Builds a runnable ONNX model from a backbone (or none) and dense layers. Throws DenseLayerShapeError for
 * layers that do not chain or do not fit the backbone, OnnxParseError for backbone bytes that are not ONNX.
 */
export function buildDenseOnnx(args: BuildDenseOnnxArgs): Uint8Array {
  const { layers, headInputName, outputName } = args;
  checkLayers(layers);
  const model = args.backbone === null ? standaloneModel(args) : decodeModel(args.backbone);
  const graph = model.graph;
  const firstCols = layers[0]?.cols ?? 0;

  // The tensor the head reads: the backbone's output of that name, or the model input.
  const source =
    args.backbone === null ? graph.input[0] : graph.output.find((output) => output.name === headInputName);
  if (source === undefined) {
    const outputs = graph.output.map((output) => output.name).join(', ');
    throw new DenseLayerShapeError(`the backbone has no output '${headInputName}' (its outputs: ${outputs})`);
  }
  const sourceDims = valueDims(source);
  const declaredWidth = sourceDims?.[1] === undefined ? -1 : dimSize(sourceDims[1]);
  if (
    sourceDims !== null &&
    (sourceDims.length !== 2 || (declaredWidth !== -1 && declaredWidth !== firstCols))
  ) {
    throw new DenseLayerShapeError(
      `'${headInputName}' has shape [${sourceDims.map(dimSize).join(', ')}], the first layer needs [batch, ${firstCols}]`,
      layers[0]?.name,
    );
  }

  if (args.backbone !== null) {
    // Drop backbone nodes that only fed other outputs; the head's output becomes the only one.
    graph.node = liveNodes(graph.node, [headInputName]);
  }
  if (defaultOpsetVersion(model) === 0) {
    model.opset_import.push(createMessage('OperatorSetIdProto', { domain: '', version: STANDALONE_OPSET }));
  }
  const taken = new Set<string>([
    ...graph.input.map((input) => input.name),
    ...graph.initializer.map((tensor) => tensor.name),
    ...graph.node.flatMap((existing) => [...existing.output, existing.name]),
  ]);
  if (taken.has(outputName)) {
    throw new DenseLayerShapeError(`output name '${outputName}' is already used in the backbone`);
  }
  taken.add(outputName);

  let current = headInputName;
  layers.forEach((layer, position) => {
    const isLast = position === layers.length - 1;
    const weightName = claimName(taken, `${layer.name}.weight`);
    graph.initializer.push(makeFloat32Tensor(weightName, [layer.rows, layer.cols], layer.weight));
    const gemmInputs = [current, weightName];
    if (layer.bias !== null) {
      const biasName = claimName(taken, `${layer.name}.bias`);
      graph.initializer.push(makeFloat32Tensor(biasName, [layer.rows], layer.bias));
      gemmInputs.push(biasName);
    }
    const hasRelu = layer.activation === 'relu';
    const gemmOutput = isLast && !hasRelu ? outputName : claimName(taken, `${layer.name}/Gemm_output`);
    graph.node.push(node('Gemm', claimName(taken, `${layer.name}/Gemm`), gemmInputs, gemmOutput, true));
    current = gemmOutput;
    if (hasRelu) {
      const reluOutput = isLast ? outputName : claimName(taken, `${layer.name}/Relu_output`);
      graph.node.push(node('Relu', claimName(taken, `${layer.name}/Relu`), [current], reluOutput, false));
      current = reluOutput;
    }
  });

  const batchDim =
    sourceDims?.[0] !== undefined
      ? copyDim(sourceDims[0])
      : createMessage('TensorShapeProto.Dimension', { dim_param: BATCH_DIM_PARAM });
  const lastRows = layers.at(-1)?.rows ?? 0;
  graph.output = [floatValueInfo(outputName, [batchDim, sizeDim(lastRows)])];
  if (args.backbone !== null) {
    graph.value_info = graph.value_info.filter((info) => info.name !== headInputName);
  }
  return encodeModel(model);
}
