/**
 * The CPU head on the bundled model: PQ layers with k ≤ 16 go to the WebAssembly SIMD kernel, and its logits
 * agree with the JavaScript executor's (the kernel's twin) on the same features.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePqw } from '@pqweb/format';
import { describe, expect, it } from 'vitest';
import { CpuHead } from '../src';
import { seededRandom } from './gpu-fixture';

const repo = join(import.meta.dirname, '../../..');
const file = decodePqw(new Uint8Array(readFileSync(join(repo, 'apps/demo/public/models/fashion-vgg.pqw'))));

describe('CpuHead', () => {
  it('runs the bundled model’s PQ layers on the WebAssembly kernel, the rest in JavaScript', () => {
    const methods = file.manifest.layers.map((layer) => layer.method);
    expect(methods).toEqual(['pq', 'pq', 'dense']);
    expect(new CpuHead(file).kernels).toEqual(['wasm-simd', 'wasm-simd', 'js']);
    expect(new CpuHead(file, { wasmSimd: false }).kernels).toEqual(['js', 'js', 'js']);
  });

  it('gives the JavaScript executor’s logits (float32 vs float64 sums) and the same top-1', () => {
    const wasm = new CpuHead(file);
    const js = new CpuHead(file, { wasmSimd: false });
    const batch = 6;
    const random = seededRandom(5);
    // Backbone features are ReLU outputs: non-negative, many zeros.
    const features = new Float32Array(batch * wasm.inputSize).map(() => Math.max(0, random() * 4 - 2));
    const got = wasm.forward(features, batch);
    const expected = js.forward(features, batch);
    expect(got).toHaveLength(batch * 10);
    for (let b = 0; b < batch; b++) {
      const row = (logits: Float32Array) => Array.from(logits.subarray(b * 10, (b + 1) * 10));
      const scale = Math.max(...row(expected).map(Math.abs));
      for (let c = 0; c < 10; c++) {
        expect(Math.abs(row(got)[c] - row(expected)[c])).toBeLessThan(1e-4 * scale);
      }
      const top = (values: number[]) => values.indexOf(Math.max(...values));
      expect(top(row(got))).toBe(top(row(expected)));
    }
  });
});
