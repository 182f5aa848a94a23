/**
 * The dense head on the CPU, layer by layer, straight from the codes in a .pqw file (LUT sums for PQ/RQ,
 * bins for scalar k-means, signed sums for binary): the dense matrix is never rebuilt. This is the runtime's
 * fallback when WebGPU is missing, the ground truth for the GPU head, and what `pqweb eval` runs.
 */
import type { CompressedLayer, PqwFile } from '@pqweb/format';
import { binaryForward, kmeansForward, pqForward, rqForward } from '../cpu';
import { denseForward } from '../cpu/dense';
import { KernelInputError } from '../gpu/errors';

/** Arrays of one layer, decoded once (float16 sections become float32 here). */
interface PreparedLayer {
  layer: CompressedLayer;
  bias: Float32Array | null;
  forward(x: Float32Array, batch: number): Float32Array;
}

function prepare(file: PqwFile, layer: CompressedLayer): PreparedLayer {
  const bias = layer.bias === null ? null : file.float32(layer.bias);
  // The dense twin takes a bias always; a layer without one adds zeros.
  const denseBias = bias ?? new Float32Array(layer.rows);
  const relu = layer.activation === 'relu';
  switch (layer.method) {
    case 'pq': {
      const codes = file.uint32(layer.codes);
      const codebook = file.float32(layer.codebook);
      return { layer, bias, forward: (x, n) => pqForward(layer, codes, codebook, bias, x, n, relu) };
    }
    case 'rq': {
      const codes = file.uint32(layer.codes);
      const codebook = file.float32(layer.codebook);
      return { layer, bias, forward: (x, n) => rqForward(layer, codes, codebook, bias, x, n, relu) };
    }
    case 'kmeans': {
      const codes = file.uint32(layer.codes);
      const codebook = file.float32(layer.codebook);
      return { layer, bias, forward: (x, n) => kmeansForward(layer, codes, codebook, bias, x, n, relu) };
    }
    case 'binary': {
      const codes = file.uint32(layer.codes);
      const scales = file.float32(layer.scales);
      return { layer, bias, forward: (x, n) => binaryForward(layer, codes, scales, bias, x, n, relu) };
    }
    case 'svd': {
      const u = file.float32(layer.u);
      const v = file.float32(layer.v);
      const { rows, cols, rank } = layer;
      return {
        layer,
        bias,
        forward: (x, n) =>
          denseForward(
            u,
            denseBias,
            denseForward(v, new Float32Array(rank), x, rank, cols, n, false),
            rows,
            rank,
            n,
            relu,
          ),
      };
    }
    case 'dense': {
      const weight = file.float32(layer.weight);
      return {
        layer,
        bias,
        forward: (x, n) => denseForward(weight, denseBias, x, layer.rows, layer.cols, n, relu),
      };
    }
  }
}

export class CpuHead {
  private readonly layers: PreparedLayer[];

  constructor(file: PqwFile) {
    this.layers = file.manifest.layers.map((layer) => prepare(file, layer));
  }

  /** Input features per example (the first layer's cols). */
  get inputSize(): number {
    return this.layers[0]?.layer.cols ?? 0;
  }

  /** Outputs per example (the last layer's rows: the logits). */
  get outputSize(): number {
    return this.layers[this.layers.length - 1]?.layer.rows ?? 0;
  }

  /** Logits, batch × outputSize, for features batch × inputSize. */
  forward(features: Float32Array, batch: number): Float32Array {
    if (features.length !== batch * this.inputSize) {
      throw new KernelInputError(
        `head input must hold batch × ${this.inputSize} = ${batch * this.inputSize} floats, got ${features.length}`,
      );
    }
    let x = features;
    for (const prepared of this.layers) x = prepared.forward(x, batch);
    return x;
  }
}
