/**
 * The onnxruntime side's one-node graphs and their float64 references:
 * - MatMul fp32: y [batch, N] = x [batch, K] · W [K, N];
 * - MatMulNBits (com.microsoft), 4-bit, block 32: B uint8 [N, K/32, 16], two values per byte, low nibble
 *   first, W[n][k] = (q − 8) · scales[n · K/32 + k/32] (the default zero point of 4-bit blocks is 8);
 * - Identity, to move tensors between the CPU and ORT's GPU buffers.
 * The layout was checked against ORT's CPU EP (shared/gpu-host.md; bench/test/ort-models.test.ts).
 */
import { NBITS_BITS, NBITS_BLOCK_SIZE } from './grid';
import { encodeOnnxModel, MICROSOFT_DOMAIN, OnnxDataType } from './onnx-writer';

/** Default zero point of MatMulNBits with 4 bits (2^(bits−1)). */
export const NBITS_ZERO_POINT = 8;
const NIBBLE_MASK = 0xf;
const NIBBLE_BITS = 4;
/** Bytes per block of 32 int4 values. */
export const NBITS_BLOCK_BYTES = (NBITS_BLOCK_SIZE * NBITS_BITS) / 8;

export const INPUT_NAME = 'x';
export const OUTPUT_NAME = 'y';

/** y = x · W with W [K, N] float32 row-major (`weights` holds K·N floats). */
export function matmulModel(K: number, N: number, weights: Float32Array): Uint8Array {
  if (weights.length !== K * N)
    throw new RangeError(`matmulModel: ${weights.length} weights, expected K·N = ${K * N}`);
  return encodeOnnxModel({
    name: `matmul_${K}x${N}`,
    nodes: [{ opType: 'MatMul', inputs: [INPUT_NAME, 'w'], outputs: [OUTPUT_NAME] }],
    inputs: [{ name: INPUT_NAME, type: OnnxDataType.float, dims: ['batch', K] }],
    outputs: [{ name: OUTPUT_NAME, type: OnnxDataType.float, dims: ['batch', N] }],
    initializers: [
      {
        name: 'w',
        type: OnnxDataType.float,
        dims: [K, N],
        data: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength),
      },
    ],
  });
}

/** The int4 weights of an N × K layer: `packed` [N, K/32, 16] bytes and `scales` [N · K/32]. */
export interface Int4Weights {
  K: number;
  N: number;
  packed: Uint8Array;
  scales: Float32Array;
}

function blocksPerRow(K: number): number {
  if (K % NBITS_BLOCK_SIZE !== 0) {
    throw new RangeError(`MatMulNBits needs K divisible by the block size ${NBITS_BLOCK_SIZE}, got K = ${K}`);
  }
  return K / NBITS_BLOCK_SIZE;
}

export function checkInt4Weights({ K, N, packed, scales }: Int4Weights): void {
  const blocks = blocksPerRow(K);
  if (packed.length !== N * blocks * NBITS_BLOCK_BYTES) {
    throw new RangeError(
      `int4 weights: ${packed.length} bytes, expected N·K/2 = ${N * blocks * NBITS_BLOCK_BYTES}`,
    );
  }
  if (scales.length !== N * blocks) {
    throw new RangeError(`int4 weights: ${scales.length} scales, expected N·K/32 = ${N * blocks}`);
  }
}

/** MatMulNBits y = x · Wᵀ (W as above); `accuracyLevel` omitted means the attribute is left out (level 0). */
export function matmulNBitsModel(weights: Int4Weights, accuracyLevel?: number): Uint8Array {
  checkInt4Weights(weights);
  const { K, N, packed, scales } = weights;
  const blocks = blocksPerRow(K);
  const attributes: Record<string, number> = { K, N, bits: NBITS_BITS, block_size: NBITS_BLOCK_SIZE };
  if (accuracyLevel !== undefined) attributes.accuracy_level = accuracyLevel;
  return encodeOnnxModel({
    name: `matmulnbits_${K}x${N}`,
    nodes: [
      {
        opType: 'MatMulNBits',
        domain: MICROSOFT_DOMAIN,
        inputs: [INPUT_NAME, 'b', 'scales'],
        outputs: [OUTPUT_NAME],
        intAttributes: attributes,
      },
    ],
    inputs: [{ name: INPUT_NAME, type: OnnxDataType.float, dims: ['batch', K] }],
    outputs: [{ name: OUTPUT_NAME, type: OnnxDataType.float, dims: ['batch', N] }],
    initializers: [
      { name: 'b', type: OnnxDataType.uint8, dims: [N, blocks, NBITS_BLOCK_BYTES], data: packed },
      {
        name: 'scales',
        type: OnnxDataType.float,
        dims: [N * blocks],
        data: new Uint8Array(scales.buffer, scales.byteOffset, scales.byteLength),
      },
    ],
  });
}

/** y = x with both dimensions symbolic: uploads CPU tensors to ORT's GPU buffers, or reads them back. */
export function identityModel(): Uint8Array {
  return encodeOnnxModel({
    name: 'identity',
    nodes: [{ opType: 'Identity', inputs: [INPUT_NAME], outputs: [OUTPUT_NAME] }],
    inputs: [{ name: INPUT_NAME, type: OnnxDataType.float, dims: ['batch', 'features'] }],
    outputs: [{ name: OUTPUT_NAME, type: OnnxDataType.float, dims: ['batch', 'features'] }],
    initializers: [],
  });
}

/** float64 reference of MatMul on output columns `columns`: result [batch][columns.length]. */
export function matmulReference(
  K: number,
  N: number,
  weights: Float32Array,
  x: Float32Array,
  batch: number,
  columns: readonly number[],
): Float64Array {
  const out = new Float64Array(batch * columns.length);
  // Gather each column once (K strided reads), then contiguous dot products: at K = N = 16384 reading W[k][n]
  // inside the batch loop would cost batch × K cache misses per column.
  const column = new Float64Array(K);
  columns.forEach((n, j) => {
    for (let k = 0; k < K; k++) column[k] = weights[k * N + n];
    for (let b = 0; b < batch; b++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += x[b * K + k] * column[k];
      out[b * columns.length + j] = sum;
    }
  });
  return out;
}

/** Row n of the dequantized int4 matrix: K floats (q − 8) · scale. */
export function dequantizeInt4Row({ K, packed, scales }: Int4Weights, n: number): Float64Array {
  const blocks = blocksPerRow(K);
  const row = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const block = Math.floor(k / NBITS_BLOCK_SIZE);
    const within = k % NBITS_BLOCK_SIZE;
    const byte = packed[(n * blocks + block) * NBITS_BLOCK_BYTES + (within >> 1)];
    const q = within % 2 === 0 ? byte & NIBBLE_MASK : byte >> NIBBLE_BITS;
    row[k] = (q - NBITS_ZERO_POINT) * scales[n * blocks + block];
  }
  return row;
}

/** float64 reference of MatMulNBits on output columns `columns`: result [batch][columns.length]. */
export function matmulNBitsReference(
  weights: Int4Weights,
  x: Float32Array,
  batch: number,
  columns: readonly number[],
): Float64Array {
  const { K } = weights;
  const out = new Float64Array(batch * columns.length);
  columns.forEach((n, j) => {
    const row = dequantizeInt4Row(weights, n);
    for (let b = 0; b < batch; b++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += x[b * K + k] * row[k];
      out[b * columns.length + j] = sum;
    }
  });
  return out;
}
