import { describe, expect, it } from 'vitest';
import { denseForward } from '../src/cpu/dense';
import { KernelInputError } from '../src/gpu/errors';

describe('denseForward (CPU twin of the dense kernel)', () => {
  // W = [[1, 2, 3], [-4, 5, -6]], b = [0.5, -1], x0 = [1, 0, -1], x1 = [2, 1, 0.5]:
  // W x0 + b = [1 - 3 + 0.5, -4 + 6 - 1] = [-1.5, 1];  W x1 + b = [2 + 2 + 1.5 + 0.5, -8 + 5 - 3 - 1] = [6, -7].
  const weight = Float32Array.of(1, 2, 3, -4, 5, -6);
  const bias = Float32Array.of(0.5, -1);
  const x = Float32Array.of(1, 0, -1, 2, 1, 0.5);

  it('computes y = W x + b per input, batch-major', () => {
    expect([...denseForward(weight, bias, x, 2, 3, 2, false)]).toEqual([-1.5, 1, 6, -7]);
  });

  it('applies ReLU when asked', () => {
    expect([...denseForward(weight, bias, x, 2, 3, 2, true)]).toEqual([0, 1, 6, 0]);
  });

  it('accumulates in float64: 1 + 2^-24 + ... survives where a float32 sum would round it away', () => {
    // Sixteen terms of 2^-24 after a 1: float32 (24-bit significand) drops each; float64 keeps 16·2^-24 = 2^-20.
    const cols = 17;
    const w = new Float32Array(cols).fill(2 ** -24);
    w[0] = 1;
    const ones = new Float32Array(cols).fill(1);
    const [y] = denseForward(w, Float32Array.of(0), ones, 1, cols, 1, false);
    expect(y).toBe(Math.fround(1 + 2 ** -20));
  });

  it('rejects lengths that do not match the shape, spelling the shape out', () => {
    expect(() => denseForward(weight, bias, x, 2, 2, 2, false)).toThrow(
      /weight must hold rows×cols = 2×2 = 4 floats, got 6/,
    );
    expect(() => denseForward(weight, bias, x.subarray(1), 2, 3, 2, false)).toThrow(
      /x must hold batch×cols = 2×3 = 6 floats, got 5/,
    );
    expect(() => denseForward(weight, bias.subarray(1), x, 2, 3, 2, false)).toThrow(KernelInputError);
    expect(() => denseForward(weight, bias, x, 2, 3, 0, false)).toThrow(
      /batch must be a positive integer, got 0/,
    );
  });
});
