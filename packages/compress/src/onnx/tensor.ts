/** Reading and writing the contents of ONNX TensorProtos (raw_data or the typed *_data fields). */
import { OnnxParseError, UnsupportedModelError } from './errors';
import {
  createMessage,
  DATA_LOCATION_EXTERNAL,
  dataTypeName,
  int64ToNumber,
  type NodeProto,
  nodeLabel,
  TensorDataType,
  type TensorProto,
} from './proto';

const FLOAT32_BYTES = 4;
const INT64_BYTES = 8;
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/** ONNX stores raw_data little-endian (onnx.proto, TensorProto.raw_data). */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes per element for the fixed-size types, from onnx.proto's TensorProto.DataType list. */
const ELEMENT_BYTES: Record<number, number> = {
  1: 4, // FLOAT
  2: 1, // UINT8
  3: 1, // INT8
  4: 2, // UINT16
  5: 2, // INT16
  6: 4, // INT32
  7: 8, // INT64
  9: 1, // BOOL
  10: 2, // FLOAT16
  11: 8, // DOUBLE
  12: 4, // UINT32
  13: 8, // UINT64
  14: 8, // COMPLEX64
  15: 16, // COMPLEX128
  16: 2, // BFLOAT16
  17: 1, // FLOAT8E4M3FN
  18: 1, // FLOAT8E4M3FNUZ
  19: 1, // FLOAT8E5M2
  20: 1, // FLOAT8E5M2FNUZ
};

export function tensorDims(tensor: TensorProto): number[] {
  return tensor.dims.map((dim, axis) => int64ToNumber(dim, `dims[${axis}] of tensor '${tensor.name}'`));
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, dim) => product * dim, 1);
}

/** Storage size of a tensor's data as the runtime holds it (raw bytes for string tensors). */
export function tensorByteSize(tensor: TensorProto): number {
  const elementBytes = ELEMENT_BYTES[tensor.data_type];
  if (elementBytes === undefined) {
    return tensor.raw_data.length + tensor.string_data.reduce((sum, entry) => sum + entry.length, 0);
  }
  return elementCount(tensorDims(tensor)) * elementBytes;
}

/** What a tensor is read for, for error messages: its role and the node that reads it. */
export interface TensorUse {
  role: string;
  node?: NodeProto;
}

function unsupported(use: TensorUse, message: string): UnsupportedModelError {
  const where = use.node === undefined ? {} : { node: nodeLabel(use.node), opType: use.node.op_type };
  return new UnsupportedModelError(`${use.role}: ${message}`, where);
}

function refuseExternal(tensor: TensorProto, use: TensorUse): void {
  if (tensor.data_location === DATA_LOCATION_EXTERNAL) {
    throw unsupported(
      use,
      `tensor '${tensor.name}' keeps its data in an external file; re-save the model with all tensors ` +
        'inside it (onnx.save_model(model, path, save_as_external_data=False))',
    );
  }
}

/**
 * The elements of a float32 tensor, from raw_data or float_data. Any other element type is refused: the
 * compressor quantizes float32 weights only.
 */
export function readFloat32Tensor(tensor: TensorProto, use: TensorUse): Float32Array {
  if (tensor.data_type !== TensorDataType.FLOAT) {
    throw unsupported(
      use,
      `tensor '${tensor.name}' holds ${dataTypeName(tensor.data_type)}, expected FLOAT (float32); ` +
        'export the model in float32',
    );
  }
  refuseExternal(tensor, use);
  const count = elementCount(tensorDims(tensor));
  const raw = tensor.raw_data;
  if (raw.length > 0) {
    if (raw.length !== count * FLOAT32_BYTES) {
      throw new OnnxParseError(
        `tensor '${tensor.name}' has ${raw.length} raw bytes, expected ${count * FLOAT32_BYTES} for ` +
          `${count} float32 elements`,
      );
    }
    const values = new Float32Array(count);
    if (HOST_IS_LITTLE_ENDIAN) {
      // Copy through bytes: raw_data is a view at any offset, often not 4-byte aligned.
      new Uint8Array(values.buffer).set(raw);
    } else {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let i = 0; i < count; i++) values[i] = view.getFloat32(i * FLOAT32_BYTES, true);
    }
    return values;
  }
  if (tensor.float_data.length !== count) {
    throw new OnnxParseError(
      `tensor '${tensor.name}' has ${tensor.float_data.length} float_data entries, expected ${count}`,
    );
  }
  return Float32Array.from(tensor.float_data);
}

/** The elements of an int64 tensor (shapes, axes) as numbers. */
export function readInt64Tensor(tensor: TensorProto, use: TensorUse): number[] {
  if (tensor.data_type !== TensorDataType.INT64) {
    throw unsupported(use, `tensor '${tensor.name}' holds ${dataTypeName(tensor.data_type)}, expected INT64`);
  }
  refuseExternal(tensor, use);
  const count = elementCount(tensorDims(tensor));
  const raw = tensor.raw_data;
  if (raw.length > 0) {
    if (raw.length !== count * INT64_BYTES) {
      throw new OnnxParseError(
        `tensor '${tensor.name}' has ${raw.length} raw bytes, expected ${count * INT64_BYTES} for ` +
          `${count} int64 elements`,
      );
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const values: number[] = [];
    for (let i = 0; i < count; i++) {
      const value = view.getBigInt64(i * INT64_BYTES, true);
      if (value > MAX_SAFE_BIGINT || value < -MAX_SAFE_BIGINT) {
        throw new OnnxParseError(`element ${i} of tensor '${tensor.name}' = ${value} is beyond 2^53`);
      }
      values.push(Number(value));
    }
    return values;
  }
  if (tensor.int64_data.length !== count) {
    throw new OnnxParseError(
      `tensor '${tensor.name}' has ${tensor.int64_data.length} int64_data entries, expected ${count}`,
    );
  }
  return tensor.int64_data.map((value, i) => int64ToNumber(value, `element ${i} of tensor '${tensor.name}'`));
}

/** A float32 initializer with its data in raw_data (little-endian), as the ONNX exporters write them. */
export function makeFloat32Tensor(name: string, dims: readonly number[], values: Float32Array): TensorProto {
  const raw = new Uint8Array(values.length * FLOAT32_BYTES);
  if (HOST_IS_LITTLE_ENDIAN) {
    raw.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  } else {
    const view = new DataView(raw.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * FLOAT32_BYTES, values[i] ?? 0, true);
  }
  return createMessage('TensorProto', {
    name,
    dims: [...dims],
    data_type: TensorDataType.FLOAT,
    raw_data: raw,
  });
}
