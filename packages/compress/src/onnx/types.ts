/** The data that crosses this module's boundary: a model's input, its dense head, the split model. */

/** One dense layer y = act(W x + b), W of `rows` outputs by `cols` inputs, row-major. */
export interface DenseLayerSpec {
  /** The layer's name in the source model (the Gemm node's name, or the MatMul/Add pair's common scope). */
  name: string;
  /** The ONNX nodes the layer was read from, in execution order (dense op, bias Add, Relu, no-op reshapes). */
  nodes: string[];
  rows: number;
  cols: number;
  /** rows × cols, row-major, with Gemm's alpha folded in. */
  weight: Float32Array;
  /** rows entries, with Gemm's beta folded in; null when the layer adds no bias. */
  bias: Float32Array | null;
  activation: 'none' | 'relu';
}

export interface OnnxInputInfo {
  name: string;
  /** -1 for symbolic or unknown dimensions (usually the batch). */
  shape: number[];
  dtype: 'float32';
}

export interface DenseHeadSplit {
  input: OnnxInputInfo;
  /** Name of the model's output (the last dense layer's output). */
  outputName: string;
  /** The tensor the first dense layer reads, of shape [batch, layers[0].cols]: the backbone's only output. */
  headInputName: string;
  /** In execution order: layer i+1 reads layer i's output. */
  layers: DenseLayerSpec[];
  /** The source model less its dense head; null when the head reads the model input directly. */
  backbone: Uint8Array | null;
  /** producer_name and producer_version of the source model. */
  producer: string;
}

/** A dense layer as `buildDenseOnnx` takes it: the weights to write, reconstructed or original. */
export interface DenseLayerWeights {
  name: string;
  weight: Float32Array;
  rows: number;
  cols: number;
  bias: Float32Array | null;
  activation: 'none' | 'relu';
}

export interface BuildDenseOnnxArgs {
  backbone: Uint8Array | null;
  input: OnnxInputInfo;
  headInputName: string;
  outputName: string;
  layers: DenseLayerWeights[];
}

export interface OnnxDescription {
  /** producer_name and producer_version. */
  producer: string;
  /** Version of the default (ai.onnx) opset; 0 when the model imports none. */
  opset: number;
  /** The graph inputs that are not initializers. */
  inputs: OnnxInputInfo[];
  outputs: string[];
  /** Nodes of the main graph (subgraphs not counted). */
  nodes: number;
  /** Bytes of initializer data: element count × element size (raw bytes for strings). */
  initializerBytes: number;
  /** Nodes per op type; ops of other domains as `domain:OpType`. */
  opCounts: Record<string, number>;
}
