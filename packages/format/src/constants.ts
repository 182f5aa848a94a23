/**
 * Fixed numbers of the .pqw container (docs/format.md, "Header"). Every size the reader trusts is derived
 * from these and from the manifest; nothing else is hard-coded.
 */

/**
 * The 8 magic bytes `\x89PQW\r\n\x1a\n`, after PNG's signature: the high byte catches 7-bit transports, CR LF and
 * LF catch text-mode newline translation, and 0x1a stops `type` on DOS-like consoles.
 */
export const PQW_MAGIC: Uint8Array = Uint8Array.of(0x89, 0x50, 0x51, 0x57, 0x0d, 0x0a, 0x1a, 0x0a);

/** Container version written into the header (and repeated in the manifest). */
export const PQW_VERSION = 1;

/**
 * Section offsets are multiples of this, so a section can be handed to the GPU as is: WebGPU's
 * `writeBuffer` needs 4-byte aligned offsets and sizes, and 16 covers vec4<f32> loads too.
 */
export const SECTION_ALIGNMENT = 16;

/** Header fields: magic (8), u32 version, u32 manifest byte length, u32 manifest CRC-32, u32 reserved. */
export const HEADER_MAGIC_OFFSET = 0;
export const HEADER_VERSION_OFFSET = 8;
export const HEADER_MANIFEST_LENGTH_OFFSET = 12;
export const HEADER_MANIFEST_CRC_OFFSET = 16;
export const HEADER_RESERVED_OFFSET = 20;
/** Bytes before the manifest. */
export const HEADER_BYTES = 24;

/** Largest value of a u32 header field or CRC. */
export const MAX_UINT32 = 0xffff_ffff;

/**
 * Upper bound on rows, cols, d and rank. Keeps every index a kernel computes inside a WGSL u32 and every
 * product of two dimensions an exact double.
 */
export const MAX_DIMENSION = 0x7fff_ffff;

/** Largest codebook: codes are at most 8 bits (CodePacking.bits). */
export const MAX_CENTROIDS = 256;
/** Smallest codebook that still carries information. */
export const MIN_CENTROIDS = 2;
/** Residual stages beyond this add nothing measurable and only serve to blow up loops on hostile input. */
export const MAX_RQ_STAGES = 64;

/** Rounds `value` up to the next multiple of SECTION_ALIGNMENT. */
export function alignToSection(value: number): number {
  return Math.ceil(value / SECTION_ALIGNMENT) * SECTION_ALIGNMENT;
}
