/**
 * Small real .pqw models for the worker specs, built with @pqweb/format's encoder from seeded random codes and
 * codebooks, and their float64 reference forward pass computed here from the unpacked codes (no runtime code),
 * so results can be checked independently of both classifiers.
 */
import {
  bitsForK,
  encodePqw,
  type ManifestDraft,
  type PqLayer,
  type Preprocessing,
  packCodes,
  type SectionData,
  segmentsFor,
} from '../../packages/format/src/index';
import { randomArray, seededRandom } from './random';
import { flattenReluOnnx } from './worker-onnx';

/** 8×8 grayscale, pixels → (p/255 − 0.5) / 0.25. */
export const TEST_PREPROCESSING: Preprocessing = {
  width: 8,
  height: 8,
  channels: 1,
  layout: 'NCHW',
  scale: 1 / 255,
  mean: [0.5],
  std: [0.25],
};
export const INPUT_SIZE = TEST_PREPROCESSING.width * TEST_PREPROCESSING.height * TEST_PREPROCESSING.channels;

interface PqLayerSpec {
  rows: number;
  cols: number;
  d: number;
  k: number;
  relu: boolean;
}

/** One PQ layer as the reference sees it: codes one per (row, segment), codebook [segment][k][d], bias. */
interface ReferenceLayer extends PqLayerSpec {
  segments: number;
  codes: Uint8Array;
  codebook: Float32Array;
  bias: Float32Array;
}

export interface TestModel {
  bytes: Uint8Array<ArrayBuffer>;
  labels: string[];
  hasBackbone: boolean;
  layers: ReferenceLayer[];
}

/** Layer shapes: `tiny` (64 → 24 → 10), `heavy` (64 → 4096 → 10, for calls that take a while). */
export const MODEL_SHAPES = {
  tiny: [
    { rows: 24, cols: INPUT_SIZE, d: 4, k: 16, relu: true },
    { rows: 10, cols: 24, d: 8, k: 4, relu: false },
  ],
  heavy: [
    { rows: 4096, cols: INPUT_SIZE, d: 4, k: 256, relu: true },
    { rows: 10, cols: 4096, d: 8, k: 16, relu: false },
  ],
} satisfies Record<string, PqLayerSpec[]>;

function randomLayer(spec: PqLayerSpec, random: () => number): ReferenceLayer {
  const segments = segmentsFor(spec.cols, spec.d);
  const codes = new Uint8Array(spec.rows * segments);
  for (let i = 0; i < codes.length; i++) codes[i] = Math.floor(random() * spec.k);
  const codebook = randomArray(segments * spec.k * spec.d, random);
  // Zero the padded coordinates of the last segment, as docs/format.md requires.
  for (let c = 0; c < spec.k; c++) {
    for (let t = spec.cols - (segments - 1) * spec.d; t < spec.d; t++) {
      codebook[((segments - 1) * spec.k + c) * spec.d + t] = 0;
    }
  }
  const bias = randomArray(spec.rows, random);
  return { ...spec, segments, codes, codebook, bias };
}

export function buildTestModel(
  shape: keyof typeof MODEL_SHAPES,
  options: { seed: number; backbone: boolean; labelPrefix?: string },
): TestModel {
  const random = seededRandom(options.seed);
  const layers = MODEL_SHAPES[shape].map((spec) => randomLayer(spec, random));
  const sections: SectionData[] = [];
  const manifestLayers: PqLayer[] = layers.map((layer, index) => {
    const bits = bitsForK(layer.k);
    const { words, packing } = packCodes(layer.codes, layer.rows, layer.segments, bits);
    const names = {
      codes: `layers/${index}/codes`,
      codebook: `layers/${index}/codebook`,
      bias: `layers/${index}/bias`,
    };
    sections.push(
      { name: names.codes, dtype: 'uint32', data: words },
      { name: names.codebook, dtype: 'float32', data: layer.codebook },
      { name: names.bias, dtype: 'float32', data: layer.bias },
    );
    return {
      name: `fc${index + 1}`,
      method: 'pq',
      rows: layer.rows,
      cols: layer.cols,
      activation: layer.relu ? 'relu' : 'none',
      bias: names.bias,
      d: layer.d,
      k: layer.k,
      segments: layer.segments,
      codes: names.codes,
      packing,
      codebook: names.codebook,
    };
  });
  const outputs = layers[layers.length - 1]?.rows ?? 0;
  const labels = Array.from({ length: outputs }, (_, i) => `${options.labelPrefix ?? 'class'}-${i}`);
  if (options.backbone) {
    sections.unshift({
      name: 'backbone',
      dtype: 'uint8',
      data: flattenReluOnnx('input', 'features', 1, 8, 8),
    });
  }
  const draft: ManifestDraft = {
    producer: 'pqweb e2e harness',
    model: {
      name: `e2e-${shape}`,
      input: { name: 'input', shape: [-1, 1, 8, 8], dtype: 'float32' },
      outputName: 'logits',
    },
    preprocessing: TEST_PREPROCESSING,
    labels,
    backbone: options.backbone ? { section: 'backbone', outputName: 'features', features: INPUT_SIZE } : null,
    layers: manifestLayers,
  };
  const encoded = encodePqw(draft, sections);
  // A fresh, exactly sized ArrayBuffer (what fetch would hand over).
  return { bytes: new Uint8Array(encoded), labels, hasBackbone: options.backbone, layers };
}

/** Float64 forward pass: the backbone (Relu of the flattened input) when present, then each PQ layer. */
export function referenceLogits(model: TestModel, input: ArrayLike<number>): number[] {
  let x = Array.from(input, (v) => (model.hasBackbone ? Math.max(0, v) : v));
  for (const layer of model.layers) {
    const y: number[] = [];
    for (let row = 0; row < layer.rows; row++) {
      let sum = layer.bias[row] ?? 0;
      for (let segment = 0; segment < layer.segments; segment++) {
        const code = layer.codes[row * layer.segments + segment] ?? 0;
        const centroid = (segment * layer.k + code) * layer.d;
        for (let t = 0; t < layer.d; t++) {
          const col = segment * layer.d + t;
          if (col < layer.cols) sum += (layer.codebook[centroid + t] ?? 0) * (x[col] ?? 0);
        }
      }
      y.push(layer.relu ? Math.max(0, sum) : sum);
    }
    x = y;
  }
  return x;
}

/** The model input for gray RGBA pixels, as the manifest's preprocessing defines it (luma, scale, mean, std). */
export function referenceTensor(rgba: Uint8ClampedArray): number[] {
  const { scale, mean, std } = TEST_PREPROCESSING;
  const out: number[] = [];
  for (let i = 0; i < rgba.length; i += 4) {
    const luma = 0.299 * (rgba[i] ?? 0) + 0.587 * (rgba[i + 1] ?? 0) + 0.114 * (rgba[i + 2] ?? 0);
    out.push((luma * scale - (mean[0] ?? 0)) / (std[0] ?? 1));
  }
  return out;
}
