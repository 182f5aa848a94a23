/**
 * A layer's sections as plain arrays, and the dense weight matrix they stand for: the CPU ground truth that
 * GPU kernels and the CPU executor are tested against.
 */
import type { PqwFile } from './decode';
import { FormatError } from './errors';
import type { CompressedLayer } from './manifest';
import { unpackCodes } from './packing';

export interface LayerArrays {
  /** Codes unpacked, one byte per code: rows × codesPerRow (RQ: stages × rows × segments). */
  codes?: Uint8Array;
  /** Codebook(s) as float32, float16 sections converted. */
  codebook?: Float32Array;
  /** Binary per-row scales. */
  scales?: Float32Array;
  /** SVD factors. */
  u?: Float32Array;
  v?: Float32Array;
  /** Dense weights. */
  weight?: Float32Array;
  /** rows biases, or null when the layer has none. */
  bias?: Float32Array | null;
}

/** Reads the sections `layer` references out of a decoded file. */
export function layerArrays(file: PqwFile, layer: CompressedLayer): LayerArrays {
  const bias = layer.bias === null ? null : file.float32(layer.bias);
  switch (layer.method) {
    case 'pq':
    case 'kmeans':
      return {
        codes: unpackCodes(file.uint32(layer.codes), layer.packing, layer.rows),
        codebook: file.float32(layer.codebook),
        bias,
      };
    case 'rq':
      return {
        codes: unpackCodes(file.uint32(layer.codes), layer.packing, layer.stages * layer.rows),
        codebook: file.float32(layer.codebook),
        bias,
      };
    case 'binary':
      return {
        codes: unpackCodes(file.uint32(layer.codes), layer.packing, layer.rows),
        scales: file.float32(layer.scales),
        bias,
      };
    case 'svd':
      return { u: file.float32(layer.u), v: file.float32(layer.v), bias };
    case 'dense':
      return { weight: file.float32(layer.weight), bias };
  }
}

function required(
  array: Float32Array | undefined,
  layer: CompressedLayer,
  key: string,
  length: number,
): Float32Array;
function required(
  array: Uint8Array | undefined,
  layer: CompressedLayer,
  key: string,
  length: number,
): Uint8Array;
function required(
  array: Float32Array | Uint8Array | undefined,
  layer: CompressedLayer,
  key: string,
  length: number,
): Float32Array | Uint8Array {
  if (array === undefined)
    throw new FormatError(key, `layer ${JSON.stringify(layer.name)} (${layer.method}) needs ${key}`);
  if (array.length !== length) {
    throw new FormatError(
      key,
      `layer ${JSON.stringify(layer.name)}: ${key} has ${array.length} elements, expected ${length}`,
    );
  }
  return array;
}

/**
 * Adds the vector-quantized reconstruction of `stage` to `weights`. Segment j covers columns j·d up to
 * min(n, (j+1)·d); the padded coordinates of the last segment are dropped.
 */
function addPqStage(
  weights: Float32Array,
  layer: { rows: number; cols: number; d: number; k: number; segments: number },
  codes: Uint8Array,
  codebook: Float32Array,
  stage: number,
): void {
  const { rows, cols, d, k, segments } = layer;
  const codeBase = stage * rows * segments;
  const codebookBase = stage * segments * k * d;
  for (let row = 0; row < rows; row++) {
    for (let segment = 0; segment < segments; segment++) {
      const code = codes[codeBase + row * segments + segment];
      const centroid = codebookBase + (segment * k + code) * d;
      const start = segment * d;
      const end = Math.min(cols, start + d);
      for (let col = start; col < end; col++) weights[row * cols + col] += codebook[centroid + col - start];
    }
  }
}

/** The dense W (rows × cols, row-major) that a layer's arrays encode. */
export function reconstructWeights(layer: CompressedLayer, arrays: LayerArrays): Float32Array {
  const { rows, cols } = layer;
  const weights = new Float32Array(rows * cols);
  switch (layer.method) {
    case 'pq': {
      const codes = required(arrays.codes, layer, 'codes', rows * layer.segments);
      const codebook = required(arrays.codebook, layer, 'codebook', layer.segments * layer.k * layer.d);
      addPqStage(weights, layer, codes, codebook, 0);
      return weights;
    }
    case 'rq': {
      const codes = required(arrays.codes, layer, 'codes', layer.stages * rows * layer.segments);
      const codebook = required(
        arrays.codebook,
        layer,
        'codebook',
        layer.stages * layer.segments * layer.k * layer.d,
      );
      for (let stage = 0; stage < layer.stages; stage++) addPqStage(weights, layer, codes, codebook, stage);
      return weights;
    }
    case 'kmeans': {
      const codes = required(arrays.codes, layer, 'codes', rows * cols);
      const codebook = required(arrays.codebook, layer, 'codebook', layer.k);
      for (let i = 0; i < weights.length; i++) weights[i] = codebook[codes[i]];
      return weights;
    }
    case 'binary': {
      const codes = required(arrays.codes, layer, 'codes', rows * cols);
      const scales = required(arrays.scales, layer, 'scales', rows);
      for (let row = 0; row < rows; row++) {
        const scale = scales[row];
        for (let col = 0; col < cols; col++) {
          weights[row * cols + col] = codes[row * cols + col] === 1 ? scale : -scale;
        }
      }
      return weights;
    }
    case 'svd': {
      const { rank } = layer;
      const u = required(arrays.u, layer, 'u', rows * rank);
      const v = required(arrays.v, layer, 'v', rank * cols);
      for (let row = 0; row < rows; row++) {
        for (let r = 0; r < rank; r++) {
          const factor = u[row * rank + r];
          for (let col = 0; col < cols; col++) weights[row * cols + col] += factor * v[r * cols + col];
        }
      }
      return weights;
    }
    case 'dense':
      weights.set(required(arrays.weight, layer, 'weight', rows * cols));
      return weights;
  }
}
