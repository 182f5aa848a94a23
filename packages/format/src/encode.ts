/** Writing a .pqw file (docs/format.md). The writer checks its output with the reader, so it never emits a file the reader rejects. */
import { alignToSection, HEADER_BYTES, MAX_UINT32, PQW_VERSION } from './constants';
import { crc32 } from './crc32';
import { decodePqw } from './decode';
import { littleEndianBytes } from './endian';
import { FormatError } from './errors';
import { writeHeader } from './header';
import { DTYPE_BYTES, SECTION_DTYPES } from './layout';
import type { PqwManifest, SectionDtype, SectionEntry } from './manifest';

/** A section to write: its bytes come from `data`. */
export interface SectionData {
  name: string;
  dtype: SectionDtype;
  /**
   * The elements: a Float32Array (float32), Uint16Array of binary16 bits (float16), Uint32Array (uint32) or
   * Uint8Array (uint8). A Uint8Array or DataView is also accepted for any dtype and taken as little-endian bytes.
   */
  data: ArrayBufferView;
}

/** Everything of the manifest the caller decides; the writer adds format, version and the section table. */
export type ManifestDraft = Omit<PqwManifest, 'sections' | 'format' | 'version'>;

const ELEMENT_ARRAY: Readonly<Record<SectionDtype, abstract new (...args: never[]) => ArrayBufferView>> = {
  float32: Float32Array,
  float16: Uint16Array,
  uint32: Uint32Array,
  uint8: Uint8Array,
};

function sectionPayload(section: SectionData, index: number): Uint8Array {
  const path = `sections[${index}]`;
  if (!SECTION_DTYPES.includes(section.dtype)) {
    throw new FormatError(
      `${path}.dtype`,
      `unknown dtype ${JSON.stringify(section.dtype)}; use one of ${SECTION_DTYPES.join(', ')}`,
    );
  }
  const elementBytes = DTYPE_BYTES[section.dtype];
  const { data } = section;
  if (data instanceof Uint8Array || data instanceof DataView) {
    if (data.byteLength % elementBytes !== 0) {
      throw new FormatError(
        `${path}.data`,
        `${data.byteLength} bytes is not a whole number of ${section.dtype} elements`,
      );
    }
    return littleEndianBytes(data, 1);
  }
  const givenKind = data.constructor.name;
  if (!(data instanceof ELEMENT_ARRAY[section.dtype])) {
    throw new FormatError(
      `${path}.data`,
      `section ${JSON.stringify(section.name)} is ${section.dtype}; pass a ${ELEMENT_ARRAY[section.dtype].name} or raw bytes, got ${givenKind}`,
    );
  }
  return littleEndianBytes(data, elementBytes);
}

/**
 * Serialises a model: header, UTF-8 JSON manifest, then each section at the next 16-byte boundary in the given
 * order. Throws FormatError when the draft and sections do not make a valid file (the message names the field).
 */
export function encodePqw(draft: ManifestDraft, sections: SectionData[]): Uint8Array {
  const payloads = sections.map(sectionPayload);
  const checksums = payloads.map((payload) => crc32(payload));
  const encoder = new TextEncoder();

  const layoutFrom = (dataStart: number): SectionEntry[] => {
    let offset = dataStart;
    return sections.map((section, index) => {
      const entry = {
        name: section.name,
        dtype: section.dtype,
        offset,
        length: payloads[index].length,
        crc32: checksums[index],
      };
      offset = alignToSection(offset + entry.length);
      return entry;
    });
  };
  const manifestFor = (entries: SectionEntry[]): PqwManifest => {
    const manifest: PqwManifest = {
      format: 'pqw',
      version: PQW_VERSION,
      producer: draft.producer,
      model: draft.model,
      preprocessing: draft.preprocessing,
      labels: draft.labels,
      backbone: draft.backbone,
      layers: draft.layers,
      sections: entries,
    };
    if (draft.provenance !== undefined) manifest.provenance = draft.provenance;
    return manifest;
  };

  // Offsets are written in the manifest, so its length depends on where sections start, which depends on its
  // length. Start from the smallest possible start and move it up until the manifest fits before it; the start
  // only grows and the manifest grows by at most a digit per offset each round, so this settles in a few rounds.
  let dataStart = alignToSection(HEADER_BYTES);
  let entries = layoutFrom(dataStart);
  let manifestBytes = encoder.encode(JSON.stringify(manifestFor(entries)));
  while (alignToSection(HEADER_BYTES + manifestBytes.length) > dataStart) {
    dataStart = alignToSection(HEADER_BYTES + manifestBytes.length);
    entries = layoutFrom(dataStart);
    manifestBytes = encoder.encode(JSON.stringify(manifestFor(entries)));
  }
  if (manifestBytes.length > MAX_UINT32) {
    throw new FormatError(
      'manifest',
      `is ${manifestBytes.length} bytes; the header's u32 length allows ${MAX_UINT32}`,
    );
  }

  const last = entries[entries.length - 1];
  const out = new Uint8Array(last === undefined ? dataStart : alignToSection(last.offset + last.length));
  writeHeader(out, manifestBytes.length, crc32(manifestBytes));
  out.set(manifestBytes, HEADER_BYTES);
  entries.forEach((entry, index) => {
    out.set(payloads[index], entry.offset);
  });
  // Validates the draft field by field, the layers against their sections and every code against k.
  decodePqw(out, { verifyChecksums: false });
  return out;
}
