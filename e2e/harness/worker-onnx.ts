/**
 * A tiny real ONNX backbone, written byte by byte (protobuf wire format, onnx.proto3 field numbers), so the
 * worker specs run onnxruntime-web's wasm backend without a model file: features = Relu(Flatten(input)),
 * input [N, 1, 8, 8] → features [N, 64].
 */

/** onnx.proto TensorProto.DataType.FLOAT. */
const ONNX_FLOAT = 1;
/** onnx.proto AttributeProto.AttributeType.INT. */
const ATTRIBUTE_INT = 2;
/** IR version 8 goes with opset 13..17; onnxruntime-web 1.30 reads both. */
const IR_VERSION = 8;
const OPSET = 13;

/** Protobuf wire types. */
const VARINT = 0;
const LENGTH_DELIMITED = 2;

type Bytes = number[];

function varint(value: number): Bytes {
  const out: Bytes = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

function tag(field: number, wireType: number): Bytes {
  return varint(field * 8 + wireType);
}

function intField(field: number, value: number): Bytes {
  return [...tag(field, VARINT), ...varint(value)];
}

function bytesField(field: number, payload: Bytes): Bytes {
  return [...tag(field, LENGTH_DELIMITED), ...varint(payload.length), ...payload];
}

function stringField(field: number, value: string): Bytes {
  return bytesField(field, [...new TextEncoder().encode(value)]);
}

/** ValueInfoProto of a float tensor; string dims are symbolic (dim_param), numbers fixed (dim_value). */
function tensorValueInfo(name: string, dims: Array<number | string>): Bytes {
  const shape = dims.flatMap((dim) =>
    bytesField(1, typeof dim === 'number' ? intField(1, dim) : stringField(2, dim)),
  );
  const tensorType = [...intField(1, ONNX_FLOAT), ...bytesField(2, shape)];
  return [...stringField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  intAttributes: Record<string, number> = {},
): Bytes {
  const attributes = Object.entries(intAttributes).flatMap(([name, value]) =>
    bytesField(5, [...stringField(1, name), ...intField(3, value), ...intField(20, ATTRIBUTE_INT)]),
  );
  return [
    ...inputs.flatMap((input) => stringField(1, input)),
    ...outputs.flatMap((output) => stringField(2, output)),
    ...stringField(3, `${opType.toLowerCase()}_0`),
    ...stringField(4, opType),
    ...attributes,
  ];
}

/** The backbone: `inputName` [N, channels, height, width] → Relu(Flatten) → `outputName` [N, channels·height·width]. */
export function flattenReluOnnx(
  inputName: string,
  outputName: string,
  channels: number,
  height: number,
  width: number,
): Uint8Array<ArrayBuffer> {
  const graph = [
    ...bytesField(1, node('Flatten', [inputName], ['flat'], { axis: 1 })),
    ...bytesField(1, node('Relu', ['flat'], [outputName])),
    ...stringField(2, 'backbone'),
    ...bytesField(11, tensorValueInfo(inputName, ['N', channels, height, width])),
    ...bytesField(12, tensorValueInfo(outputName, ['N', channels * height * width])),
  ];
  const model = [
    ...intField(1, IR_VERSION),
    ...stringField(2, 'pqweb-e2e'),
    ...bytesField(7, graph),
    ...bytesField(8, [...stringField(1, ''), ...intField(2, OPSET)]),
  ];
  return new Uint8Array(model);
}
