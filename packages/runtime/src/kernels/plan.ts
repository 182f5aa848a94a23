/**
 * Pure planning for the LUT kernels: which variant runs a layer, how the LUT is chunked through workgroup
 * memory, how codes too large for one binding are split, and how rows are spread over workgroups. No GPU
 * objects here, so the rules are unit-tested directly.
 */
import { pairsCodes } from '../cpu/lut8';
import { GpuLimitError } from '../gpu/errors';
import { CODE_ROW_TILE, codeRowTiles } from './code-layout';
import { GATHER_BATCH_TILE } from './params';
import { WORD_BYTES } from './program';
import type { TableGroupSegments } from './table8-layout';

/**
 * How a PQ / RQ layer is run (shared/paper.md, "Why LUT kernels win"):
 * - 'lut-global': build the LUT in a storage buffer, then gather straight from it in one pass (no split-K).
 * - 'lut-tiled-splitk': build the LUT in a storage buffer; each workgroup stages one segment chunk of it in
 *   workgroup memory, gathers, and writes partial sums that a last pass reduces.
 * - 'fused': each workgroup computes its segment chunk of the LUT in workgroup memory from the codebooks and
 *   x, then gathers: no LUT buffer round trip (split-K like the tiled variant).
 * - 'lut-banked': as 'lut-tiled-splitk', with chunks of a power-of-two group of segments and a tile laid out so
 *   that the 32 rows of a subgroup read 32 different memory banks at every lookup (shaders/pq_gather.wgsl,
 *   "Banked tile"); the LUT buffer is written in the matching grouped layout.
 * - 'fused-banked': the banked tile, computed in the workgroup from codebooks and x as 'fused' does.
 */
export type LutVariant = 'lut-global' | 'lut-tiled-splitk' | 'fused' | 'lut-banked' | 'fused-banked';
export const LUT_VARIANTS: readonly LutVariant[] = [
  'lut-global',
  'lut-tiled-splitk',
  'fused',
  'lut-banked',
  'fused-banked',
];

/** Variants whose gather builds its LUT chunk in workgroup memory (no LUT buffer, no build pass). */
export function isFusedVariant(variant: LutVariant): boolean {
  return variant === 'fused' || variant === 'fused-banked';
}

/** Variants with the banked tile (power-of-two segment groups, shaders/pq_gather.wgsl "Banked tile"). */
export function isBankedVariant(variant: LutVariant): boolean {
  return variant === 'lut-banked' || variant === 'fused-banked';
}
/** Scalar k-means and binary layers have one kernel each (x chunk and centroids in workgroup memory, split-K). */
export type ScalarVariant = 'kmeans-tiled' | 'binary-tiled';
/**
 * What an executor runs: a LUT variant (PQ / RQ), a scalar gather (k-means, binary), or a binary layer's sign bits
 * read as byte codes through 'fused-banked' (pq_gather.wgsl SIGN_TABLES), or a PQ / RQ layer on 8-bit tables
 * (executor option tableBits: 8, shaders/pq_table8.wgsl), or on float32 tables in that kernel's structure
 * ('grouped-float32': executor option groupedFloatTables, usesGroupedFloatTables).
 */
export type ExecutorVariant =
  | LutVariant
  | ScalarVariant
  | 'binary-byte-tables'
  | 'decoded'
  | 'table8'
  | 'grouped-float32';

/**
 * A PQ layer's kernels: the LUT variants, or 'decoded' (shaders/pq_decode.wgsl), which multiplies each code's
 * centroid into the sums of a tile of inputs instead of looking up tables (canDecode says which layers can).
 */
export type PqVariant = LutVariant | 'decoded';
export const PQ_VARIANTS: readonly PqVariant[] = [...LUT_VARIANTS, 'decoded'];

/**
 * Layers of codes narrower than 4 bits (k < BANKED_MIN_K) with at most this many code lookups (rows × stages ×
 * segments) run 'lut-global': a few workgroups do all the work, so the split-K reduction pass would cost more than it
 * saves (a pass costs ≈3.6 µs on an H200 through Dawn, shared/paper.md) and the storage LUT stays in cache. For wider
 * codes the banked gathers were faster on every small layer timed (chooseLutVariant).
 */
export const SMALL_LAYER_LOOKUPS = 1 << 16;

/**
 * Workgroups a gather dispatch aims for: an H200 has 132 SMs, so 512 keeps each busy with several; phones have
 * at most a few dozen cores. Rows are grouped so that larger groups amortise the workgroup's LUT chunk.
 */
export const TARGET_WORKGROUPS = 512;

/**
 * The same for the banked variants: their tables are the costly part of a workgroup's start (a 256-entry table
 * per segment), and fewer row groups build each table fewer times. 16384², batch 1, fused-banked: d=8 k=256 43.3
 * against 48.5–52.1 µs at 512, d=4 k=256 63.6–67.2 against 66.5–68.3 (docs/kernel-attempts.md, step 16; the
 * banked row groups' lower bound of workgroup size × rows per invocation leaves smaller layers as they were).
 */
export const BANKED_TARGET_WORKGROUPS = 256;

/** The workgroups a variant's gather aims for unless the caller sets `targetWorkgroups`. */
export function defaultTargetWorkgroups(variant: LutVariant): number {
  return isBankedVariant(variant) ? BANKED_TARGET_WORKGROUPS : TARGET_WORKGROUPS;
}

/**
 * The rule behind variant 'auto' for PQ / RQ layers, from the layer shape alone:
 * 1. with 4-bit or wider codes (k ≥ BANKED_MIN_K), a banked variant at every size: 32 random codes into one
 *    256-entry table cost ~4 workgroup-memory cycles per lookup in the tiled layout (docs/kernel-attempts.md, step 8:
 *    16384², batch 1, d=4 k=256 78 against 108 µs on the H200), and since the banked lookups' table offsets are
 *    pipeline constants (step 19) 4-bit codes gain too (fused-banked against lut-tiled-splitk, 16384²: d=4 k=16
 *    49.1 against 50.9 µs at batch 1, 172.8 against 182.3 at batch 8; d=8 k=16 33.6 against 34.3 and 95.3 against
 *    106.7): 'fused-banked' for d ≤ FUSED_BANKED_MAX_D (no LUT pass: 69 µs, step 11), and up to
 *    FUSED_BANKED_VEC4_MAX_D where the tile is built from 16-byte loads (canBuildTableWithVec4; d=8 k=256 48.5
 *    against 54.6 µs with scalar loads, step 16), 'lut-banked' for longer sub-vectors (the fused tile reads d
 *    floats of codebook per entry: d=8 k=256 with scalar loads 55 against 51 µs, step 11). Small layers too (step
 *    44): from 10×512 to 1024×1024 at batch 1 'fused-banked' was the fastest variant in 23 of 24 cells on the H200,
 *    where 'fused' (whole LUT in the tile, one dispatch) and 'lut-global' used to run (512×1024: d=4 k=16 10.9
 *    against 17.8 µs, d=8 k=256 13.2 against 23.7; 64×1024 d=4 k=256 12.6 against 34.5). At batch 8, against the
 *    old choice, it was 2.7–4.8× faster than 'lut-global' (512×1024 d=8 k=256 15.5 against 44.4 µs) and slower than
 *    'fused' on k = 16 layers whose LUT fits the tile, by up to 5.6 µs (1024² d=4 k=16: 23.6 against 18.0);
 * 2. else (k < 16, codes of 1–3 bits) a whole stage-set of LUT rows for one input that fits the workgroup tile
 *    (stages·segments·k floats) → 'fused': one pass, no LUT buffer, and the per-workgroup rebuild of such a small
 *    table is cheap;
 * 3. else a small layer (≤ SMALL_LAYER_LOOKUPS lookups) → 'lut-global';
 * 4. else → 'lut-tiled-splitk'.
 */
export function chooseLutVariant(
  shape: { rows: number; cols: number; segments: number; stages: number; k: number; d: number },
  tileFloats: number,
): LutVariant {
  const { rows, cols, segments, stages, k, d } = shape;
  if (k >= BANKED_MIN_K) {
    const fused = d <= FUSED_BANKED_MAX_D || (d <= FUSED_BANKED_VEC4_MAX_D && canBuildTableWithVec4(d, cols));
    return fused ? 'fused-banked' : 'lut-banked';
  }
  if (wholeLutFits(shape, tileFloats)) return 'fused';
  if (rows * stages * segments <= SMALL_LAYER_LOOKUPS) return 'lut-global';
  return 'lut-tiled-splitk';
}

/** Fewest rows of a layer that batchedLutVariant sends to 'fused' at batches above 1. */
export const FUSED_BATCHED_MIN_ROWS = 256;

/**
 * Fewest rows, and the largest weights × batch (rows × cols × batch, inclusive), with d = 8 that batchedLutVariant
 * sends to 'fused'.
 */
export const FUSED_BATCHED_D8_MIN_ROWS = 1024;
export const FUSED_BATCHED_D8_MAX_PRODUCT = 2 ** 27;
/**
 * Smallest weights × batch (inclusive) of a PQ layer with d = 8, k = 16 that batchedLutVariant sends to
 * 'lut-tiled-splitk'.
 */
export const TILED_BATCHED_D8_MIN_PRODUCT = 2 ** 30;

/**
 * The variant 'auto' runs at batches above 1 where it is not chooseLutVariant's (the batch-1 rule): 'fused' for
 * layers of 4-bit codes (k = 16) with at least FUSED_BATCHED_MIN_ROWS rows and d ≤ 4, or with d = 8, at least
 * FUSED_BATCHED_D8_MIN_ROWS rows and weights × batch up to FUSED_BATCHED_D8_MAX_PRODUCT; 'lut-tiled-splitk' for
 * PQ layers with d = 8 from weights × batch = TILED_BATCHED_D8_MIN_PRODUCT (below); null elsewhere (and at batch 1).
 * There 'fused' reads each code word once for up to GATHER_BATCH_TILE inputs from tables it builds once per
 * workgroup (a chunk of segments at a time where one input's LUT does not fit the tile), where 'fused-banked' (batch
 * tile 2, and without the pair tables above batch 1) reads the codes twice as often. H200 (docs/kernel-attempts.md,
 * steps 46 and 59), 'fused' against 'fused-banked':
 * - d = 4: faster in every cell timed from 256×1024 to 16384², batches 2–32 (1024² 18.4–18.7 against 23.9–24.1 µs;
 *   1024×3136, whose LUT is three tiles, 17.2 against 23.9 at batch 8; 16384² 144.7 against 159.9 at batch 8, 511
 *   against 592 at batch 32); but 10×512 16.0 against 14.0 at batches 4 and 8 (hence the rows);
 * - d = 8: faster up to weights × batch = 2^27: 1024×3136 19.6 against 23.9 µs at batch 8 and 21.1 against 24.1 at
 *   32, 2048×4096 20.1 against 24.2 at batch 8, 2048² 22.9 against 26.7 at 32, 4096² 21.2 against 25.1 at 8; slower
 *   beyond: 4096² at batch 32 (48.9 against 39.7), 16384×4096 and 16384² at batch 8 (49.0 against 39.8, 95.7 against
 *   90.2); and at 512×1024 (18.8 against 17.7 at batch 8, 19.3 against 17.9 at 32).
 * And 'lut-tiled-splitk' for PQ layers with d = 8, k = 16 from weights × batch = TILED_BATCHED_D8_MIN_PRODUCT: its LUT
 * build serves every row group, where the banked gathers build their tables per workgroup. H200, against
 * 'fused-banked' (steps 63–64): 16384² 88.5–88.6 against 90.9–91.1 µs at batch 8 (2^31) and 308.8 against 313.5 at
 * 32, 16384×4096 103.8 against 110.0 at 32 (2^31); at 2^30 16384×4096 at batch 16 60.8 against 63.1, 8192² at 16
 * 55.8 against 57.4, 8192×4096 at 32 61.8 against 63.3; below, 'fused-banked' stays: 16384×4096 at batch 8 (2^29)
 * 39.8 against 40.5, 4096² at batch 32 (2^29) 39.5 against 41.7, 8192×4096 at 16 (2^29) the fastest.
 * RQ layers (several stages) run 'fused' only where one input's whole LUT fits the tile (as before step 59: untimed).
 */
export function batchedLutVariant(
  shape: { rows: number; cols: number; segments: number; stages: number; k: number; d: number },
  tileFloats: number,
  batch: number,
): LutVariant | null {
  const { rows, cols, stages, k, d } = shape;
  if (batch < 2 || k !== 16 || rows < FUSED_BATCHED_MIN_ROWS) return null;
  const product = rows * cols * batch;
  if (stages === 1 && d === 8 && product >= TILED_BATCHED_D8_MIN_PRODUCT) return 'lut-tiled-splitk';
  if (stages > 1 && !wholeLutFits(shape, tileFloats)) return null;
  if (d <= FUSED_BANKED_MAX_D) return 'fused';
  const d8Fused =
    d <= FUSED_BANKED_VEC4_MAX_D &&
    rows >= FUSED_BATCHED_D8_MIN_ROWS &&
    product <= FUSED_BATCHED_D8_MAX_PRODUCT;
  return d8Fused ? 'fused' : null;
}

/** Whether one input's whole LUT (stages · segments · k floats) fits a tile of `tileFloats`: what 'fused' needs. */
function wholeLutFits(shape: { segments: number; stages: number; k: number }, tileFloats: number): boolean {
  return shape.stages * shape.segments * shape.k <= tileFloats;
}

/** Longest sub-vector for which the 'auto' rule builds the banked tile inside the gather ('fused-banked'). */
export const FUSED_BANKED_MAX_D = 4;

/** The same, where the tile is built from 16-byte loads of codebook and x (canBuildTableWithVec4). */
export const FUSED_BANKED_VEC4_MAX_D = 8;

/**
 * Whether 'fused-banked' can build its tables from 16-byte loads (gather_banked_fused_vec4): sub-vectors of a
 * multiple of 4 floats (whole vec4s of codebook) that tile the columns exactly (each sub-vector of x starts
 * 16-byte aligned, none is partial).
 */
export function canBuildTableWithVec4(d: number, cols: number): boolean {
  return d % 4 === 0 && cols % d === 0;
}

/**
 * 'fused-banked' reads 4-bit codes of a k = 16 layer in pairs (pq_gather.wgsl PAIRED_CODES): a byte per pair of
 * segments, looked up in a PAIRED_TABLE_K-entry table of the pair's sums, so half the lookups for 16× the table
 * entries per segment pair (the executor option `pairCodes: false` keeps one lookup per segment). Only where the
 * workgroup tile holds at least one code word's pair tables (4 × 256 floats per stage), else codes stay single.
 */
export function canPairCodes(
  variant: LutVariant,
  shape: { k: number; bits: number; stageCount: number },
  tileFloatsLimit: number,
): boolean {
  const smallestGroupFloats = (32 / PAIRED_CODE_BITS) * PAIRED_TABLE_K * shape.stageCount;
  return (
    variant === 'fused-banked' &&
    shape.k === PAIRED_SOURCE_K &&
    shape.bits === 4 &&
    smallestGroupFloats <= tileFloatsLimit
  );
}
const PAIRED_SOURCE_K = 16;
/** The pair tables' size and the code width the gather sees with paired codes. */
export const PAIRED_TABLE_K = PAIRED_SOURCE_K * PAIRED_SOURCE_K;
export const PAIRED_CODE_BITS = 8;

/** From this many centroids (4-bit codes) on, the 'auto' rule picks a banked variant (chooseLutVariant). */
export const BANKED_MIN_K = 16;

/**
 * Inputs a banked gather workgroup takes at once unless the caller sets `batchTile`. Every input in the tile
 * divides the segments per group, so with 256-entry tables a batch tile of 4 left 4-segment groups: 1,024 split-K
 * partial sums per row and input (512 MiB written and read again at 16384², batch 8). Two halves that for one
 * more read of the codes: 16384², batch 8, d=4 k=256 354 against 444 µs on the H200 (docs/kernel-attempts.md,
 * step 14; a tile of 1 was within 5% of 2 in every cell, either way).
 */
export const BANKED_BATCH_TILE = 2;

/**
 * LayerExecutorOptions.groupBatchTiles's default: whether a gather's batch tiles (batches above one tile) are its
 * grid's fastest index, so that the tiles of one row group and chunk share their code reads through L2 instead of
 * each tile reading all of the codes from memory in turn (gather_common.wgsl GROUP_BATCH_TILES). Off: on the H200
 * (docs/kernel-attempts.md, step 73) it ran the 8-bit lookups of the 2^26–2^28-weight layers up to 1.12× faster,
 * but the kernels 'auto' picks within -1% to +4.4% (16384², d=8 k=256, 'fused-banked' at batch 8: 143.0 against
 * 149.2 µs), the decoded gather and the 4-bit codes within 2%: not enough to re-time both committed runs for.
 */
export const GROUP_BATCH_TILES = false;

/** How a gather dispatch covers the batch and the segments (or columns) of a layer. */
export interface GatherGeometry {
  /** Inputs per workgroup (≤ GATHER_BATCH_TILE). */
  batchTile: number;
  batchTiles: number;
  /** Segments (PQ) or columns (k-means, binary) per chunk; a workgroup covers one chunk. */
  chunkSegments: number;
  chunks: number;
  /** Floats of workgroup memory the pipeline declares for its tile (0 when it has none). */
  tileFloats: number;
}

function withBatchTiles(
  batch: number,
  batchTile: number,
  chunkSegments: number,
  segments: number,
  tileFloats: number,
) {
  return {
    batchTile,
    batchTiles: Math.ceil(batch / batchTile),
    chunkSegments,
    chunks: Math.ceil(segments / chunkSegments),
    tileFloats,
  };
}

function storageTooSmall(required: number, available: number, what: string): GpuLimitError {
  return new GpuLimitError(
    `${what} needs ${required} bytes of workgroup memory, above maxComputeWorkgroupStorageSize ${available}; ` +
      'use a device with a larger limit or a smaller k',
    'maxComputeWorkgroupStorageSize',
    required,
    available,
  );
}

/**
 * Geometry of a PQ / RQ gather. The tile holds [batchTile][stageCount][chunkSegments][k] floats; the batch tile
 * comes first (codes are the bulk of the bytes and are read once per batch tile), then as many segments as fit.
 * The batch tile is at most `maxBatchTile` (the executor's `batchTile` option), by default GATHER_BATCH_TILE, or
 * BANKED_BATCH_TILE for the banked variants.
 */
export function lutGeometry(
  variant: LutVariant,
  shape: { segments: number; k: number; codesPerWord?: number },
  stageCount: number,
  batch: number,
  tileFloatsLimit: number,
  maxBatchTile?: number,
): GatherGeometry {
  const { segments, k } = shape;
  const defaultBatchTile = isBankedVariant(variant) ? BANKED_BATCH_TILE : GATHER_BATCH_TILE;
  const batchTileWanted = Math.min(batch, maxBatchTile ?? defaultBatchTile, GATHER_BATCH_TILE);
  if (variant === 'lut-global') return withBatchTiles(batch, batchTileWanted, segments, segments, 0);
  const floatsPerSegment = stageCount * k;
  if (isBankedVariant(variant)) {
    return bankedGeometry(
      segments,
      floatsPerSegment,
      shape.codesPerWord ?? 1,
      batchTileWanted,
      tileFloatsLimit,
      batch,
    );
  }
  const batchTile = Math.min(batchTileWanted, Math.floor(tileFloatsLimit / floatsPerSegment));
  if (batchTile < 1) {
    throw storageTooSmall(
      floatsPerSegment * 4,
      tileFloatsLimit * 4,
      `a LUT chunk of ${stageCount} stage(s) × k ${k}`,
    );
  }
  const fitting = Math.min(segments, Math.floor(tileFloatsLimit / (batchTile * floatsPerSegment)));
  // Chunks of whole code words, so that every word but a row's last takes the kernel's unrolled path.
  const codesPerWord = shape.codesPerWord ?? 1;
  const chunkSegments =
    fitting < segments && fitting >= codesPerWord ? fitting - (fitting % codesPerWord) : fitting;
  return withBatchTiles(
    batch,
    batchTile,
    chunkSegments,
    segments,
    batchTile * chunkSegments * floatsPerSegment,
  );
}

function largestPowerOfTwoAtMost(value: number): number {
  return 2 ** Math.floor(Math.log2(value));
}

/**
 * 'lut-banked', 'fused-banked': a chunk is a group of a power-of-two number of segments, at least one code word and at most the
 * segments rounded up to a power of two; the batch tile comes first, as for the tiled variant, shrinking only
 * when not even one word's group fits.
 */
function bankedGeometry(
  segments: number,
  floatsPerSegment: number,
  codesPerWord: number,
  batchTileWanted: number,
  tileFloatsLimit: number,
  batch: number,
): GatherGeometry {
  const smallestGroupFloats = codesPerWord * floatsPerSegment;
  const batchTile = Math.min(batchTileWanted, Math.floor(tileFloatsLimit / smallestGroupFloats));
  if (batchTile < 1) {
    throw storageTooSmall(
      smallestGroupFloats * 4,
      tileFloatsLimit * 4,
      `a banked LUT group of ${codesPerWord} segments × ${floatsPerSegment} floats`,
    );
  }
  const fitting = largestPowerOfTwoAtMost(tileFloatsLimit / (batchTile * floatsPerSegment));
  const wanted = Math.max(codesPerWord, 2 ** Math.ceil(Math.log2(segments)));
  const groupSegments = Math.min(fitting, wanted);
  return withBatchTiles(
    batch,
    batchTile,
    groupSegments,
    segments,
    batchTile * groupSegments * floatsPerSegment,
  );
}

/**
 * The banked gathers' launch for batch tiles above 1 on large layers: a 32 KiB tile in 1024-invocation workgroups,
 * aiming at 128 of them. The NVIDIA Vulkan driver keeps workgroup memory to about 64 KiB per SM, so a 16 KiB tile
 * runs three 512-invocation workgroups per SM at most and a 32 KiB one a single workgroup (docs/kernel-attempts.md,
 * step 31); 1024 invocations keep 32 warps per SM with the larger tile, which holds twice the segments per group
 * and so halves the split-K partial sums. H200, fused-banked, batch 8 (step 33): 16384², d=4 k=256 281.8 against
 * 329.8 µs (reduce 81 → 47.5), d=8 k=256 156.8 against 187.1, d=4 k=16 163.5 against 173.2, d=8 k=16 93.1 against
 * 96.2; lut-banked likewise. At batch 1 it was slower (d=4 k=256 62.3 against 55.2 µs), and so was 4096², batch 8,
 * where 128 large workgroups leave too few rows each (d=4 k=16 50.7 against 28.1 µs): hence the size rule
 * (usesWideGather).
 */
export interface GatherLaunch {
  workgroupSize: number;
  tileFloatsLimit: number;
  targetWorkgroups: number;
}
export const WIDE_GATHER: GatherLaunch = {
  workgroupSize: 1024,
  tileFloatsLimit: (32 * 1024) / 4,
  targetWorkgroups: 128,
};
/**
 * Code lookups per input (rows × stages × segments) from which a banked gather with a batch tile above 1 takes
 * WIDE_GATHER: 16384² with d = 8 has 2^25 and gained, 4096² with d = 4 has 2^22 and lost. Between the two nothing
 * was measured, so the rule keeps the defaults there.
 */
export const WIDE_GATHER_MIN_LOOKUPS = 2 ** 25;

/**
 * When the banked gathers take WIDE_GATHER: 'auto' by the size rule, 'always' at every batch tile above 1 (the
 * executor option `wideGather: true`, for tests and tuning), 'never'. The executor resolves 'auto' to 'never' where
 * the device lacks the limits or the caller set the launch knobs itself.
 */
export type WideGatherMode = 'auto' | 'always' | 'never';

/**
 * Whether a gather runs with WIDE_GATHER: a banked variant at a batch tile above 1, with mode 'always', or 'auto' and
 * at least WIDE_GATHER_MIN_LOOKUPS lookups per input.
 */
export function usesWideGather(
  mode: WideGatherMode,
  variant: LutVariant,
  batchTile: number,
  lookupsPerInput: number,
): boolean {
  if (mode === 'never' || !isBankedVariant(variant) || batchTile <= 1) return false;
  return mode === 'always' || lookupsPerInput >= WIDE_GATHER_MIN_LOOKUPS;
}

/**
 * A smaller tile for banked gathers at a batch tile of 1 whose row groups are short: with the default tile the
 * workgroup builds a whole table for few rows, and the grid is small (4096², batch 1: 128 workgroups of 2048 rows).
 * Half or a quarter of the tile halves or quarters the table and doubles or quadruples the workgroups. H200,
 * fused-banked, batch 1 (docs/kernel-attempts.md, step 36), against the 16 KiB default: 4096² (2048 rows per group)
 * with 4 KiB d=4 k=256 17.9 against 19.5 µs, d=8 k=256 15.8 against 19.3, d=4 k=16 16.1 against 22.3, d=8 k=16 15.4
 * against 22.2; 16384×4096 (4096 rows per group) with 8 KiB d=4 k=16 22.2 against 25.8, d=8 k=16 19.9 against 23.8,
 * d=8 k=256 20.8 against 23.0, d=4 k=256 26.2 against 26.3, and 16384², d=8 k=16 (4096 rows) 28.1 against 30.0; with
 * 8192 or 16384 rows per group (16384², d=4 k=256 66.8 against 55.2 µs at 8 KiB) the default stays. Null: keep the
 * default tile.
 */
export function shortRowGroupTileBytes(rowsPerGroup: number): number | null {
  if (rowsPerGroup <= SHORT_ROW_GROUP_ROWS / 2) return 4 * 1024;
  if (rowsPerGroup <= SHORT_ROW_GROUP_ROWS) return 8 * 1024;
  return null;
}
/** The longest row group that takes a smaller tile (shortRowGroupTileBytes). */
export const SHORT_ROW_GROUP_ROWS = 4096;

/** Segments per group of the LUT buffer's layout (shaders/pq_lut_build.wgsl LUT_GROUP) for a variant. */
export function lutGroupSegments(variant: LutVariant, geometry: GatherGeometry): number {
  return isBankedVariant(variant) ? geometry.chunkSegments : 1;
}

/**
 * Columns per chunk of a k-means or binary gather are a multiple of this: whole code words (so that no word
 * straddles two chunks and the kernels decode every word with constant shifts) and whole 16-byte quads of x (the
 * kernels read x as vec4). 32 / bits codes fill a word; 8-bit codes, 4 per word, make the quad the larger unit.
 */
export function scalarChunkAlign(bits: number): number {
  return Math.max(32 / bits, 4);
}

/**
 * Workgroups a k-means or binary gather aims for unless the caller sets `targetWorkgroups`. Its row groups hold
 * at least a workgroup's rows, so a 4096-row layer has 16 of 256 rows: the columns are cut into more chunks until
 * the grid reaches this many workgroups (docs/kernel-attempts.md, step 38).
 */
export const SCALAR_TARGET_WORKGROUPS = 1024;
/** Code words a row of a scalar chunk holds at least when chunks are cut for workgroups (a full load step). */
export const SCALAR_MIN_CHUNK_WORDS = 8;

/** What a scalar gather's grid aims for: `targetWorkgroups` over row groups of at least `workgroupSize` rows. */
export interface ScalarGrid {
  rows: number;
  workgroupSize: number;
  targetWorkgroups: number;
}

/**
 * Geometry of a k-means or binary gather: the tile holds `reservedFloats` (the k centroids) and
 * [batchTile][chunk] floats of x. Chunks are as even as `align` (scalarChunkAlign) allows: 16384 columns of 4-bit
 * codes at a 4080-column budget are four chunks of 3280 and one of 3264, not four of 4080 and a 64-column
 * straggler whose workgroups sit nearly idle. With `grid`, the columns are cut into more chunks until the grid
 * reaches its target: row groups hold at least a workgroup's rows (rowGrouping), so there are at most
 * ceil(rows / workgroupSize) of them per batch tile. Chunks go down to SCALAR_MIN_CHUNK_WORDS code words.
 */
export function scalarGeometry(
  cols: number,
  batch: number,
  tileFloatsLimit: number,
  reservedFloats: number,
  align: number,
  grid?: ScalarGrid,
): GatherGeometry {
  const batchTile = Math.min(batch, GATHER_BATCH_TILE);
  const budget = Math.floor((tileFloatsLimit - reservedFloats) / batchTile);
  const longestChunk = Math.floor(budget / align) * align;
  if (longestChunk < align) {
    throw storageTooSmall(
      (reservedFloats + batchTile * align) * 4,
      tileFloatsLimit * 4,
      `${reservedFloats} centroids and ${align} columns of x for ${batchTile} input(s)`,
    );
  }
  const rowGroupsTimesBatchTiles = grid
    ? Math.ceil(grid.rows / grid.workgroupSize) * Math.ceil(batch / batchTile)
    : 0;
  const minChunks = grid ? Math.ceil(grid.targetWorkgroups / rowGroupsTimesBatchTiles) : 1;
  const shortestChunk = Math.min(longestChunk, SCALAR_MIN_CHUNK_WORDS * align);
  const chunks = Math.min(
    Math.max(Math.ceil(cols / longestChunk), minChunks),
    Math.ceil(cols / shortestChunk),
  );
  const chunkSegments = Math.ceil(Math.ceil(cols / chunks) / align) * align;
  return withBatchTiles(batch, batchTile, chunkSegments, cols, batchTile * chunkSegments);
}

/** A range of code rows bound as one codes binding and run as one gather dispatch. */
export interface CodeBlock {
  /** Stage group this block belongs to; its chunks write slots [stageGroup·chunks, (stageGroup + 1)·chunks). */
  stageGroup: number;
  stageBegin: number;
  stageCount: number;
  rowBegin: number;
  rowEnd: number;
  /** Byte range of the codes buffer bound for this block (offset aligned to minStorageBufferOffsetAlignment). */
  bindingOffset: number;
  bindingSize: number;
  /** u32 words from the binding's start to the codes of (stageBegin, rowBegin). */
  wordOffset: number;
}

export interface CodeBlockPlan {
  blocks: CodeBlock[];
  /** 1 when every stage is in each block; `stages` when the codes were split (one stage per block). */
  stageGroups: number;
}

/**
 * Splits the codes (GPU layout, kernels/code-layout.ts: [stages][row tiles][wordsPerRow][CODE_ROW_TILE] u32) into
 * bindings of at most `maxBindingBytes` (maxStorageBufferBindingSize). When everything fits: one block of all
 * stages and rows. Otherwise each stage is cut into blocks of whole row tiles; a binding must start at a multiple
 * of `offsetAlignment`, so it starts up to alignment − 4 bytes early and the kernel skips `wordOffset` words.
 * GpuLimitError when one row tile cannot fit.
 */
export function planCodeBlocks(
  rows: number,
  stages: number,
  wordsPerRow: number,
  maxBindingBytes: number,
  offsetAlignment: number,
): CodeBlockPlan {
  const tileBytes = wordsPerRow * CODE_ROW_TILE * WORD_BYTES;
  const rowTiles = codeRowTiles(rows);
  const stageBytes = rowTiles * tileBytes;
  const totalBytes = stages * stageBytes;
  if (totalBytes <= maxBindingBytes) {
    const block = { stageGroup: 0, stageBegin: 0, stageCount: stages, rowBegin: 0, rowEnd: rows };
    return {
      blocks: [{ ...block, bindingOffset: 0, bindingSize: totalBytes, wordOffset: 0 }],
      stageGroups: 1,
    };
  }
  const slack = offsetAlignment - WORD_BYTES;
  const tilesPerBlock = Math.floor((maxBindingBytes - slack) / tileBytes);
  if (tilesPerBlock < 1) {
    throw new GpuLimitError(
      `one tile of ${CODE_ROW_TILE} rows of codes (${tileBytes} bytes, plus up to ${slack} bytes of offset ` +
        `alignment) exceeds maxStorageBufferBindingSize ${maxBindingBytes}`,
      'maxStorageBufferBindingSize',
      tileBytes + slack,
      maxBindingBytes,
    );
  }
  const blocks: CodeBlock[] = [];
  for (let stage = 0; stage < stages; stage++) {
    for (let tileBegin = 0; tileBegin < rowTiles; tileBegin += tilesPerBlock) {
      const tileEnd = Math.min(rowTiles, tileBegin + tilesPerBlock);
      const startByte = stage * stageBytes + tileBegin * tileBytes;
      const bindingOffset = Math.floor(startByte / offsetAlignment) * offsetAlignment;
      const endByte = stage * stageBytes + tileEnd * tileBytes;
      blocks.push({
        stageGroup: stage,
        stageBegin: stage,
        stageCount: 1,
        rowBegin: tileBegin * CODE_ROW_TILE,
        rowEnd: Math.min(rows, tileEnd * CODE_ROW_TILE),
        bindingOffset,
        bindingSize: endByte - bindingOffset,
        wordOffset: (startByte - bindingOffset) / WORD_BYTES,
      });
    }
  }
  return { blocks, stageGroups: stages };
}

/**
 * Rows per workgroup for a block of `rows` rows when the other grid dimensions already give
 * `otherWorkgroups`: at least `rowsPerStep` (the rows a workgroup's invocations take at once: the workgroup
 * size, times the rows per invocation of the banked gathers), and enough row groups to reach TARGET_WORKGROUPS;
 * a multiple of CODE_ROW_TILE rows.
 */
export function rowGrouping(
  rows: number,
  rowsPerStep: number,
  otherWorkgroups: number,
  targetWorkgroups = TARGET_WORKGROUPS,
): { rowsPerGroup: number; rowGroups: number } {
  const mostGroups = Math.ceil(rows / rowsPerStep);
  const wantedGroups = Math.max(1, Math.ceil(targetWorkgroups / otherWorkgroups));
  // Whole row tiles per group, so that a subgroup's code loads stay within one tile (code-layout.ts).
  const rowsPerGroup = Math.ceil(rows / Math.min(mostGroups, wantedGroups) / CODE_ROW_TILE) * CODE_ROW_TILE;
  return { rowsPerGroup, rowGroups: Math.ceil(rows / rowsPerGroup) };
}

/** `const MAX_ROWS_PER_INVOCATION` of shaders/pq_gather.wgsl (gather_banked's rows per invocation). */
export const MAX_ROWS_PER_INVOCATION = 4;
/**
 * Rows each banked gather invocation takes at a time unless the caller sets `rowsPerInvocation`, by the batch tile
 * and the code width. H200, 16384² (docs/kernel-attempts.md, step 19; 1 / 2 / 4 rows): a batch tile of 1 with 8-bit
 * codes takes 4 (fused-banked d=4 k=256 62.4 / 63.8 / 58.0 µs), with narrower codes 1 (a row's group then spans 32
 * code words: d=8 k=16 33.6 / 39.3 / 42.9 µs); larger batch tiles take 2 (batch 8, d=4 k=256 358.7 / 338.9 / 355.5,
 * d=4 k=16 243.6 / 172.9 / 182.2 µs). Never more than the layer's rows give every invocation of a workgroup
 * (`rows` / `workgroupSize`): in a 512-row layer with 512-invocation workgroups, 4 rows each would leave three
 * quarters of the invocations without a row.
 */
export function bankedRowsPerInvocation(
  bits: number,
  batchTile: number,
  rows: number,
  workgroupSize: number,
): number {
  const measured = batchTile > 1 ? 2 : bits >= 8 ? 4 : 1;
  return Math.min(measured, Math.max(1, Math.floor(rows / workgroupSize)));
}

/**
 * How the banked gathers decode 8-bit codes (k = 256, and k = 16 read in pairs): from code words rotated once by the
 * lane's byte rotation, so that every code takes a constant shift ('rotated-words'), or with one shift by a per-lane
 * amount per code ('per-code-shifts'); 'auto' picks by the batch tile (usesRotatedCodeWords).
 */
export type CodeDecode = 'auto' | 'rotated-words' | 'per-code-shifts';
export const CODE_DECODES: readonly CodeDecode[] = ['auto', 'rotated-words', 'per-code-shifts'];

/**
 * Whether a banked gather decodes its 8-bit codes from rotated code words (pq_gather.wgsl ROTATED_CODE_WORDS):
 * always or never where the caller says so, and with 'auto' where the batch tile is above 1. H200, fused-banked,
 * beside one shift per code in the same run (docs/kernel-attempts.md, steps 26 and 28): batch 8, 16384², d=4
 * k=256 330.9 against 345.1 µs, d=8 k=256 186.8 against 192.8; 4096², d=4 k=256 39.5 against 44.8. At a batch tile
 * of 1 it was no faster and for d=4 k=256 slower (60.5 against 58.4 µs), so a tile of 1 keeps the per-code shifts.
 */
export function usesRotatedCodeWords(decode: CodeDecode, batchTile: number): boolean {
  return decode === 'rotated-words' || (decode === 'auto' && batchTile > 1);
}

/**
 * `const MAX_WORDS_IN_FLIGHT` of shaders/pq_gather.wgsl and scalar_gather_common.wgsl (the size of their register
 * arrays of code words).
 */
export const MAX_WORDS_IN_FLIGHT = 8;

/**
 * Code words a PQ / RQ gather invocation loads before decoding: the words one row holds in a chunk, at most
 * MAX_WORDS_IN_FLIGHT. On the H200 (16384², docs/kernel-attempts.md) a register array larger than the chunk's
 * words only cost occupancy: k = 256 at batch 1 (4 words per chunk row) ran 15% faster with 4 than with 8, and
 * at batch 8 (1 word) 18% faster with 1; k = 16 (32 words) was as fast with 4 as with 8 and 30% slower with 1.
 */
export function wordsInFlightFor(chunkSegments: number, codesPerWord: number): number {
  return Math.max(1, Math.min(MAX_WORDS_IN_FLIGHT, Math.ceil(chunkSegments / codesPerWord)));
}

/**
 * Code words a k-means or binary gather invocation loads before decoding any unless the caller sets
 * `wordsInFlight` (shaders/scalar_gather_common.wgsl; a chunk holds at least SCALAR_MIN_CHUNK_WORDS per row). On
 * the H200 (docs/kernel-attempts.md, step 38) 8 beat 4 at a batch tile of 1 (16384², 4-bit 116 against 124 µs;
 * 4096², 8-bit 59 against 81 µs) and with 8-bit codes at batch 8 (469 against 501 µs), while 4-bit codes at batch
 * 8, with four inputs' sums per code, ran faster with 4 (372 against 426 µs).
 */
export function scalarWordsInFlight(batchTile: number, bits: number): number {
  return batchTile === 1 || bits >= 8 ? 8 : 4;
}

/**
 * Whether a binary layer runs a batch of `batch` inputs as byte codes through sign tables (pq_gather.wgsl SIGN_TABLES):
 * never where the tile (`tileFloatsLimit` floats) cannot hold one code word's group, 4 segments × 256 entries (4 KiB;
 * every WebGPU device allows 16 KiB, a caller's smaller budget may not); otherwise as the caller says, and under 'auto'
 * from BINARY_BYTE_TABLES_MIN_WEIGHTS weights, which depend on whether the batch is one input. H200, sign tables
 * built from their nibble halves (docs/kernel-attempts.md, step 43), against binary_gather.wgsl in one run: at batch 8
 * they won at every size timed, from 4096² (24.7 against 31.2 µs) to 16384² (137 against 291 µs); at batch 1 they lost
 * up to 2^26 weights (4096² 17.3 against 15.7 µs, 8192² 31.4 against 24.9, 4096×16384 26.0 against 25.1) and won from
 * 2^26.6 (4096×25088, VGG's fc6: 30.5 against 33.4 µs; 16384×8192 33.7 against 36.9; 16384² 42.8 against 60.2).
 * Below 2^24 nothing was timed, so 'auto' keeps the bit gather there.
 */
export function usesBinaryByteTables(
  mode: boolean | 'auto',
  tileFloatsLimit: number,
  shape: { rows: number; cols: number; batch: number },
): boolean {
  if (mode === false || tileFloatsLimit < BINARY_BYTE_TABLE_MIN_FLOATS) return false;
  const minWeights =
    shape.batch === 1 ? BINARY_BYTE_TABLES_MIN_WEIGHTS.oneInput : BINARY_BYTE_TABLES_MIN_WEIGHTS.batched;
  return mode === true || shape.rows * shape.cols >= minWeights;
}
/** One code word's sign tables: 4 byte codes per word × 256 entries. */
export const BINARY_BYTE_TABLE_MIN_FLOATS = 4 * 256;
/**
 * Fewest weights (rows × cols) of a binary layer that takes the byte tables under 'auto', at batch 1 and above:
 * 3 · 2^25 lies between the 2^26 that lost at batch 1 and the 2^26.6 that won (usesBinaryByteTables).
 */
export const BINARY_BYTE_TABLES_MIN_WEIGHTS = { oneInput: 3 * 2 ** 25, batched: 2 ** 24 } as const;

/** `const MAX_EXPANDED_ENTRIES` of shaders/pq_gather.wgsl (the register array of an invocation's expanded entries). */
export const MAX_EXPANDED_ENTRIES = 16;

/**
 * Tile entries each invocation of 'fused-banked' expands from half tables (pq_gather.wgsl NIBBLE_TABLES: pair tables
 * of k = 16 codes read in pairs, binary sign tables, each entry the sum of two of 32 half values per segment), or null
 * where the caller turned it off or an invocation's share of the tile (`tileFloats` / `workgroupSize`, rounded up)
 * would not fit MAX_EXPANDED_ENTRIES registers: that build then computes every entry from the codebook or x.
 */
export function nibbleExpandEntries(
  enabled: boolean,
  tileFloats: number,
  workgroupSize: number,
): number | null {
  const entries = Math.ceil(tileFloats / workgroupSize);
  return enabled && entries <= MAX_EXPANDED_ENTRIES ? entries : null;
}

/** The executor option `centroidCopies` (kmeans_gather.wgsl CENTROID_COPIES): powers of two up to the warp's 32 lanes. */
export const CENTROID_COPY_COUNTS: readonly number[] = [1, 2, 4, 8, 16, 32];

/**
 * The launch of large k-means layers with 8-bit codes (usesCopiedCentroids): 16 interleaved copies of the centroid
 * table (at most two lanes per memory bank instead of about 3.5) in a 20 KiB tile, 512-invocation workgroups; x
 * gets the tile's last 4 KiB. H200 (docs/kernel-attempts.md, step 40), against one copy at the default launch:
 * 16384² 120 against 148 µs at batch 1, 346 against 449 µs at batch 8; 16384×8192 71.5 against 81.8 µs. Step 38
 * had it even at 16384×4096 and slower at 4096² (27.8 against 21.8 µs), where the larger tile leaves too few
 * workgroups resident: hence COPIED_CENTROIDS_MIN_WEIGHTS.
 */
export const COPIED_CENTROIDS = { copies: 16, workgroupSize: 512, storageBytes: 20 * 1024 } as const;
/** Fewest weights (rows × cols) for which a k-means layer with k > 16 takes COPIED_CENTROIDS. */
export const COPIED_CENTROIDS_MIN_WEIGHTS = 2 ** 27;

/** Whether a k-means layer of this shape takes COPIED_CENTROIDS where the device and the caller's options allow. */
export function usesCopiedCentroids(k: number, rows: number, cols: number): boolean {
  return k > 16 && rows * cols >= COPIED_CENTROIDS_MIN_WEIGHTS;
}

/** pq_decode.wgsl's MAX_DECODE_ROWS, MAX_DECODE_INPUTS and MAX_STAGED_VEC4S (a test checks that they agree). */
export const DECODE_MAX_ROWS = 8;
export const DECODE_MAX_INPUTS = 8;
export const DECODE_MAX_STAGED_VEC4S = 16;

/**
 * The decoded gather's launch where the caller leaves `workgroupSize`, `rowsPerInvocation` and
 * `maxWorkgroupStorageBytes` unset (the executor resolves DecodeLaunch; the workgroup is capped by the device's
 * limit, 256 on many phones): 256 invocations of 8 rows each (2048 rows per workgroup), and a tile budget of 16 KiB
 * of codebooks (a code word's 4 segments at d = 4, k = 256) plus their x for 8 inputs. At 254 registers an H200 SM
 * holds one such workgroup, as many warps as two of 128. Step 54's probe took 128 × 8 rows (154 µs per layer at
 * 16384², batch 8; 256 × 4 175, 256 × 2 218, 64 × 8 199); in pqweb 256 × 8 with DECODE_TARGET_WORKGROUPS 128 was
 * faster in all 16 cells timed, float32 and float16 codebooks, batches 8 and 32, 512×1024 to 16384² (16384², batch
 * 8, float32: 159.0 against 166.9 µs; docs/kernel-attempts.md, step 58): each segment chunk's codebooks are staged
 * by half as many workgroups.
 */
export const DECODE_LAUNCH = {
  workgroupSize: 256,
  rowsPerInvocation: 8,
  tileFloatsLimit: 4 * 256 * 4 + 4 * 4 * DECODE_MAX_INPUTS,
} as const;
/**
 * Workgroups a decoded gather aims for: about one per H200 SM, each resident for the whole dispatch (step 58; with
 * 128-invocation workgroups step 54's probe took 256 workgroups of 1024 rows 154 µs, 512 of 128 segments 162).
 */
export const DECODE_TARGET_WORKGROUPS = 128;

/**
 * Whether pq_decode.wgsl can run a PQ layer: one stage, d a multiple of 4 dividing cols (whole 16-byte vectors of
 * codebook and x), and a tile budget of at least one segment's codebook and x for one input.
 */
export function canDecode(
  shape: { d: number; k: number; cols: number; stages: number },
  tileFloatsLimit: number,
  workgroupSize: number,
): boolean {
  const { d, k, cols, stages } = shape;
  return (
    stages === 1 &&
    d % 4 === 0 &&
    cols % d === 0 &&
    d / 4 <= workgroupSize &&
    k * d + d <= tileFloatsLimit &&
    Math.ceil((k * d) / 4 / workgroupSize) <= DECODE_MAX_STAGED_VEC4S
  );
}

/**
 * The layers 'auto' may run decoded (usesDecodedGather): none below DECODE_MIN_WEIGHTS (512×1024, the smallest layer
 * timed); 8-bit codes with d = 4 from batch 2 below DECODE_LARGE_LAYER_WEIGHTS and from DECODE_LARGE_LAYER_MIN_BATCH
 * at that size and up; 8-bit codes with d = 8 from batch 2 below DECODE_D8_MAX_WEIGHTS, from DECODE_D8_LARGE_BATCH
 * up to DECODE_D8_LARGE_MAX_WEIGHTS, and from DECODE_D8_WIDE_MIN_BATCH between DECODE_D8_WIDE_MIN_WEIGHTS and
 * DECODE_D8_LARGE_MAX_WEIGHTS; 4-bit codes while weights × batch stay below
 * DECODE_4BIT_D4_MAX_PRODUCT (d = 4) or DECODE_4BIT_D8_MAX_PRODUCT (d = 8), and with d = 4 again on layers of
 * DECODE_LARGE_LAYER_WEIGHTS and up from DECODE_4BIT_D4_LARGE_MIN_BATCH, once weights × batch reach
 * DECODE_4BIT_D4_LARGE_MIN_PRODUCT.
 */
export const DECODE_MIN_WEIGHTS = 2 ** 19;
export const DECODE_LARGE_LAYER_WEIGHTS = 2 ** 24;
export const DECODE_LARGE_LAYER_MIN_BATCH = 4;
export const DECODE_D8_MAX_WEIGHTS = 2 ** 22;
export const DECODE_D8_LARGE_BATCH = 32;
export const DECODE_D8_LARGE_MAX_WEIGHTS = 2 ** 26;
export const DECODE_D8_WIDE_MIN_WEIGHTS = 2 ** 24;
export const DECODE_D8_WIDE_MIN_BATCH = 16;
export const DECODE_4BIT_D4_MAX_PRODUCT = 2 ** 25;
export const DECODE_4BIT_D8_MAX_PRODUCT = 2 ** 24;
export const DECODE_4BIT_D4_LARGE_MIN_PRODUCT = 2 ** 29;
export const DECODE_4BIT_D4_LARGE_MIN_BATCH = 8;

/**
 * The rule behind 'auto' for the decoded gather (constants above). A lookup serves one input and a decoded centroid
 * all of the tile, so the lookups' cost grows with the batch and the codes, the decoded gather's with the
 * multiply-adds (those of the dense layer) and little else: it wins where the lookups' fixed costs (a table built
 * per input, a reduce over many slots) weigh most, on layers up to a few million weights, and with 8-bit codes
 * (256-entry tables, whose lookups conflict in workgroup memory) at larger batches too. H200, the decoded gather on
 * 256 × 8-row workgroups against the best lookup variant of each cell (docs/kernel-attempts.md, steps 54, 56, 59, 64):
 * - 8 bits, d = 4: 512×1024 to 2048×4096 at batches 2–32, 1.00× (2048², batch 8) to 1.74× (1024×3136, batch 32);
 *   4096² and up: batch 4 1.00–1.14×, batch 8 1.35–1.81×, batch 32 1.68–2.13×;
 * - 8 bits, d = 8: 1.10–1.37× below 2^22 weights at batches 2–32; 2048² 1.05×, 1.01×, 0.96× at batches 2, 4, 8 and
 *   1.24× at 32; 2048×4096 0.96–0.97×; at batch 32 1.14× at 4096²; from 2^25 to 2^26 weights (8192×4096, 8192²,
 *   16384×4096) 1.01–1.11× at batches 16 and 32, and 1.11–1.27× with float16 codebooks; 16384² 0.93–0.95× (float16
 *   codebooks, batches 8 and 32);
 * - 4 bits, d = 4: 1.03–1.62× while weights × batch < 2^25, 0.79–1.00× from there (1024×3136 at batch 32, 0.97×;
 *   2048² at batch 8, 0.82×; 4096² at batch 8, 0.89×), but 1.01–1.18× again on large layers from 2^29 (4096² at
 *   batch 32 1.10×, 16384×4096 at batch 8 1.10× and at 32 1.18×, 16384² at batch 8 1.01× and at 32 1.05×): there
 *   the lookups' table builds and partial sums grow with the batch, and the decoded gather keeps the H200 busy;
 * - 4 bits, d = 8: 1.15–1.51× while weights × batch < 2^24, 0.72–0.99× from there (2048² at batch 4, 0.95×; but
 *   512×1024 at batch 32, 2^24, 1.18×).
 * Sub-vectors of other lengths and codes of 1–2 bits were not timed: the lookups run them.
 */
export function usesDecodedGather(
  shape: { rows: number; cols: number; d: number; k: number },
  batch: number,
): boolean {
  const { rows, cols, d, k } = shape;
  const weights = rows * cols;
  if (batch < 2 || weights < DECODE_MIN_WEIGHTS) return false;
  const eightBitCodes = k > 16 && k <= 256;
  const fourBitCodes = k > 4 && k <= 16;
  if (eightBitCodes && d === 4) {
    return weights < DECODE_LARGE_LAYER_WEIGHTS || batch >= DECODE_LARGE_LAYER_MIN_BATCH;
  }
  if (eightBitCodes && d === 8) {
    return (
      weights < DECODE_D8_MAX_WEIGHTS ||
      (batch >= DECODE_D8_LARGE_BATCH && weights <= DECODE_D8_LARGE_MAX_WEIGHTS) ||
      (batch >= DECODE_D8_WIDE_MIN_BATCH &&
        weights >= DECODE_D8_WIDE_MIN_WEIGHTS &&
        weights <= DECODE_D8_LARGE_MAX_WEIGHTS)
    );
  }
  if (fourBitCodes && d === 4) {
    const product = weights * batch;
    return (
      product < DECODE_4BIT_D4_MAX_PRODUCT ||
      (weights >= DECODE_LARGE_LAYER_WEIGHTS &&
        batch >= DECODE_4BIT_D4_LARGE_MIN_BATCH &&
        product >= DECODE_4BIT_D4_LARGE_MIN_PRODUCT)
    );
  }
  if (fourBitCodes && d === 8) return weights * batch < DECODE_4BIT_D8_MAX_PRODUCT;
  return false;
}

/**
 * Whether usesDecodedGather decodes `shape` at some batch: each of its clauses holds from some batch on or up to
 * some batch, so the smallest batch and the largest tell.
 */
export function decodesAtSomeBatch(shape: { rows: number; cols: number; d: number; k: number }): boolean {
  return usesDecodedGather(shape, 2) || usesDecodedGather(shape, Number.MAX_SAFE_INTEGER);
}

/** How a decoded gather is launched (DECODE_LAUNCH by default; the executor resolves the caller's options). */
export interface DecodeLaunch {
  workgroupSize: number;
  rowsPerInvocation: number;
  tileFloatsLimit: number;
  targetWorkgroups: number;
}

/**
 * Whether pq_decode.wgsl's staging needs its range checks (CHECKED_STAGING): unless the segments are whole sub-chunks,
 * the batch whole tiles, and the tile's vec4s a multiple of the workgroup size, something staged can be out of range.
 */
export function decodeNeedsRangeChecks(
  geometry: Pick<DecodeGeometry, 'subSegments' | 'batchTile'>,
  shape: { segments: number; k: number; d: number },
  batch: number,
  workgroupSize: number,
): boolean {
  const tileVec4s = (geometry.subSegments * shape.k * shape.d) / 4;
  return (
    shape.segments % geometry.subSegments !== 0 ||
    batch % geometry.batchTile !== 0 ||
    tileVec4s % workgroupSize !== 0
  );
}

/** Geometry of the decoded gather (decodeGeometry). */
export interface DecodeGeometry extends GatherGeometry {
  /** Segments staged at once (pq_decode.wgsl SUB_SEGMENTS): a power of two dividing the codes per word. */
  subSegments: number;
  /** Rows each invocation sums (pq_decode.wgsl DECODE_ROWS). */
  rowsPerInvocation: number;
  /** Row groups of one workgroup pass (workgroupSize · rowsPerInvocation rows). */
  rowGroups: number;
}

/**
 * Geometry of the decoded gather: a batch tile of up to DECODE_MAX_INPUTS inputs (at most one x vec4 per invocation
 * for a segment); sub-chunks of the largest power of two of segments, up to a code word, whose codebooks and x fit
 * `tileFloatsLimit`; row groups of one pass of `workgroupSize` invocations × `rowsPerInvocation` rows (fewer rows per
 * invocation where the layer has too few); and as many segment chunks (split-K slots), each whole sub-chunks, as it
 * takes to reach `targetWorkgroups`.
 */
export function decodeGeometry(
  shape: { rows: number; segments: number; k: number; d: number; codesPerWord: number },
  batch: number,
  launch: DecodeLaunch,
): DecodeGeometry {
  const { rows, segments, k, d, codesPerWord } = shape;
  const { workgroupSize, tileFloatsLimit, targetWorkgroups } = launch;
  const d4 = d / 4;
  const batchTile = Math.min(batch, DECODE_MAX_INPUTS, Math.floor(workgroupSize / d4));
  const floatsPerSegment = k * d + d * batchTile;
  let subSegments = codesPerWord;
  while (
    subSegments > 1 &&
    (subSegments * floatsPerSegment > tileFloatsLimit ||
      subSegments * d4 * batchTile > workgroupSize ||
      Math.ceil((subSegments * k * d4) / workgroupSize) > DECODE_MAX_STAGED_VEC4S)
  ) {
    subSegments /= 2;
  }
  if (subSegments * floatsPerSegment > tileFloatsLimit) {
    throw storageTooSmall(
      floatsPerSegment * 4,
      tileFloatsLimit * 4,
      `a decoded sub-chunk of one segment (k ${k} × d ${d} codebook and x for ${batchTile} inputs)`,
    );
  }
  const rowsPerInvocation = Math.max(1, Math.min(launch.rowsPerInvocation, Math.floor(rows / workgroupSize)));
  const rowGroups = Math.ceil(rows / (workgroupSize * rowsPerInvocation));
  const batchTiles = Math.ceil(batch / batchTile);
  const subChunks = Math.ceil(segments / subSegments);
  const wantedChunks = Math.max(1, Math.ceil(targetWorkgroups / (rowGroups * batchTiles)));
  const chunkSegments = Math.ceil(subChunks / Math.min(wantedChunks, subChunks)) * subSegments;
  return {
    batchTile,
    batchTiles,
    chunkSegments,
    chunks: Math.ceil(segments / chunkSegments),
    tileFloats: subSegments * floatsPerSegment,
    subSegments,
    rowsPerInvocation,
    rowGroups,
  };
}

/** Fewest weights of a d ≤ 4 layer of 8-bit codes whose batch 1 runs grouped float32 tables under 'auto' (4096²). */
export const GROUPED_TABLES_MIN_WEIGHTS = 2 ** 24;
/** Largest batch of a d ≤ 4 layer of 8-bit codes that runs grouped float32 tables under 'auto' (step 98). */
export const GROUPED_TABLES_MAX_BATCH = 4;
/** Fewest weights of a d = 8 layer of 8-bit codes whose batch 1 runs grouped float32 tables under 'auto' (2^26). */
export const GROUPED_TABLES_D8_MIN_WEIGHTS = 2 ** 26;
/**
 * Fewest weights of a layer of 4-bit codes (k ≤ 16, read in pairs) whose batches 1 to PAIRED_GROUPED_TABLES_MAX_BATCH
 * run grouped float32 tables under 'auto' (4096²): the reference model's fc1 and fc2 keep their kernels.
 */
export const PAIRED_GROUPED_TABLES_MIN_WEIGHTS = 2 ** 24;
/** Largest batch of a d ≤ 4 layer of 4-bit codes that runs grouped float32 tables under 'auto' (step 98). */
export const PAIRED_GROUPED_TABLES_MAX_BATCH = 16;
/** Largest batch of a d = 8 layer of 4-bit codes that runs grouped float32 tables under 'auto' (the largest timed). */
export const PAIRED_GROUPED_TABLES_D8_MAX_BATCH = 32;

/**
 * The rule behind 'auto' for grouped float32 tables (executor variant 'grouped-float32': shaders/pq_table8.wgsl's
 * structure with float32 entries, table32_entry1.wgsl), for PQ layers (one stage) of d ≤ 4 or d = 8.
 *
 * 8-bit codes (16 < k ≤ 256): batches 1 to 4 from 2^24 weights for d ≤ 4, batch 1 from 2^26 for d = 8. Its codes
 * are one byte each, pre-rotated in each row's visiting order, so every shift of the gather is a constant, and one
 * 1024-invocation workgroup builds a group's tables once for every row. H200, against 'fused-banked' (what 'auto' ran
 * before) in the same run (docs/kernel-attempts.md, steps 80–81):
 * - d = 4, k = 256: 4096² 14.8 against 16.8 µs, 16384×4096 19.5 against 24.6, 16384² 49.2 against 51.7; below
 *   2^24 level (1024×3136 14.1 against 13.8, 512×1024 11.8 against 12.0);
 * - d = 8, k = 256: 16384×4096 19.1 against 20.4, 16384² 31.9 against 35.6; slower below (4096² 16.2 against 14.8,
 *   1024×3136 15.7 against 13.5);
 * - above batch 1 the tables of one input per workgroup lose at batch 8 (16384², d = 4: 267 against 158 µs decoded);
 *   since step 98 d ≤ 4 takes them at batches 2 to 4, in the layout batch 1 takes. H200, at the kept rule, 'auto'
 *   against the faster of 'fused-banked' and 'decoded' in the same process (GPU medians, µs):
 *
 *   | layer, d = 4, k = 256     | batch 2     | batch 3      | batch 4       |
 *   | ------------------------- | ----------- | ------------ | ------------- |
 *   | 16384² (groups of 32)     | 64.0 / 71.8 | 90.8 / 123.7 | 116.7 / 135.4 |
 *   | 16384×4096 (groups of 16) | 25.7 / 32.0 | 37.1 / 42.1  | 38.5 / 43.8   |
 *   | 4096² (groups of 32)      | 14.6 / 19.0 | 17.1 / 19.8  | 17.7 / 20.8   |
 *
 *   (4096², batch 3 took 24.2 µs in the first run, where 96 slot tiles took 2 row blocks, 192 workgroups on 132 SMs:
 *   table8-program.ts groupedRowsPerWorkgroup now keeps them within the target.) d = 8 keeps batch 1 alone:
 *   0.93–1.14× at batches 2 to 4 (16384² in groups of 16: 42.6 / 41.8, 63.6 / 71.1, 78.1 / 77.6 µs; 16384×4096
 *   21.9 / 24.8, 31.0 / 31.0, 29.0 / 33.3).
 *
 * 4-bit codes (k ≤ 16) since step 94: their codes are read in pairs (cpu/lut8.ts pairsCodes, step 93), one byte and
 * one entry of a k²-entry table per two segments, so the grouped codes take the packed codes' bytes, not twice them.
 * Batches 1 to 16 (d ≤ 4) or 32 (d = 8) from 2^24 weights. H200, k = 16, in one run against what 'auto' ran before
 * (docs/kernel-attempts.md step 94):
 * - batch 1 against 'fused-banked': 16384² d = 4 26.1 against 30.9 µs, d = 8 18.8 against 22.1; 16384×4096 15.6
 *   against 21.3 and 14.3 against 16.6; 4096² 12.9 against 14.1 and 12.6 against 13.5; 1024×3136 12.1 against 12.4
 *   and 11.7 against 11.8; slower at 512×1024 (10.8 against 10.5, 11.3 against 10.3), where a second dispatch costs
 *   more than the lookups save;
 * - batch 8 against 'decoded', 'lut-tiled-splitk' or 'fused': 16384² 120.7 against 142.1 µs (d = 4) and 69.4
 *   against 88.2 (d = 8); 16384×4096 40.5 against 49.0 and 28.1 against 37.3; 4096² 19.0 against 23.7 and 15.8
 *   against 21.6; 1024×3136 13.2 against 16.9 and 12.5 against 19.7; 512×1024 11.1 against 13.2 and 11.5 against
 *   14.4. Batches 2 to 7 were not timed: they take the rule of batch 8. k < 16 was not timed: it pairs as k = 16.
 * - batches 16 and 32 (step 98, one H200 run; pair tables against what 'auto' ran before, µs): d = 8 won every cell
 *   (16384² 128.8 / 164.8 and 241.6 / 309.7; 16384×4096 44.9 / 60.6 and 84.8 / 103.3; 4096² 20.9 / 26.1 and
 *   31.9 / 36.9), so d = 8 takes them up to batch 32; d = 4 won at batch 16 (227.1 / 258.6, 77.0 / 78.8, 28.2 / 36.9)
 *   but not everywhere at 32 (16384×4096 153.3 against 139.6 decoded; 16384² 438.0 / 486.6, 4096² 46.7 / 48.9), so
 *   d ≤ 4 takes them up to batch 16. The batches between were not timed: they take the rule of the batch above.
 * Below 2^24 weights the gain on the H200 is small at batch 1 (1–2% at 1024×3136) and SwiftShader, the only other
 * adapter timed, ran the pair tables 2× slower end to end in the browser (the bundled model's fc1 on them at batch 1:
 * 334–389 against 168 ms per classify) and 7× slower at 512×1024, batch 8 (459 against 70 ms), so the reference
 * model's small layers keep their kernels.
 *
 * Float16 codebooks take it too since step 90, a little faster than float32 ones (the build reads half the bytes:
 * 16384², d = 4, k = 256 39.0 against 50.5 µs on 'fused-banked', 40.3 with float32 codebooks). RQ layers were not
 * timed on it: they keep their kernels.
 */
export function usesGroupedFloatTables(
  shape: { rows: number; cols: number; d: number; k: number; stages: number },
  batch: number,
): boolean {
  const { rows, cols, d, k, stages } = shape;
  if (stages !== 1 || k > 256 || !(d <= 4 || d === 8)) return false;
  const weights = rows * cols;
  if (pairsCodes(k)) {
    const maxBatch = d <= 4 ? PAIRED_GROUPED_TABLES_MAX_BATCH : PAIRED_GROUPED_TABLES_D8_MAX_BATCH;
    return batch <= maxBatch && weights >= PAIRED_GROUPED_TABLES_MIN_WEIGHTS;
  }
  if (d <= 4) return batch <= GROUPED_TABLES_MAX_BATCH && weights >= GROUPED_TABLES_MIN_WEIGHTS;
  return batch === 1 && weights >= GROUPED_TABLES_D8_MIN_WEIGHTS;
}

/**
 * Fewest segments of a layer whose grouped float32 tables under 'auto' take groups of 32 segments: 128 groups, which
 * alone fill the gather's target workgroups (TABLE8_TARGET_WORKGROUPS), so that each group's 32 KiB tile is built
 * once and serves every row.
 */
export const WIDE_GROUPS_MIN_SEGMENTS = 4096;

/**
 * Segments per group of the grouped float32 tables under 'auto' (executor option tableGroupSegments), for a layer
 * where usesGroupedFloatTables holds: 32 from WIDE_GROUPS_MIN_SEGMENTS segments, else 16. In groups of 32 every lane
 * of a subgroup looks up a segment of its own and the split-K sums halve. H200, batch 1, in one run
 * (docs/kernel-attempts.md step 83):
 * - 16384², d = 4, k = 256 (4096 segments): 43.5 against 45.3 µs in groups of 16;
 * - fewer segments, where groups of 32 need row blocks that each build their tables again, or leave SMs idle: 16384²,
 *   d = 8 (2048 segments) 35.4 against 31.5 µs; 16384×4096, d = 4 21.9 against 20.3; 4096², d = 4 16.9 against 15.6.
 * The host needs the device's workgroup memory to hold the 32 KiB tile (the executor falls back to 16 otherwise).
 * Below WIDE_GROUPS_MIN_SEGMENTS the executor still takes groups of 32 where each workgroup sums one row step and
 * its build keeps its codebook quads in registers, a matter of the device's invocations (table8-program.ts
 * keepsCodebookQuads; step 85: 4096², d = 4, k = 256 on 1024 invocations, 14.3 against 14.5–14.7 µs in groups of
 * 16).
 * Codes of k ≤ 16 take groups of 16 at every size: their tables were timed in those alone (step 94), and in groups of
 * 16 a pair-table tile already holds 8 tables of k² entries, as many as a group of 8-bit codes.
 */
export function groupedTableSegments(shape: { segments: number; k: number }): TableGroupSegments {
  if (pairsCodes(shape.k)) return 16;
  return shape.segments >= WIDE_GROUPS_MIN_SEGMENTS ? 32 : 16;
}
