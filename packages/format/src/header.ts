/** The fixed 24-byte header (docs/format.md, "Header"). */
import {
  HEADER_BYTES,
  HEADER_MAGIC_OFFSET,
  HEADER_MANIFEST_CRC_OFFSET,
  HEADER_MANIFEST_LENGTH_OFFSET,
  HEADER_RESERVED_OFFSET,
  HEADER_VERSION_OFFSET,
  PQW_MAGIC,
  PQW_VERSION,
} from './constants';
import { FormatError } from './errors';

export interface PqwHeader {
  version: number;
  /** Byte length of the UTF-8 JSON manifest that follows the header. */
  manifestLength: number;
  /** CRC-32 of the manifest bytes. */
  manifestCrc32: number;
}

/**
 * Parses and checks the header of `bytes` (the whole file, or at least its head). Checks the magic, the
 * version, the reserved word and that the manifest fits in `bytes`, before anything is read past the header.
 */
export function readHeader(bytes: Uint8Array): PqwHeader {
  const magicBytes = Math.min(bytes.length, PQW_MAGIC.length);
  for (let i = 0; i < magicBytes; i++) {
    if (bytes[HEADER_MAGIC_OFFSET + i] !== PQW_MAGIC[i]) {
      throw new FormatError(
        'header.magic',
        `not a .pqw file: byte ${i} is 0x${bytes[i].toString(16).padStart(2, '0')}, expected 0x${PQW_MAGIC[i].toString(16).padStart(2, '0')} (magic \\x89PQW\\r\\n\\x1a\\n)`,
      );
    }
  }
  if (bytes.length < HEADER_BYTES) {
    throw new FormatError(
      'header',
      `only ${bytes.length} bytes, the header alone needs ${HEADER_BYTES}: file truncated?`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const version = view.getUint32(HEADER_VERSION_OFFSET, true);
  if (version !== PQW_VERSION) {
    throw new FormatError(
      'header.version',
      `file is version ${version}, this reader understands version ${PQW_VERSION}; use a matching pqweb release`,
    );
  }
  const manifestLength = view.getUint32(HEADER_MANIFEST_LENGTH_OFFSET, true);
  const available = bytes.length - HEADER_BYTES;
  if (manifestLength > available) {
    throw new FormatError(
      'header.manifestLength',
      `claims a ${manifestLength}-byte manifest, but only ${available} bytes follow the header: file truncated or corrupt`,
    );
  }
  const manifestCrc32 = view.getUint32(HEADER_MANIFEST_CRC_OFFSET, true);
  const reserved = view.getUint32(HEADER_RESERVED_OFFSET, true);
  if (reserved !== 0)
    throw new FormatError('header.reserved', `is ${reserved}, must be 0 in version ${PQW_VERSION}`);
  return { version, manifestLength, manifestCrc32 };
}

/** Writes the header for a manifest of `manifestLength` bytes with CRC `manifestCrc32` into `out[0..24)`. */
export function writeHeader(out: Uint8Array, manifestLength: number, manifestCrc32: number): void {
  out.set(PQW_MAGIC, HEADER_MAGIC_OFFSET);
  const view = new DataView(out.buffer, out.byteOffset, HEADER_BYTES);
  view.setUint32(HEADER_VERSION_OFFSET, PQW_VERSION, true);
  view.setUint32(HEADER_MANIFEST_LENGTH_OFFSET, manifestLength, true);
  view.setUint32(HEADER_MANIFEST_CRC_OFFSET, manifestCrc32, true);
  view.setUint32(HEADER_RESERVED_OFFSET, 0, true);
}
