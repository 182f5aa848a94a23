/**
 * Field-by-field validation of a parsed manifest (docs/format.md, "Validation"). Input is whatever JSON.parse
 * returned; output is a freshly built PqwManifest holding only the known fields, every one checked for type,
 * range and consistency with the others. Unknown fields are ignored. Nothing here allocates memory sized from
 * a value in the file beyond the manifest itself, and nothing loops over a count taken from it except arrays
 * that JSON.parse already materialised.
 */
import {
  MAX_CENTROIDS,
  MAX_DIMENSION,
  MAX_RQ_STAGES,
  MAX_UINT32,
  MIN_CENTROIDS,
  SECTION_ALIGNMENT,
} from './constants';
import { FormatError } from './errors';
import { DTYPE_BYTES, layerSectionRefs, SECTION_DTYPES, segmentsFor } from './layout';
import type {
  Activation,
  BackboneInfo,
  CodePacking,
  CompressedLayer,
  ModelInput,
  PqwManifest,
  Preprocessing,
  QuantMethod,
  SectionEntry,
} from './manifest';
import { CODE_BIT_WIDTHS, wordsPerRowFor } from './packing';

const METHODS: readonly QuantMethod[] = ['pq', 'kmeans', 'binary', 'rq', 'svd', 'dense'];
const ACTIVATIONS: readonly Activation[] = ['none', 'relu'];
const LAYOUTS: readonly Preprocessing['layout'][] = ['NCHW', 'NHWC'];
const CHANNEL_COUNTS: readonly Preprocessing['channels'][] = [1, 3];
/** Marks a dynamic (batch) dimension in ModelInput.shape. */
const DYNAMIC_DIMENSION = -1;
/** Image sides beyond this are not images a browser classifier is handed. */
const MAX_IMAGE_SIDE = 65_536;

export interface ManifestContext {
  /** Version from the file header; the manifest's `version` must equal it. */
  headerVersion: number;
  /** First byte a section may occupy: the manifest's end rounded up to SECTION_ALIGNMENT. */
  dataStart: number;
}

type JsonRecord = Record<string, unknown>;

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function requireRecord(value: unknown, field: string): JsonRecord {
  if (!isRecord(value)) throw new FormatError(field, `expected an object, got ${describe(value)}`);
  return value;
}

function requireArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new FormatError(field, `expected an array, got ${describe(value)}`);
  return value;
}

function requireString(value: unknown, field: string, options: { nonEmpty?: boolean } = {}): string {
  if (typeof value !== 'string') throw new FormatError(field, `expected a string, got ${describe(value)}`);
  if (options.nonEmpty === true && value.length === 0) throw new FormatError(field, 'must not be empty');
  return value;
}

function requireInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new FormatError(field, `expected an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) throw new FormatError(field, `${value} is outside ${min}..${max}`);
  return value;
}

function requireFiniteNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new FormatError(field, `expected a finite number, got ${describe(value)}`);
  }
  return value;
}

function requireOneOf<T extends string | number>(value: unknown, field: string, options: readonly T[]): T {
  const match = options.find((option) => option === value);
  if (match === undefined) {
    throw new FormatError(
      field,
      `expected one of ${options.map((o) => JSON.stringify(o)).join(', ')}, got ${describe(value)}`,
    );
  }
  return match;
}

function requireDimension(value: unknown, field: string): number {
  return requireInteger(value, field, 1, MAX_DIMENSION);
}

function validateSections(raw: unknown, dataStart: number): SectionEntry[] {
  const list = requireArray(raw, 'sections');
  const seen = new Set<string>();
  const sections: SectionEntry[] = [];
  let previousEnd = dataStart;
  list.forEach((item, index) => {
    const path = `sections[${index}]`;
    const entry = requireRecord(item, path);
    const name = requireString(entry.name, `${path}.name`, { nonEmpty: true });
    if (seen.has(name))
      throw new FormatError(`${path}.name`, `duplicate section name ${JSON.stringify(name)}`);
    seen.add(name);
    const dtype = requireOneOf(entry.dtype, `${path}.dtype`, SECTION_DTYPES);
    const offset = requireInteger(entry.offset, `${path}.offset`, 0, Number.MAX_SAFE_INTEGER);
    if (offset % SECTION_ALIGNMENT !== 0) {
      throw new FormatError(`${path}.offset`, `${offset} is not a multiple of ${SECTION_ALIGNMENT}`);
    }
    if (offset < previousEnd) {
      throw new FormatError(
        `${path}.offset`,
        index === 0
          ? `${offset} lies inside the header or manifest, which end at ${dataStart}`
          : `${offset} overlaps or precedes the previous section, which ends at ${previousEnd}; sections must be in ascending order`,
      );
    }
    const length = requireInteger(entry.length, `${path}.length`, 0, Number.MAX_SAFE_INTEGER - offset);
    const elementBytes = DTYPE_BYTES[dtype];
    if (length % elementBytes !== 0) {
      throw new FormatError(`${path}.length`, `${length} is not a multiple of ${elementBytes} (${dtype})`);
    }
    const checksum = requireInteger(entry.crc32, `${path}.crc32`, 0, MAX_UINT32);
    sections.push({ name, dtype, offset, length, crc32: checksum });
    previousEnd = offset + length;
  });
  return sections;
}

function validateInput(raw: unknown): ModelInput {
  const input = requireRecord(raw, 'model.input');
  const shape = requireArray(input.shape, 'model.input.shape').map((dim, index) =>
    index === 0 && dim === DYNAMIC_DIMENSION
      ? DYNAMIC_DIMENSION
      : requireDimension(dim, `model.input.shape[${index}]`),
  );
  if (shape.length === 0) throw new FormatError('model.input.shape', 'must have at least one dimension');
  return {
    name: requireString(input.name, 'model.input.name'),
    shape,
    dtype: requireOneOf(input.dtype, 'model.input.dtype', ['float32'] as const),
  };
}

function validatePreprocessing(raw: unknown): Preprocessing {
  const pre = requireRecord(raw, 'preprocessing');
  const channels = requireOneOf(pre.channels, 'preprocessing.channels', CHANNEL_COUNTS);
  const perChannel = (key: 'mean' | 'std'): number[] => {
    const values = requireArray(pre[key], `preprocessing.${key}`);
    if (values.length !== channels) {
      throw new FormatError(
        `preprocessing.${key}`,
        `has ${values.length} values, expected one per channel (${channels})`,
      );
    }
    return values.map((value, index) => requireFiniteNumber(value, `preprocessing.${key}[${index}]`));
  };
  const std = perChannel('std');
  std.forEach((value, index) => {
    if (value === 0) throw new FormatError(`preprocessing.std[${index}]`, 'must not be 0 (it divides)');
  });
  return {
    width: requireInteger(pre.width, 'preprocessing.width', 1, MAX_IMAGE_SIDE),
    height: requireInteger(pre.height, 'preprocessing.height', 1, MAX_IMAGE_SIDE),
    channels,
    layout: requireOneOf(pre.layout, 'preprocessing.layout', LAYOUTS),
    scale: requireFiniteNumber(pre.scale, 'preprocessing.scale'),
    mean: perChannel('mean'),
    std,
  };
}

function validatePacking(raw: unknown, path: string, codesPerRow: number, k: number): CodePacking {
  const packing = requireRecord(raw, `${path}.packing`);
  const bits = requireOneOf(packing.bits, `${path}.packing.bits`, CODE_BIT_WIDTHS);
  if (2 ** bits < k) {
    throw new FormatError(`${path}.packing.bits`, `${bits} bits cannot hold k = ${k} codes`);
  }
  const declaredCodesPerRow = requireInteger(
    packing.codesPerRow,
    `${path}.packing.codesPerRow`,
    0,
    MAX_DIMENSION,
  );
  if (declaredCodesPerRow !== codesPerRow) {
    throw new FormatError(
      `${path}.packing.codesPerRow`,
      `is ${declaredCodesPerRow}, expected ${codesPerRow}`,
    );
  }
  const expectedWords = wordsPerRowFor(codesPerRow, bits);
  const wordsPerRow = requireInteger(packing.wordsPerRow, `${path}.packing.wordsPerRow`, 0, MAX_DIMENSION);
  if (wordsPerRow !== expectedWords) {
    throw new FormatError(
      `${path}.packing.wordsPerRow`,
      `is ${wordsPerRow}, expected ceil(${codesPerRow} × ${bits} / 32) = ${expectedWords}`,
    );
  }
  return { bits, codesPerRow, wordsPerRow };
}

/** Reads d, k and segments of a PQ or RQ layer; segments must equal ceil(cols / d). */
function validateSegmentation(
  layer: JsonRecord,
  path: string,
  cols: number,
): { d: number; k: number; segments: number } {
  const d = requireDimension(layer.d, `${path}.d`);
  const k = requireInteger(layer.k, `${path}.k`, MIN_CENTROIDS, MAX_CENTROIDS);
  const expected = segmentsFor(cols, d);
  const segments = requireInteger(layer.segments, `${path}.segments`, 1, MAX_DIMENSION);
  if (segments !== expected) {
    throw new FormatError(
      `${path}.segments`,
      `is ${segments}, expected ceil(cols ${cols} / d ${d}) = ${expected}`,
    );
  }
  return { d, k, segments };
}

function validateLayer(raw: unknown, index: number): CompressedLayer {
  const path = `layers[${index}]`;
  const layer = requireRecord(raw, path);
  const method = requireOneOf(layer.method, `${path}.method`, METHODS);
  const rows = requireDimension(layer.rows, `${path}.rows`);
  const cols = requireDimension(layer.cols, `${path}.cols`);
  const base = {
    name: requireString(layer.name, `${path}.name`),
    rows,
    cols,
    activation: requireOneOf(layer.activation, `${path}.activation`, ACTIVATIONS),
    bias: layer.bias === null ? null : requireString(layer.bias, `${path}.bias`, { nonEmpty: true }),
  };
  const sectionName = (key: string): string =>
    requireString(layer[key], `${path}.${key}`, { nonEmpty: true });
  switch (method) {
    case 'pq': {
      const { d, k, segments } = validateSegmentation(layer, path, cols);
      const packing = validatePacking(layer.packing, path, segments, k);
      return {
        ...base,
        method,
        d,
        k,
        segments,
        codes: sectionName('codes'),
        packing,
        codebook: sectionName('codebook'),
      };
    }
    case 'rq': {
      const { d, k, segments } = validateSegmentation(layer, path, cols);
      const stages = requireInteger(layer.stages, `${path}.stages`, 1, MAX_RQ_STAGES);
      const packing = validatePacking(layer.packing, path, segments, k);
      return {
        ...base,
        method,
        d,
        k,
        segments,
        stages,
        codes: sectionName('codes'),
        packing,
        codebook: sectionName('codebook'),
      };
    }
    case 'kmeans': {
      const k = requireInteger(layer.k, `${path}.k`, MIN_CENTROIDS, MAX_CENTROIDS);
      const packing = validatePacking(layer.packing, path, cols, k);
      return { ...base, method, k, codes: sectionName('codes'), packing, codebook: sectionName('codebook') };
    }
    case 'binary': {
      const packing = validatePacking(layer.packing, path, cols, 2);
      if (packing.bits !== 1)
        throw new FormatError(`${path}.packing.bits`, `is ${packing.bits}, binary layers use 1 bit`);
      return { ...base, method, codes: sectionName('codes'), packing, scales: sectionName('scales') };
    }
    case 'svd': {
      const rank = requireInteger(layer.rank, `${path}.rank`, 1, Math.min(rows, cols));
      return { ...base, method, rank, u: sectionName('u'), v: sectionName('v') };
    }
    case 'dense':
      return { ...base, method, weight: sectionName('weight') };
  }
}

/** Every section a layer names exists, has an allowed dtype and exactly the byte length its shape implies. */
function checkLayerSections(
  layer: CompressedLayer,
  index: number,
  sections: ReadonlyMap<string, SectionEntry>,
): void {
  for (const ref of layerSectionRefs(layer)) {
    const field = `layers[${index}].${ref.key}`;
    const section = sections.get(ref.name);
    if (section === undefined)
      throw new FormatError(field, `names section ${JSON.stringify(ref.name)}, which the file does not list`);
    if (!ref.dtypes.includes(section.dtype)) {
      throw new FormatError(
        field,
        `section ${JSON.stringify(ref.name)} has dtype ${section.dtype}, expected ${ref.dtypes.join(' or ')}`,
      );
    }
    const expected = ref.elements * DTYPE_BYTES[section.dtype];
    if (section.length !== expected) {
      throw new FormatError(
        field,
        `section ${JSON.stringify(ref.name)} has ${section.length} bytes, expected ${ref.formula} = ${ref.elements} ${section.dtype} = ${expected} bytes`,
      );
    }
  }
}

function validateBackbone(
  raw: unknown,
  sections: ReadonlyMap<string, SectionEntry>,
  firstLayerCols: number,
): BackboneInfo | null {
  if (raw === null) return null;
  const backbone = requireRecord(raw, 'backbone');
  const sectionName = requireString(backbone.section, 'backbone.section', { nonEmpty: true });
  const section = sections.get(sectionName);
  if (section === undefined) {
    throw new FormatError(
      'backbone.section',
      `names section ${JSON.stringify(sectionName)}, which the file does not list`,
    );
  }
  if (section.dtype !== 'uint8')
    throw new FormatError('backbone.section', `section has dtype ${section.dtype}, expected uint8`);
  if (section.length === 0)
    throw new FormatError('backbone.section', 'section is empty; an ONNX model has at least one byte');
  const features = requireDimension(backbone.features, 'backbone.features');
  if (features !== firstLayerCols) {
    throw new FormatError(
      'backbone.features',
      `is ${features}, but layers[0] takes ${firstLayerCols} inputs`,
    );
  }
  return {
    section: sectionName,
    outputName: requireString(backbone.outputName, 'backbone.outputName'),
    features,
  };
}

/** Validates a parsed manifest and returns a clean copy; throws FormatError naming the first bad field. */
export function validateManifest(raw: unknown, context: ManifestContext): PqwManifest {
  const root = requireRecord(raw, 'manifest');
  requireOneOf(root.format, 'format', ['pqw'] as const);
  const version = requireInteger(root.version, 'version', 0, MAX_UINT32);
  if (version !== context.headerVersion) {
    throw new FormatError('version', `manifest says ${version}, header says ${context.headerVersion}`);
  }
  const producer = requireString(root.producer, 'producer');
  const modelRecord = requireRecord(root.model, 'model');
  const model = {
    name: requireString(modelRecord.name, 'model.name'),
    input: validateInput(modelRecord.input),
    outputName: requireString(modelRecord.outputName, 'model.outputName'),
  };
  const preprocessing = validatePreprocessing(root.preprocessing);

  const sections = validateSections(root.sections, context.dataStart);
  const sectionsByName = new Map(sections.map((section) => [section.name, section]));

  const layerList = requireArray(root.layers, 'layers');
  if (layerList.length === 0) throw new FormatError('layers', 'must hold at least one layer');
  const layers = layerList.map((item, index) => validateLayer(item, index));
  layers.forEach((layer, index) => {
    const previous = layers[index - 1];
    if (previous !== undefined && layer.cols !== previous.rows) {
      throw new FormatError(
        `layers[${index}].cols`,
        `is ${layer.cols}, but layers[${index - 1}] outputs ${previous.rows}`,
      );
    }
    checkLayerSections(layer, index, sectionsByName);
  });
  const firstLayer = layers[0];
  const lastLayer = layers[layers.length - 1];
  if (firstLayer === undefined || lastLayer === undefined)
    throw new FormatError('layers', 'must hold at least one layer');

  const backbone = validateBackbone(root.backbone, sectionsByName, firstLayer.cols);

  const labels = requireArray(root.labels, 'labels').map((label, index) =>
    requireString(label, `labels[${index}]`),
  );
  if (labels.length !== lastLayer.rows) {
    throw new FormatError(
      'labels',
      `has ${labels.length} labels, but the last layer outputs ${lastLayer.rows} classes`,
    );
  }

  const manifest: PqwManifest = {
    format: 'pqw',
    version,
    producer,
    model,
    preprocessing,
    labels,
    backbone,
    layers,
    sections,
  };
  if (root.provenance !== undefined) manifest.provenance = requireRecord(root.provenance, 'provenance');
  return manifest;
}
