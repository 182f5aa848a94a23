/**
 * ONNX classifier in, .pqw bytes out: split off the dense head, quantize each layer, pack codes, write the
 * container with the backbone embedded. The CLI's `compress` and `sweep` are thin faces over this.
 */
import {
  bitsForK,
  type CompressedLayer,
  decodePqw,
  encodePqw,
  float32ToFloat16,
  type LayerStorage,
  type ManifestDraft,
  modelStorage,
  type Preprocessing,
  packCodes,
  type SectionData,
} from '@pqweb/format';
import { type DenseHeadSplit, type DenseLayerSpec, splitDenseHead } from './onnx';
import {
  chooseForTargetRate,
  type QuantizedLayer,
  QuantizerOptionError,
  type QuantMethodOption,
  quantizeMatrix,
} from './quantize';

export const PRODUCER = 'pqweb 0.1.0';

/**
 * Layers with fewer weights than this stay float32 unless forced: a 10×512 classifier layer cannot hold k ≥ 16
 * centroids per segment (k ≤ rows), and it is ~1% of the reference head, so quantizing it buys nothing.
 */
export const DEFAULT_MIN_PARAMS = 16_384;

export interface CompressOptions {
  method: QuantMethodOption;
  /** Code bits; k = 2^bits (pq, kmeans, rq). */
  bits?: number;
  /** PQ/RQ sub-vector length d. */
  dim?: number;
  /** RQ stages. */
  stages?: number;
  /** SVD rank. */
  rank?: number;
  /** Overall dense-layer rate to reach; d and k (or rank) are then chosen per layer. */
  targetRate?: number;
  /** Per-channel normalization stored as preprocessing; one value applies to every channel. */
  mean?: number[];
  std?: number[];
  labels?: string[];
  seed?: number;
  threads?: number;
  /** Layers with fewer weights stay float32 (see DEFAULT_MIN_PARAMS); 0 compresses every layer. */
  minParams?: number;
  /** Codebooks (and SVD factors) in float16 halve their share of the file. */
  codebookDtype?: 'float32' | 'float16';
  modelName?: string;
  onProgress?: (event: CompressProgress) => void;
}

export interface CompressProgress {
  stage: 'parse' | 'search' | 'quantize' | 'write';
  layer?: string;
  done: number;
  total: number;
}

export interface LayerReport {
  name: string;
  rows: number;
  cols: number;
  method: CompressedLayer['method'];
  /** Human-readable parameters, e.g. `d=4 k=16`. */
  params: string;
  storage: LayerStorage;
  relativeError: number;
}

export interface CompressResult {
  bytes: Uint8Array;
  draft: ManifestDraft;
  layers: LayerReport[];
  /** Dense fp32 bytes of all head layers (weights + biases). */
  denseBytes: number;
  /** Bytes the runtime downloads for the head: codes + codebooks + biases + scales. */
  compressedBytes: number;
  rate: number;
}

export class CompressOptionError extends Error {
  override name = 'CompressOptionError';
}

/** Input shape [N, C, H, W] or [N, H, W, C] (channels 1 or 3) → image preprocessing; otherwise a flat vector. */
function preprocessingFor(split: DenseHeadSplit, options: CompressOptions): Preprocessing {
  const shape = split.input.shape;
  let layout: Preprocessing['layout'] = 'NCHW';
  let channels = 1;
  let height = 1;
  let width = shape.slice(1).reduce((a, b) => a * Math.max(1, b), 1);
  if (shape.length === 4) {
    const [, a, b, c] = shape as [number, number, number, number];
    if (a === 1 || a === 3) [channels, height, width] = [a, b, c];
    else if (c === 1 || c === 3) [layout, height, width, channels] = ['NHWC', a, b, c];
  } else if (shape.length === 3) {
    [height, width] = [shape[1] ?? 1, shape[2] ?? 1];
  }
  if (channels !== 1 && channels !== 3)
    throw new CompressOptionError(`unsupported channel count ${channels}`);
  const perChannel = (values: number[] | undefined, fallback: number, what: string): number[] => {
    if (!values || values.length === 0) return Array.from({ length: channels }, () => fallback);
    if (values.length === 1) return Array.from({ length: channels }, () => values[0] as number);
    if (values.length !== channels) {
      throw new CompressOptionError(
        `--${what} has ${values.length} values but the model input has ${channels} channels`,
      );
    }
    return values;
  };
  const std = perChannel(options.std, 1, 'std');
  if (std.some((s) => !(s > 0)))
    throw new CompressOptionError(`--std values must be > 0, got ${std.join(',')}`);
  return {
    width,
    height,
    channels: channels as 1 | 3,
    layout,
    scale: 1 / 255,
    mean: perChannel(options.mean, 0, 'mean'),
    std,
  };
}

/** Human-readable quantizer parameters of a layer, e.g. `d=4 k=16`. */
export function describeLayerParams(layer: CompressedLayer): string {
  switch (layer.method) {
    case 'pq':
      return `d=${layer.d} k=${layer.k}`;
    case 'kmeans':
      return `k=${layer.k}`;
    case 'binary':
      return 'sign×scale';
    case 'rq':
      return `d=${layer.d} k=${layer.k} t=${layer.stages}`;
    case 'svd':
      return `r=${layer.rank}`;
    case 'dense':
      return 'float32';
  }
}

interface LayerPlan {
  spec: DenseLayerSpec;
  /** Null keeps the layer float32. */
  options: { bits?: number; k?: number; d?: number; stages?: number; rank?: number } | null;
}

async function planLayers(split: DenseHeadSplit, options: CompressOptions): Promise<LayerPlan[]> {
  const minParams = options.minParams ?? DEFAULT_MIN_PARAMS;
  const plans: LayerPlan[] = split.layers.map((spec) => ({
    spec,
    options: spec.rows * spec.cols < minParams ? null : {},
  }));
  const quantized = plans.filter((p) => p.options !== null);
  if (quantized.length === 0) {
    throw new CompressOptionError(
      `every dense layer has fewer than --min-params ${minParams} weights; lower it (0 quantizes every layer)`,
    );
  }
  if (options.targetRate !== undefined) {
    if (!(options.targetRate > 1))
      throw new CompressOptionError(`--target-rate must be > 1, got ${options.targetRate}`);
    // The float32 layers count against the budget too, so raise the target for the quantized ones accordingly.
    const kept = plans.filter((p) => p.options === null);
    const keptBytes = kept.reduce((sum, p) => sum + 4 * (p.spec.rows * p.spec.cols + p.spec.rows), 0);
    const allDense = plans.reduce((sum, p) => sum + 4 * (p.spec.rows * p.spec.cols + p.spec.rows), 0);
    const quantDense = allDense - keptBytes;
    const budget = allDense / options.targetRate - keptBytes;
    if (budget <= 0) {
      throw new CompressOptionError(
        `--target-rate ${options.targetRate} is unreachable while ${kept.length} small layer(s) stay float32; pass --min-params 0`,
      );
    }
    const choices = await chooseForTargetRate(
      quantized.map((p) => ({
        name: p.spec.name,
        weight: p.spec.weight,
        rows: p.spec.rows,
        cols: p.spec.cols,
      })),
      options.method,
      quantDense / budget,
      {
        seed: options.seed ?? 1,
        threads: options.threads,
        codebookBits: options.codebookDtype === 'float16' ? 16 : 32,
      },
    );
    choices.forEach((choice, index) => {
      const plan = quantized[index];
      if (plan) plan.options = { ...choice.choice };
    });
  } else {
    for (const plan of quantized) {
      plan.options = { bits: options.bits, d: options.dim, stages: options.stages, rank: options.rank };
    }
  }
  return plans;
}

/** Section payloads for one quantized layer, in the container's packed form. */
function layerSections(
  index: number,
  spec: DenseLayerSpec,
  q: QuantizedLayer | null,
  codebookDtype: 'float32' | 'float16',
): { layer: CompressedLayer; sections: SectionData[] } {
  const prefix = `layers/${index}`;
  const sections: SectionData[] = [];
  const floats = (name: string, values: Float32Array): string => {
    const full = `${prefix}/${name}`;
    sections.push(
      codebookDtype === 'float16'
        ? { name: full, dtype: 'float16', data: float32ToFloat16(values) }
        : { name: full, dtype: 'float32', data: values },
    );
    return full;
  };
  const exact = (name: string, values: Float32Array): string => {
    const full = `${prefix}/${name}`;
    sections.push({ name: full, dtype: 'float32', data: values });
    return full;
  };
  const codes = (values: Uint8Array, rows: number, perRow: number, bits: 1 | 2 | 4 | 8) => {
    const packed = packCodes(values, rows, perRow, bits);
    const name = `${prefix}/codes`;
    sections.push({ name, dtype: 'uint32', data: packed.words });
    return { name, packing: packed.packing };
  };
  const base = {
    name: spec.name,
    rows: spec.rows,
    cols: spec.cols,
    activation: spec.activation,
    bias: spec.bias ? exact('bias', spec.bias) : null,
  };
  if (q === null)
    return { layer: { ...base, method: 'dense', weight: exact('weight', spec.weight) }, sections };
  switch (q.method) {
    case 'pq': {
      const packed = codes(q.codes, spec.rows, q.segments, bitsForK(q.k));
      const codebook = floats('codebook', q.codebook);
      return {
        layer: {
          ...base,
          method: 'pq',
          d: q.d,
          k: q.k,
          segments: q.segments,
          codes: packed.name,
          packing: packed.packing,
          codebook,
        },
        sections,
      };
    }
    case 'kmeans': {
      const packed = codes(q.codes, spec.rows, spec.cols, bitsForK(q.k));
      const codebook = floats('codebook', q.codebook);
      return {
        layer: { ...base, method: 'kmeans', k: q.k, codes: packed.name, packing: packed.packing, codebook },
        sections,
      };
    }
    case 'binary': {
      const packed = codes(q.signs, spec.rows, spec.cols, 1);
      const scales = exact('scales', q.scales);
      return {
        layer: { ...base, method: 'binary', codes: packed.name, packing: packed.packing, scales },
        sections,
      };
    }
    case 'rq': {
      const packed = codes(q.codes, spec.rows * q.stages, q.segments, bitsForK(q.k));
      const codebook = floats('codebook', q.codebook);
      return {
        layer: {
          ...base,
          method: 'rq',
          d: q.d,
          k: q.k,
          segments: q.segments,
          stages: q.stages,
          codes: packed.name,
          packing: packed.packing,
          codebook,
        },
        sections,
      };
    }
    case 'svd': {
      const u = floats('u', q.u);
      const v = floats('v', q.v);
      return { layer: { ...base, method: 'svd', rank: q.rank, u, v }, sections };
    }
  }
}

/** Compress an ONNX classifier's dense head. Throws UnsupportedModelError / OnnxParseError / CompressOptionError. */
export async function compressOnnx(onnxBytes: Uint8Array, options: CompressOptions): Promise<CompressResult> {
  const progress = options.onProgress ?? (() => {});
  progress({ stage: 'parse', done: 0, total: 1 });
  const split = splitDenseHead(onnxBytes);
  const preprocessing = preprocessingFor(split, options);
  const classes = split.layers[split.layers.length - 1]?.rows ?? 0;
  const labels = options.labels ?? Array.from({ length: classes }, (_, i) => `class ${i}`);
  if (labels.length !== classes) {
    throw new CompressOptionError(`${labels.length} labels given but the model has ${classes} outputs`);
  }
  progress({ stage: 'search', done: 0, total: 1 });
  const plans = await planLayers(split, options);
  const codebookDtype = options.codebookDtype ?? 'float32';

  const layers: CompressedLayer[] = [];
  const sections: SectionData[] = [];
  const errors: number[] = [];
  for (const [index, plan] of plans.entries()) {
    progress({ stage: 'quantize', layer: plan.spec.name, done: index, total: plans.length });
    let quantized: QuantizedLayer | null = null;
    let relativeError = 0;
    if (plan.options) {
      if (plan.spec.rows < 2)
        throw new QuantizerOptionError(`layer ${plan.spec.name} has ${plan.spec.rows} row(s)`);
      const result = await quantizeMatrix(plan.spec.weight, plan.spec.rows, plan.spec.cols, {
        method: options.method,
        ...plan.options,
        seed: options.seed ?? 1,
        threads: options.threads,
      });
      quantized = result.layer;
      relativeError = result.relativeError;
    }
    const built = layerSections(index, plan.spec, quantized, codebookDtype);
    layers.push(built.layer);
    sections.push(...built.sections);
    errors.push(relativeError);
  }
  progress({ stage: 'quantize', done: plans.length, total: plans.length });

  if (split.backbone) sections.unshift({ name: 'backbone', dtype: 'uint8', data: split.backbone });
  const draft: ManifestDraft = {
    producer: PRODUCER,
    model: { name: options.modelName ?? 'model', input: { ...split.input }, outputName: split.outputName },
    preprocessing,
    labels,
    backbone: split.backbone
      ? { section: 'backbone', outputName: split.headInputName, features: split.layers[0]?.cols ?? 0 }
      : null,
    layers,
    provenance: {
      method: options.method,
      targetRate: options.targetRate ?? null,
      seed: options.seed ?? 1,
      codebookDtype,
      sourceProducer: split.producer,
      relativeErrors: Object.fromEntries(layers.map((l, i) => [l.name, errors[i] ?? 0])),
    },
  };
  progress({ stage: 'write', done: 0, total: 1 });
  const bytes = encodePqw(draft, sections);
  // Account from the written file itself, so the report counts exactly what a runtime downloads.
  const storage = modelStorage(decodePqw(bytes).manifest);
  const reports: LayerReport[] = layers.map((layer, i) => ({
    name: layer.name,
    rows: layer.rows,
    cols: layer.cols,
    method: layer.method,
    params: describeLayerParams(layer),
    storage: storage.layers[i] as LayerStorage,
    relativeError: errors[i] ?? 0,
  }));
  progress({ stage: 'write', done: 1, total: 1 });
  return {
    bytes,
    draft,
    layers: reports,
    denseBytes: storage.denseBytes,
    compressedBytes: storage.totalBytes,
    rate: storage.rate,
  };
}
