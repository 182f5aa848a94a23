/**
 * Reading a .pqw file (docs/format.md, "Validation"). Order matters: the header is checked against the input's
 * length, then the manifest's checksum, structure and cross-references, then every section's extent against
 * the input's length — all before a single array sized from the file is allocated. Only then are padding,
 * checksums and code ranges read.
 */
import { alignToSection, HEADER_BYTES } from './constants';
import { crc32 } from './crc32';
import { float32View, uint16View, uint32View } from './endian';
import { FormatError } from './errors';
import { float16ToFloat32 } from './float16';
import { readHeader } from './header';
import type { CompressedLayer, PqwManifest, SectionEntry } from './manifest';
import { findInvalidCode } from './packing';
import { validateManifest } from './validate-manifest';

export interface DecodeOptions {
  /**
   * Check the CRC-32 of the manifest and of every section (default true). Turning it off saves one pass over
   * the file; structural validation, padding and code ranges are checked either way.
   */
  verifyChecksums?: boolean;
}

/** A decoded file. Section accessors return views into the file's bytes where alignment allows: do not mutate them. */
export interface PqwFile {
  manifest: PqwManifest;
  /** Length of the whole file in bytes. */
  byteLength: number;
  /** Raw little-endian bytes of a section (any dtype). */
  bytes(name: string): Uint8Array;
  /** A float32 section as is, or a float16 section converted to float32. */
  float32(name: string): Float32Array;
  /** A uint32 section (packed codes). */
  uint32(name: string): Uint32Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function asBytes(input: ArrayBuffer | Uint8Array): Uint8Array {
  return input instanceof Uint8Array ? input : new Uint8Array(input);
}

interface ParsedHead {
  manifest: PqwManifest;
  /** Where the sections may begin: the manifest's end rounded up to SECTION_ALIGNMENT. */
  dataStart: number;
  /** Where the manifest ends (the zero padding after it starts here). */
  manifestEnd: number;
}

function parseHead(bytes: Uint8Array, verifyChecksums: boolean): ParsedHead {
  const header = readHeader(bytes);
  const manifestEnd = HEADER_BYTES + header.manifestLength;
  const manifestBytes = bytes.subarray(HEADER_BYTES, manifestEnd);
  if (verifyChecksums) {
    const actual = crc32(manifestBytes);
    if (actual !== header.manifestCrc32) {
      throw new FormatError(
        'header.manifestCrc32',
        `manifest checksum is 0x${actual.toString(16)}, header says 0x${header.manifestCrc32.toString(16)}: the manifest is corrupt`,
      );
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(utf8.decode(manifestBytes));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FormatError('manifest', `is not valid UTF-8 JSON (${reason})`);
  }
  const dataStart = alignToSection(manifestEnd);
  return {
    manifest: validateManifest(raw, { headerVersion: header.version, dataStart }),
    dataStart,
    manifestEnd,
  };
}

/**
 * Reads and validates the header and manifest only: no section is bounds-checked or checksummed, so `bytes`
 * may be just the head of a huge file (at least 24 + manifest length bytes).
 */
export function readManifestOnly(bytes: ArrayBuffer | Uint8Array, options: DecodeOptions = {}): PqwManifest {
  return parseHead(asBytes(bytes), options.verifyChecksums ?? true).manifest;
}

/** Throws unless bytes [from, to) are all zero. */
function checkZeroPadding(bytes: Uint8Array, from: number, to: number, where: string): void {
  for (let at = from; at < to; at++) {
    if (bytes[at] !== 0) {
      throw new FormatError(
        'padding',
        `byte ${at} (${where}) is 0x${bytes[at].toString(16)}, padding must be zero`,
      );
    }
  }
}

/** Sections must lie inside the file, which ends exactly at the last section's padded end. */
function checkExtents(bytes: Uint8Array, head: ParsedHead): void {
  const { sections } = head.manifest;
  let end = head.dataStart;
  sections.forEach((section, index) => {
    const sectionEnd = section.offset + section.length;
    if (sectionEnd > bytes.length) {
      throw new FormatError(
        `sections[${index}].length`,
        `section ${JSON.stringify(section.name)} spans bytes ${section.offset}..${sectionEnd}, but the file has ${bytes.length} bytes: truncated?`,
      );
    }
    end = sectionEnd;
  });
  const expected = alignToSection(end);
  if (bytes.length !== expected) {
    throw new FormatError(
      'byteLength',
      bytes.length < expected
        ? `file has ${bytes.length} bytes, its last section's padding ends at ${expected}: truncated?`
        : `file has ${bytes.length} bytes, ${bytes.length - expected} more than its sections end at (${expected}): trailing data`,
    );
  }
}

function checkPadding(bytes: Uint8Array, head: ParsedHead): void {
  let previousEnd = head.manifestEnd;
  head.manifest.sections.forEach((section, index) => {
    checkZeroPadding(bytes, previousEnd, section.offset, `before sections[${index}]`);
    previousEnd = section.offset + section.length;
  });
  checkZeroPadding(bytes, previousEnd, bytes.length, 'after the last section');
}

function checkSectionChecksums(bytes: Uint8Array, sections: readonly SectionEntry[]): void {
  sections.forEach((section, index) => {
    const actual = crc32(bytes.subarray(section.offset, section.offset + section.length));
    if (actual !== section.crc32) {
      throw new FormatError(
        `sections[${index}].crc32`,
        `section ${JSON.stringify(section.name)} checksums to 0x${actual.toString(16)}, manifest says 0x${section.crc32.toString(16)}: corrupt`,
      );
    }
  });
}

/** The number of centroids codes index, and how many packed matrices the codes section holds. */
function codeRange(layer: CompressedLayer): { k: number; matrices: number } | null {
  switch (layer.method) {
    case 'pq':
    case 'kmeans':
      return { k: layer.k, matrices: 1 };
    case 'rq':
      return { k: layer.k, matrices: layer.stages };
    case 'binary':
      return { k: 2, matrices: 1 };
    case 'svd':
    case 'dense':
      return null;
  }
}

/** Every code must index an existing centroid, and unused bits at the end of each row must be zero. */
function checkCodes(file: PqwFile): void {
  file.manifest.layers.forEach((layer, index) => {
    const range = codeRange(layer);
    if (range === null || !('codes' in layer)) return;
    const words = file.uint32(layer.codes);
    const rows = range.matrices * layer.rows;
    const invalid = findInvalidCode(words, layer.packing, rows, range.k);
    if (invalid === null) return;
    const stage = Math.floor(invalid.row / layer.rows);
    const where = `${range.matrices > 1 ? `stage ${stage}, ` : ''}row ${invalid.row % layer.rows}`;
    throw new FormatError(
      `layers[${index}].codes`,
      'code' in invalid
        ? `layer ${JSON.stringify(layer.name)}: code ${invalid.code} at ${where}, index ${invalid.index} is not below k = ${range.k}`
        : `layer ${JSON.stringify(layer.name)}: unused bits after the last code of ${where} are not zero`,
    );
  });
}

function makeFile(bytes: Uint8Array, manifest: PqwManifest): PqwFile {
  const indexByName = new Map(manifest.sections.map((section, index) => [section.name, index]));
  const converted = new Map<string, Float32Array>();
  const locate = (name: string): { section: SectionEntry; index: number } => {
    const index = indexByName.get(name);
    const section = index === undefined ? undefined : manifest.sections[index];
    if (index === undefined || section === undefined) {
      throw new FormatError('sections', `the file has no section named ${JSON.stringify(name)}`);
    }
    return { section, index };
  };
  const payload = (section: SectionEntry): Uint8Array =>
    bytes.subarray(section.offset, section.offset + section.length);
  return {
    manifest,
    byteLength: bytes.length,
    bytes: (name) => payload(locate(name).section),
    float32: (name) => {
      const { section, index } = locate(name);
      if (section.dtype === 'float32') return float32View(payload(section));
      if (section.dtype === 'float16') {
        const cached = converted.get(name);
        if (cached !== undefined) return cached;
        const values = float16ToFloat32(uint16View(payload(section)));
        converted.set(name, values);
        return values;
      }
      throw new FormatError(
        `sections[${index}].dtype`,
        `section ${JSON.stringify(name)} is ${section.dtype}, not float32 or float16`,
      );
    },
    uint32: (name) => {
      const { section, index } = locate(name);
      if (section.dtype !== 'uint32') {
        throw new FormatError(
          `sections[${index}].dtype`,
          `section ${JSON.stringify(name)} is ${section.dtype}, not uint32`,
        );
      }
      return uint32View(payload(section));
    },
  };
}

/**
 * Decodes and fully validates a .pqw file. Throws FormatError (with `.field` naming the offending value) for
 * any malformed, truncated or corrupt input, never another error type.
 */
export function decodePqw(input: ArrayBuffer | Uint8Array, options: DecodeOptions = {}): PqwFile {
  const bytes = asBytes(input);
  const verifyChecksums = options.verifyChecksums ?? true;
  const head = parseHead(bytes, verifyChecksums);
  checkExtents(bytes, head);
  checkPadding(bytes, head);
  if (verifyChecksums) checkSectionChecksums(bytes, head.manifest.sections);
  const file = makeFile(bytes, head.manifest);
  checkCodes(file);
  return file;
}
