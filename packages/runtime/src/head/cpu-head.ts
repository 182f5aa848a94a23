/**
 * The dense head on the CPU, layer by layer, straight from the codes in a .pqw file (LUT sums for PQ/RQ,
 * bins for scalar k-means, signed sums for binary): the dense matrix is never rebuilt. This is the runtime's
 * fallback when WebGPU is missing and what `pqweb eval` runs. PQ / RQ layers with k ≤ 16 run on the WebAssembly
 * SIMD kernel (src/cpu/wasm-lut.ts) where the engine has SIMD; `{ wasmSimd: false }` keeps them on the
 * JavaScript executor, the ground truth for the GPU head and that kernel.
 */
import type { CompressedLayer, PqwFile } from '@pqweb/format';
import {
  binaryForward,
  checkTableBits,
  kmeansForward,
  lut8Forward,
  pqForward,
  rqForward,
  type TableBits,
  WasmLutLayer,
  wasmLutSupports,
} from '../cpu';
import { denseForward } from '../cpu/dense';
import { KernelInputError } from '../gpu/errors';

/** How a layer runs on the CPU: the WebAssembly SIMD LUT kernel, JavaScript, or JavaScript on 8-bit tables. */
export type CpuLayerKernel = 'wasm-simd' | 'js' | 'js-8-bit-tables';

export interface CpuHeadOptions {
  /**
   * Run PQ / RQ layers with k ≤ 16 on the WebAssembly SIMD kernel where the engine has SIMD (default true).
   * `false` keeps every layer on the JavaScript executor, the kernel's twin.
   */
  wasmSimd?: boolean;
  /**
   * Lookup-table width of PQ / RQ layers: 32 (float32 tables, the default and the ground truth) or 8 (8-bit tables,
   * src/cpu/lut8.ts: an accuracy level to measure before a kernel uses it). 8-bit tables run on JavaScript.
   */
  tableBits?: TableBits;
}

/** Arrays of one layer, decoded once (float16 sections become float32 here). */
interface PreparedLayer {
  layer: CompressedLayer;
  bias: Float32Array | null;
  kernel: CpuLayerKernel;
  forward(x: Float32Array, batch: number): Float32Array;
}

function prepare(file: PqwFile, layer: CompressedLayer, options: CpuHeadOptions): PreparedLayer {
  const bias = layer.bias === null ? null : file.float32(layer.bias);
  // The dense twin takes a bias always; a layer without one adds zeros.
  const denseBias = bias ?? new Float32Array(layer.rows);
  const relu = layer.activation === 'relu';
  switch (layer.method) {
    case 'pq':
    case 'rq': {
      const codes = file.uint32(layer.codes);
      const codebook = file.float32(layer.codebook);
      const shape = layer.method === 'pq' ? { ...layer, stages: 1 } : layer;
      if (options.tableBits === 8) {
        return {
          layer,
          bias,
          kernel: 'js-8-bit-tables',
          forward: (x, n) => lut8Forward(shape, codes, codebook, bias, x, n, relu),
        };
      }
      if (options.wasmSimd !== false && wasmLutSupports(shape)) {
        const kernel = new WasmLutLayer(shape, codes, codebook, bias);
        return { layer, bias, kernel: 'wasm-simd', forward: (x, n) => kernel.forward(x, n, relu) };
      }
      const forward = layer.method === 'pq' ? pqForward : rqForward;
      return {
        layer,
        bias,
        kernel: 'js',
        forward: (x, n) => forward(shape, codes, codebook, bias, x, n, relu),
      };
    }
    case 'kmeans': {
      const codes = file.uint32(layer.codes);
      const codebook = file.float32(layer.codebook);
      return {
        layer,
        bias,
        kernel: 'js',
        forward: (x, n) => kmeansForward(layer, codes, codebook, bias, x, n, relu),
      };
    }
    case 'binary': {
      const codes = file.uint32(layer.codes);
      const scales = file.float32(layer.scales);
      return {
        layer,
        bias,
        kernel: 'js',
        forward: (x, n) => binaryForward(layer, codes, scales, bias, x, n, relu),
      };
    }
    case 'svd': {
      const u = file.float32(layer.u);
      const v = file.float32(layer.v);
      const { rows, cols, rank } = layer;
      return {
        layer,
        bias,
        kernel: 'js',
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
        kernel: 'js',
        forward: (x, n) => denseForward(weight, denseBias, x, layer.rows, layer.cols, n, relu),
      };
    }
  }
}

export class CpuHead {
  private readonly layers: PreparedLayer[];

  constructor(file: PqwFile, options: CpuHeadOptions = {}) {
    if (options.tableBits !== undefined) checkTableBits(options.tableBits);
    this.layers = file.manifest.layers.map((layer) => prepare(file, layer, options));
  }

  /** How each layer runs, in order. */
  get kernels(): CpuLayerKernel[] {
    return this.layers.map((prepared) => prepared.kernel);
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
