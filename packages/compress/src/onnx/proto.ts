/**
 * ONNX protobuf in and out through protobuf.js reflection on the vendored schema (onnx-schema.ts).
 *
 * The interfaces below describe decoded messages as protobuf.js hands them out: unset scalar fields read as
 * their defaults (from the prototype), unset message fields read as null, repeated fields are arrays. Field
 * names keep the .proto spelling. Only the fields this package reads are typed; the rest are carried along
 * untouched, and so are fields unknown to the schema (the decoder keeps them), so decode -> encode is
 * byte-for-byte lossless for files written field by field in number order, as the ONNX tools write them.
 */
import protobuf from 'protobufjs/light.js';
import { OnnxParseError } from './errors';
import { ONNX_SCHEMA } from './onnx-schema';

/** protobuf.js hands out int64 as a Long (the `long` package is installed with it) or as a number. */
export type Int64 = number | protobuf.Long;

export interface StringStringEntryProto {
  key: string;
  value: string;
}

export interface OperatorSetIdProto {
  domain: string;
  version: Int64;
}

export interface TensorShapeDimension {
  dim_value: Int64;
  dim_param: string;
  denotation: string;
}

export interface TensorShapeProto {
  dim: TensorShapeDimension[];
}

export interface TypeProtoTensor {
  elem_type: number;
  shape: TensorShapeProto | null;
}

export interface TypeProto {
  tensor_type: TypeProtoTensor | null;
  denotation: string;
}

export interface ValueInfoProto {
  name: string;
  type: TypeProto | null;
  doc_string: string;
}

export interface TensorProto {
  dims: Int64[];
  data_type: number;
  float_data: number[];
  int32_data: number[];
  int64_data: Int64[];
  double_data: number[];
  string_data: Uint8Array[];
  raw_data: Uint8Array;
  name: string;
  data_location: number;
}

export interface SparseTensorProto {
  values: TensorProto | null;
  indices: TensorProto | null;
  dims: Int64[];
}

export interface AttributeProto {
  name: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array;
  t: TensorProto | null;
  g: GraphProto | null;
  floats: number[];
  ints: Int64[];
  graphs: GraphProto[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  domain: string;
  attribute: AttributeProto[];
}

export interface TensorAnnotation {
  tensor_name: string;
}

export interface GraphProto {
  node: NodeProto[];
  name: string;
  initializer: TensorProto[];
  sparse_initializer: SparseTensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  value_info: ValueInfoProto[];
  quantization_annotation: TensorAnnotation[];
}

export interface ModelProto {
  ir_version: Int64;
  opset_import: OperatorSetIdProto[];
  producer_name: string;
  producer_version: string;
  graph: GraphProto | null;
}

/** A decoded model whose graph is known to be present (checked by `decodeModel`). */
export interface ModelWithGraph extends ModelProto {
  graph: GraphProto;
}

/** onnx.proto: TensorProto.DataType. */
export const TensorDataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;

/** onnx.proto: AttributeProto.AttributeType. */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  GRAPHS: 10,
} as const;

/** onnx.proto: TensorProto.DataLocation.EXTERNAL (the tensor's bytes live in a side file). */
export const DATA_LOCATION_EXTERNAL = 1;

interface OnnxTypes {
  root: protobuf.Root;
  model: protobuf.Type;
  dataTypeNames: Record<number, string>;
}

let onnxTypes: OnnxTypes | null = null;

/** Builds the reflection types once, on first use, so importing the package costs nothing. */
function getOnnxTypes(): OnnxTypes {
  if (onnxTypes === null) {
    const root = protobuf.Root.fromJSON(ONNX_SCHEMA);
    onnxTypes = {
      root,
      model: root.lookupType('onnx.ModelProto'),
      dataTypeNames: root.lookupEnum('onnx.TensorProto.DataType').valuesById,
    };
  }
  return onnxTypes;
}

/** `FLOAT16`, `INT64`… for messages; the number itself when the schema does not know it. */
export function dataTypeName(dataType: number): string {
  return getOnnxTypes().dataTypeNames[dataType] ?? `data type ${dataType}`;
}

/**
 * Decodes an ONNX ModelProto. protobuf is permissive (many byte strings decode as *some* message), so the
 * fields every ONNX model must have are checked too: ir_version, a graph, at least one opset import.
 */
export function decodeModel(bytes: Uint8Array): ModelWithGraph {
  const { model: modelType } = getOnnxTypes();
  const reader = protobuf.Reader.create(bytes);
  // Keep fields this schema does not know, so that re-encoding a newer model loses nothing.
  reader.discardUnknown = false;
  let decoded: ModelProto;
  try {
    // The one place where protobuf.js's untyped message meets the interfaces above.
    decoded = modelType.decode(reader) as unknown as ModelProto;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OnnxParseError(
      `not a valid ONNX model (${bytes.length} bytes): protobuf decoding failed with "${reason}"; ` +
        'the file is truncated or not ONNX',
    );
  }
  const irVersion = int64ToNumber(decoded.ir_version, 'ModelProto.ir_version');
  const graph = decoded.graph;
  if (irVersion < 1 || graph === null || decoded.opset_import.length === 0) {
    throw new OnnxParseError(
      `not a valid ONNX model (${bytes.length} bytes): it decodes as protobuf but has ` +
        `ir_version ${irVersion}, ${graph === null ? 'no graph' : 'a graph'} and ` +
        `${decoded.opset_import.length} opset imports (ONNX requires ir_version >= 1, a graph and an opset)`,
    );
  }
  return Object.assign(decoded, { graph });
}

export function encodeModel(model: ModelProto): Uint8Array {
  const written = getOnnxTypes().model.encode(model).finish();
  // protobuf.js returns a Node Buffer in Node; hand out a plain view of the same bytes everywhere.
  return new Uint8Array(written.buffer, written.byteOffset, written.byteLength);
}

/** The messages `createMessage` builds, by their name in the schema. */
interface MessageTypes {
  ModelProto: ModelProto;
  GraphProto: GraphProto;
  NodeProto: NodeProto;
  AttributeProto: AttributeProto;
  TensorProto: TensorProto;
  ValueInfoProto: ValueInfoProto;
  TypeProto: TypeProto;
  'TypeProto.Tensor': TypeProtoTensor;
  TensorShapeProto: TensorShapeProto;
  'TensorShapeProto.Dimension': TensorShapeDimension;
  OperatorSetIdProto: OperatorSetIdProto;
}

/**
 * A new message with only the given fields set. protobuf.js message instances read unset fields as their
 * defaults, exactly like decoded ones, so the result satisfies the decoded-message interface; unset fields
 * are not written by the encoder.
 */
export function createMessage<K extends keyof MessageTypes>(
  typeName: K,
  fields: Partial<MessageTypes[K]>,
): MessageTypes[K] {
  const messageType = getOnnxTypes().root.lookupType(`onnx.${typeName}`);
  return messageType.create(fields) as unknown as MessageTypes[K];
}

/** Converts an int64 field to a number, refusing values beyond 2^53 rather than rounding them silently. */
export function int64ToNumber(value: Int64, field: string): number {
  if (typeof value === 'number') return value;
  const high = value.unsigned ? BigInt(value.high >>> 0) : BigInt(value.high);
  const exact = (high << 32n) + BigInt(value.low >>> 0);
  if (exact > BigInt(Number.MAX_SAFE_INTEGER) || exact < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new OnnxParseError(`${field} = ${exact} is beyond the exactly representable integers (2^53)`);
  }
  return Number(exact);
}

/** True when the message carries the field itself rather than its default (decoded or plain object). */
export function hasOwnField(message: object, field: string): boolean {
  return Object.hasOwn(message, field);
}

/** A readable handle for a node in messages: its name, or its op type and first output when it has none. */
export function nodeLabel(node: NodeProto): string {
  return node.name !== '' ? node.name : `${node.op_type} -> ${node.output[0] ?? '(no output)'}`;
}

export function findAttribute(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((attribute) => attribute.name === name);
}

export function intAttribute(node: NodeProto, name: string, fallback: number): number {
  const attribute = findAttribute(node, name);
  if (attribute === undefined) return fallback;
  return int64ToNumber(attribute.i, `attribute ${name} of node '${nodeLabel(node)}'`);
}

export function floatAttribute(node: NodeProto, name: string, fallback: number): number {
  const attribute = findAttribute(node, name);
  return attribute === undefined ? fallback : attribute.f;
}

/** Ops of the default ONNX domain; custom-domain ops with the same name are something else. */
export function isStandardOp(node: NodeProto, opType: string): boolean {
  return node.op_type === opType && (node.domain === '' || node.domain === 'ai.onnx');
}

/** Opset version of the default ONNX domain, 0 when the model imports none. */
export function defaultOpsetVersion(model: ModelProto): number {
  const entry = model.opset_import.find((opset) => opset.domain === '' || opset.domain === 'ai.onnx');
  return entry === undefined ? 0 : int64ToNumber(entry.version, 'OperatorSetIdProto.version');
}
