/** A short account of an ONNX model, for the CLI's `inspect` and for error messages. */
import { decodeModel, defaultOpsetVersion } from './proto';
import { tensorByteSize } from './tensor';
import type { OnnxDescription } from './types';
import { toInputInfo } from './value-info';

/**
 * Producer, opset, inputs, outputs, node and op counts, initializer bytes. Throws OnnxParseError for bytes
 * that are not ONNX and UnsupportedModelError for an input that is not a float32 tensor.
 */
export function describeOnnx(onnxBytes: Uint8Array): OnnxDescription {
  const model = decodeModel(onnxBytes);
  const graph = model.graph;
  const initializerNames = new Set(graph.initializer.map((tensor) => tensor.name));
  const opCounts: Record<string, number> = {};
  for (const node of graph.node) {
    const standard = node.domain === '' || node.domain === 'ai.onnx';
    const key = standard ? node.op_type : `${node.domain}:${node.op_type}`;
    opCounts[key] = (opCounts[key] ?? 0) + 1;
  }
  return {
    producer: `${model.producer_name} ${model.producer_version}`.trim(),
    opset: defaultOpsetVersion(model),
    inputs: graph.input.filter((input) => !initializerNames.has(input.name)).map(toInputInfo),
    outputs: graph.output.map((output) => output.name),
    nodes: graph.node.length,
    initializerBytes: graph.initializer.reduce((sum, tensor) => sum + tensorByteSize(tensor), 0),
    opCounts,
  };
}
