export {
  type BinaryShape,
  checkBinaryShape,
  checkKmeansShape,
  checkLutShape,
  type KmeansShape,
  type PqShape,
  type QuantizedForward,
  type RqShape,
} from './layer-shapes';
export { buildLut, pqForward, rqForward } from './lut';
export {
  buildTables8,
  checkTableBits,
  lut8Forward,
  PAIRED_CODES_MAX_K,
  pairsCodes,
  pairTables,
  quantizeTables,
  TABLE_GROUP_SEGMENTS,
  TABLE_LEVELS,
  type TableBits,
  type TableShape,
  type Tables8,
  tableCodes,
  tableShape,
} from './lut8';
export { binaryForward, kmeansForward } from './scalar';
export {
  WASM_LUT_MAX_BYTES,
  WASM_LUT_MAX_K,
  WasmLutLayer,
  wasmLutSupports,
  wasmSimdAvailable,
} from './wasm-lut';
