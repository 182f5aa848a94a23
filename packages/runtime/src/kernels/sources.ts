/**
 * The LUT kernels' WGSL (imported as text) and entry points. One shader module per file; the pipeline cache
 * (gpu/pipeline-cache.ts) keys modules by `name`, so entry points of one file share a name. The gather
 * kernels are each preceded by shaders/gather_common.wgsl (uniforms, work split, code layout, output store), the
 * scalar ones also by scalar_gather_common.wgsl (their shared bindings and x chunk):
 * WGSL has no include, so the module text is the two files joined.
 */
import binaryGatherWgsl from '../../../../shaders/binary_gather.wgsl?raw';
import gatherCommonWgsl from '../../../../shaders/gather_common.wgsl?raw';
import kmeansGatherWgsl from '../../../../shaders/kmeans_gather.wgsl?raw';
import pqDecodeWgsl from '../../../../shaders/pq_decode.wgsl?raw';
import pqGatherWgsl from '../../../../shaders/pq_gather.wgsl?raw';
import lutBuildWgsl from '../../../../shaders/pq_lut_build.wgsl?raw';
import scalarGatherCommonWgsl from '../../../../shaders/scalar_gather_common.wgsl?raw';
import reduceWgsl from '../../../../shaders/splitk_reduce.wgsl?raw';
import type { KernelSource } from '../gpu/pipeline-cache';

export const LUT_BUILD_KERNEL: KernelSource = {
  name: 'pq-lut-build',
  wgsl: lutBuildWgsl,
  entryPoint: 'build_lut',
};

/**
 * A gather kernel's module: the shared prelude, any further preludes (the scalar gathers share
 * scalar_gather_common.wgsl), then the kernel's own file.
 */
export function withGatherCommon(kernelWgsl: string, ...preludes: string[]): string {
  return [gatherCommonWgsl, ...preludes, kernelWgsl].join('\n');
}

const PQ_GATHER = { name: 'pq-gather', wgsl: withGatherCommon(pqGatherWgsl) };
/** Gather straight from the storage LUT (variant 'lut-global'). */
export const GATHER_GLOBAL_KERNEL: KernelSource = { ...PQ_GATHER, entryPoint: 'gather_global' };
/** Gather from a chunk of the storage LUT staged in workgroup memory (variant 'lut-tiled-splitk'). */
export const GATHER_TILED_KERNEL: KernelSource = { ...PQ_GATHER, entryPoint: 'gather_tiled' };
/** Gather from a bank-conflict-free tile of a grouped storage LUT (variant 'lut-banked'). */
export const GATHER_BANKED_KERNEL: KernelSource = { ...PQ_GATHER, entryPoint: 'gather_banked' };
/** The banked gather with its tile computed from codebook and x (variant 'fused-banked'). */
export const GATHER_BANKED_FUSED_KERNEL: KernelSource = { ...PQ_GATHER, entryPoint: 'gather_banked_fused' };
/**
 * 'fused-banked' reading codebook and x as 16-byte vectors, for sub-vectors of a multiple of 4 floats that tile
 * the columns exactly (lut-program.ts decides).
 */
export const GATHER_BANKED_FUSED_VEC4_KERNEL: KernelSource = {
  ...PQ_GATHER,
  entryPoint: 'gather_banked_fused_vec4',
};
/** Gather from a LUT chunk built in workgroup memory from codebook and x (variant 'fused'). */
export const GATHER_FUSED_KERNEL: KernelSource = { ...PQ_GATHER, entryPoint: 'gather_fused' };

/** Decoded centroids multiplied into the sums of a tile of inputs, for PQ layers at larger batches (variant 'decoded'). */
export const GATHER_DECODED_KERNEL: KernelSource = {
  name: 'pq-decode',
  wgsl: withGatherCommon(pqDecodeWgsl),
  entryPoint: 'gather_decoded',
};

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
