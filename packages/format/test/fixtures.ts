/**
 * Test fixtures: a seeded RNG and a small model that uses every layer method, built straight from plain arrays
 * so tests can compare what the library returns with what went in.
 */
import {
  bitsForK,
  type CompressedLayer,
  encodePqw,
  float32ToFloat16,
  type ManifestDraft,
  packCodes,
  type SectionData,
} from '../src/index';
import { ROOM_KEY } from './mutate';

/** Bytes of manifest padding that edits in tests may grow into. */
const ROOM_BYTES = 512;

/** mulberry32: a tiny, well-mixed 32-bit PRNG; enough for reproducible test data. */
export function seededRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(rng: () => number, below: number): number {
  return Math.floor(rng() * below);
}

/**
 * Random values on a 1/64 grid in [-4, 4): exactly representable in float16, so a float16 section round-trips
 * them exactly and tests need no rounding model.
 */
export function randomGridFloats(rng: () => number, length: number): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = (randomInt(rng, 512) - 256) / 64;
  return values;
}

export function randomCodes(rng: () => number, length: number, k: number): Uint8Array {
  const codes = new Uint8Array(length);
  for (let i = 0; i < length; i++) codes[i] = randomInt(rng, k);
  return codes;
}

/** What went into one layer, unpacked: the ground truth for round trips and reconstruction. */
export interface LayerSource {
  layer: CompressedLayer;
  codes?: Uint8Array;
  codebook?: Float32Array;
  scales?: Float32Array;
  u?: Float32Array;
  v?: Float32Array;
  weight?: Float32Array;
  bias: Float32Array | null;
}

export interface ModelFixture {
  draft: ManifestDraft;
  sections: SectionData[];
  sources: LayerSource[];
  backboneBytes: Uint8Array;
}

type CodebookDtype = 'float32' | 'float16';

function codebookSection(name: string, values: Float32Array, dtype: CodebookDtype): SectionData {
  return { name, dtype, data: dtype === 'float16' ? float32ToFloat16(values) : values };
}

/** Width of the backbone output, i.e. the first layer's cols. */
export const FIXTURE_FEATURES = 30;

/**
 * A seven-layer head 30 → 20 → 17 → 13 → 11 → 9 → 8 → 5 with one layer of each method: PQ with d not dividing n
 * (4-bit codes, float32 codebook), PQ with float16 codebook, 8-bit k-means, binary, 3-stage RQ with 2-bit codes,
 * SVD and dense; plus a 100-byte backbone.
 */
export function buildModelFixture(seed: number): ModelFixture {
  const rng = seededRng(seed);
  const sections: SectionData[] = [];
  const sources: LayerSource[] = [];
  const addBias = (
    index: number,
    rows: number,
    present: boolean,
  ): { name: string | null; values: Float32Array | null } => {
    if (!present) return { name: null, values: null };
    const values = randomGridFloats(rng, rows);
    const name = `layers/${index}/bias`;
    sections.push({ name, dtype: 'float32', data: values });
    return { name, values };
  };
  const addCodes = (
    index: number,
    codes: Uint8Array,
    rows: number,
    codesPerRow: number,
    bits: 1 | 2 | 4 | 8,
  ) => {
    const packed = packCodes(codes, rows, codesPerRow, bits);
    sections.push({ name: `layers/${index}/codes`, dtype: 'uint32', data: packed.words });
    return packed.packing;
  };

  const pqLayer = (
    index: number,
    rows: number,
    cols: number,
    d: number,
    k: number,
    dtype: CodebookDtype,
    hasBias: boolean,
  ) => {
    const segments = Math.ceil(cols / d);
    const codes = randomCodes(rng, rows * segments, k);
    const codebook = randomGridFloats(rng, segments * k * d);
    // Padded coordinates of the last segment are zero by the format's rule.
    const padded = segments * d - cols;
    for (let c = 0; c < k; c++) {
      for (let t = d - padded; t < d; t++) codebook[((segments - 1) * k + c) * d + t] = 0;
    }
    const packing = addCodes(index, codes, rows, segments, bitsForK(k));
    sections.push(codebookSection(`layers/${index}/codebook`, codebook, dtype));
    const bias = addBias(index, rows, hasBias);
    const layer: CompressedLayer = {
      name: `fc${index}`,
      method: 'pq',
      rows,
      cols,
      activation: 'relu',
      bias: bias.name,
      d,
      k,
      segments,
      codes: `layers/${index}/codes`,
      packing,
      codebook: `layers/${index}/codebook`,
    };
    sources.push({ layer, codes, codebook, bias: bias.values });
  };

  pqLayer(0, 20, 30, 4, 5, 'float32', true);
  pqLayer(1, 17, 20, 3, 16, 'float16', false);

  {
    const [index, rows, cols, k] = [2, 13, 17, 200];
    const codes = randomCodes(rng, rows * cols, k);
    const codebook = randomGridFloats(rng, k);
    const packing = addCodes(index, codes, rows, cols, bitsForK(k));
    sections.push(codebookSection(`layers/${index}/codebook`, codebook, 'float32'));
    const bias = addBias(index, rows, true);
    const layer: CompressedLayer = {
      name: `fc${index}`,
      method: 'kmeans',
      rows,
      cols,
      activation: 'relu',
      bias: bias.name,
      k,
      codes: `layers/${index}/codes`,
      packing,
      codebook: `layers/${index}/codebook`,
    };
    sources.push({ layer, codes, codebook, bias: bias.values });
  }
  {
    const [index, rows, cols] = [3, 11, 13];
    const codes = randomCodes(rng, rows * cols, 2);
    const scales = new Float32Array(rows);
    for (let i = 0; i < rows; i++) scales[i] = (1 + randomInt(rng, 64)) / 64;
    const packing = addCodes(index, codes, rows, cols, 1);
    sections.push({ name: `layers/${index}/scales`, dtype: 'float32', data: scales });
    const bias = addBias(index, rows, true);
    const layer: CompressedLayer = {
      name: `fc${index}`,
      method: 'binary',
      rows,
      cols,
      activation: 'relu',
      bias: bias.name,
      codes: `layers/${index}/codes`,
      packing,
      scales: `layers/${index}/scales`,
    };
    sources.push({ layer, codes, scales, bias: bias.values });
  }
  {
    const [index, rows, cols, d, k, stages] = [4, 9, 11, 2, 3, 3];
    const segments = Math.ceil(cols / d);
    const codes = randomCodes(rng, stages * rows * segments, k);
    const codebook = randomGridFloats(rng, stages * segments * k * d);
    for (let stage = 0; stage < stages; stage++) {
      for (let c = 0; c < k; c++) codebook[((stage * segments + segments - 1) * k + c) * d + 1] = 0;
    }
    const packing = addCodes(index, codes, stages * rows, segments, bitsForK(k));
    sections.push(codebookSection(`layers/${index}/codebook`, codebook, 'float16'));
    const bias = addBias(index, rows, true);
    const layer: CompressedLayer = {
      name: `fc${index}`,
      method: 'rq',
      rows,
      cols,
      activation: 'relu',
      bias: bias.name,
      d,
      k,
      segments,
      stages,
      codes: `layers/${index}/codes`,
      packing,
      codebook: `layers/${index}/codebook`,
    };
    sources.push({ layer, codes, codebook, bias: bias.values });
  }
  {
    const [index, rows, cols, rank] = [5, 8, 9, 3];
    const u = randomGridFloats(rng, rows * rank);
    const v = randomGridFloats(rng, rank * cols);
    sections.push({ name: `layers/${index}/u`, dtype: 'float32', data: u });
    sections.push({ name: `layers/${index}/v`, dtype: 'float32', data: v });
    const bias = addBias(index, rows, false);
    const layer: CompressedLayer = {
      name: `fc${index}`,
      method: 'svd',
      rows,
      cols,
      activation: 'relu',
      bias: bias.name,
      rank,
      u: `layers/${index}/u`,
      v: `layers/${index}/v`,
    };
    sources.push({ layer, u, v, bias: bias.values });
  }
  {
    const [index, rows, cols] = [6, 5, 8];
    const weight = randomGridFloats(rng, rows * cols);
    sections.push({ name: `layers/${index}/weight`, dtype: 'float32', data: weight });
    const bias = addBias(index, rows, true);
    const layer: CompressedLayer = {
      name: `fc${index}`,
      method: 'dense',
      rows,
      cols,
      activation: 'none',
      bias: bias.name,
      weight: `layers/${index}/weight`,
    };
    sources.push({ layer, weight, bias: bias.values });
  }

  const backboneBytes = new Uint8Array(100);
  for (let i = 0; i < backboneBytes.length; i++) backboneBytes[i] = randomInt(rng, 256);
  sections.unshift({ name: 'backbone', dtype: 'uint8', data: backboneBytes });

  const draft: ManifestDraft = {
    producer: 'pqweb test',
    model: {
      name: 'fixture',
      input: { name: 'input', shape: [-1, 3, 8, 8], dtype: 'float32' },
      outputName: 'logits',
    },
    preprocessing: {
      width: 8,
      height: 8,
      channels: 3,
      layout: 'NCHW',
      scale: 1 / 255,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    },
    labels: ['airplane', 'bird', 'cat', 'dog', 'ship'],
    backbone: { section: 'backbone', outputName: 'features', features: FIXTURE_FEATURES },
    layers: sources.map((source) => source.layer),
    // Room for tests that edit the manifest in place (see mutate.ts).
    provenance: { seed, [ROOM_KEY]: ' '.repeat(ROOM_BYTES) },
  };
  return { draft, sections, sources, backboneBytes };
}

export function encodeFixture(seed: number): { bytes: Uint8Array; fixture: ModelFixture } {
  const fixture = buildModelFixture(seed);
  return { bytes: encodePqw(fixture.draft, fixture.sections), fixture };
}
