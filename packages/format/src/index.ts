/**
 * @pqweb/format — the .pqw container: read, write and validate compressed-model files (docs/format.md).
 * Browser-safe: nothing here imports Node modules; file helpers live in `@pqweb/format/node`.
 */
export {
  alignToSection,
  HEADER_BYTES,
  MAX_CENTROIDS,
  MAX_DIMENSION,
  MAX_RQ_STAGES,
  MIN_CENTROIDS,
  PQW_MAGIC,
  PQW_VERSION,
  SECTION_ALIGNMENT,
} from './constants';
export { crc32 } from './crc32';
export { type DecodeOptions, decodePqw, type PqwFile, readManifestOnly } from './decode';
export { encodePqw, type ManifestDraft, type SectionData } from './encode';
export { FormatError } from './errors';
export { float16ToFloat32, float32ToFloat16, roundToFloat16 } from './float16';
export { type LayerArrays, layerArrays, reconstructWeights } from './layer-arrays';
export { DTYPE_BYTES, type LayerSectionRef, layerSectionRefs, paddedCols, segmentsFor } from './layout';
export type * from './manifest';
export { bitsForK, CODE_BIT_WIDTHS, codePacking, packCodes, unpackCodes, wordsPerRowFor } from './packing';
export { type LayerStorage, layerStorage, type ModelStorage, modelStorage } from './storage';
