import { encodePqw, type PqLayer, type PqwManifest, readManifestOnly } from '@pqweb/format';
import { describe, expect, it } from 'vitest';
import { describeMethod, summarizeModel } from '../src/model/describe';
import { formatBytes, formatMs, formatRate } from '../src/ui/format';

/** A PQ layer of 8×12 with d=4, k=16 (4-bit codes): 3 segments, the codes of one row fill one u32 word. */
const rows = 8;
const cols = 12;
const d = 4;
const k = 16;
const segments = cols / d;

function pqManifest(): PqwManifest {
  const layer: PqLayer = {
    name: 'fc',
    method: 'pq',
    rows,
    cols,
    activation: 'none',
    bias: 'layers/0/bias',
    d,
    k,
    segments,
    codes: 'layers/0/codes',
    packing: { bits: 4, codesPerRow: segments, wordsPerRow: 1 },
    codebook: 'layers/0/codebook',
  };
  const bytes = encodePqw(
    {
      producer: 'test',
      model: { name: 'tiny', input: { name: 'x', shape: [-1, cols], dtype: 'float32' }, outputName: 'y' },
      preprocessing: { width: cols, height: 1, channels: 1, layout: 'NCHW', scale: 1, mean: [0], std: [1] },
      labels: Array.from({ length: rows }, (_, i) => `class ${i}`),
      backbone: null,
      layers: [layer],
    },
    [
      { name: 'layers/0/codes', dtype: 'uint32', data: new Uint32Array(rows) },
      { name: 'layers/0/codebook', dtype: 'float32', data: new Float32Array(segments * k * d) },
      { name: 'layers/0/bias', dtype: 'float32', data: new Float32Array(rows) },
    ],
  );
  return readManifestOnly(bytes);
}

describe('summarizeModel', () => {
  it('counts every stored byte of a layer against its float32 size', () => {
    const summary = summarizeModel(pqManifest(), ['fused']);
    // float32: 4·(8·12 + 8) = 416 B. Stored: codes 8 words = 32 B, codebook 3·16·4 floats = 768 B, bias 32 B.
    const [layer] = summary.layers;
    expect(layer?.denseBytes).toBe(416);
    expect(layer?.storedBytes).toBe(32 + 768 + 32);
    expect(layer?.rate).toBeCloseTo(416 / 832, 12);
    expect(layer?.shape).toBe('8×12');
    expect(layer?.kernel).toBe('fused');
    expect(summary.input).toBe('12×1×1 (grayscale)');
  });
});

describe('describeMethod', () => {
  it('names the method and its knobs', () => {
    const base = { name: 'l', rows: 2, cols: 4, activation: 'none' as const, bias: null };
    const packing = { bits: 4 as const, codesPerRow: 1, wordsPerRow: 1 };
    expect(describeMethod({ ...base, method: 'kmeans', k: 16, codes: 'c', packing, codebook: 'b' })).toBe(
      'k-means k=16 (4-bit codes)',
    );
    expect(describeMethod({ ...base, method: 'svd', rank: 3, u: 'u', v: 'v' })).toBe('SVD rank 3');
    expect(describeMethod({ ...base, method: 'dense', weight: 'w' })).toBe('dense float32 (kept)');
  });
});

describe('format', () => {
  it('reads bytes, times and rates without exponents', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1024464)).toBe('0.977 MiB'); // 1,024,464 B = 1000.5 KiB: past 1000, so MiB
    expect(formatBytes(760_000)).toBe('742 KiB');
    expect(formatMs(3.25)).toBe('3.3 ms');
    expect(formatMs(1234.5)).toBe('1235 ms');
    expect(formatRate(19.71)).toBe('19.7×');
    expect(formatRate(7.9)).toBe('7.90×');
  });
});
