export {
  type BinaryShape,
  checkBinaryShape,
  checkKmeansShape,
  checkLutShape,
  type KmeansShape,
  type PqShape,
  type RqShape,
} from './layer-shapes';
export { buildLut, pqForward, rqForward } from './lut';
export { binaryForward, kmeansForward } from './scalar';
