/**
 * Typed views of little-endian section bytes. Every platform a browser or Node runs on today is little-endian,
 * so sections become zero-copy views whenever their start is aligned to the element size; a misaligned start
 * (a Uint8Array at an odd byteOffset) costs one copy, and a big-endian host gets byte-swapped copies.
 */

export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

type ElementReader = (view: DataView, byteOffset: number) => number;

interface TypedArrayKind<T> {
  BYTES_PER_ELEMENT: number;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  new (length: number): T;
}

function littleEndianView<T extends ArrayLike<number> & { [index: number]: number }>(
  bytes: Uint8Array,
  kind: TypedArrayKind<T>,
  read: ElementReader,
): T {
  const elementBytes = kind.BYTES_PER_ELEMENT;
  const length = Math.floor(bytes.length / elementBytes);
  if (HOST_IS_LITTLE_ENDIAN) {
    if (bytes.byteOffset % elementBytes === 0) return new kind(bytes.buffer, bytes.byteOffset, length);
    return new kind(bytes.slice(0, length * elementBytes).buffer, 0, length);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new kind(length);
  for (let i = 0; i < length; i++) out[i] = read(view, i * elementBytes);
  return out;
}

export function float32View(bytes: Uint8Array): Float32Array {
  return littleEndianView(bytes, Float32Array, (view, at) => view.getFloat32(at, true));
}

export function uint32View(bytes: Uint8Array): Uint32Array {
  return littleEndianView(bytes, Uint32Array, (view, at) => view.getUint32(at, true));
}

export function uint16View(bytes: Uint8Array): Uint16Array {
  return littleEndianView(bytes, Uint16Array, (view, at) => view.getUint16(at, true));
}

/** Little-endian bytes of a typed array's elements: its own memory on a little-endian host, a swapped copy otherwise. */
export function littleEndianBytes(data: ArrayBufferView, elementBytes: number): Uint8Array {
  const own = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_IS_LITTLE_ENDIAN || elementBytes === 1) return own;
  const swapped = new Uint8Array(own.length);
  for (let i = 0; i < own.length; i += elementBytes) {
    for (let b = 0; b < elementBytes; b++) swapped[i + b] = own[i + elementBytes - 1 - b];
  }
  return swapped;
}
