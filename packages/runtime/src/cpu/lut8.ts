/**
 * PQ and RQ layers on 8-bit lookup tables, as Bolt and Quick ADC quantize them on CPUs (docs/kernel-attempts.md,
 * step 75). Per input, after the float32 tables LUT[t][j][c] = ⟨codebook[t][j][c], x_j⟩ are built:
 *   low[t][j] = min_c LUT[t][j][c]; per group g of TABLE_GROUP_SEGMENTS consecutive segments of a stage,
 *   scale[g] = max_{j ∈ g} (max_c LUT[t][j][c] − low[t][j]) / 255;
 *   q[t][j][c] = round((LUT[t][j][c] − low[t][j]) / scale[g]) ∈ 0…255 (half to even);
 *   y_i = b_i + Σ_g (scale[g] · Σ_{j ∈ g} q[t][j][code[t][i][j]] + Σ_{j ∈ g} low[t][j]).
 * So every entry is within scale[g] / 2 of its float32 value, and each group's sum is an integer sum, which is what
 * lets a GPU kernel pack several inputs' entries into one word and add them in 16-bit lanes.
 * Codes of k ≤ PAIRED_CODES_MAX_K (4-bit and narrower) are taken two segments at a time: segments 2p and 2p + 1 make
 * one table of k² entries, P[t][p][c + k·c'] = LUT[t][2p][c] + LUT[t][2p + 1][c'] (a float32 sum; a missing last
 * segment adds 0), indexed by one byte per pair, and those pair tables are what the groups above quantize. A row then
 * reads one byte and one entry per two segments, not one of each per segment: the GPU kernel reads half the code
 * bytes (docs/kernel-attempts.md step 93). The quantization is
 * done in float32 the way the GPU probe does it (a float32 difference times a float32 reciprocal, rounded once), so
 * this is the twin such a kernel is tested against. It is an accuracy level, not the default: the float32 tables
 * (./lut.ts) stay the ground truth. On the bundled model top-1 is 93.81% against 93.83%
 * (93.84% before the segments of 4-bit codes were paired, step 75).
 */
import { KernelInputError } from '../gpu/errors';
import { BITS_PER_WORD, type QuantizedForward, type RqShape } from './layer-shapes';
import { buildLut, checkLutCall } from './lut';

/** Segments of a stage that share one scale: the 16-segment groups of the GPU probe's 32 KiB tile. */
export const TABLE_GROUP_SEGMENTS = 16;
/** Largest 8-bit table entry. */
export const TABLE_LEVELS = 255;
/** Adding 2^52 to a float64 in [0, 2^52) rounds it to an integer, half to even (the GPU does the same with 2^23). */
const ROUNDING_BIAS = 2 ** 52;

/** Lookup-table widths a LUT layer can run on: float32 tables (exact), or 8-bit tables. */
export type TableBits = 32 | 8;

/** Throws KernelInputError unless `bits` is a table width pqweb has. */
export function checkTableBits(bits: number): asserts bits is TableBits {
  if (bits !== 32 && bits !== 8) {
    throw new KernelInputError(`tableBits must be 32 (float32 tables) or 8 (8-bit tables), got ${bits}`);
  }
}

/** One input's 8-bit tables: entries [t][j][c], and per group (stage-major) its scale and its sum of lows. */
export interface Tables8 {
  entries: Uint8Array;
  scales: Float32Array;
  offsets: Float32Array;
  groupsPerStage: number;
}

/**
 * Quantizes one input's float tables (laid out [stage][segment][centroid], as buildLut gives them, or pairTables for
 * a table shape of pairs) to 8 bits. Entries are taken as float32, as the GPU stores them.
 */
export function quantizeTables(
  shape: Pick<RqShape, 'k' | 'segments' | 'stages'>,
  lut: Float64Array | Float32Array,
): Tables8 {
  const { k, segments, stages } = shape;
  if (lut.length !== stages * segments * k) {
    throw new KernelInputError(`tables must hold stages × segments × k = ${stages * segments * k} entries`);
  }
  const groupsPerStage = Math.ceil(segments / TABLE_GROUP_SEGMENTS);
  const entries = new Uint8Array(lut.length);
  const scales = new Float32Array(stages * groupsPerStage);
  const offsets = new Float32Array(stages * groupsPerStage);
  const lows = new Float32Array(TABLE_GROUP_SEGMENTS);
  for (let t = 0; t < stages; t++) {
    for (let g = 0; g < groupsPerStage; g++) {
      const first = g * TABLE_GROUP_SEGMENTS;
      const last = Math.min(segments, first + TABLE_GROUP_SEGMENTS);
      let range = 0;
      let offset = 0;
      for (let j = first; j < last; j++) {
        const base = (t * segments + j) * k;
        let low = Number.POSITIVE_INFINITY;
        let high = Number.NEGATIVE_INFINITY;
        for (let c = 0; c < k; c++) {
          const value = Math.fround(lut[base + c] ?? 0);
          low = Math.min(low, value);
          high = Math.max(high, value);
        }
        lows[j - first] = low;
        range = Math.max(range, Math.fround(high - low));
        offset = Math.fround(offset + low);
      }
      const inverse = range > 0 ? Math.fround(TABLE_LEVELS / range) : 0;
      scales[t * groupsPerStage + g] = range / TABLE_LEVELS;
      offsets[t * groupsPerStage + g] = offset;
      for (let j = first; j < last; j++) {
        const base = (t * segments + j) * k;
        const low = lows[j - first] ?? 0;
        for (let c = 0; c < k; c++) {
          // float32 difference, exact float64 product of two float32s, one rounding: what fma(d, inv, 2^23) gives.
          const steps = Math.fround(Math.fround(lut[base + c] ?? 0) - low) * inverse;
          entries[base + c] = Math.min(TABLE_LEVELS, roundHalfEven(steps));
        }
      }
    }
  }
  return { entries, scales, offsets, groupsPerStage };
}

function roundHalfEven(value: number): number {
  return value + ROUNDING_BIAS - ROUNDING_BIAS;
}

/** Largest k whose codes the 8-bit tables take in pairs of segments: k² ≤ 256 entries, one byte per pair. */
export const PAIRED_CODES_MAX_K = 16;

/** Whether the 8-bit-table layouts take a layer of k centroids per segment two segments at a time (header). */
export function pairsCodes(k: number): boolean {
  return k <= PAIRED_CODES_MAX_K;
}

/**
 * What the 8-bit tables index: per stage `segments` tables of `k` entries each, pairs of the layer's segments with
 * k² entries where pairsCodes(k), else the layer's own.
 */
export interface TableShape {
  readonly segments: number;
  readonly k: number;
  readonly paired: boolean;
}

export function tableShape(shape: Pick<RqShape, 'segments' | 'k'>): TableShape {
  const paired = pairsCodes(shape.k);
  return {
    segments: paired ? Math.ceil(shape.segments / 2) : shape.segments,
    k: tableCodeCount(shape.k),
    paired,
  };
}

/** Codes a table of a layer of k centroids per segment has: k², where pairsCodes(k), else k. */
export function tableCodeCount(k: number): number {
  return pairsCodes(k) ? k * k : k;
}

/**
 * One input's pair tables from its float tables ([stage][segment][centroid], as buildLut gives them):
 * [stage][pair][c + k·c'] = float32(LUT[2p][c]) + float32(LUT[2p + 1][c']), rounded to float32 as the GPU adds them.
 */
export function pairTables(
  shape: Pick<RqShape, 'segments' | 'k' | 'stages'>,
  lut: Float64Array | Float32Array,
): Float32Array {
  const { segments, k, stages } = shape;
  const pairs = Math.ceil(segments / 2);
  const out = new Float32Array(stages * pairs * k * k);
  for (let t = 0; t < stages; t++) {
    for (let p = 0; p < pairs; p++) {
      const first = (t * segments + 2 * p) * k;
      const second = 2 * p + 1 < segments ? first + k : -1;
      const base = (t * pairs + p) * k * k;
      for (let high = 0; high < k; high++) {
        const added = second < 0 ? 0 : Math.fround(lut[second + high] ?? 0);
        for (let low = 0; low < k; low++) {
          out[base + high * k + low] = Math.fround(Math.fround(lut[first + low] ?? 0) + added);
        }
      }
    }
  }
  return out;
}

/**
 * The codes as the 8-bit tables index them, one byte per table, [stage][row][table segment] (tableShape): a pair's
 * byte is c + k·c' for its segments' codes c and c' (0 past the last segment), else the code itself.
 */
export function tableCodes(
  shape: Pick<RqShape, 'rows' | 'segments' | 'stages' | 'packing' | 'k'>,
  codes: Uint32Array,
): Uint8Array {
  const unpacked = unpackCodes(shape, codes);
  if (!pairsCodes(shape.k)) return unpacked;
  const { rows, segments, stages, k } = shape;
  const pairs = Math.ceil(segments / 2);
  const out = new Uint8Array(stages * rows * pairs);
  for (let r = 0; r < stages * rows; r++) {
    for (let p = 0; p < pairs; p++) {
      const low = unpacked[r * segments + 2 * p] ?? 0;
      const high = 2 * p + 1 < segments ? (unpacked[r * segments + 2 * p + 1] ?? 0) : 0;
      out[r * pairs + p] = low + k * high;
    }
  }
  return out;
}

/**
 * One input's 8-bit tables for a layer, as lut8Forward and the GPU kernel build them: the float tables, paired where
 * pairsCodes(k), quantized (quantizeTables); with the table shape they index.
 */
export function buildTables8(
  shape: RqShape,
  codebook: Float32Array,
  x: Float32Array,
  inputIndex: number,
): Tables8 & { table: TableShape } {
  const table = tableShape(shape);
  const lut = buildLut(shape, codebook, x, inputIndex);
  const tables = table.paired ? pairTables(shape, lut) : lut;
  return { ...quantizeTables({ ...shape, segments: table.segments, k: table.k }, tables), table };
}

/**
 * The codes one per byte, [stage][row][segment] (k ≤ 256 fits a byte), so the sums index tables by them directly;
 * the 8-bit-table GPU layout (kernels/table8-layout.ts) starts from them too.
 */
export function unpackCodes(
  shape: Pick<RqShape, 'rows' | 'segments' | 'stages' | 'packing'>,
  codes: Uint32Array,
): Uint8Array {
  const { rows, segments, stages, packing } = shape;
  const { bits, wordsPerRow } = packing;
  const codesPerWord = BITS_PER_WORD / bits;
  const mask = 2 ** bits - 1;
  const unpacked = new Uint8Array(stages * rows * segments);
  for (let r = 0; r < stages * rows; r++) {
    for (let j = 0; j < segments; j++) {
      const word = codes[r * wordsPerRow + Math.floor(j / codesPerWord)] ?? 0;
      unpacked[r * segments + j] = (word >>> ((j % codesPerWord) * bits)) & mask;
    }
  }
  return unpacked;
}

/**
 * y = W x + b for a PQ (stages 1) or RQ layer on 8-bit tables, straight from the packed codes (a PQ layer's shape
 * with `stages: 1`, as CpuHead passes it). `x` is batch × cols, the result batch × rows; `relu` applies max(0, ·)
 * after the bias. The same call as the float32 executor's rqForward.
 */
export const lut8Forward: QuantizedForward<RqShape> = (shape, codes, codebook, bias, x, batch, relu) => {
  checkLutCall(shape, codes, codebook, bias, x, batch);
  const { rows, stages } = shape;
  const { segments, k } = tableShape(shape);
  const indices = tableCodes(shape, codes);
  const y = new Float32Array(batch * rows);
  for (let b = 0; b < batch; b++) {
    const { entries, scales, offsets, groupsPerStage } = buildTables8(shape, codebook, x, b);
    for (let i = 0; i < rows; i++) {
      let sum = bias === null ? 0 : (bias[i] ?? 0);
      for (let t = 0; t < stages; t++) {
        const codeBase = (t * rows + i) * segments;
        for (let g = 0; g < groupsPerStage; g++) {
          const first = g * TABLE_GROUP_SEGMENTS;
          const last = Math.min(segments, first + TABLE_GROUP_SEGMENTS);
          let integer = 0;
          for (let j = first; j < last; j++) {
            integer += entries[(t * segments + j) * k + (indices[codeBase + j] ?? 0)] ?? 0;
          }
          const group = t * groupsPerStage + g;
          sum += (scales[group] ?? 0) * integer + (offsets[group] ?? 0);
        }
      }
      y[b * rows + i] = relu ? Math.max(0, sum) : sum;
    }
  }
  return y;
};
