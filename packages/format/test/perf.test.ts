import { describe, expect, it } from 'vitest';
import { type CompressedLayer, decodePqw, encodePqw, type ManifestDraft, packCodes } from '../src/index';
import { randomCodes, seededRng } from './fixtures';

/** Generous bound so slow CI machines pass; the point is catching an accidental O(n²) or byte-wise slow path. */
const DECODE_BUDGET_MS = 1000;

function timeMs(action: () => void): number {
  const start = performance.now();
  action();
  return performance.now() - start;
}

describe('decode speed', () => {
  it('decodes and checksums a 24 MB file in well under a second', () => {
    const rng = seededRng(12);
    const [rows, cols, d, k] = [4096, 4096, 4, 200];
    const segments = cols / d;
    const packed = packCodes(randomCodes(rng, rows * segments, k), rows, segments, 8);
    const codebook = new Float32Array(segments * k * d).map(() => rng() - 0.5);
    const denseRows = 1000;
    const weight = new Float32Array(denseRows * rows).map(() => rng() - 0.5);
    const layers: CompressedLayer[] = [
      {
        name: 'fc1',
        method: 'pq',
        rows,
        cols,
        activation: 'relu',
        bias: null,
        d,
        k,
        segments,
        codes: 'fc1/codes',
        packing: packed.packing,
        codebook: 'fc1/codebook',
      },
      {
        name: 'fc2',
        method: 'dense',
        rows: denseRows,
        cols: rows,
        activation: 'none',
        bias: null,
        weight: 'fc2/weight',
      },
    ];
    const draft: ManifestDraft = {
      producer: 'perf',
      model: { name: 'big', input: { name: 'x', shape: [-1, cols], dtype: 'float32' }, outputName: 'y' },
      preprocessing: { width: 1, height: 1, channels: 1, layout: 'NCHW', scale: 1, mean: [0], std: [1] },
      labels: Array.from({ length: denseRows }, (_, i) => `class ${i}`),
      backbone: null,
      layers,
    };
    const bytes = encodePqw(draft, [
      { name: 'fc1/codes', dtype: 'uint32', data: packed.words },
      { name: 'fc1/codebook', dtype: 'float32', data: codebook },
      { name: 'fc2/weight', dtype: 'float32', data: weight },
    ]);
    expect(bytes.length).toBeGreaterThan(20e6);
    decodePqw(bytes); // warm-up: JIT and CRC tables
    const withChecksums = Math.min(...[0, 1, 2].map(() => timeMs(() => decodePqw(bytes))));
    const without = Math.min(
      ...[0, 1, 2].map(() => timeMs(() => decodePqw(bytes, { verifyChecksums: false }))),
    );
    console.info(
      `decodePqw ${(bytes.length / 1e6).toFixed(1)} MB: ${withChecksums.toFixed(1)} ms with checksums, ${without.toFixed(1)} ms without`,
    );
    expect(withChecksums).toBeLessThan(DECODE_BUDGET_MS);
  });
});
