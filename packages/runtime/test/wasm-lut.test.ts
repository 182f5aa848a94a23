import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { pqForward, rqForward, WasmLutLayer, wasmLutSupports, wasmSimdAvailable } from '../src/cpu';
import { KernelInputError } from '../src/gpu/errors';
import { assemble, generatedModule, kernelPath, WASM_KERNELS } from '../wasm/compile';
import { randomFloats, seededRandom } from './gpu-fixture';
import { denseReference, firstMismatch, randomLutLayer } from './lut-fixtures';

/**
 * The kernel sums float32 LUT entries in float32, like the GPU kernels, so it gets their tolerance: 1e-5 ×
 * √(terms) relative to Σ|terms| against the float64 reference (the JavaScript twin sums in float64).
 */
const TOLERANCE_PER_SQRT_TERM = 1e-5;

/**
 * Random layers: rows that fill no whole 32-row block (and exactly one), columns that leave the last segment short,
 * every code width the kernel takes (k 2 → 1 bit, 3-4 → 2 bits, 5-16 → 4 bits), PQ and RQ, batches of 1 to 5.
 */
const SHAPES = [
  { rows: 1, cols: 5, d: 2, k: 2, stages: 1, batch: 1, withBias: true, relu: false },
  { rows: 32, cols: 37, d: 4, k: 16, stages: 1, batch: 3, withBias: false, relu: true },
  { rows: 45, cols: 64, d: 1, k: 4, stages: 1, batch: 2, withBias: true, relu: false },
  { rows: 70, cols: 23, d: 3, k: 5, stages: 2, batch: 2, withBias: true, relu: true },
  { rows: 97, cols: 300, d: 8, k: 16, stages: 1, batch: 1, withBias: true, relu: true },
  { rows: 33, cols: 130, d: 4, k: 9, stages: 3, batch: 5, withBias: false, relu: false },
  { rows: 200, cols: 1000, d: 4, k: 16, stages: 1, batch: 2, withBias: true, relu: true },
];

describe('the WebAssembly SIMD LUT kernel (pq_lut16.wat)', () => {
  it('runs in this engine', () => {
    expect(wasmSimdAvailable()).toBe(true);
    const shape = (rows: number, cols: number, k: number) => {
      const segments = Math.ceil(cols / 4);
      const bits = k <= 16 ? 4 : 8;
      const wordsPerRow = Math.ceil((segments * bits) / 32);
      return {
        rows,
        cols,
        d: 4,
        k,
        segments,
        stages: 1,
        packing: { bits, codesPerRow: segments, wordsPerRow },
      } as const;
    };
    expect(wasmLutSupports(shape(1024, 3136, 16))).toBe(true);
    expect(wasmLutSupports(shape(1024, 3136, 17))).toBe(false);
    // 2^17 × 2^17 with 4-bit codes: 8 GiB of codes, above WASM_LUT_MAX_BYTES; it stays on JavaScript.
    expect(wasmLutSupports(shape(2 ** 17, 2 ** 17, 16))).toBe(false);
  });

  it.each(WASM_KERNELS)('is the assembled $source (else run `pnpm build:wasm`)', async (kernel) => {
    const committed = await readFile(kernelPath(kernel.module), 'utf8');
    expect(committed).toBe(generatedModule(kernel, await assemble(kernel)));
  });

  it.each(SHAPES)('matches W·x + b and the JavaScript twin: %o', (spec) => {
    const random = seededRandom(spec.rows * 97 + spec.cols * 13 + spec.k * 5 + spec.stages);
    const layer = randomLutLayer(spec, random);
    const { rows, cols, stages, batch, relu } = spec;
    const x = new Float32Array(randomFloats(batch * cols, random));
    const reference = denseReference(layer.weights, rows, cols, layer.bias, x, batch, relu);
    const tolerance = TOLERANCE_PER_SQRT_TERM * Math.sqrt(stages * cols);
    const kernel = new WasmLutLayer(layer.shape, layer.words, layer.values, layer.bias);
    const y = kernel.forward(x, batch, relu);
    const mismatch = firstMismatch(y, reference, tolerance);
    expect(mismatch, `element ${mismatch}: ${y[mismatch]} vs ${reference.y[mismatch]}`).toBe(-1);
    const twin = (stages === 1 ? pqForward : rqForward)(
      layer.shape,
      layer.words,
      layer.values,
      layer.bias,
      x,
      batch,
      relu,
    );
    expect(firstMismatch(twin, reference, tolerance)).toBe(-1);
    // A second call on the same instance gives the same answer (nothing left over from the first).
    expect(kernel.forward(x, batch, relu)).toEqual(y);
  });

  it('leaves no trace of one input in the next (batch rows equal single calls)', () => {
    const random = seededRandom(11);
    const spec = { rows: 40, cols: 50, d: 4, k: 16, stages: 1, withBias: true };
    const layer = randomLutLayer(spec, random);
    const x = new Float32Array(randomFloats(3 * spec.cols, random));
    const kernel = new WasmLutLayer(layer.shape, layer.words, layer.values, layer.bias);
    const together = kernel.forward(x, 3, false);
    for (let b = 0; b < 3; b++) {
      const alone = kernel.forward(x.subarray(b * spec.cols, (b + 1) * spec.cols), 1, false);
      expect(together.subarray(b * spec.rows, (b + 1) * spec.rows)).toEqual(alone);
    }
  });

  it('refuses what it cannot run with a KernelInputError', () => {
    const random = seededRandom(3);
    const wide = randomLutLayer({ rows: 4, cols: 8, d: 4, k: 32, stages: 1, withBias: false }, random);
    expect(() => new WasmLutLayer(wide.shape, wide.words, wide.values, null)).toThrow(/k ≤ 16/);
    const layer = randomLutLayer({ rows: 4, cols: 8, d: 4, k: 5, stages: 1, withBias: false }, random);
    // Code 7 ≥ k = 5: the kernel would read a zero table entry; it must refuse instead.
    const badCodes = new Uint32Array(layer.words);
    badCodes[0] = (badCodes[0] & ~0xf) | 7;
    expect(() => new WasmLutLayer(layer.shape, badCodes, layer.values, null)).toThrow(KernelInputError);
    expect(() => new WasmLutLayer(layer.shape, layer.words, layer.values.subarray(1), null)).toThrow(
      /codebook holds/,
    );
    const kernel = new WasmLutLayer(layer.shape, layer.words, layer.values, null);
    expect(() => kernel.forward(new Float32Array(7), 1, false)).toThrow(/x holds 7 elements/);
    expect(() => kernel.forward(new Float32Array(8), 0, false)).toThrow(KernelInputError);
  });
});
