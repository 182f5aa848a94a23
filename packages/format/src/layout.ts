/**
 * What each layer method stores, derived in one place: which sections a layer references, which dtypes they
 * may have and how many elements each must hold. The validator, the storage accounting and the docs' tables
 * all follow this.
 */
import type { CompressedLayer, SectionDtype } from './manifest';

/** Bytes per element of each section dtype. */
export const DTYPE_BYTES: Readonly<Record<SectionDtype, number>> = {
  float32: 4,
  float16: 2,
  uint32: 4,
  uint8: 1,
};

export const SECTION_DTYPES: readonly SectionDtype[] = ['float32', 'float16', 'uint32', 'uint8'];

/** What a referenced section is for; `storage` adds its bytes to this bucket of the rate. */
export type SectionRole = 'codes' | 'codebook' | 'bias' | 'scales';

/** One section a layer references, as the layer's fields imply it. */
export interface LayerSectionRef {
  /** The layer field that names the section (`codes`, `codebook`, `bias`, `scales`, `u`, `v`, `weight`). */
  key: 'codes' | 'codebook' | 'bias' | 'scales' | 'u' | 'v' | 'weight';
  /** Section name. */
  name: string;
  role: SectionRole;
  /** Dtypes the section may have. */
  dtypes: readonly SectionDtype[];
  /** Exact element count; byte length = elements × DTYPE_BYTES[dtype]. */
  elements: number;
  /** How `elements` follows from the layer, for error messages. */
  formula: string;
}

const FLOAT_CODEBOOK: readonly SectionDtype[] = ['float32', 'float16'];
const FLOAT32_ONLY: readonly SectionDtype[] = ['float32'];
const UINT32_ONLY: readonly SectionDtype[] = ['uint32'];

/** s = ceil(n / d): segments along the input dimension, the last one zero-padded when d does not divide n. */
export function segmentsFor(cols: number, d: number): number {
  return Math.ceil(cols / d);
}

/** Columns after padding the last segment: s · d ≥ n. Codebook coordinates at index ≥ n are 0. */
export function paddedCols(layer: { cols: number; d: number }): number {
  return segmentsFor(layer.cols, layer.d) * layer.d;
}

/** Every section `layer` references, with the dtype and element count the format requires of it. */
export function layerSectionRefs(layer: CompressedLayer): LayerSectionRef[] {
  const refs: LayerSectionRef[] = [];
  switch (layer.method) {
    case 'pq':
      refs.push(codesRef(layer.codes, layer.rows * layer.packing.wordsPerRow, 'rows × wordsPerRow'), {
        key: 'codebook',
        name: layer.codebook,
        role: 'codebook',
        dtypes: FLOAT_CODEBOOK,
        elements: layer.segments * layer.k * layer.d,
        formula: 'segments × k × d',
      });
      break;
    case 'rq':
      refs.push(
        codesRef(
          layer.codes,
          layer.stages * layer.rows * layer.packing.wordsPerRow,
          'stages × rows × wordsPerRow',
        ),
        {
          key: 'codebook',
          name: layer.codebook,
          role: 'codebook',
          dtypes: FLOAT_CODEBOOK,
          elements: layer.stages * layer.segments * layer.k * layer.d,
          formula: 'stages × segments × k × d',
        },
      );
      break;
    case 'kmeans':
      refs.push(codesRef(layer.codes, layer.rows * layer.packing.wordsPerRow, 'rows × wordsPerRow'), {
        key: 'codebook',
        name: layer.codebook,
        role: 'codebook',
        dtypes: FLOAT_CODEBOOK,
        elements: layer.k,
        formula: 'k',
      });
      break;
    case 'binary':
      refs.push(codesRef(layer.codes, layer.rows * layer.packing.wordsPerRow, 'rows × wordsPerRow'), {
        key: 'scales',
        name: layer.scales,
        role: 'scales',
        dtypes: FLOAT32_ONLY,
        elements: layer.rows,
        formula: 'rows',
      });
      break;
    case 'svd':
      refs.push(
        {
          key: 'u',
          name: layer.u,
          role: 'scales',
          dtypes: FLOAT32_ONLY,
          elements: layer.rows * layer.rank,
          formula: 'rows × rank',
        },
        {
          key: 'v',
          name: layer.v,
          role: 'scales',
          dtypes: FLOAT32_ONLY,
          elements: layer.rank * layer.cols,
          formula: 'rank × cols',
        },
      );
      break;
    case 'dense':
      refs.push({
        key: 'weight',
        name: layer.weight,
        role: 'scales',
        dtypes: FLOAT32_ONLY,
        elements: layer.rows * layer.cols,
        formula: 'rows × cols',
      });
      break;
  }
  if (layer.bias !== null) {
    refs.push({
      key: 'bias',
      name: layer.bias,
      role: 'bias',
      dtypes: FLOAT32_ONLY,
      elements: layer.rows,
      formula: 'rows',
    });
  }
  return refs;
}

function codesRef(name: string, elements: number, formula: string): LayerSectionRef {
  return { key: 'codes', name, role: 'codes', dtypes: UINT32_ONLY, elements, formula };
}
