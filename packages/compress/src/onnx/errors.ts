/**
 * The model is valid ONNX but its shape is one the compressor cannot take apart: no dense layer at the end,
 * an op pattern it does not know, weights that are not float32. `node` and `opType` name the ONNX node at
 * fault when there is one, so callers and tests can tell failures apart without parsing the message.
 */
export class UnsupportedModelError extends Error {
  readonly node?: string;
  readonly opType?: string;

  constructor(message: string, where: { node?: string; opType?: string } = {}) {
    const prefix = where.node !== undefined ? `node '${where.node}' (${where.opType ?? 'unknown op'}): ` : '';
    super(`${prefix}${message}`);
    this.name = 'UnsupportedModelError';
    if (where.node !== undefined) this.node = where.node;
    if (where.opType !== undefined) this.opType = where.opType;
  }
}

/** The bytes are not an ONNX model: not protobuf, truncated, or a ModelProto without a graph or opset. */
export class OnnxParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxParseError';
  }
}

/**
 * The dense layers handed to `buildDenseOnnx` do not fit together or do not fit the backbone:
 * `weight.length !== rows * cols`, a bias of the wrong length, layer i+1's cols not equal to layer i's rows,
 * or a backbone that has no output of the given name. `layer` is the offending layer's name, when one is.
 */
export class DenseLayerShapeError extends Error {
  readonly layer?: string;

  constructor(message: string, layer?: string) {
    super(layer !== undefined ? `layer '${layer}': ${message}` : message);
    this.name = 'DenseLayerShapeError';
    if (layer !== undefined) this.layer = layer;
  }
}
