/**
 * How codes and codebooks sit in GPU memory for 8-bit tables (executor option tableBits: 8, shaders/pq_table8.wgsl).
 * A slot is one group of TABLE_GROUP_SEGMENTS consecutive segments of one stage; per slot and row the group's codes
 * take one 16-byte vector, one byte per code whatever the file's packing, rotated by the row:
 *
 *   byte t of vector (slot, row) = code of segment (row + t) mod 16 of the slot's group,   slot = stage · groups + g
 *
 * with groups = ⌈segments / 16⌉ per stage; segments past the stage's (a last group's padding) hold code 0, whose
 * table entries the kernel makes 0. The rotation lets the 32 lanes of a subgroup (consecutive rows) look up 16
 * different segments at every step with constant shifts (the kernel's comment says why that avoids bank conflicts).
 *
 * The codebooks follow the tile the kernel builds, entry by entry: sub-vector (slot, code, t) = the centroid of
 * code `code` of segment t of the slot's group, [slots][k][16][d], zeros for a group's padding. A workgroup's lanes
 * build consecutive entries and so read consecutive sub-vectors.
 */
import type { RqShape } from '../cpu/layer-shapes';
import { TABLE_GROUP_SEGMENTS, unpackCodes } from '../cpu/lut8';
import { KernelInputError } from '../gpu/errors';

/** u32 words per (slot, row): 16 one-byte codes. */
export const TABLE8_WORDS_PER_ROW = TABLE_GROUP_SEGMENTS / 4;

/** Segment groups per stage: the last one may be partly padding. */
function groupsPerStage(segments: number): number {
  return Math.ceil(segments / TABLE_GROUP_SEGMENTS);
}

/** Slots of a layer on 8-bit tables: one per segment group and stage. */
export function table8Slots(shape: Pick<RqShape, 'segments' | 'stages'>): number {
  return shape.stages * groupsPerStage(shape.segments);
}

/** u32 words the codes take in the 8-bit-table layout. */
export function table8CodeWords(shape: Pick<RqShape, 'rows' | 'segments' | 'stages'>): number {
  return table8Slots(shape) * shape.rows * TABLE8_WORDS_PER_ROW;
}

/**
 * Reorders a PQ / RQ layer's codes from the file layout ([stages][rows][wordsPerRow], packed per shape.packing)
 * into the layout above. The result is what `createLayerExecutor` expects in `buffers.codes` with tableBits: 8.
 */
export function groupTableCodes(
  words: Uint32Array,
  shape: Pick<RqShape, 'rows' | 'segments' | 'stages' | 'packing'>,
): Uint32Array<ArrayBuffer> {
  const { rows, segments, stages, packing } = shape;
  const { wordsPerRow } = packing;
  const expected = stages * rows * wordsPerRow;
  if (words.length !== expected) {
    throw new KernelInputError(
      `groupTableCodes: expected stages ${stages} × rows ${rows} × wordsPerRow ${wordsPerRow} = ${expected} words, got ${words.length}`,
    );
  }
  const codes = unpackCodes(shape, words);
  const groups = groupsPerStage(segments);
  const out = new Uint32Array(table8CodeWords(shape));
  const bytes = new Uint8Array(out.buffer);
  for (let stage = 0; stage < stages; stage++) {
    for (let row = 0; row < rows; row++) {
      for (let segment = 0; segment < segments; segment++) {
        const code = codes[(stage * rows + row) * segments + segment] ?? 0;
        const group = Math.floor(segment / TABLE_GROUP_SEGMENTS);
        const inGroup = segment % TABLE_GROUP_SEGMENTS;
        // Segment s of the group sits at byte t with (row + t) mod 16 = s.
        const byte = (inGroup - (row % TABLE_GROUP_SEGMENTS) + TABLE_GROUP_SEGMENTS) % TABLE_GROUP_SEGMENTS;
        const slot = stage * groups + group;
        bytes[(slot * rows + row) * TABLE_GROUP_SEGMENTS + byte] = code;
      }
    }
  }
  return out;
}

/** Values the codebooks take in the 8-bit-table layout (padding segments included). */
export function table8CodebookValues(shape: Pick<RqShape, 'segments' | 'stages' | 'k' | 'd'>): number {
  return table8Slots(shape) * shape.k * TABLE_GROUP_SEGMENTS * shape.d;
}

/**
 * Reorders a PQ / RQ layer's codebooks from the file layout [stages][segments][k][d] into the layout above:
 * float32 values, or float16 ones as their 16-bit patterns (a .pqw float16 section read as a Uint16Array; pack the
 * result with float16CodebookWords). The result is what `createLayerExecutor` expects in `buffers.codebook` with
 * tableBits: 8.
 */
export function groupTableCodebook<Values extends Float32Array | Uint16Array>(
  values: Values,
  shape: Pick<RqShape, 'segments' | 'stages' | 'k' | 'd'>,
): Values {
  const { segments, stages, k, d } = shape;
  const expected = stages * segments * k * d;
  if (values.length !== expected) {
    throw new KernelInputError(
      `groupTableCodebook: expected stages ${stages} × segments ${segments} × k ${k} × d ${d} = ${expected} values, got ${values.length}`,
    );
  }
  const groups = groupsPerStage(segments);
  const out = (
    values instanceof Float32Array
      ? new Float32Array(table8CodebookValues(shape))
      : new Uint16Array(table8CodebookValues(shape))
  ) as Values;
  for (let stage = 0; stage < stages; stage++) {
    for (let segment = 0; segment < segments; segment++) {
      const slot = stage * groups + Math.floor(segment / TABLE_GROUP_SEGMENTS);
      const inGroup = segment % TABLE_GROUP_SEGMENTS;
      for (let code = 0; code < k; code++) {
        const source = ((stage * segments + segment) * k + code) * d;
        const target = ((slot * k + code) * TABLE_GROUP_SEGMENTS + inGroup) * d;
        out.set(values.subarray(source, source + d), target);
      }
    }
  }
  return out;
}
