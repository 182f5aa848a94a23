/**
 * The .pqw manifest: the JSON header that says what a compressed model holds and where its binary sections
 * are. docs/format.md is the normative description; these types are its TypeScript face.
 *
 * Shapes follow the paper's notation (shared/paper.md): a dense layer computes y = W x + b with W of
 * `rows` (m, outputs) by `cols` (n, inputs). Segments split the *input* dimension into s = ceil(n / d)
 * sub-vectors of length d; when d does not divide n the last segment is zero-padded (see `paddedCols`).
 */

/** Element types a section may hold. `uint32` sections hold packed codes. */
export type SectionDtype = 'float32' | 'float16' | 'uint32' | 'uint8';

/** Where one binary section lies in the file. Offsets are absolute and 16-byte aligned. */
export interface SectionEntry {
  /** Unique within the file, e.g. `layers/0/codes`. */
  name: string;
  dtype: SectionDtype;
  /** Byte offset from the start of the file; a multiple of SECTION_ALIGNMENT. */
  offset: number;
  /** Byte length of the payload (padding after it is not counted). */
  length: number;
  /** CRC-32 (IEEE 802.3, as zlib) of the payload bytes, unsigned. */
  crc32: number;
}

export type Activation = 'none' | 'relu';

/** How integer codes are packed into little-endian u32 words. */
export interface CodePacking {
  /** Bits per code: 1, 2, 4 or 8 (divides 32, so no code straddles two words). */
  bits: 1 | 2 | 4 | 8;
  /** Codes per row of the code matrix (segments for PQ, columns for scalar k-means and binary). */
  codesPerRow: number;
  /** u32 words per row: ceil(codesPerRow * bits / 32). Each row starts on a word boundary. */
  wordsPerRow: number;
}

interface DenseLayerBase {
  /** Name of the layer in the source model (e.g. the ONNX Gemm node's name). */
  name: string;
  /** m: output features. */
  rows: number;
  /** n: input features. */
  cols: number;
  activation: Activation;
  /** Section with `rows` float32 biases, or null when the layer has none. */
  bias: string | null;
}

/** Product quantization: per segment j, a codebook of k centroids of length d; one code per (row, segment). */
export interface PqLayer extends DenseLayerBase {
  method: 'pq';
  /** Sub-vector length. */
  d: number;
  /** Centroids per segment codebook (2..256). */
  k: number;
  /** s = ceil(cols / d). */
  segments: number;
  /** Section: codes, `rows × segments`, packed per `packing`. */
  codes: string;
  packing: CodePacking;
  /** Section: codebooks, float32 or float16, laid out [segments][k][d] (padded coordinates are 0). */
  codebook: string;
}

/** Scalar k-means weight sharing: one codebook of k scalars for the whole matrix; one code per weight. */
export interface KmeansLayer extends DenseLayerBase {
  method: 'kmeans';
  k: number;
  /** Section: codes, `rows × cols`, packed per `packing`. */
  codes: string;
  packing: CodePacking;
  /** Section: k float32 (or float16) centroids. */
  codebook: string;
}

/** Binarization: W[i][j] = scale[i] · (bit ? +1 : −1). */
export interface BinaryLayer extends DenseLayerBase {
  method: 'binary';
  /** Section: sign bits, `rows × cols`, 1 bit each (1 = positive). */
  codes: string;
  packing: CodePacking;
  /** Section: `rows` float32 per-row scales (mean |W[i]|). */
  scales: string;
}

/** Residual quantization: `stages` PQ stages on the same segments; Ŵ = Σ_t stage_t centroids. */
export interface RqLayer extends DenseLayerBase {
  method: 'rq';
  d: number;
  k: number;
  segments: number;
  stages: number;
  /** Section: codes, `stages × rows × segments`, each stage a packed matrix per `packing`. */
  codes: string;
  packing: CodePacking;
  /** Section: codebooks [stages][segments][k][d]. */
  codebook: string;
}

/** SVD low-rank baseline: W ≈ U · V with U m×r and V r×n, both dense. */
export interface SvdLayer extends DenseLayerBase {
  method: 'svd';
  rank: number;
  /** Section: U, float32, rows × rank, row-major. */
  u: string;
  /** Section: V, float32, rank × cols, row-major. */
  v: string;
}

/** A layer kept uncompressed (tiny layers where codebooks would cost more than they save). */
export interface DenseFloatLayer extends DenseLayerBase {
  method: 'dense';
  /** Section: W, float32, rows × cols, row-major. */
  weight: string;
}

export type CompressedLayer = PqLayer | KmeansLayer | BinaryLayer | RqLayer | SvdLayer | DenseFloatLayer;
export type QuantMethod = CompressedLayer['method'];

export interface ModelInput {
  name: string;
  /** Dimensions; the first is the batch and is `-1` when dynamic. */
  shape: number[];
  dtype: 'float32';
}

/** How raw pixels become the model's input tensor: x = (pixel · scale − mean[c]) / std[c]. */
export interface Preprocessing {
  width: number;
  height: number;
  /** 1 (grayscale) or 3 (RGB). */
  channels: 1 | 3;
  layout: 'NCHW' | 'NHWC';
  /** Multiplier applied to 0..255 pixel values first (1/255 maps them to 0..1). */
  scale: number;
  /** One value per channel. */
  mean: number[];
  std: number[];
}

export interface BackboneInfo {
  /** Section holding the ONNX model bytes (dtype uint8) that maps the model input to the head's input. */
  section: string;
  /** Name of the backbone graph output that feeds the first dense layer. */
  outputName: string;
  /** Number of features per example at that output (the first layer's `cols`). */
  features: number;
}

export interface PqwManifest {
  format: 'pqw';
  /** Manifest schema version; equals the header version. */
  version: number;
  /** Tool that wrote the file, e.g. `pqweb 0.1.0`. */
  producer: string;
  model: {
    name: string;
    input: ModelInput;
    /** Name of the final logits output in the source model. */
    outputName: string;
  };
  preprocessing: Preprocessing;
  labels: string[];
  /** Null when the whole model is its dense head (the input goes straight to the first layer). */
  backbone: BackboneInfo | null;
  /** The dense head in execution order: layer i+1 consumes layer i's output. */
  layers: CompressedLayer[];
  sections: SectionEntry[];
  /** Free-form record of how the file was made (method options, seed, errors, source sha256). */
  provenance?: Record<string, unknown>;
}
