/** An idx file built field by field from the format description (big-endian magic and sizes). */
export function idxBytes(magic: number, dims: readonly number[], payload: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint32(0, magic, false);
  dims.forEach((size, axis) => {
    header.setUint32(4 + 4 * axis, size, false);
  });
  const out = new Uint8Array(header.byteLength + payload.length);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(payload, header.byteLength);
  return out;
}
