/**
 * How codes and codebooks sit in GPU memory for 8-bit tables (executor option tableBits: 8, shaders/pq_table8.wgsl).
 * A slot is one group of G consecutive segments of one stage (G = TABLE_GROUP_SEGMENTS, 16; the float32 entries of
 * 'grouped-float32' may take G = 32, TableGroupSegments); per slot and row the group's codes take G / 16 16-byte
 * vectors, one byte per code (per pair of codes where k ≤ 16, below) whatever the file's packing, in one of three
 * lane orders (TableLaneOrder):
 *
 *   'rotation': byte t of the row's G bytes = code of segment (row + t) mod G of the slot's group,
 *               slot = stage · groups + g
 *   'xor':      byte t = code of segment (row mod 32) xor t (groups of 32 on wide layers)
 *   'wrapped':  as 'rotation', but where (row mod G) + t ≥ G the byte holds code − 1 mod k: the kernel then looks up
 *               entry code · G + (row mod G) + t with no reduction modulo G, and its tile holds G − 1 entries more
 *               past its k rows (code 0 of segments 0 … G − 2), where code k − 1 + 1 lands
 *
 * with groups = ⌈segments / G⌉ per stage; segments past the stage's (a last group's padding) hold code 0, whose
 * table entries the kernel makes 0. Where the tables pair segments (k ≤ 16, cpu/lut8.ts tableShape), a "segment" here
 * is a pair of the layer's segments, its byte c + k·c' (tableCodes), and its code runs over k² values. Byte t sits in vector (slot, t / 16, row): [slots][G / 16][rows] × 16 bytes, so
 * that a subgroup's lanes (consecutive rows) read consecutive vectors. Every order lets the 32 lanes of a subgroup
 * look up 16 (or 32) different segments at every step with constant shifts (the kernel's comment says why that avoids
 * bank conflicts). Which order a layer takes follows its kernel and the device's workgroup memory
 * (table8-program.ts tableCodeLayout): callers get it from the executor (table8CodeLayout, groupedFloatTablesLayout).
 *
 * The codebooks follow the tile the kernel builds, entry by entry, in every lane order: sub-vector (slot, code, t) =
 * the centroid of code `code` of segment t of the slot's group, [slots][k][G][d], zeros for a group's padding; with
 * paired segments the 2G layer segments of the slot's G pairs, [slots][k][2G][d], from which the kernel builds the
 * halves of its pair tables. A
 * workgroup's lanes build consecutive entries and so read consecutive sub-vectors.
 */
import type { RqShape } from '../cpu/layer-shapes';
import { pairsCodes, TABLE_GROUP_SEGMENTS, tableCodes, tableShape } from '../cpu/lut8';
import { KernelInputError } from '../gpu/errors';
import { WIDE_GROUPS_MIN_SEGMENTS } from './plan';

/**
 * Segments per group (slot) of the 8-bit-table layouts: 16 for the 8-bit tables, whose arithmetic (one scale per
 * group, cpu/lut8.ts) is defined on 16; 'grouped-float32' also runs 32, where every lane of a subgroup looks up a
 * segment of its own (docs/kernel-attempts.md step 83).
 */
export type TableGroupSegments = 16 | 32;
export const TABLE_GROUP_SEGMENT_CHOICES: readonly TableGroupSegments[] = [16, 32];
const TABLE_LANE_ORDERS: readonly TableLaneOrder[] = ['rotation', 'xor', 'wrapped'];

/** Bytes of one code vector: 16 one-byte codes. */
const CODE_VECTOR_BYTES = 16;

/** Segment groups per stage (of the table segments, tableShape): the last one may be partly padding. */
function groupsPerStage(shape: Pick<RqShape, 'segments' | 'k'>, groupSegments: TableGroupSegments): number {
  return Math.ceil(tableShape(shape).segments / groupSegments);
}

/** Slots of a layer on 8-bit tables: one per segment group and stage. */
export function table8Slots(
  shape: Pick<RqShape, 'segments' | 'stages' | 'k'>,
  groupSegments: TableGroupSegments = TABLE_GROUP_SEGMENTS,
): number {
  return shape.stages * groupsPerStage(shape, groupSegments);
}

/**
 * The layer's segments whose codebooks one slot's tables are built from: G, or 2G where the tables pair segments.
 */
export function tableBuildSegments(k: number, groupSegments: TableGroupSegments): number {
  return pairsCodes(k) ? 2 * groupSegments : groupSegments;
}

/** u32 words the codes take in the 8-bit-table layout: a byte per code (or pair), padding segments included. */
export function table8CodeWords(
  shape: Pick<RqShape, 'rows' | 'segments' | 'stages' | 'k'>,
  groupSegments: TableGroupSegments = TABLE_GROUP_SEGMENTS,
): number {
  return (table8Slots(shape, groupSegments) * shape.rows * groupSegments) / 4;
}

function checkGroupSegments(name: string, groupSegments: number): void {
  if (!TABLE_GROUP_SEGMENT_CHOICES.includes(groupSegments as TableGroupSegments)) {
    throw new KernelInputError(
      `${name}: groupSegments must be one of ${TABLE_GROUP_SEGMENT_CHOICES.join(', ')}, got ${groupSegments}`,
    );
  }
}

/**
 * The order of a row's code bytes within its group (the layout above). 'wrapped' takes the fewest instructions per
 * lookup (the byte's position is the load's constant offset; H200, batch 1, alternating processes: 16384², d = 4,
 * k = 256 37.3 against 38.3 µs with 'xor'; 8-bit tables 2–6% faster; docs/kernel-attempts.md step 92) where the
 * device's workgroup memory holds its G − 1 extra tile entries; else 'xor' in groups of 32 on wide layers, else
 * 'rotation' (unwrappedLaneOrder).
 */
export type TableLaneOrder = 'rotation' | 'xor' | 'wrapped';

/** A group size and a lane order: what groupTableCodes lays codes out in, and what the kernel must be told. */
export interface TableCodeLayout {
  readonly groupSegments: TableGroupSegments;
  readonly lanes: TableLaneOrder;
}

/**
 * The lane order where the tile cannot hold the wrapped order's extra entries: 'xor' (byte t of row r holds segment
 * (r mod 32) xor t) in groups of 32 on layers of WIDE_GROUPS_MIN_SEGMENTS segments or more, those whose workgroups
 * 'auto' has sum many row steps each. There the byte's segment is (r mod 32) xor t, fewer instructions than the
 * rotation's add and mask, and the rolled row loop runs faster; on the narrower layers that take groups of 32, one
 * row step per workgroup, the driver moves the rotated indices above the build's barrier and the rotation is faster
 * (H200, d = 4, k = 256, batch 1, alternating processes: 16384² 40.1 against 42.9 µs, 4096² 14.2 against 13.8;
 * docs/kernel-attempts.md step 88). Groups of 16 keep the rotation: the 8-bit tables' batch tiles read them too,
 * where step 79's xor order lost 5% at batch 8.
 */
export function unwrappedLaneOrder(segments: number, groupSegments: TableGroupSegments): TableLaneOrder {
  return groupSegments === 32 && segments >= WIDE_GROUPS_MIN_SEGMENTS ? 'xor' : 'rotation';
}

/** Entries the kernel's tile holds past its k rows for this lane order: G − 1 where wrapped, else none. */
export function wrapEntries(layout: TableCodeLayout): number {
  return layout.lanes === 'wrapped' ? layout.groupSegments - 1 : 0;
}

/** The byte of a row's G code bytes that holds segment `inGroup` of the group, in the layout's lane order (above). */
function codeByteOfSegment(inGroup: number, row: number, layout: TableCodeLayout): number {
  const { groupSegments } = layout;
  const lane = row % groupSegments;
  return layout.lanes === 'xor' ? inGroup ^ lane : (inGroup - lane + groupSegments) % groupSegments;
}

/**
 * Reorders a PQ / RQ layer's codes from the file layout ([stages][rows][wordsPerRow], packed per shape.packing)
 * into the layout above. The result is what `createLayerExecutor` expects in `buffers.codes` with tableBits: 8 (in
 * the layout table8CodeLayout gives), or in `buffers.groupedCodes` (groupedFloatTablesLayout).
 */
export function groupTableCodes(
  words: Uint32Array,
  shape: Pick<RqShape, 'rows' | 'segments' | 'stages' | 'packing' | 'k'>,
  layout: TableCodeLayout,
): Uint32Array<ArrayBuffer> {
  const { groupSegments } = layout;
  checkGroupSegments('groupTableCodes', groupSegments);
  if (!TABLE_LANE_ORDERS.includes(layout.lanes)) {
    throw new KernelInputError(
      `groupTableCodes: lanes must be one of ${TABLE_LANE_ORDERS.join(', ')}, got ${String(layout.lanes)}`,
    );
  }
  const { rows, stages, packing } = shape;
  const { wordsPerRow } = packing;
  const expected = stages * rows * wordsPerRow;
  if (words.length !== expected) {
    throw new KernelInputError(
      `groupTableCodes: expected stages ${stages} × rows ${rows} × wordsPerRow ${wordsPerRow} = ${expected} words, got ${words.length}`,
    );
  }
  // One byte per table segment: a pair's c + k·c' where the tables pair segments (cpu/lut8.ts tableCodes).
  const codes = tableCodes(shape, words);
  const { segments: tableSegments, k } = tableShape(shape);
  const groups = groupsPerStage(shape, groupSegments);
  const vectors = groupSegments / CODE_VECTOR_BYTES;
  const wrapped = layout.lanes === 'wrapped';
  const out = new Uint32Array(table8CodeWords(shape, groupSegments));
  const bytes = new Uint8Array(out.buffer);
  for (let stage = 0; stage < stages; stage++) {
    for (let row = 0; row < rows; row++) {
      // Padding segments too: their code 0 is stored as any other code, one less where the wrapped order wraps.
      for (let segment = 0; segment < groups * groupSegments; segment++) {
        const code =
          segment < tableSegments ? (codes[(stage * rows + row) * tableSegments + segment] ?? 0) : 0;
        const group = Math.floor(segment / groupSegments);
        const inGroup = segment % groupSegments;
        const byte = codeByteOfSegment(inGroup, row, layout);
        const slot = stage * groups + group;
        const vector = (slot * vectors + Math.floor(byte / CODE_VECTOR_BYTES)) * rows + row;
        // Wrapped: the kernel's index code · G + (row mod G) + byte runs past the row's G entries; one code less
        // brings it back to the segment's entry, and code 0's to the tile's extra entries.
        const wraps = wrapped && (row % groupSegments) + byte >= groupSegments;
        bytes[vector * CODE_VECTOR_BYTES + (byte % CODE_VECTOR_BYTES)] = wraps ? (code + k - 1) % k : code;
      }
    }
  }
  return out;
}

/** Values the codebooks take in the 8-bit-table layout (padding segments included). */
export function table8CodebookValues(
  shape: Pick<RqShape, 'segments' | 'stages' | 'k' | 'd'>,
  groupSegments: TableGroupSegments = TABLE_GROUP_SEGMENTS,
): number {
  return table8Slots(shape, groupSegments) * shape.k * tableBuildSegments(shape.k, groupSegments) * shape.d;
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
  groupSegments: TableGroupSegments = TABLE_GROUP_SEGMENTS,
): Values {
  checkGroupSegments('groupTableCodebook', groupSegments);
  const { segments, stages, k, d } = shape;
  const expected = stages * segments * k * d;
  if (values.length !== expected) {
    throw new KernelInputError(
      `groupTableCodebook: expected stages ${stages} × segments ${segments} × k ${k} × d ${d} = ${expected} values, got ${values.length}`,
    );
  }
  const groups = groupsPerStage(shape, groupSegments);
  const buildSegments = tableBuildSegments(k, groupSegments);
  const length = table8CodebookValues(shape, groupSegments);
  const out = (values instanceof Float32Array ? new Float32Array(length) : new Uint16Array(length)) as Values;
  for (let stage = 0; stage < stages; stage++) {
    for (let segment = 0; segment < segments; segment++) {
      const slot = stage * groups + Math.floor(segment / buildSegments);
      const inGroup = segment % buildSegments;
      for (let code = 0; code < k; code++) {
        const source = ((stage * segments + segment) * k + code) * d;
        const target = ((slot * k + code) * buildSegments + inGroup) * d;
        out.set(values.subarray(source, source + d), target);
      }
    }
  }
  return out;
}
