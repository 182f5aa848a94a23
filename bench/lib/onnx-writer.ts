/**
 * A minimal ONNX protobuf writer for the benchmark's one-node graphs (MatMul, MatMulNBits, Identity).
 * Written by hand instead of through protobufjs + @pqweb/compress's vendored schema so that the GPU-host bundle
 * stays one small file and a 1 GiB fp32 initializer is copied once (into the final buffer), not three times.
 * Field numbers are those of onnx/onnx.proto (ONNX IR version 8).
 */

/** TensorProto.DataType values (onnx.proto). */
export const OnnxDataType = { float: 1, uint8: 2 } as const;
export type OnnxDataTypeCode = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** ONNX IR version 8 (ONNX 1.10+) with default-domain opset 17: MatMul and Identity exist unchanged since 13. */
const IR_VERSION = 8;
const DEFAULT_OPSET = 17;
/** com.microsoft contrib ops (MatMulNBits) are at version 1. */
const MICROSOFT_OPSET = 1;
export const MICROSOFT_DOMAIN = 'com.microsoft';

/** Protobuf wire types. */
const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
/** AttributeProto.AttributeType.INT (onnx.proto). */
const ATTRIBUTE_TYPE_INT = 2;

/** Field numbers (onnx.proto). */
const FIELD = {
  model: { irVersion: 1, graph: 7, opsetImport: 8, producerName: 2 },
  opset: { domain: 1, version: 2 },
  graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 },
  attribute: { name: 1, i: 3, type: 20 },
  tensor: { dims: 1, dataType: 2, name: 8, rawData: 9 },
  valueInfo: { name: 1, type: 2 },
  type: { tensor: 1 },
  tensorType: { elemType: 1, shape: 2 },
  shape: { dim: 1 },
  dimension: { value: 1, param: 2 },
} as const;

/** A serialized message: its parts in order, concatenated once at the end. */
class MessageWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  private varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`onnx-writer: varint must be a safe non-negative integer, got ${value}`);
    }
    const bytes: number[] = [];
    let rest = value;
    while (rest >= 0x80) {
      bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    bytes.push(rest);
    this.push(Uint8Array.from(bytes));
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  int(field: number, value: number): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** Nests `value`: its parts are appended as they are, so large payloads are copied only by finish(). */
  message(field: number, value: MessageWriter): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(value.length);
    for (const part of value.parts) this.push(part);
    return this;
  }

  finish(): Uint8Array {
    if (this.parts.length === 1 && this.parts[0]) return this.parts[0];
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    this.parts.length = 0;
    this.parts.push(out);
    return out;
  }
}

/** A dimension: a size, or a symbolic name (e.g. 'batch'). */
export type OnnxDim = number | string;

export interface OnnxValueInfo {
  name: string;
  type: OnnxDataTypeCode;
  dims: readonly OnnxDim[];
}

export interface OnnxInitializer {
  name: string;
  type: OnnxDataTypeCode;
  dims: readonly number[];
  /** Little-endian raw bytes (TensorProto.raw_data). */
  data: Uint8Array;
}

export interface OnnxNode {
  opType: string;
  domain?: string;
  inputs: readonly string[];
  outputs: readonly string[];
  /** Integer attributes (the only kind these graphs use). */
  intAttributes?: Readonly<Record<string, number>>;
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  initializers: readonly OnnxInitializer[];
}

function valueInfo(info: OnnxValueInfo): MessageWriter {
  const shape = new MessageWriter();
  for (const dim of info.dims) {
    const dimension = new MessageWriter();
    if (typeof dim === 'number') dimension.int(FIELD.dimension.value, dim);
    else dimension.string(FIELD.dimension.param, dim);
    shape.message(FIELD.shape.dim, dimension);
  }
  const tensorType = new MessageWriter()
    .int(FIELD.tensorType.elemType, info.type)
    .message(FIELD.tensorType.shape, shape);
  const type = new MessageWriter().message(FIELD.type.tensor, tensorType);
  return new MessageWriter().string(FIELD.valueInfo.name, info.name).message(FIELD.valueInfo.type, type);
}

function initializer(tensor: OnnxInitializer): MessageWriter {
  const message = new MessageWriter();
  for (const dim of tensor.dims) message.int(FIELD.tensor.dims, dim);
  return message
    .int(FIELD.tensor.dataType, tensor.type)
    .string(FIELD.tensor.name, tensor.name)
    .bytes(FIELD.tensor.rawData, tensor.data);
}

function node(spec: OnnxNode, index: number): MessageWriter {
  const message = new MessageWriter();
  for (const input of spec.inputs) message.string(FIELD.node.input, input);
  for (const output of spec.outputs) message.string(FIELD.node.output, output);
  message.string(FIELD.node.name, `${spec.opType}_${index}`).string(FIELD.node.opType, spec.opType);
  for (const [name, value] of Object.entries(spec.intAttributes ?? {})) {
    const attribute = new MessageWriter()
      .string(FIELD.attribute.name, name)
      .int(FIELD.attribute.i, value)
      .int(FIELD.attribute.type, ATTRIBUTE_TYPE_INT);
    message.message(FIELD.node.attribute, attribute);
  }
  if (spec.domain) message.string(FIELD.node.domain, spec.domain);
  return message;
}

/** Serializes a one-graph ONNX model (opset 17, plus com.microsoft 1 when a node uses it). */
export function encodeOnnxModel(graph: OnnxGraph): Uint8Array {
  const graphMessage = new MessageWriter();
  graph.nodes.forEach((spec, index) => {
    graphMessage.message(FIELD.graph.node, node(spec, index));
  });
  graphMessage.string(FIELD.graph.name, graph.name);
  for (const tensor of graph.initializers) graphMessage.message(FIELD.graph.initializer, initializer(tensor));
  for (const input of graph.inputs) graphMessage.message(FIELD.graph.input, valueInfo(input));
  for (const output of graph.outputs) graphMessage.message(FIELD.graph.output, valueInfo(output));

  const model = new MessageWriter()
    .int(FIELD.model.irVersion, IR_VERSION)
    .string(FIELD.model.producerName, 'pqweb-bench');
  model.message(FIELD.model.graph, graphMessage);
  model.message(FIELD.model.opsetImport, new MessageWriter().int(FIELD.opset.version, DEFAULT_OPSET));
  if (graph.nodes.some((spec) => spec.domain === MICROSOFT_DOMAIN)) {
    model.message(
      FIELD.model.opsetImport,
      new MessageWriter()
        .string(FIELD.opset.domain, MICROSOFT_DOMAIN)
        .int(FIELD.opset.version, MICROSOFT_OPSET),
    );
  }
  return model.finish();
}
