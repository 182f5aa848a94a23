/**
 * The idx format of LeCun's MNIST distribution (and Fashion-MNIST, which copies it): a big-endian u32 magic
 * whose third byte is the element type and fourth the number of dimensions, one big-endian u32 per dimension,
 * then the elements in row-major order. Only unsigned bytes are supported: every MNIST-family file uses them.
 * Reference: http://yann.lecun.com/exdb/mnist/ ("THE IDX FILE FORMAT").
 */
import { DatasetError } from './errors';

/** Element type code for unsigned bytes (third magic byte). */
export const IDX_TYPE_UBYTE = 0x08;
/** Magic of an image file: ubyte, 3 dimensions (count, rows, cols) = 0x00000803. */
export const IDX_IMAGES_MAGIC = 2051;
/** Magic of a label file: ubyte, 1 dimension (count) = 0x00000801. */
export const IDX_LABELS_MAGIC = 2049;

/** Magic (4 bytes) before the dimension sizes. */
const IDX_MAGIC_BYTES = 4;
/** Each dimension size is a big-endian u32. */
const IDX_DIMENSION_BYTES = 4;

export interface IdxArray {
  /** The full magic number, e.g. 2051 for images. */
  readonly magic: number;
  /** Dimension sizes, outermost first. */
  readonly dims: readonly number[];
  /** Elements, row-major; a view into the bytes given to `parseIdx`. */
  readonly data: Uint8Array;
}

/**
 * Parse an uncompressed idx file. Checks the two leading zero bytes, the element type, that the header fits,
 * and that the element count the header promises equals the bytes that follow (truncated files and trailing
 * garbage are both errors). `source` names the file in error messages.
 */
export function parseIdx(bytes: Uint8Array, source = 'idx data'): IdxArray {
  if (bytes.length < IDX_MAGIC_BYTES) {
    throw new DatasetError(
      source,
      `${bytes.length} bytes is too short for an idx header (needs ${IDX_MAGIC_BYTES})`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const typeCode = bytes[2] ?? 0;
  const rank = bytes[3] ?? 0;
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(source, `magic ${magic} does not start with two zero bytes: not an idx file`);
  }
  if (typeCode !== IDX_TYPE_UBYTE) {
    throw new DatasetError(
      source,
      `magic ${magic} has element type 0x${typeCode.toString(16)}; only unsigned bytes (0x08) are supported`,
    );
  }
  if (rank === 0) throw new DatasetError(source, `magic ${magic} declares zero dimensions`);
  const headerBytes = IDX_MAGIC_BYTES + rank * IDX_DIMENSION_BYTES;
  if (bytes.length < headerBytes) {
    throw new DatasetError(
      source,
      `header of ${rank} dimensions needs ${headerBytes} bytes, the file has ${bytes.length}: truncated`,
    );
  }
  const dims: number[] = [];
  let elements = 1;
  for (let axis = 0; axis < rank; axis++) {
    const size = view.getUint32(IDX_MAGIC_BYTES + axis * IDX_DIMENSION_BYTES, false);
    dims.push(size);
    elements *= size;
  }
  const payloadBytes = bytes.length - headerBytes;
  if (payloadBytes !== elements) {
    throw new DatasetError(
      source,
      `header says ${dims.join('×')} = ${elements} bytes of data, the file holds ${payloadBytes}` +
        (payloadBytes < elements ? ': truncated' : ': trailing bytes'),
    );
  }
  return { magic, dims, data: bytes.subarray(headerBytes) };
}
