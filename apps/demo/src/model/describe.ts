/** What the model page shows of a manifest: one line per dense layer, with its honest storage (format's). */
import { type CompressedLayer, type ModelStorage, modelStorage, type PqwManifest } from '@pqweb/format';

export interface LayerRow {
  name: string;
  /** e.g. `PQ d=4 k=16 (4-bit codes)`. */
  method: string;
  /** `m×n` (outputs × inputs). */
  shape: string;
  denseBytes: number;
  storedBytes: number;
  rate: number;
  /** Kernel variant the runtime picked ('wasm-simd' or 'js' on the wasm backend), when known. */
  kernel: string | null;
}

export interface ModelSummary {
  name: string;
  producer: string;
  labels: string[];
  input: string;
  storage: ModelStorage;
  layers: LayerRow[];
}

/** The method and its knobs in a few words. */
export function describeMethod(layer: CompressedLayer): string {
  switch (layer.method) {
    case 'pq':
      return `PQ d=${layer.d} k=${layer.k} (${layer.packing.bits}-bit codes)`;
    case 'rq':
      return `RQ ${layer.stages} stages, d=${layer.d} k=${layer.k}`;
    case 'kmeans':
      return `k-means k=${layer.k} (${layer.packing.bits}-bit codes)`;
    case 'binary':
      return 'binary (1-bit + row scales)';
    case 'svd':
      return `SVD rank ${layer.rank}`;
    case 'dense':
      return 'dense float32 (kept)';
  }
}

export function summarizeModel(manifest: PqwManifest, kernels: readonly string[] | null): ModelSummary {
  const storage = modelStorage(manifest);
  const { preprocessing: p } = manifest;
  return {
    name: manifest.model.name,
    producer: manifest.producer,
    labels: manifest.labels,
    input: `${p.width}×${p.height}×${p.channels} (${p.channels === 1 ? 'grayscale' : 'RGB'})`,
    storage,
    layers: manifest.layers.map((layer, i) => {
      const stored = storage.layers[i];
      return {
        name: layer.name,
        method: describeMethod(layer),
        shape: `${layer.rows}×${layer.cols}`,
        denseBytes: stored?.denseBytes ?? Number.NaN,
        storedBytes: stored?.totalBytes ?? Number.NaN,
        rate: stored?.rate ?? Number.NaN,
        kernel: kernels?.[i] ?? null,
      };
    }),
  };
}
