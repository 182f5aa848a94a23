/**
 * The LUT kernels' host-side rules without a GPU: uniform structs and batch tile agree between TypeScript and
 * WGSL, the variant rule, tile geometry within the workgroup budget, code splitting within the binding limit.
 */
import { CODE_BIT_WIDTHS } from '@pqweb/format';
import { describe, expect, it } from 'vitest';
import binaryWgsl from '../../../shaders/binary_gather.wgsl?raw';
import codebookFloat16Wgsl from '../../../shaders/codebook_float16.wgsl?raw';
import codebookFloat32Wgsl from '../../../shaders/codebook_float32.wgsl?raw';
import gatherCommonWgsl from '../../../shaders/gather_common.wgsl?raw';
import kmeansWgsl from '../../../shaders/kmeans_gather.wgsl?raw';
import pqDecodeWgsl from '../../../shaders/pq_decode.wgsl?raw';
import pqGatherWgsl from '../../../shaders/pq_gather.wgsl?raw';
import lutBuildWgsl from '../../../shaders/pq_lut_build.wgsl?raw';
import scalarGatherCommonWgsl from '../../../shaders/scalar_gather_common.wgsl?raw';
import reduceWgsl from '../../../shaders/splitk_reduce.wgsl?raw';
import { GpuLimitError } from '../src/gpu/errors';
import {
  BANKED_BATCH_TILE,
  BANKED_TARGET_WORKGROUPS,
  bankedRowsPerInvocation,
  batchedLutVariant,
  CODE_ROW_TILE,
  COPIED_CENTROIDS,
  canBuildTableWithVec4,
  canDecode,
  chooseLutVariant,
  DECODE_4BIT_D4_LARGE_MIN_BATCH,
  DECODE_4BIT_D4_LARGE_MIN_PRODUCT,
  DECODE_4BIT_D4_MAX_PRODUCT,
  DECODE_4BIT_D8_MAX_PRODUCT,
  DECODE_D8_LARGE_BATCH,
  DECODE_D8_LARGE_MAX_WEIGHTS,
  DECODE_D8_MAX_WEIGHTS,
  DECODE_D8_WIDE_MIN_BATCH,
  DECODE_D8_WIDE_MIN_WEIGHTS,
  DECODE_LARGE_LAYER_MIN_BATCH,
  DECODE_LARGE_LAYER_WEIGHTS,
  DECODE_LAUNCH,
  DECODE_MAX_INPUTS,
  DECODE_MAX_ROWS,
  DECODE_MAX_STAGED_VEC4S,
  DECODE_MIN_WEIGHTS,
  DECODE_TARGET_WORKGROUPS,
  decodeGeometry,
  decodeNeedsRangeChecks,
  decodesAtSomeBatch,
  defaultTargetWorkgroups,
  FUSED_BATCHED_D8_MAX_PRODUCT,
  FUSED_BATCHED_D8_MIN_ROWS,
  FUSED_BATCHED_MIN_ROWS,
  GATHER_BATCH_TILE,
  GATHER_PARAMS,
  GROUPED_TABLES_D8_MIN_WEIGHTS,
  GROUPED_TABLES_MAX_BATCH,
  GROUPED_TABLES_MIN_WEIGHTS,
  gpuStageWords,
  groupedRowsPerWorkgroup,
  groupedTableSegments,
  interleaveCodeRows,
  keepsCodebookQuads,
  LUT_BUILD_PARAMS,
  lutGeometry,
  MAX_EXPANDED_ENTRIES,
  MAX_ROWS_PER_INVOCATION,
  MAX_WORDS_IN_FLIGHT,
  nibbleExpandEntries,
  PAIRED_GROUPED_TABLES_D8_MAX_BATCH,
  PAIRED_GROUPED_TABLES_MAX_BATCH,
  PAIRED_GROUPED_TABLES_MIN_WEIGHTS,
  planCodeBlocks,
  REDUCE_PARAMS,
  rowGrouping,
  SCALAR_MIN_CHUNK_WORDS,
  SHORT_ROW_GROUP_ROWS,
  SMALL_LAYER_LOOKUPS,
  scalarChunkAlign,
  scalarGeometry,
  shortRowGroupTileBytes,
  TABLE8_TARGET_WORKGROUPS,
  TABLE32_CACHED_QUADS_MAX_ROW_STEPS,
  TABLE32_MAX_CACHED_QUADS,
  TARGET_WORKGROUPS,
  TILED_BATCHED_D8_MIN_PRODUCT,
  usesCopiedCentroids,
  usesDecodedGather,
  usesGroupedFloatTables,
  WIDE_GROUPS_MIN_SEGMENTS,
  wordsInFlightFor,
} from '../src/kernels';
import { CODEBOOK_DTYPES, float16CodebookWords } from '../src/kernels/codebook-dtype';
import { GATHER_ABLATION_CODES } from '../src/kernels/lut-program';
import {
  canPairCodes,
  PAIRED_CODE_BITS,
  PAIRED_TABLE_K,
  usesBinaryByteTables,
  usesRotatedCodeWords,
  usesWideGather,
  WIDE_GATHER,
  WIDE_GATHER_MIN_LOOKUPS,
} from '../src/kernels/plan';
import {
  onePassReduceWorkgroupSize,
  REDUCE_ACCUMULATORS,
  REDUCE_ROWS_PER_GROUP,
} from '../src/kernels/reduce';
import {
  BINARY_GATHER_KERNEL,
  GATHER_DECODED_KERNEL,
  GATHER_TILED_KERNEL,
  KMEANS_GATHER_KERNEL,
  LUT_BUILD_KERNEL,
  withGatherCommon,
} from '../src/kernels/sources';
import { expectSpecializedParams } from './shader-params';

describe('WGSL and TypeScript agree', () => {
  it('gather_common declares GatherParams, BATCH_TILE and ROW_TILE as the host encodes them', () => {
    expectSpecializedParams(gatherCommonWgsl, GATHER_PARAMS, 'GatherParams');
    expect(gatherCommonWgsl).toContain(`const BATCH_TILE = ${GATHER_BATCH_TILE}u;`);
    expect(gatherCommonWgsl).toContain(`const ROW_TILE = ${CODE_ROW_TILE}u;`);
  });

  it.each([
    ['pq_gather', pqGatherWgsl, GATHER_TILED_KERNEL.float32, [codebookFloat32Wgsl]],
    ['pq_gather (float16 codebooks)', pqGatherWgsl, GATHER_TILED_KERNEL.float16, [codebookFloat16Wgsl]],
    ['kmeans_gather', kmeansWgsl, KMEANS_GATHER_KERNEL, [scalarGatherCommonWgsl]],
    ['binary_gather', binaryWgsl, BINARY_GATHER_KERNEL, [scalarGatherCommonWgsl]],
  ])('%s is compiled after gather_common and declares no copy of it', (_name, wgsl, kernel, preludes) => {
    expect(kernel.wgsl).toBe(withGatherCommon(wgsl, ...preludes));
    expect(wgsl).not.toContain('fn stage_x_tile');
    expect(wgsl).not.toContain('var<workgroup> x_tile');
    expect(kernel.wgsl.startsWith(gatherCommonWgsl)).toBe(true);
    expect(wgsl).not.toContain('struct GatherParams');
    expect(wgsl).not.toContain('fn workgroup_work');
  });

  it('the codebook preludes define the same names, and every codebook kernel has one module per dtype', () => {
    const names = (wgsl: string) =>
      [...wgsl.matchAll(/^(?:alias|fn) (\w+)|^@group\(0\) @binding\(3\) var<storage, read> (\w+)/gm)].map(
        (match) => match[1] ?? match[2],
      );
    const float32Names = names(codebookFloat32Wgsl);
    expect(float32Names).toEqual([
      'CodebookQuad',
      'codebook_values',
      'codebook_quads',
      'codebook_value',
      'widen_codebook_quad',
      'codebook_quad',
    ]);
    // The scalar view's variable is named by its element (values, words); every other name is shared.
    expect(names(codebookFloat16Wgsl)).toEqual(
      float32Names.map((name) => name.replace('codebook_values', 'codebook_words')),
    );
    for (const kernel of [LUT_BUILD_KERNEL, GATHER_TILED_KERNEL, GATHER_DECODED_KERNEL]) {
      expect(Object.keys(kernel)).toEqual([...CODEBOOK_DTYPES]);
      expect(kernel.float16.name).not.toBe(kernel.float32.name);
      expect(kernel.float16.entryPoint).toBe(kernel.float32.entryPoint);
      expect(kernel.float32.wgsl).toContain(codebookFloat32Wgsl);
      expect(kernel.float16.wgsl).toContain(codebookFloat16Wgsl);
      expect(kernel.float16.wgsl.replace(codebookFloat16Wgsl, codebookFloat32Wgsl)).toBe(kernel.float32.wgsl);
    }
  });

  it('float16 codebooks go up two halves to a word, the lower half first, an odd count padded with a zero half', () => {
    // Three binary16 values, little-endian: 0x0201, 0x0403, 0x0605.
    const bytes = new Uint8Array([0x01, 0x02, 0x03, 0x04, 0x05, 0x06]);
    const words = float16CodebookWords(bytes);
    expect([...words]).toEqual([0x0403_0201, 0x0000_0605]);
    words[0] = 0;
    expect(bytes[0]).toBe(0x01);
    // The same values as float16 patterns, from a view that starts one value into its buffer.
    const halves = new Uint16Array([0xffff, 0x0201, 0x0403, 0x0605]).subarray(1);
    expect([...float16CodebookWords(halves)]).toEqual([0x0403_0201, 0x0000_0605]);
  });

  it('LUT build and reduce declare their uniform structs as the host encodes them', () => {
    expect(lutBuildWgsl).toContain(LUT_BUILD_PARAMS.wgslStruct('LutBuildParams'));
    expectSpecializedParams(reduceWgsl, REDUCE_PARAMS, 'ReduceParams');
    expect(reduceWgsl).toContain(`const ROWS_PER_GROUP = ${REDUCE_ROWS_PER_GROUP}u;`);
    expect(reduceWgsl).toContain(`const ACCUMULATORS = ${REDUCE_ACCUMULATORS}u;`);
    expect(pqGatherWgsl).toContain(`const MAX_WORDS_IN_FLIGHT = ${MAX_WORDS_IN_FLIGHT}u;`);
    expect(scalarGatherCommonWgsl).toContain(`const MAX_WORDS_IN_FLIGHT = ${MAX_WORDS_IN_FLIGHT}u;`);
    const { none, ...ablations } = GATHER_ABLATION_CODES;
    expect(pqGatherWgsl).toContain(`override ABLATION: u32 = ${none}u;`);
    expect(pqGatherWgsl).toContain(`const ABLATE_CODE_LOADS = ${ablations['no-code-loads']}u;`);
    expect(pqGatherWgsl).toContain(`const ABLATE_LOOKUPS = ${ablations['no-lookups']}u;`);
    expect(pqGatherWgsl).toContain(`const ABLATE_TABLE_BUILD = ${ablations['no-table-build']}u;`);
    expect(pqGatherWgsl).toContain(`const ABLATE_ALL = ${ablations['no-work']}u;`);
    expect(pqGatherWgsl).toContain(`const MAX_ROWS_PER_INVOCATION = ${MAX_ROWS_PER_INVOCATION}u;`);
    expect(pqGatherWgsl).toContain(`const MAX_EXPANDED_ENTRIES = ${MAX_EXPANDED_ENTRIES}u;`);
  });
});

describe("grouped float32 tables (variant 'grouped-float32')", () => {
  it('run batches 1 to 4 of one-stage layers with 8-bit codes from 2^24 weights for d ≤ 4, batch 1 from 2^26 for d = 8', () => {
    const square = { rows: 4096, cols: 4096, d: 4, k: 256, stages: 1 };
    expect(square.rows * square.cols).toBe(GROUPED_TABLES_MIN_WEIGHTS);
    expect(GROUPED_TABLES_MAX_BATCH).toBe(4);
    for (const batch of [1, 2, 3, 4]) {
      expect(usesGroupedFloatTables(square, batch)).toBe(true);
      expect(usesGroupedFloatTables({ ...square, d: 2, k: 17 }, batch)).toBe(true);
      expect(usesGroupedFloatTables({ ...square, rows: 4095 }, batch)).toBe(false);
    }
    // Not above batch 4 (batch 8 lost to the decoded gather), not for RQ layers or sub-vectors other than ≤ 4 and 8.
    expect(usesGroupedFloatTables(square, 5)).toBe(false);
    expect(usesGroupedFloatTables(square, 8)).toBe(false);
    expect(usesGroupedFloatTables({ ...square, stages: 2 }, 1)).toBe(false);
    expect(usesGroupedFloatTables({ ...square, d: 6 }, 1)).toBe(false);
    expect(usesGroupedFloatTables({ ...square, k: 257 }, 1)).toBe(false);
    const tall = { rows: 16384, cols: 4096, d: 8, k: 256, stages: 1 };
    expect(tall.rows * tall.cols).toBe(GROUPED_TABLES_D8_MIN_WEIGHTS);
    expect(usesGroupedFloatTables(tall, 1)).toBe(true);
    // d = 8 at batch 1 only (0.93–1.14× at batches 2 to 4, step 98).
    expect(usesGroupedFloatTables(tall, 2)).toBe(false);
    expect(usesGroupedFloatTables({ ...tall, rows: 16383 }, 1)).toBe(false);
    expect(usesGroupedFloatTables({ ...tall, rows: 4096 }, 1)).toBe(false);
  });

  it('run 4-bit codes (k ≤ 16, in pairs) at batches 1 to 16 (d ≤ 4) or 32 (d = 8) from 2^24 weights', () => {
    const square = { rows: 4096, cols: 4096, d: 4, k: 16, stages: 1 };
    expect(square.rows * square.cols).toBe(PAIRED_GROUPED_TABLES_MIN_WEIGHTS);
    expect(PAIRED_GROUPED_TABLES_MAX_BATCH).toBe(16);
    expect(PAIRED_GROUPED_TABLES_D8_MAX_BATCH).toBe(32);
    for (const batch of [1, 2, 5, 8, 16]) {
      expect(usesGroupedFloatTables(square, batch)).toBe(true);
      expect(usesGroupedFloatTables({ ...square, d: 8 }, batch)).toBe(true);
      expect(usesGroupedFloatTables({ ...square, k: 3 }, batch)).toBe(true);
      expect(usesGroupedFloatTables({ ...square, rows: 4095 }, batch)).toBe(false);
    }
    // d ≤ 4 stops at 16 (batch 32 lost at 16384×4096), d = 8 goes on to 32.
    expect(usesGroupedFloatTables(square, 17)).toBe(false);
    expect(usesGroupedFloatTables({ ...square, d: 8 }, 32)).toBe(true);
    expect(usesGroupedFloatTables({ ...square, d: 8 }, 33)).toBe(false);
    // The reference model's fc1 and fc2 (d 4, k 16) keep their kernels at every batch.
    for (const batch of [1, 8]) {
      expect(usesGroupedFloatTables({ ...square, rows: 1024, cols: 3136 }, batch)).toBe(false);
      expect(usesGroupedFloatTables({ ...square, rows: 512, cols: 1024 }, batch)).toBe(false);
    }
    // Not for RQ layers or sub-vectors other than ≤ 4 and 8.
    expect(usesGroupedFloatTables({ ...square, stages: 2 }, 1)).toBe(false);
    expect(usesGroupedFloatTables({ ...square, d: 6 }, 1)).toBe(false);
  });

  it('takes groups of 32 segments from WIDE_GROUPS_MIN_SEGMENTS segments (16384², d 4), else 16', () => {
    expect(WIDE_GROUPS_MIN_SEGMENTS).toBe(4096);
    expect(groupedTableSegments({ segments: 16384 / 4, k: 256 })).toBe(32);
    expect(groupedTableSegments({ segments: 4097, k: 17 })).toBe(32);
    // 16384², d 8 and 16384×4096, d 4: fewer groups than the gather's target workgroups.
    expect(groupedTableSegments({ segments: 16384 / 8, k: 256 })).toBe(16);
    expect(groupedTableSegments({ segments: 4096 / 4, k: 256 })).toBe(16);
    expect(groupedTableSegments({ segments: 4095, k: 256 })).toBe(16);
    // Codes read in pairs: groups of 16 at every size (the size they were timed in).
    expect(groupedTableSegments({ segments: 16384 / 4, k: 16 })).toBe(16);
    // 128 groups of 32 fill the target workgroups with one row block each.
    expect(WIDE_GROUPS_MIN_SEGMENTS / 32).toBe(TABLE8_TARGET_WORKGROUPS);
  });

  it('cut rows into the most blocks that keep the workgroups within the target', () => {
    const launch = { workgroupSize: 1024, targetWorkgroups: TABLE8_TARGET_WORKGROUPS };
    // 4096², d 4: 64 slots of 16 segments take 2 blocks, 32 of 32 take 4; 16384², d 4 in groups of 32: 128, 1 block.
    expect(groupedRowsPerWorkgroup(4096, 64, launch)).toBe(2048);
    expect(groupedRowsPerWorkgroup(4096, 32, launch)).toBe(1024);
    expect(groupedRowsPerWorkgroup(16384, 128, launch)).toBe(16384);
    // 4096², batch 3 in groups of 32: 96 slot tiles, one block (96 workgroups, not 192 in a second wave).
    expect(groupedRowsPerWorkgroup(4096, 96, launch)).toBe(4096);
    // More slot tiles than the target: one block.
    expect(groupedRowsPerWorkgroup(4096, 300, launch)).toBe(4096);
    // Whole row steps, and no more blocks than row steps: 1000 rows in 3 blocks of 1024 would leave 2 empty.
    expect(groupedRowsPerWorkgroup(1000, 1, launch)).toBe(1024);
    // 40 slot tiles: 3 blocks (120 workgroups), rows rounded up to whole steps of 256.
    expect(groupedRowsPerWorkgroup(3000, 40, { workgroupSize: 256, targetWorkgroups: 128 })).toBe(1024);
  });

  it('keep the codebook quads in registers for d 4 builds of few entries, on float32 entries for few row steps', () => {
    const square = { d: 4, cols: 4096, k: 256 };
    const wide = { workgroupSize: 1024, groupSegments: 32, floatEntries: true, cachedQuads: 'auto' } as const;
    expect(TABLE32_MAX_CACHED_QUADS).toBe(8);
    expect(TABLE32_CACHED_QUADS_MAX_ROW_STEPS).toBe(8);
    // 4096² in groups of 32 on 1024 invocations: 8 entries and 1 row step each; 16384×4096: 4 steps.
    expect(keepsCodebookQuads(square, wide, 1024)).toBe(true);
    expect(keepsCodebookQuads(square, wide, 4096)).toBe(true);
    expect(keepsCodebookQuads(square, wide, 8192)).toBe(true);
    // 16384²: 16 row steps, where the quads cost more than they bring (step 85).
    expect(keepsCodebookQuads(square, wide, 16384)).toBe(false);
    expect(keepsCodebookQuads(square, wide, 9216)).toBe(false);
    // Unless the caller asks for them (cachedQuads true), where they fit.
    expect(keepsCodebookQuads(square, { ...wide, cachedQuads: true }, 16384)).toBe(true);
    // 256 invocations (phones, SwiftShader): 32 entries each in groups of 32, 16 in groups of 16.
    expect(keepsCodebookQuads(square, { ...wide, workgroupSize: 256 }, 256)).toBe(false);
    expect(keepsCodebookQuads({ ...square, k: 64 }, { ...wide, workgroupSize: 256 }, 512)).toBe(true);
    // Not for d 8, for x not in whole quads, or where the caller turns it off.
    expect(keepsCodebookQuads({ ...square, d: 8 }, wide, 1024)).toBe(false);
    expect(keepsCodebookQuads({ ...square, cols: 4094 }, wide, 1024)).toBe(false);
    expect(keepsCodebookQuads(square, { ...wide, cachedQuads: false }, 1024)).toBe(false);
    // 8-bit tables: at most TABLE8_MAX_CACHED_QUADS entries (their kept values), whatever the row steps.
    const table8 = { ...wide, groupSegments: 16, floatEntries: false } as const;
    expect(keepsCodebookQuads(square, table8, 16384)).toBe(true);
    expect(keepsCodebookQuads(square, { ...table8, workgroupSize: 512 }, 16384)).toBe(false);
  });
});

describe('the decoded gather (pq_decode.wgsl)', () => {
  const launch = { ...DECODE_LAUNCH, targetWorkgroups: DECODE_TARGET_WORKGROUPS };

  it('declares the register-array bounds the host plans with', () => {
    expect(pqDecodeWgsl).toContain(`const MAX_DECODE_ROWS = ${DECODE_MAX_ROWS}u;`);
    expect(pqDecodeWgsl).toContain(`const MAX_DECODE_INPUTS = ${DECODE_MAX_INPUTS}u;`);
    expect(pqDecodeWgsl).toContain(`const MAX_STAGED_VEC4S = ${DECODE_MAX_STAGED_VEC4S}u;`);
    expect(DECODE_LAUNCH.rowsPerInvocation).toBeLessThanOrEqual(DECODE_MAX_ROWS);
  });

  it('takes one-stage layers with d a multiple of 4 dividing cols, and a tile of one segment', () => {
    const pq = { d: 4, k: 256, cols: 4096, stages: 1 };
    expect(canDecode(pq, DECODE_LAUNCH.tileFloatsLimit, 128)).toBe(true);
    expect(canDecode({ ...pq, d: 8 }, DECODE_LAUNCH.tileFloatsLimit, 128)).toBe(true);
    expect(canDecode({ ...pq, d: 2 }, DECODE_LAUNCH.tileFloatsLimit, 128)).toBe(false);
    expect(canDecode({ ...pq, cols: 4098 }, DECODE_LAUNCH.tileFloatsLimit, 128)).toBe(false);
    expect(canDecode({ ...pq, stages: 2 }, DECODE_LAUNCH.tileFloatsLimit, 128)).toBe(false);
    // One segment's codebook and x for one input: 256 · 4 + 4 floats.
    expect(canDecode(pq, 1028, 128)).toBe(true);
    expect(canDecode(pq, 1027, 128)).toBe(false);
    // A segment's 256 centroids staged by 16 invocations are 16 vec4s each (the register array), by 8 are 32.
    expect(canDecode(pq, 1028, 16)).toBe(true);
    expect(canDecode(pq, 1028, 8)).toBe(false);
  });

  it("decodes under 'auto' layers of 8-bit codes with d = 4 from batch 2, large ones from DECODE_LARGE_LAYER_MIN_BATCH", () => {
    const large = { rows: 4096, cols: 4096, d: 4, k: 256 };
    expect(large.rows * large.cols).toBe(DECODE_LARGE_LAYER_WEIGHTS);
    expect(usesDecodedGather(large, DECODE_LARGE_LAYER_MIN_BATCH)).toBe(true);
    expect(usesDecodedGather(large, 32)).toBe(true);
    expect(usesDecodedGather(large, DECODE_LARGE_LAYER_MIN_BATCH - 1)).toBe(false);
    // One row fewer: a smaller layer, decoded from batch 2; never at batch 1.
    expect(usesDecodedGather({ ...large, rows: 4095 }, 2)).toBe(true);
    expect(usesDecodedGather({ ...large, rows: 4095 }, 1)).toBe(false);
    // 8-bit codes are k from 17 to 256.
    expect(usesDecodedGather({ ...large, k: 17 }, 8)).toBe(true);
    const head = { rows: 512, cols: 1024, d: 4, k: 256 };
    expect(head.rows * head.cols).toBe(DECODE_MIN_WEIGHTS);
    expect(usesDecodedGather(head, 2)).toBe(true);
    expect(usesDecodedGather({ ...head, rows: 511 }, 32)).toBe(false);
    // Sub-vectors the rule was not timed on, and 2-bit codes: the lookups.
    expect(usesDecodedGather({ ...head, d: 12 }, 8)).toBe(false);
    expect(usesDecodedGather({ ...head, k: 4 }, 8)).toBe(false);
  });

  it('decodes 8-bit codes with d = 8 below DECODE_D8_MAX_WEIGHTS, and larger layers from batch 32 or 16', () => {
    const layer = { rows: 2048, cols: 2048, d: 8, k: 256 };
    expect(layer.rows * layer.cols).toBe(DECODE_D8_MAX_WEIGHTS);
    expect(usesDecodedGather(layer, 8)).toBe(false);
    expect(usesDecodedGather(layer, DECODE_D8_LARGE_BATCH)).toBe(true);
    expect(usesDecodedGather({ ...layer, rows: 2047 }, 2)).toBe(true);
    expect(usesDecodedGather({ rows: 4096, cols: 2048, d: 8, k: 256 }, DECODE_D8_LARGE_BATCH)).toBe(true);
    expect(usesDecodedGather({ rows: 4096, cols: 2048, d: 8, k: 256 }, DECODE_D8_LARGE_BATCH - 1)).toBe(
      false,
    );
    // Up to 2^26 weights from DECODE_D8_LARGE_BATCH (16384×4096), and from DECODE_D8_WIDE_MIN_BATCH at 2^24 and up.
    const wide = { rows: 16384, cols: 4096, d: 8, k: 256 };
    expect(wide.rows * wide.cols).toBe(DECODE_D8_LARGE_MAX_WEIGHTS);
    expect(usesDecodedGather(wide, DECODE_D8_LARGE_BATCH)).toBe(true);
    expect(usesDecodedGather(wide, DECODE_D8_WIDE_MIN_BATCH)).toBe(true);
    expect(usesDecodedGather(wide, DECODE_D8_WIDE_MIN_BATCH - 1)).toBe(false);
    expect(usesDecodedGather({ ...wide, rows: 4096 }, DECODE_D8_WIDE_MIN_BATCH)).toBe(true);
    expect(4096 * 4096).toBe(DECODE_D8_WIDE_MIN_WEIGHTS);
    expect(usesDecodedGather({ ...wide, rows: 4095 }, DECODE_D8_WIDE_MIN_BATCH)).toBe(false);
    expect(usesDecodedGather({ ...wide, rows: 4095 }, DECODE_D8_LARGE_BATCH)).toBe(true);
    expect(usesDecodedGather({ ...wide, rows: 16385 }, 64)).toBe(false);
  });

  it('decodes 4-bit codes while weights × batch stay below the product for their d', () => {
    // The reference head's fc1 (1024×3136): d = 4 up to batch 8 (25.7 M < 2^25), d = 8 up to batch 4.
    const fc1 = { rows: 1024, cols: 3136, d: 4, k: 16 };
    expect([1, 2, 4, 8, 32].map((batch) => usesDecodedGather(fc1, batch))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
    expect(fc1.rows * fc1.cols * 10).toBeLessThan(DECODE_4BIT_D4_MAX_PRODUCT);
    expect(fc1.rows * fc1.cols * 11).toBeGreaterThanOrEqual(DECODE_4BIT_D4_MAX_PRODUCT);
    expect(usesDecodedGather(fc1, 10)).toBe(true);
    expect(usesDecodedGather(fc1, 11)).toBe(false);
    const fc1d8 = { ...fc1, d: 8 };
    expect([2, 4, 5, 8].map((batch) => usesDecodedGather(fc1d8, batch))).toEqual([true, true, true, false]);
    // 2048²: exactly 2^24 at batch 4, the first product d = 8 leaves to the lookups; d = 4 decodes up to it.
    const square = { rows: 2048, cols: 2048, d: 8, k: 16 };
    expect(square.rows * square.cols * 4).toBe(DECODE_4BIT_D8_MAX_PRODUCT);
    expect(usesDecodedGather(square, 4)).toBe(false);
    expect(usesDecodedGather({ ...square, d: 4 }, 4)).toBe(true);
    expect(usesDecodedGather({ ...square, d: 4 }, 8)).toBe(false);
  });

  it('decodes 4-bit codes with d = 4 again on large layers once weights × batch reach the large product', () => {
    const square = { rows: 4096, cols: 4096, d: 4, k: 16 };
    expect(square.rows * square.cols).toBe(DECODE_LARGE_LAYER_WEIGHTS);
    expect(square.rows * square.cols * 32).toBe(DECODE_4BIT_D4_LARGE_MIN_PRODUCT);
    expect([2, 8, 31, 32].map((batch) => usesDecodedGather(square, batch))).toEqual([
      false,
      false,
      false,
      true,
    ]);
    // 16384×4096 reaches the product at batch 8, DECODE_4BIT_D4_LARGE_MIN_BATCH; 16384² would at 2, but waits for it.
    const wide = { rows: 16384, cols: 4096, d: 4, k: 16 };
    expect(usesDecodedGather(wide, DECODE_4BIT_D4_LARGE_MIN_BATCH)).toBe(true);
    expect(usesDecodedGather(wide, DECODE_4BIT_D4_LARGE_MIN_BATCH - 1)).toBe(false);
    expect(usesDecodedGather({ ...wide, cols: 16384 }, 4)).toBe(false);
    expect(usesDecodedGather({ ...wide, cols: 16384 }, 8)).toBe(true);
    // Not for d = 8.
    expect(usesDecodedGather({ ...wide, d: 8 }, 32)).toBe(false);
  });

  it('tells which layers some batch decodes (the executor builds a decoded program only for those)', () => {
    expect(decodesAtSomeBatch({ rows: 16384, cols: 16384, d: 4, k: 256 })).toBe(true);
    expect(decodesAtSomeBatch({ rows: 512, cols: 1024, d: 4, k: 16 })).toBe(true);
    expect(decodesAtSomeBatch({ rows: 4096, cols: 4096, d: 8, k: 256 })).toBe(true);
    expect(decodesAtSomeBatch({ rows: 16384, cols: 4096, d: 8, k: 256 })).toBe(true);
    expect(decodesAtSomeBatch({ rows: 16384, cols: 8192, d: 8, k: 256 })).toBe(false);
    // 4-bit codes, d = 8, at 2^24 weights: 2^25 already at batch 2. With d = 4 the large layers' clause holds.
    expect(decodesAtSomeBatch({ rows: 4096, cols: 4096, d: 8, k: 16 })).toBe(false);
    expect(decodesAtSomeBatch({ rows: 4096, cols: 4096, d: 4, k: 16 })).toBe(true);
    expect(decodesAtSomeBatch({ rows: 511, cols: 1024, d: 4, k: 256 })).toBe(false);
  });

  it('leaves the range checks out of the staging only where nothing staged can be out of range', () => {
    const shape = { segments: 4096, k: 256, d: 4 };
    const geometry = { subSegments: 4, batchTile: 8 };
    expect(decodeNeedsRangeChecks(geometry, shape, 8, 128)).toBe(false);
    expect(decodeNeedsRangeChecks(geometry, shape, 16, 128)).toBe(false);
    // A part-full last batch tile, a part-full last sub-chunk, a tile that is no multiple of the workgroup.
    expect(decodeNeedsRangeChecks(geometry, shape, 11, 128)).toBe(true);
    expect(decodeNeedsRangeChecks(geometry, { ...shape, segments: 4094 }, 8, 128)).toBe(true);
    expect(decodeNeedsRangeChecks(geometry, shape, 8, 384)).toBe(true);
  });

  it('reduces its few slots with slot lanes for one pass over them', () => {
    // 16 slots (16384², batch 8): 4 slot lanes of 4 sums each, 32 rows: 128 invocations, not the default 512.
    expect(onePassReduceWorkgroupSize(16)).toBe(128);
    expect(onePassReduceWorkgroupSize(2)).toBe(REDUCE_ROWS_PER_GROUP);
    expect(onePassReduceWorkgroupSize(17)).toBe(5 * REDUCE_ROWS_PER_GROUP);
  });

  it('stages a code word of segments at a time where the tile allows, with one pass per row group', () => {
    // 16384², d = 4, k = 256, batch 8 (step 58's launch): 8 row groups of 2048 rows, 16 chunks of 256 segments.
    const shape = { rows: 16384, segments: 4096, k: 256, d: 4, codesPerWord: 4 };
    const geometry = decodeGeometry(shape, 8, launch);
    expect(geometry).toMatchObject({
      batchTile: 8,
      batchTiles: 1,
      subSegments: 4,
      rowsPerInvocation: 8,
      rowGroups: 8,
      chunkSegments: 256,
      chunks: 16,
      tileFloats: 4 * (256 * 4 + 4 * 8),
    });
    expect(geometry.tileFloats).toBeLessThanOrEqual(DECODE_LAUNCH.tileFloatsLimit);
    // Batch 11: tiles of 8 and 3; batch 3: a tile of 3.
    expect(decodeGeometry(shape, 11, launch)).toMatchObject({ batchTile: 8, batchTiles: 2, chunks: 8 });
    expect(decodeGeometry(shape, 3, launch)).toMatchObject({ batchTile: 3, batchTiles: 1 });
  });

  it('shrinks the sub-chunk to the tile, the workgroup and the register array, and chunks stay whole sub-chunks', () => {
    const shape = { rows: 300, segments: 37, k: 16, d: 4, codesPerWord: 8 };
    // Two segments fit a 2 · (64 + 32) float tile: sub-chunks of 2, and 37 segments in chunks of whole pairs.
    const small = decodeGeometry(shape, 8, { ...launch, tileFloatsLimit: 2 * (64 + 32) + 1 });
    expect(small.subSegments).toBe(2);
    expect(small.chunkSegments % 2).toBe(0);
    expect(small.chunks).toBe(Math.ceil(37 / small.chunkSegments));
    // 32 invocations hold the x of 4 segments of 8 inputs at d = 4 at most.
    expect(decodeGeometry(shape, 8, { ...launch, workgroupSize: 32 }).subSegments).toBe(4);
    // 256 centroids of d = 8 are 512 vec4s: with 32 invocations one segment is 16 each, the register array.
    const wide = { rows: 300, segments: 37, k: 256, d: 8, codesPerWord: 4 };
    expect(
      decodeGeometry(wide, 2, { ...launch, workgroupSize: 32, tileFloatsLimit: 65536 }).subSegments,
    ).toBe(1);
    // Short layers: fewer rows per invocation (300 rows, 256 invocations: one each, two row groups).
    expect(decodeGeometry(shape, 8, launch)).toMatchObject({ rowsPerInvocation: 1, rowGroups: 2 });
    expect(() => decodeGeometry(shape, 8, { ...launch, tileFloatsLimit: 95 })).toThrow(GpuLimitError);
  });
});

describe('batchedLutVariant', () => {
  it("runs k = 16 PQ layers with enough rows 'fused' above batch 1: d ≤ 4 at any size, d = 8 while weights × batch are small", () => {
    const tile = 4096;
    const shape = { rows: FUSED_BATCHED_MIN_ROWS, cols: 1024, segments: 256, stages: 1, k: 16, d: 4 };
    expect(batchedLutVariant(shape, tile, 2)).toBe('fused');
    expect(batchedLutVariant(shape, tile, 1)).toBeNull();
    expect(batchedLutVariant({ ...shape, d: 2, segments: 512 }, tile, 8)).toBe('fused');
    expect(batchedLutVariant({ ...shape, rows: FUSED_BATCHED_MIN_ROWS - 1 }, tile, 8)).toBeNull();
    expect(batchedLutVariant({ ...shape, k: 256 }, tile, 8)).toBeNull();
    expect(batchedLutVariant({ ...shape, k: 4 }, tile, 8)).toBeNull();
    // One input's LUT need not fit the tile: 'fused' takes the segments a chunk at a time (16384², 2^18 floats).
    const large = { rows: 16384, cols: 16384, segments: 4096, stages: 1, k: 16, d: 4 };
    expect(batchedLutVariant(large, tile, 32)).toBe('fused');
    // d = 8: up to FUSED_BATCHED_D8_MAX_PRODUCT weights × batch (4096² at batch 8, not 32); longer sub-vectors never.
    const d8 = { rows: 4096, cols: 4096, segments: 512, stages: 1, k: 16, d: 8 };
    expect(d8.rows * d8.cols * 8).toBe(FUSED_BATCHED_D8_MAX_PRODUCT);
    expect(batchedLutVariant(d8, tile, 8)).toBe('fused');
    expect(batchedLutVariant(d8, tile, 9)).toBeNull();
    expect(batchedLutVariant(d8, tile, 32)).toBeNull();
    // and from FUSED_BATCHED_D8_MIN_ROWS rows (512×1024, the reference head's fc2, runs the banked gather).
    expect(batchedLutVariant({ ...d8, rows: FUSED_BATCHED_D8_MIN_ROWS }, tile, 32)).toBe('fused');
    expect(batchedLutVariant({ ...d8, rows: FUSED_BATCHED_D8_MIN_ROWS - 1 }, tile, 2)).toBeNull();
    expect(batchedLutVariant({ ...d8, rows: 1024, d: 16, segments: 256 }, tile, 2)).toBeNull();
    // RQ layers: only where one input's whole LUT (stages · segments · k floats) fits the tile.
    expect(batchedLutVariant({ ...shape, segments: 128, stages: 2 }, tile, 8)).toBe('fused');
    expect(batchedLutVariant({ ...shape, segments: 128, stages: 3 }, tile, 8)).toBeNull();
  });

  it("runs the largest d = 8, k = 16 PQ layers 'lut-tiled-splitk' above batch 1, from weights × batch = 2^30", () => {
    const tile = 4096;
    const wide = { rows: 16384, cols: 4096, segments: 512, stages: 1, k: 16, d: 8 };
    expect(wide.rows * wide.cols * 16).toBe(TILED_BATCHED_D8_MIN_PRODUCT);
    expect(batchedLutVariant(wide, tile, 16)).toBe('lut-tiled-splitk');
    expect(batchedLutVariant(wide, tile, 15)).toBeNull();
    expect(batchedLutVariant(wide, tile, 1)).toBeNull();
    const square = { ...wide, cols: 16384, segments: 2048 };
    expect(batchedLutVariant(square, tile, 4)).toBe('lut-tiled-splitk');
    expect(batchedLutVariant(square, tile, 3)).toBeNull();
    // Not for d = 4 (always 'fused'), k = 256, or RQ layers.
    expect(batchedLutVariant({ ...square, d: 4, segments: 4096 }, tile, 8)).toBe('fused');
    expect(batchedLutVariant({ ...square, k: 256 }, tile, 8)).toBeNull();
    expect(batchedLutVariant({ ...square, stages: 2 }, tile, 8)).toBeNull();
  });
});

describe('nibbleExpandEntries', () => {
  it("gives each invocation its share of the tile, rounded up, where it fits the kernel's register array", () => {
    // 16 KiB tile (4096 floats): 8 entries each with 512 invocations, 16 with 256 (the WebGPU default's limit).
    expect(nibbleExpandEntries(true, 4096, 512)).toBe(8);
    expect(nibbleExpandEntries(true, 4096, 256)).toBe(MAX_EXPANDED_ENTRIES);
    expect(nibbleExpandEntries(true, 1000, 256)).toBe(4);
    // 128 invocations would each need 32: the tables are then built entry by entry.
    expect(nibbleExpandEntries(true, 4096, 128)).toBeNull();
    expect(nibbleExpandEntries(false, 4096, 512)).toBeNull();
  });
});

describe('chooseLutVariant', () => {
  const tileFloats = 4096;
  it('takes a banked variant for 4-bit and wider codes at every size', () => {
    // Small layers whose whole LUT fits the tile, or with few lookups, too (docs/kernel-attempts.md, step 44).
    const fits = { rows: 100_000, cols: 64, segments: 16, stages: 1, k: 256, d: 4 };
    expect(chooseLutVariant(fits, tileFloats)).toBe('fused-banked');
    const fitsRq = { rows: 10, cols: 32, segments: 8, stages: 2, k: 256, d: 4 };
    expect(chooseLutVariant(fitsRq, tileFloats)).toBe('fused-banked');
    const head = { rows: 10, cols: 512, segments: 64, stages: 1, k: 256, d: 8 };
    expect(chooseLutVariant(head, tileFloats)).toBe('fused-banked');
    expect(
      chooseLutVariant({ rows: 512, cols: 1024, segments: 256, stages: 1, k: 16, d: 4 }, tileFloats),
    ).toBe('fused-banked');
  });
  it('fuses codes narrower than 4 bits when one input’s whole LUT fits the tile', () => {
    const fits = { rows: 100_000, cols: 64, segments: 16, stages: 1, k: 8, d: 4 };
    expect(chooseLutVariant(fits, tileFloats)).toBe('fused');
    const fitsRq = { rows: 10, cols: 32, segments: 8, stages: 2, k: 4, d: 4 };
    expect(chooseLutVariant(fitsRq, tileFloats)).toBe('fused');
  });
  it('gathers narrow codes from the storage LUT on small layers and tiles with split-K on large ones', () => {
    const small = { rows: 10, cols: 4096, segments: 1024, stages: 1, k: 8, d: 4 };
    expect(chooseLutVariant(small, tileFloats)).toBe('lut-global');
    const lookupsAtLimit = {
      rows: SMALL_LAYER_LOOKUPS / 1024,
      cols: 4096,
      segments: 1024,
      stages: 1,
      k: 8,
      d: 4,
    };
    expect(chooseLutVariant(lookupsAtLimit, tileFloats)).toBe('lut-global');
    expect(chooseLutVariant({ ...lookupsAtLimit, rows: lookupsAtLimit.rows + 1 }, tileFloats)).toBe(
      'lut-tiled-splitk',
    );
    // 4-bit and wider codes (k ≥ 16) take the bank-conflict-free tile, built in the gather for d ≤ 4, and for
    // d = 8 where 16-byte loads can build it (d divides cols); narrower codes the plain tile.
    const large = { rows: 4096, cols: 4096, segments: 1024, stages: 1 };
    expect(chooseLutVariant({ ...large, k: 256, d: 4 }, tileFloats)).toBe('fused-banked');
    expect(chooseLutVariant({ ...large, k: 32, d: 1 }, tileFloats)).toBe('fused-banked');
    expect(chooseLutVariant({ ...large, segments: 512, k: 256, d: 8 }, tileFloats)).toBe('fused-banked');
    const ragged = { ...large, cols: 4092, segments: 512, k: 256, d: 8 };
    expect(chooseLutVariant(ragged, tileFloats)).toBe('lut-banked');
    expect(chooseLutVariant({ ...large, segments: 410, k: 256, d: 10 }, tileFloats)).toBe('lut-banked');
    expect(chooseLutVariant({ ...large, k: 16, d: 4 }, tileFloats)).toBe('fused-banked');
    expect(chooseLutVariant({ ...large, segments: 410, k: 16, d: 10 }, tileFloats)).toBe('lut-banked');
    expect(chooseLutVariant({ ...large, k: 8, d: 4 }, tileFloats)).toBe('lut-tiled-splitk');
  });
  it('aims the banked gathers at fewer workgroups (each builds a 256-entry table per segment)', () => {
    expect(defaultTargetWorkgroups('fused-banked')).toBe(BANKED_TARGET_WORKGROUPS);
    expect(defaultTargetWorkgroups('lut-banked')).toBe(BANKED_TARGET_WORKGROUPS);
    expect(defaultTargetWorkgroups('lut-tiled-splitk')).toBe(TARGET_WORKGROUPS);
    expect(BANKED_TARGET_WORKGROUPS).toBeLessThan(TARGET_WORKGROUPS);
    // 16384 rows in 256 chunks: one row group of 16384 rows at 256 workgroups, two of 8192 at 512.
    expect(rowGrouping(16384, 1024, 256, BANKED_TARGET_WORKGROUPS)).toEqual({
      rowsPerGroup: 16384,
      rowGroups: 1,
    });
    expect(rowGrouping(16384, 1024, 256, TARGET_WORKGROUPS)).toEqual({ rowsPerGroup: 8192, rowGroups: 2 });
  });
  it('builds tables from 16-byte loads only for whole, aligned sub-vectors', () => {
    expect(canBuildTableWithVec4(4, 4096)).toBe(true);
    expect(canBuildTableWithVec4(8, 3136)).toBe(true);
    expect(canBuildTableWithVec4(8, 3132)).toBe(false);
    expect(canBuildTableWithVec4(2, 4096)).toBe(false);
    expect(canBuildTableWithVec4(12, 4092)).toBe(true);
  });
});

describe('lutGeometry', () => {
  it('keeps the batch tile, fills the tile with segments, and covers every segment', () => {
    for (const [segments, k, stages, batch, limit] of [
      [1024, 256, 1, 1, 4096],
      [1024, 256, 1, 33, 4096],
      [38, 256, 3, 5, 4096],
      [7, 2, 1, 3, 512],
      [300, 16, 2, 2, 12288],
    ]) {
      for (const variant of ['lut-tiled-splitk', 'fused'] as const) {
        const geometry = lutGeometry(variant, { segments, k }, stages, batch, limit);
        expect(geometry.tileFloats).toBeLessThanOrEqual(limit);
        expect(geometry.tileFloats).toBe(geometry.batchTile * geometry.chunkSegments * stages * k);
        expect(geometry.batchTile).toBeLessThanOrEqual(Math.min(batch, GATHER_BATCH_TILE));
        expect(geometry.chunks * geometry.chunkSegments).toBeGreaterThanOrEqual(segments);
        expect((geometry.chunks - 1) * geometry.chunkSegments).toBeLessThan(segments);
        expect(geometry.batchTiles * geometry.batchTile).toBeGreaterThanOrEqual(batch);
      }
    }
    // k = 256 at 16 KiB: 16 segments per chunk at batch 1 (shared/paper.md), 4 at a batch tile of 4.
    expect(lutGeometry('lut-tiled-splitk', { segments: 1024, k: 256 }, 1, 1, 4096).chunkSegments).toBe(16);
    expect(lutGeometry('lut-tiled-splitk', { segments: 1024, k: 256 }, 1, 8, 4096).chunkSegments).toBe(4);
  });

  it('gives the global variant one chunk and no tile', () => {
    expect(lutGeometry('lut-global', { segments: 1024, k: 256 }, 1, 5, 4096)).toEqual({
      batchTile: 4,
      batchTiles: 2,
      chunkSegments: 1024,
      chunks: 1,
      tileFloats: 0,
    });
  });

  it('gives the banked variant power-of-two groups of whole words, batch tile first', () => {
    // k = 256, 8-bit codes (4 per word), 16 KiB: 16 segments at batch 1, 4 at a batch tile of 4.
    const one = lutGeometry('lut-banked', { segments: 4096, k: 256, codesPerWord: 4 }, 1, 1, 4096);
    expect(one).toMatchObject({ batchTile: 1, chunkSegments: 16, chunks: 256, tileFloats: 4096 });
    // Banked gathers take BANKED_BATCH_TILE (2) inputs at a time by default: 8-segment groups at batch 8.
    const eight = lutGeometry('lut-banked', { segments: 4096, k: 256, codesPerWord: 4 }, 1, 8, 4096);
    expect(eight).toMatchObject({ batchTile: BANKED_BATCH_TILE, chunkSegments: 8, chunks: 512 });
    // The caller's batch tile wins: 1 leaves room for 16 segments, 4 (GATHER_BATCH_TILE) for 4.
    const capped = (tile: number) =>
      lutGeometry('fused-banked', { segments: 4096, k: 256, codesPerWord: 4 }, 1, 8, 4096, tile);
    expect(capped(1)).toMatchObject({ batchTile: 1, batchTiles: 8, chunkSegments: 16, chunks: 256 });
    expect(capped(4)).toMatchObject({ batchTile: 4, batchTiles: 2, chunkSegments: 4, chunks: 1024 });
    expect(
      lutGeometry('lut-tiled-splitk', { segments: 1024, k: 16, codesPerWord: 8 }, 1, 8, 4096, 3),
    ).toMatchObject({ batchTile: 3, batchTiles: 3 });
    // A 12-float budget is no power of two: 8 segments of k = 1; a 37-segment layer gets at most 64.
    expect(lutGeometry('lut-banked', { segments: 37, k: 1, codesPerWord: 1 }, 1, 1, 12).chunkSegments).toBe(
      8,
    );
    expect(
      lutGeometry('lut-banked', { segments: 37, k: 16, codesPerWord: 8 }, 1, 1, 4096).chunkSegments,
    ).toBe(64);
    // Not one word of 4 codes at k = 256 in 2 KiB: the limit is named.
    expect(() => lutGeometry('lut-banked', { segments: 64, k: 256, codesPerWord: 4 }, 1, 1, 512)).toThrow(
      /maxComputeWorkgroupStorageSize/,
    );
    // With 3 stages at k = 256 the batch tile shrinks to 1 to fit one word's group.
    expect(lutGeometry('lut-banked', { segments: 64, k: 256, codesPerWord: 4 }, 3, 4, 4096).batchTile).toBe(
      1,
    );
  });

  it('shrinks the batch tile before giving up, then names the limit', () => {
    expect(lutGeometry('fused', { segments: 10, k: 256 }, 3, 4, 1024).batchTile).toBe(1);
    expect(() => lutGeometry('fused', { segments: 10, k: 256 }, 3, 4, 512)).toThrow(GpuLimitError);
    expect(() => lutGeometry('fused', { segments: 10, k: 256 }, 3, 4, 512)).toThrow(
      /maxComputeWorkgroupStorageSize/,
    );
  });
});

describe('scalarGeometry', () => {
  it('leaves room for the centroids and tiles x by even chunks of whole code words and quads', () => {
    // 8-bit codes: (4096 − 256) / 4 = 960 columns per input at most; 1000 columns take two chunks of 500.
    const geometry = scalarGeometry(1000, 6, 4096, 256, scalarChunkAlign(8));
    expect(geometry.batchTile).toBe(4);
    expect(geometry.chunkSegments).toBe(500);
    expect(geometry.tileFloats).toBe(4 * 500);
    expect(geometry.chunks).toBe(2);
    // 4-bit codes at batch 1: a 4080-column budget; 16384 columns in four chunks of 3280 and one of 3264.
    const wide = scalarGeometry(16384, 1, 4096, 16, scalarChunkAlign(4));
    expect([wide.chunkSegments, wide.chunks]).toEqual([3280, 5]);
    // One chunk: rounded up to whole words (the x tile is zero past the last column).
    expect(scalarGeometry(37, 1, 4096, 0, scalarChunkAlign(1)).chunkSegments).toBe(64);
    expect(() => scalarGeometry(10, 1, 256, 256, 4)).toThrow(GpuLimitError);
    // 96 floats of x at batch tile 4 hold 24 columns: less than one 32-column word of binary codes.
    expect(() => scalarGeometry(100, 4, 96, 0, scalarChunkAlign(1))).toThrow(/32 columns of x for 4 input/);
  });

  it('cuts more chunks when asked for more workgroups, down to SCALAR_MIN_CHUNK_WORDS words per row', () => {
    // 4096 rows in 256-row groups: 16 groups; 1024 workgroups want 64 chunks, 64 columns (8 words) each.
    const grid = { rows: 4096, workgroupSize: 256, targetWorkgroups: 1024 };
    const cut = scalarGeometry(4096, 1, 4096, 16, scalarChunkAlign(4), grid);
    expect([cut.chunkSegments, cut.chunks]).toEqual([64, 64]);
    // Never below 8 words a row: 1000 columns of 8-bit codes (4 per word) in at most 32 chunks of 32 columns, though
    // one row group would want 500.
    const floor = scalarGeometry(1000, 1, 4096, 256, scalarChunkAlign(8), {
      rows: 256,
      workgroupSize: 256,
      targetWorkgroups: 500,
    });
    expect([floor.chunkSegments, floor.chunks]).toEqual([SCALAR_MIN_CHUNK_WORDS * 4, 32]);
    // Batch 8 in two batch tiles of 4 halves the chunks wanted: 32.
    expect(scalarGeometry(4096, 8, 4096, 16, scalarChunkAlign(4), grid).chunks).toBe(32);
  });

  it('takes the copied-centroid launch for k > 16 from 2^27 weights', () => {
    expect(usesCopiedCentroids(256, 16384, 16384)).toBe(true);
    expect(usesCopiedCentroids(256, 16384, 8192)).toBe(true);
    expect(usesCopiedCentroids(256, 16384, 4096)).toBe(false);
    expect(usesCopiedCentroids(16, 16384, 16384)).toBe(false);
    // The copies of 256 centroids leave 4 KiB of the launch's tile for x: 1024 columns at batch 1.
    expect(COPIED_CENTROIDS.storageBytes - COPIED_CENTROIDS.copies * 256 * 4).toBe(4096);
  });

  it('aligns chunks to whole code words and 16-byte quads of x', () => {
    expect(CODE_BIT_WIDTHS.map(scalarChunkAlign)).toEqual([32, 16, 8, 4]);
  });
});

describe('planCodeBlocks', () => {
  it('binds everything at once when it fits', () => {
    expect(planCodeBlocks(130, 3, 10, 1 << 20, 256)).toEqual({
      blocks: [
        {
          stageGroup: 0,
          stageBegin: 0,
          stageCount: 3,
          rowBegin: 0,
          rowEnd: 130,
          bindingOffset: 0,
          // 130 rows are 5 tiles of 32 (the last one padded): 5 · 32 · 10 words · 4 bytes per stage.
          bindingSize: 5 * 32 * 3 * 40,
          wordOffset: 0,
        },
      ],
      stageGroups: 1,
    });
  });

  it.each([
    [600, 1, 7, 10240],
    [600, 2, 7, 10240],
    [1000, 3, 13, 4096],
    [37, 2, 1, 384],
  ])(
    'splits rows %i × stages %i × %i words under %i bytes: aligned, within the limit, every row once',
    (rows, stages, words, limit) => {
      const alignment = 256;
      const plan = planCodeBlocks(rows, stages, words, limit, alignment);
      expect(plan.stageGroups).toBe(stages);
      const covered = new Uint8Array(rows * stages);
      for (const block of plan.blocks) {
        expect(block.stageCount).toBe(1);
        expect(block.bindingOffset % alignment).toBe(0);
        expect(block.bindingSize).toBeLessThanOrEqual(limit);
        // Blocks are whole 32-row tiles (code-layout.ts); the block's first word, as the kernel computes it, is
        // word 0 of (stage, rowBegin), and the binding ends exactly at the block's last tile.
        expect(block.rowBegin % CODE_ROW_TILE).toBe(0);
        const stageWords = gpuStageWords(rows, words);
        expect(block.bindingOffset / 4 + block.wordOffset).toBe(
          block.stageBegin * stageWords + block.rowBegin * words,
        );
        expect(block.bindingOffset + block.bindingSize).toBe(
          (block.stageBegin * stageWords + Math.ceil(block.rowEnd / CODE_ROW_TILE) * CODE_ROW_TILE * words) *
            4,
        );
        for (let row = block.rowBegin; row < block.rowEnd; row++) covered[block.stageBegin * rows + row]++;
      }
      expect(covered.every((count) => count === 1)).toBe(true);
    },
  );

  it('refuses a row tile that cannot fit one binding, naming the limit', () => {
    // One tile: 32 rows × 100 words × 4 bytes = 12800 bytes; 40 rows take two.
    expect(() => planCodeBlocks(40, 1, 100, 12800, 256)).toThrow(/maxStorageBufferBindingSize 12800/);
  });
});

describe('rowGrouping', () => {
  it('puts at least one row per invocation and aims for TARGET_WORKGROUPS', () => {
    // 130 rows over 2 groups: 65 rounded up to whole 32-row tiles.
    expect(rowGrouping(130, 128, 1)).toEqual({ rowsPerGroup: 96, rowGroups: 2 });
    const large = rowGrouping(4096, 128, 64);
    expect(large.rowsPerGroup % CODE_ROW_TILE).toBe(0);
    expect(large.rowGroups).toBe(Math.ceil(TARGET_WORKGROUPS / 64));
    expect(large.rowGroups * large.rowsPerGroup).toBeGreaterThanOrEqual(4096);
    expect(rowGrouping(4096, 128, 1024)).toEqual({ rowsPerGroup: 4096, rowGroups: 1 });
  });

  it('gives a banked gather at least its rows per step (invocations × rows each) per group', () => {
    // 4096 rows, 64 chunks: 8 groups would reach the target, but 512 invocations × 2 rows take 1024 rows at once,
    // so 4 groups of 1024 (512-row groups would leave half the invocations without a row).
    expect(rowGrouping(4096, 512 * 2, 64)).toEqual({ rowsPerGroup: 1024, rowGroups: 4 });
  });
});

describe('interleaveCodeRows', () => {
  it('puts word w of row r at ((stage · tiles + r / 32) · wordsPerRow + w) · 32 + r mod 32, zero padding', () => {
    const rows = 70;
    const wordsPerRow = 3;
    const stages = 2;
    const words = Uint32Array.from({ length: stages * rows * wordsPerRow }, (_, i) => i + 1);
    const out = interleaveCodeRows(words, rows, wordsPerRow, stages);
    const tiles = Math.ceil(rows / CODE_ROW_TILE);
    expect(out.length).toBe(stages * tiles * CODE_ROW_TILE * wordsPerRow);
    let seen = 0;
    for (let stage = 0; stage < stages; stage++) {
      for (let row = 0; row < rows; row++) {
        for (let w = 0; w < wordsPerRow; w++) {
          const at =
            ((stage * tiles + Math.floor(row / CODE_ROW_TILE)) * wordsPerRow + w) * CODE_ROW_TILE +
            (row % CODE_ROW_TILE);
          expect(out[at]).toBe(words[(stage * rows + row) * wordsPerRow + w]);
          seen++;
        }
      }
    }
    // Every source word lands once; the rest (rows 70 … 95 of each stage's last tile) is zero.
    expect(out.filter((value) => value !== 0).length).toBe(seen);
  });

  it('refuses a word count that does not match the shape', () => {
    expect(() => interleaveCodeRows(new Uint32Array(5), 2, 3)).toThrow(
      /expected stages 1 × rows 2 × wordsPerRow 3 = 6/,
    );
  });
});

describe('canPairCodes', () => {
  it('pairs the 4-bit codes of k = 16 in fused-banked where the tile holds one word of pair tables', () => {
    const single = { k: 16, bits: 4, stageCount: 1 };
    expect(canPairCodes('fused-banked', single, 4096)).toBe(true);
    expect(canPairCodes('fused-banked', single, 1024)).toBe(true);
    expect(canPairCodes('fused-banked', single, 1023)).toBe(false);
    expect(canPairCodes('fused-banked', { ...single, stageCount: 4 }, 4096)).toBe(true);
    expect(canPairCodes('fused-banked', { ...single, stageCount: 5 }, 4096)).toBe(false);
    expect(canPairCodes('lut-banked', single, 4096)).toBe(false);
    expect(canPairCodes('lut-tiled-splitk', single, 4096)).toBe(false);
    expect(canPairCodes('fused-banked', { ...single, k: 10 }, 4096)).toBe(false);
    expect(canPairCodes('fused-banked', { ...single, k: 256, bits: 8 }, 4096)).toBe(false);
    expect(PAIRED_TABLE_K).toBe(256);
    expect(PAIRED_CODE_BITS).toBe(8);
  });
});

describe('usesRotatedCodeWords', () => {
  it("rotates code words at batch tiles above 1 under 'auto', or as the caller forces, and the shader has the switch", () => {
    expect(usesRotatedCodeWords('auto', 1)).toBe(false);
    expect(usesRotatedCodeWords('rotated-words', 1)).toBe(true);
    for (let batchTile = 2; batchTile <= GATHER_BATCH_TILE; batchTile++) {
      expect(usesRotatedCodeWords('auto', batchTile)).toBe(true);
      expect(usesRotatedCodeWords('per-code-shifts', batchTile)).toBe(false);
    }
    expect(pqGatherWgsl).toMatch(/override ROTATED_CODE_WORDS: bool/);
  });
});

describe('usesBinaryByteTables', () => {
  it("reads binary layers through byte tables under 'auto' from 3·2^25 weights at batch 1 and 2^24 above, anywhere when asked, where 4 KiB fit", () => {
    const tile = 4096;
    const at = (rows: number, cols: number, batch: number, mode: boolean | 'auto' = 'auto', floats = tile) =>
      usesBinaryByteTables(mode, floats, { rows, cols, batch });
    // Batch 1: 16384², 16384×8192 and VGG's fc6 (4096×25088) take them; 8192², 4096×16384 and 4096² keep the bits.
    expect(at(16384, 16384, 1)).toBe(true);
    expect(at(16384, 8192, 1)).toBe(true);
    expect(at(4096, 25088, 1)).toBe(true);
    expect(at(8192, 8192, 1)).toBe(false);
    expect(at(4096, 16384, 1)).toBe(false);
    expect(at(4096, 4096, 1)).toBe(false);
    // Batched: from 4096² (2^24 weights), not below.
    expect(at(4096, 4096, 8)).toBe(true);
    expect(at(8192, 8192, 2)).toBe(true);
    expect(at(4096, 4095, 8)).toBe(false);
    expect(at(1024, 3136, 8)).toBe(false);
    expect(at(1, 1, 1, true)).toBe(true);
    expect(at(16384, 16384, 8, false)).toBe(false);
    // One code word's tables (4 segments × 256 floats) or nothing.
    expect(at(1, 1, 1, true, 4 * 256)).toBe(true);
    expect(at(16384, 16384, 1, true, 4 * 256 - 1)).toBe(false);
    expect(at(16384, 16384, 8, 'auto', 128)).toBe(false);
    expect(pqGatherWgsl).toMatch(/override SIGN_TABLES: bool = false;/);
  });
});

describe('shortRowGroupTileBytes', () => {
  it('quarters the tile for row groups of up to 2048 rows, halves it up to 4096, keeps it above', () => {
    expect(SHORT_ROW_GROUP_ROWS).toBe(4096);
    expect(shortRowGroupTileBytes(1)).toBe(4096);
    expect(shortRowGroupTileBytes(2048)).toBe(4096);
    expect(shortRowGroupTileBytes(2049)).toBe(8192);
    expect(shortRowGroupTileBytes(4096)).toBe(8192);
    expect(shortRowGroupTileBytes(4097)).toBeNull();
    expect(shortRowGroupTileBytes(16384)).toBeNull();
    // 4096², d = 4 k = 256, batch 1: 64 chunks of 16 segments, 2048-row steps: two groups of 2048 rows (4 KiB tile);
    // 16384²: 256 chunks, one group of 16384 rows (the default stays).
    expect(rowGrouping(4096, 2048, 64, BANKED_TARGET_WORKGROUPS).rowsPerGroup).toBe(2048);
    expect(rowGrouping(16384, 2048, 256, BANKED_TARGET_WORKGROUPS).rowsPerGroup).toBe(16384);
  });
});

describe('usesWideGather', () => {
  it("takes the wide launch for banked gathers above a batch tile of 1 on large layers under 'auto'", () => {
    const big = 16384 * (16384 / 8);
    expect(big).toBe(WIDE_GATHER_MIN_LOOKUPS);
    for (const variant of ['fused-banked', 'lut-banked'] as const) {
      expect(usesWideGather('auto', variant, 2, big)).toBe(true);
      expect(usesWideGather('auto', variant, 4, 16384 * 4096)).toBe(true);
      // Batch 1, and 4096² (slower there in step 33), keep the defaults.
      expect(usesWideGather('auto', variant, 1, big)).toBe(false);
      expect(usesWideGather('auto', variant, 2, 4096 * 1024)).toBe(false);
      expect(usesWideGather('auto', variant, 2, WIDE_GATHER_MIN_LOOKUPS - 1)).toBe(false);
      expect(usesWideGather('always', variant, 2, 10)).toBe(true);
      expect(usesWideGather('always', variant, 1, big)).toBe(false);
      expect(usesWideGather('never', variant, 2, big)).toBe(false);
    }
    for (const variant of ['lut-global', 'lut-tiled-splitk', 'fused'] as const) {
      expect(usesWideGather('always', variant, 2, big)).toBe(false);
    }
  });

  it('is one 1024-invocation workgroup with a 32 KiB tile, aiming at 128 workgroups', () => {
    expect(WIDE_GATHER).toEqual({ workgroupSize: 1024, tileFloatsLimit: 8192, targetWorkgroups: 128 });
    // The banked geometry at 16384², d = 4, k = 256, batch 8: 16 segments per group instead of 8, so half the
    // split-K partial sums.
    const shape = { segments: 4096, k: 256, codesPerWord: 4 };
    expect(lutGeometry('fused-banked', shape, 1, 8, 4096).chunkSegments).toBe(8);
    expect(lutGeometry('fused-banked', shape, 1, 8, WIDE_GATHER.tileFloatsLimit).chunkSegments).toBe(16);
  });
});

describe('bankedRowsPerInvocation', () => {
  it('takes 4 rows of 8-bit codes and 1 of narrower ones at a batch tile of 1, 2 at larger tiles', () => {
    const big = [16384, 512] as const;
    expect(bankedRowsPerInvocation(8, 1, ...big)).toBe(4);
    expect(bankedRowsPerInvocation(4, 1, ...big)).toBe(1);
    expect(bankedRowsPerInvocation(1, 1, ...big)).toBe(1);
    for (const bits of [1, 2, 4, 8]) {
      for (let batchTile = 2; batchTile <= GATHER_BATCH_TILE; batchTile++) {
        expect(bankedRowsPerInvocation(bits, batchTile, ...big)).toBe(2);
      }
      expect(bankedRowsPerInvocation(bits, 1, ...big)).toBeLessThanOrEqual(MAX_ROWS_PER_INVOCATION);
    }
  });
  it('leaves no invocation of a workgroup without a row', () => {
    // The reference head's 1024- and 512-row layers with 512 invocations: 2 and 1 rows each, not 4.
    expect(bankedRowsPerInvocation(8, 1, 1024, 512)).toBe(2);
    expect(bankedRowsPerInvocation(8, 1, 512, 512)).toBe(1);
    expect(bankedRowsPerInvocation(8, 8, 100, 512)).toBe(1);
    expect(bankedRowsPerInvocation(8, 1, 4096, 512)).toBe(4);
  });
});

describe('wordsInFlightFor', () => {
  it('loads the words a row holds in the chunk, between 1 and MAX_WORDS_IN_FLIGHT', () => {
    // k = 256 (4 codes per word) at 16 KiB: 16 segments per chunk → 4 words; at a batch tile of 4: 1 word.
    expect(wordsInFlightFor(16, 4)).toBe(4);
    expect(wordsInFlightFor(4, 4)).toBe(1);
    // k = 16 (8 codes per word): 256 segments → 32 words, capped.
    expect(wordsInFlightFor(256, 8)).toBe(MAX_WORDS_IN_FLIGHT);
    expect(wordsInFlightFor(3, 8)).toBe(1);
    expect(wordsInFlightFor(17, 4)).toBe(5);
  });
});
