/**
 * The LUT kernels' WGSL (imported as text) and entry points. One shader module per file; the pipeline cache
 * (gpu/pipeline-cache.ts) keys modules by `name`, so entry points of one file share a name. The gather
 * kernels are each preceded by shaders/gather_common.wgsl (uniforms, work split, code layout, output store), the
 * scalar ones also by scalar_gather_common.wgsl (their shared bindings and x chunk):
 * WGSL has no include, so the module text is the files joined. The kernels that read PQ / RQ codebooks come in two
 * modules, one per codebook dtype on the GPU: joined with shaders/codebook_float32.wgsl or codebook_float16.wgsl.
 * The 8-bit-table kernels (pq_table8.wgsl) come in one module per codebook dtype and batch tile width as well.
 */
import binaryGatherWgsl from '../../../../shaders/binary_gather.wgsl?raw';
import codebookFloat16Wgsl from '../../../../shaders/codebook_float16.wgsl?raw';
import codebookFloat32Wgsl from '../../../../shaders/codebook_float32.wgsl?raw';
import gatherCommonWgsl from '../../../../shaders/gather_common.wgsl?raw';
import kmeansGatherWgsl from '../../../../shaders/kmeans_gather.wgsl?raw';
import pqDecodeWgsl from '../../../../shaders/pq_decode.wgsl?raw';
import pqGatherWgsl from '../../../../shaders/pq_gather.wgsl?raw';
import lutBuildWgsl from '../../../../shaders/pq_lut_build.wgsl?raw';
import pqTable8Wgsl from '../../../../shaders/pq_table8.wgsl?raw';
import scalarGatherCommonWgsl from '../../../../shaders/scalar_gather_common.wgsl?raw';
import reduceWgsl from '../../../../shaders/splitk_reduce.wgsl?raw';
import table8Entry1Wgsl from '../../../../shaders/table8_entry1.wgsl?raw';
import table8Entry4Wgsl from '../../../../shaders/table8_entry4.wgsl?raw';
import table8Entry8Wgsl from '../../../../shaders/table8_entry8.wgsl?raw';
import table32Entry1Wgsl from '../../../../shaders/table32_entry1.wgsl?raw';
import type { KernelSource } from '../gpu/pipeline-cache';
import type { CodebookDtype } from './codebook-dtype';

/**
 * A gather kernel's module: the shared prelude, any further preludes (the scalar gathers share
 * scalar_gather_common.wgsl), then the kernel's own file.
 */
export function withGatherCommon(kernelWgsl: string, ...preludes: string[]): string {
  return [gatherCommonWgsl, ...preludes, kernelWgsl].join('\n');
}

const CODEBOOK_PRELUDES: Readonly<Record<CodebookDtype, string>> = {
  float32: codebookFloat32Wgsl,
  float16: codebookFloat16Wgsl,
};

/** A kernel that reads codebooks: one source per codebook dtype, each its own module. */
export type CodebookKernel = Readonly<Record<CodebookDtype, KernelSource>>;

/** The kernel `entryPoint` of module `name`, whose text `join` makes from a codebook prelude, per dtype. */
function codebookKernel(name: string, entryPoint: string, join: (prelude: string) => string): CodebookKernel {
  return {
    float32: { name, wgsl: join(CODEBOOK_PRELUDES.float32), entryPoint },
    float16: { name: `${name}-f16`, wgsl: join(CODEBOOK_PRELUDES.float16), entryPoint },
  };
}

export const LUT_BUILD_KERNEL = codebookKernel('pq-lut-build', 'build_lut', (prelude) =>
  [prelude, lutBuildWgsl].join('\n'),
);

const pqGather = (entryPoint: string): CodebookKernel =>
  codebookKernel('pq-gather', entryPoint, (prelude) => withGatherCommon(pqGatherWgsl, prelude));
/** Gather straight from the storage LUT (variant 'lut-global'). */
export const GATHER_GLOBAL_KERNEL = pqGather('gather_global');
/** Gather from a chunk of the storage LUT staged in workgroup memory (variant 'lut-tiled-splitk'). */
export const GATHER_TILED_KERNEL = pqGather('gather_tiled');
/** Gather from a bank-conflict-free tile of a grouped storage LUT (variant 'lut-banked'). */
export const GATHER_BANKED_KERNEL = pqGather('gather_banked');
/** The banked gather with its tile computed from codebook and x (variant 'fused-banked'). */
export const GATHER_BANKED_FUSED_KERNEL = pqGather('gather_banked_fused');
/**
 * 'fused-banked' reading codebook and x as 16-byte vectors, for sub-vectors of a multiple of 4 floats that tile
 * the columns exactly (lut-program.ts decides).
 */
export const GATHER_BANKED_FUSED_VEC4_KERNEL = pqGather('gather_banked_fused_vec4');
/** Gather from a LUT chunk built in workgroup memory from codebook and x (variant 'fused'). */
export const GATHER_FUSED_KERNEL = pqGather('gather_fused');

/** Decoded centroids multiplied into the sums of a tile of inputs, for PQ layers at larger batches (variant 'decoded'). */
export const GATHER_DECODED_KERNEL = codebookKernel('pq-decode', 'gather_decoded', (prelude) =>
  withGatherCommon(pqDecodeWgsl, prelude),
);

export const KMEANS_GATHER_KERNEL: KernelSource = {
  name: 'kmeans-gather',
  wgsl: withGatherCommon(kmeansGatherWgsl, scalarGatherCommonWgsl),
  entryPoint: 'gather_kmeans',
};
export const BINARY_GATHER_KERNEL: KernelSource = {
  name: 'binary-gather',
  wgsl: withGatherCommon(binaryGatherWgsl, scalarGatherCommonWgsl),
  entryPoint: 'gather_binary',
};
export const SPLITK_REDUCE_KERNEL: KernelSource = {
  name: 'splitk-reduce',
  wgsl: reduceWgsl,
  entryPoint: 'reduce_slots',
};

/**
 * Inputs per batch tile of the 8-bit-table kernels, narrowest first: a tile prelude each (table8_entry1.wgsl,
 * table8_entry4.wgsl, table8_entry8.wgsl).
 */
export const TABLE8_BATCH_TILES = [1, 4, 8] as const;
export type Table8BatchTile = (typeof TABLE8_BATCH_TILES)[number];

const TABLE8_ENTRY_PRELUDES: Readonly<Record<Table8BatchTile, string>> = {
  1: table8Entry1Wgsl,
  4: table8Entry4Wgsl,
  8: table8Entry8Wgsl,
};

/** A kernel of pq_table8.wgsl for one batch tile width: one module per codebook dtype. */
function table8Kernel(entryPoint: string, batchTile: Table8BatchTile): CodebookKernel {
  return codebookKernel(`pq-table8-x${batchTile}`, entryPoint, (prelude) =>
    [prelude, TABLE8_ENTRY_PRELUDES[batchTile], pqTable8Wgsl].join('\n'),
  );
}

/** A kernel of pq_table8.wgsl with float32 entries, one input per tile (table32_entry1.wgsl). */
function table32Kernel(entryPoint: string): CodebookKernel {
  return codebookKernel('pq-table32-x1', entryPoint, (prelude) =>
    [prelude, table32Entry1Wgsl, pqTable8Wgsl].join('\n'),
  );
}

/**
 * pq_table8.wgsl's gather and reduce on float32 entries (variant 'grouped-float32': 'auto' at the batches plan.ts
 * usesGroupedFloatTables names).
 */
export const TABLE32_KERNELS: Readonly<{ gather: CodebookKernel; reduce: CodebookKernel }> = {
  gather: table32Kernel('gather_table32'),
  reduce: table32Kernel('reduce_table8'),
};

/** The 8-bit tables built in the workgroup and gathered into integer sums (executor option tableBits: 8). */
export const GATHER_TABLE8_KERNEL: Readonly<Record<Table8BatchTile, CodebookKernel>> = {
  1: table8Kernel('gather_table8', 1),
  4: table8Kernel('gather_table8', 4),
  8: table8Kernel('gather_table8', 8),
};
/** Their reduce: scale and offset per slot applied, bias and ReLU. */
export const REDUCE_TABLE8_KERNEL: Readonly<Record<Table8BatchTile, CodebookKernel>> = {
  1: table8Kernel('reduce_table8', 1),
  4: table8Kernel('reduce_table8', 4),
  8: table8Kernel('reduce_table8', 8),
};
