/**
 * Honest compression rate (shared/paper.md): everything the runtime downloads for a layer — codes, codebooks,
 * bias, scales and any other float data — against fp32 dense weights plus bias, 4·(m·n + m) bytes. Byte counts
 * are the section lengths in the manifest; alignment padding (< 16 bytes per section) is not counted.
 */
import { FormatError } from './errors';
import { layerSectionRefs, type SectionRole } from './layout';
import type { CompressedLayer, PqwManifest } from './manifest';

/** Bytes of an fp32 value. */
const FLOAT32_BYTES = 4;

export interface LayerStorage {
  /** 4·(m·n + m): fp32 weights and bias. */
  denseBytes: number;
  codesBytes: number;
  codebookBytes: number;
  biasBytes: number;
  /** Binary scales, SVD factors, weights of layers kept dense. */
  scalesBytes: number;
  totalBytes: number;
  /** denseBytes / totalBytes. */
  rate: number;
}

export interface ModelStorage {
  layers: LayerStorage[];
  /** Sum of the layers' dense bytes. */
  denseBytes: number;
  /** Sum of the layers' stored bytes. */
  totalBytes: number;
  /** denseBytes / totalBytes over the whole dense head. */
  rate: number;
  /** Bytes of the backbone ONNX section (the same in the dense and compressed models, so not in the rate). */
  backboneBytes: number;
}

/** Byte counts and rate of one layer, from the section lengths `manifest` lists. */
export function layerStorage(layer: CompressedLayer, manifest: Pick<PqwManifest, 'sections'>): LayerStorage {
  const bytesByRole: Record<SectionRole, number> = { codes: 0, codebook: 0, bias: 0, scales: 0 };
  for (const ref of layerSectionRefs(layer)) {
    const section = manifest.sections.find((entry) => entry.name === ref.name);
    if (section === undefined) {
      throw new FormatError(
        ref.key,
        `layer ${JSON.stringify(layer.name)} names section ${JSON.stringify(ref.name)}, which the manifest does not list`,
      );
    }
    bytesByRole[ref.role] += section.length;
  }
  const denseBytes = FLOAT32_BYTES * (layer.rows * layer.cols + layer.rows);
  const totalBytes = bytesByRole.codes + bytesByRole.codebook + bytesByRole.bias + bytesByRole.scales;
  return {
    denseBytes,
    codesBytes: bytesByRole.codes,
    codebookBytes: bytesByRole.codebook,
    biasBytes: bytesByRole.bias,
    scalesBytes: bytesByRole.scales,
    totalBytes,
    rate: denseBytes / totalBytes,
  };
}

/** Per-layer storage and the rate of the whole dense head. */
export function modelStorage(manifest: Pick<PqwManifest, 'layers' | 'sections' | 'backbone'>): ModelStorage {
  const layers = manifest.layers.map((layer) => layerStorage(layer, manifest));
  const denseBytes = layers.reduce((sum, layer) => sum + layer.denseBytes, 0);
  const totalBytes = layers.reduce((sum, layer) => sum + layer.totalBytes, 0);
  const backbone = manifest.backbone;
  const backboneSection =
    backbone === null ? undefined : manifest.sections.find((entry) => entry.name === backbone.section);
  return {
    layers,
    denseBytes,
    totalBytes,
    rate: denseBytes / totalBytes,
    backboneBytes: backboneSection?.length ?? 0,
  };
}
