/**
 * The hand-written ONNX graphs load in onnxruntime-node and compute what their float64 references say, on
 * ORT's CPU EP (no GPU needed): this checks the protobuf writer and the MatMulNBits int4 layout.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { relativeError } from '../lib/check';
import {
  dequantizeInt4Row,
  identityModel,
  matmulModel,
  matmulNBitsModel,
  matmulNBitsReference,
  matmulReference,
} from '../lib/ort-models';
import { SeededRandom } from '../lib/random';

async function runCpu(model: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  const output = await session.run({ x: new ort.Tensor('float32', x, dims) });
  await session.release();
  const data = output.y.data;
  if (!(data instanceof Float32Array)) throw new Error('expected float32 output');
  return data;
}

const allColumns = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('ONNX graphs on ORT CPU', () => {
  it('MatMul y = x · W with W [K, N]', async () => {
    const random = new SeededRandom(11);
    const [K, N, batch] = [96, 40, 3];
    const weights = random.floats(K * N);
    const x = random.floats(batch * K);
    const y = await runCpu(matmulModel(K, N, weights), x, [batch, K]);
    const reference = matmulReference(K, N, weights, x, batch, allColumns(N));
    expect(relativeError(y, reference, allColumns(N), N, batch)).toBeLessThan(1e-6);
  });

  it('MatMulNBits: uint8 [N, K/32, 16], low nibble first, (q − 8) · scale', async () => {
    const random = new SeededRandom(12);
    const [K, N, batch] = [128, 24, 2];
    const weights = {
      K,
      N,
      packed: random.bytes((N * K) / 2),
      scales: random.floatsBetween((N * K) / 32, 0.5, 1.5),
    };
    // The layout by hand for one value: row 1, column 33 is block 1, position 1, the high nibble of byte 0.
    const byte = weights.packed[(1 * (K / 32) + 1) * 16];
    expect(dequantizeInt4Row(weights, 1)[33]).toBeCloseTo(
      ((byte >> 4) - 8) * weights.scales[1 * (K / 32) + 1],
      6,
    );
    const x = random.floats(batch * K);
    const reference = matmulNBitsReference(weights, x, batch, allColumns(N));
    const y = await runCpu(matmulNBitsModel(weights), x, [batch, K]);
    expect(relativeError(y, reference, allColumns(N), N, batch)).toBeLessThan(1e-5);
    // accuracy_level 4 quantizes x to int8 on CPU too: close, not exact.
    const yInt8 = await runCpu(matmulNBitsModel(weights, 4), x, [batch, K]);
    expect(relativeError(yInt8, reference, allColumns(N), N, batch)).toBeLessThan(3e-2);
  });

  it('Identity passes any [batch, features] tensor through', async () => {
    const x = Float32Array.from([1, -2, 3, -4, 5, -6]);
    expect(Array.from(await runCpu(identityModel(), x, [2, 3]))).toEqual(Array.from(x));
  });

  it('refuses a K that is not a multiple of the block', () => {
    expect(() =>
      matmulNBitsModel({ K: 40, N: 1, packed: new Uint8Array(20), scales: new Float32Array(1) }),
    ).toThrow(/divisible by the block size 32/);
  });
});
