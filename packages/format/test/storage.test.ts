import { describe, expect, it } from 'vitest';
import {
  type CompressedLayer,
  decodePqw,
  layerStorage,
  modelStorage,
  type PqwManifest,
  type SectionDtype,
  type SectionEntry,
} from '../src/index';
import { encodeFixture } from './fixtures';

/** The paper's honest rate in bits (shared/paper.md): 32·(m·n + m) / (codes + codebooks + bias + scales). */
function paperRate(
  m: number,
  n: number,
  parts: { codeBits: number; codebookBits: number; biasBits: number },
): number {
  return (32 * (m * n + m)) / (parts.codeBits + parts.codebookBits + parts.biasBits);
}

/** A manifest holding one PQ layer whose section lengths follow from the shape (no payload needed). */
function pqManifest(
  m: number,
  n: number,
  d: number,
  k: number,
  bits: 1 | 2 | 4 | 8,
  codebookDtype: SectionDtype,
) {
  const segments = Math.ceil(n / d);
  const wordsPerRow = Math.ceil((segments * bits) / 32);
  const entry = (name: string, dtype: SectionDtype, length: number): SectionEntry => ({
    name,
    dtype,
    offset: 0,
    length,
    crc32: 0,
  });
  const layer: CompressedLayer = {
    name: 'fc',
    method: 'pq',
    rows: m,
    cols: n,
    activation: 'none',
    bias: 'bias',
    d,
    k,
    segments,
    codes: 'codes',
    packing: { bits, codesPerRow: segments, wordsPerRow },
    codebook: 'codebook',
  };
  const manifest: Pick<PqwManifest, 'sections'> = {
    sections: [
      entry('codes', 'uint32', m * wordsPerRow * 4),
      entry('codebook', codebookDtype, segments * k * d * (codebookDtype === 'float16' ? 2 : 4)),
      entry('bias', 'float32', m * 4),
    ],
  };
  return { layer, manifest };
}

describe('layerStorage', () => {
  it('reproduces the paper example m = n = 4096, k = 256: d = 4 → 8.0×, d = 16 → 12.8×', () => {
    for (const [d, paper] of [
      [4, 8.0],
      [8, 10.7],
      [16, 12.8],
    ] as const) {
      const { layer, manifest } = pqManifest(4096, 4096, d, 256, 8, 'float32');
      const storage = layerStorage(layer, manifest);
      const expected = paperRate(4096, 4096, {
        codeBits: 4096 * (4096 / d) * 8,
        codebookBits: 4096 * 256 * 32,
        biasBits: 32 * 4096,
      });
      expect(storage.rate).toBeCloseTo(expected, 10);
      // The paper rounds and leaves the bias out; with the bias the rate is within 1% of its figure.
      expect(Math.abs(storage.rate - paper) / paper).toBeLessThan(0.01);
      expect(storage.denseBytes).toBe(4 * (4096 * 4096 + 4096));
      expect(storage.totalBytes).toBe(storage.codesBytes + storage.codebookBytes + storage.biasBytes);
    }
  });

  it('k = 16 (4-bit codes), d = 4 gives about 28×; float16 codebooks halve the codebook bytes', () => {
    const { layer, manifest } = pqManifest(4096, 4096, 4, 16, 4, 'float32');
    expect(layerStorage(layer, manifest).rate).toBeCloseTo(
      paperRate(4096, 4096, { codeBits: 4096 * 1024 * 4, codebookBits: 4096 * 16 * 32, biasBits: 32 * 4096 }),
      10,
    );
    expect(Math.round(layerStorage(layer, manifest).rate)).toBe(28);
    const half = pqManifest(4096, 4096, 4, 256, 8, 'float16');
    const full = pqManifest(4096, 4096, 4, 256, 8, 'float32');
    expect(layerStorage(half.layer, half.manifest).codebookBytes * 2).toBe(
      layerStorage(full.layer, full.manifest).codebookBytes,
    );
  });

  it('counts the padded segment and whole words in the docs example m = 1000, n = 300, d = 8, k = 16', () => {
    const { layer, manifest } = pqManifest(1000, 300, 8, 16, 4, 'float32');
    const storage = layerStorage(layer, manifest);
    // s = ceil(300/8) = 38 segments; 38 codes × 4 bits = 152 bits → 5 words = 20 bytes per row.
    expect(storage.codesBytes).toBe(1000 * 20);
    expect(storage.codebookBytes).toBe(38 * 16 * 8 * 4);
    expect(storage.biasBytes).toBe(4000);
    expect(storage.rate).toBeCloseTo((4 * (300 * 1000 + 1000)) / (20000 + 19456 + 4000), 12);
  });
});

/** Layer fields that name a section, across all methods. */
const SECTION_KEYS = ['codes', 'codebook', 'scales', 'u', 'v', 'weight', 'bias'];

describe('modelStorage', () => {
  it('sums every section each layer references, by role', () => {
    const { bytes, fixture } = encodeFixture(9);
    const { manifest } = decodePqw(bytes);
    const storage = modelStorage(manifest);
    const lengthOf = (name: string): number =>
      manifest.sections.find((s) => s.name === name)?.length ?? Number.NaN;
    let referenced = 0;
    for (const layer of manifest.layers) {
      for (const [key, name] of Object.entries(layer)) {
        if (SECTION_KEYS.includes(key) && typeof name === 'string') referenced += lengthOf(name);
      }
    }
    expect(storage.totalBytes).toBe(referenced);
    const dense = fixture.sources.reduce(
      (sum, { layer }) => sum + 4 * (layer.rows * layer.cols + layer.rows),
      0,
    );
    expect(storage.denseBytes).toBe(dense);
    expect(storage.rate).toBeCloseTo(dense / referenced, 12);
    expect(storage.backboneBytes).toBe(100);
    const svd = storage.layers[5];
    expect(svd?.scalesBytes).toBe(4 * (8 * 3 + 3 * 9));
    expect(svd?.biasBytes).toBe(0);
  });
});
