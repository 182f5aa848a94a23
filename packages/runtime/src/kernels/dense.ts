/**
 * Dense layer kernel: y = W x + b (+ ReLU) for a batch of inputs: one workgroup per output row
 * (shaders/dense_gemv.wgsl, shaders/dense_gemv_subgroup.wgsl), and for batches above 4 on layers of
 * DENSE_TILED_MIN_ROWS rows or more (and at large batches on smaller layers) a tile of 32 rows × 8 inputs
 * (shaders/dense_gemm_tiled.wgsl). CPU twin:
 * ../cpu/dense.ts.
 *
 * Variants: the reduction across a workgroup uses `subgroupAdd` ('subgroup', needs the device feature
 * `subgroups`) or a workgroup-memory tree ('workgroup', any device); 'auto' picks the first the device has.
 * The shape rule picks the entry point: vec4 loads when cols % 4 == 0 (every W row and x row then starts on
 * a 16-byte boundary), scalar loads otherwise; launchFor in createDenseKernel has the batch rule. The workgroup
 * size is an `override`, so a pipeline is keyed by (shader, entry point, workgroup size, row tile); rows, cols, batch
 * and the ReLU flag travel in a uniform and, by default, as pipeline constants too (`specializedParams`).
 */

import denseTiledWgsl from '../../../../shaders/dense_gemm_tiled.wgsl?raw';
import denseWgsl from '../../../../shaders/dense_gemv.wgsl?raw';
import denseSubgroupWgsl from '../../../../shaders/dense_gemv_subgroup.wgsl?raw';
import denseParamsWgsl from '../../../../shaders/dense_params.wgsl?raw';
import { BindGroupCache } from '../gpu/bind-group-cache';
import { type DispatchSize, dispatch1d } from '../gpu/dispatch';
import { GpuLimitError, KernelInputError } from '../gpu/errors';
import { getPipeline, type KernelSource, pipelineKey } from '../gpu/pipeline-cache';
import { uniformLayout } from '../gpu/uniforms';
import { specializedParamConstants } from './params';

export type DenseVariant = 'subgroup' | 'workgroup';

/** The uniform block shaders/dense_params.wgsl declares as `struct DenseParams`; relu is 0 or 1. */
export const DENSE_UNIFORMS = uniformLayout([
  ['rows', 'u32'],
  ['cols', 'u32'],
  ['batch', 'u32'],
  ['relu', 'u32'],
] as const);

/**
 * Invocations per workgroup unless forced. 128 = 4 warps of 32 on NVIDIA, 2 waves of 64 on AMD. On an H200
 * (Dawn/Vulkan, timestamp queries, 2026-11-28) 64 and 128 were within noise of each other and 256 slower at
 * 4096×4096 and 1024×3136 (batch 1 and 8); 512 was slowest everywhere.
 */
export const DEFAULT_DENSE_WORKGROUP_SIZE = 128;

/** Both shaders accumulate one vec4<f32> (16 bytes) per invocation in workgroup memory. */
const WORKGROUP_BYTES_PER_INVOCATION = 16;
/** The subgroup shader adds one atomic<u32> slot counter. */
const SUBGROUP_COUNTER_BYTES = 4;
const BYTES_PER_FLOAT = 4;
/** vec4<f32> loads need rows starting on 16-byte boundaries: cols a multiple of 4 floats. */
const VEC4_FLOATS = 4;
/** Every index the shaders compute is a u32. */
const MAX_U32 = 0xffff_ffff;

/**
 * A dense kernel's module: its file with shaders/dense_params.wgsl (the parameters' struct, uniform and constants)
 * appended. After, not before: the subgroup shader's `enable` directive must come first.
 */
export function withDenseParams(kernelWgsl: string): string {
  return [kernelWgsl, denseParamsWgsl].join('\n');
}

const SOURCES: Record<DenseVariant, string> = {
  workgroup: withDenseParams(denseWgsl),
  subgroup: withDenseParams(denseSubgroupWgsl),
};
const DENSE_TILED_SOURCE = withDenseParams(denseTiledWgsl);
const KERNEL_NAMES: Record<DenseVariant, string> = {
  workgroup: 'dense_gemv',
  subgroup: 'dense_gemv_subgroup',
};

export interface DenseKernelOptions {
  /** Apply ReLU to every output. Default false. */
  relu?: boolean;
  /** Reduction variant; 'auto' (default) is 'subgroup' when the device has the `subgroups` feature. */
  variant?: DenseVariant | 'auto';
  /** Invocations per workgroup: a power of two within the device limits. Default DEFAULT_DENSE_WORKGROUP_SIZE. */
  workgroupSize?: number;
  /** Appended to GPU object labels (e.g. the layer name) so captures and error messages say which layer. */
  label?: string;
  /**
   * The kernel for batches above DENSE_BATCH_TILE with cols a multiple of 4: 'tiled' (shaders/dense_gemm_tiled.wgsl,
   * x staged in workgroup memory for 32 rows × 8 inputs), 'rows' (dense_vec4_rows of the subgroup shader, 8 inputs
   * per pass, `rowTile` rows per workgroup; the 'workgroup' variant takes 'vec4' instead), 'vec4' (dense_vec4, W read
   * once per 4 inputs), or 'auto' (default): 'tiled' from DENSE_TILED_MIN_ROWS rows (and at large batches on smaller
   * layers: DENSE_TILED_SMALL_LAYER_MIN_BATCH, DENSE_TILED_ANY_LAYER_MIN_BATCH), 'rows' from DENSE_ROWS_MIN_ROWS,
   * 'vec4' below.
   */
  batchKernel?: DenseBatchKernel;
  /** Rows per workgroup of dense_vec4_rows (1, 2 or 4) with batchKernel 'rows'; default DENSE_ROW_TILE. */
  rowTile?: number;
  /**
   * Whether the tiled kernel's row tiles each start their walk over the columns at a chunk of their own (ROTATE_CHUNKS
   * of shaders/dense_gemm_tiled.wgsl) rather than all at column 0; default DENSE_ROTATE_CHUNKS.
   */
  rotateChunks?: boolean;
  /**
   * Whether the tiled kernel's workgroups for one row tile's input tiles are neighbours in the grid, so that they run
   * together and share each W chunk through L2 (GROUP_INPUT_TILES of shaders/dense_gemm_tiled.wgsl), rather than each
   * input tile's workgroups sweeping all of W in turn; default DENSE_GROUP_INPUT_TILES. Batches above
   * tiledInputs only.
   */
  groupInputTiles?: boolean;
  /**
   * Whether the tiled kernel adds each W vector's products into its sum by four chained fused multiply-adds (FMA_CHAIN
   * of shaders/dense_gemm_tiled.wgsl) instead of a dot product added to the sum (five instructions on NVIDIA); default
   * DENSE_FMA_CHAIN. The sums round in another order, within the kernel's tolerance.
   */
  fmaChain?: boolean;
  /**
   * Columns of x the tiled kernel stages per chunk (CHUNK_VEC4S of shaders/dense_gemm_tiled.wgsl, in vec4s): 128, 256
   * or 512; default DENSE_TILED_ONE_TILE_CHUNK_COLUMNS where the batch fits one input tile, else
   * DENSE_TILED_CHUNK_COLUMNS. An invocation holds chunk columns / 32 W vectors per row it sums.
   */
  tiledChunkColumns?: number;
  /**
   * Rows each invocation of the tiled kernel sums (ROWS_PER_INVOCATION: 1, 2 or 4), so that each x vector read from
   * workgroup memory serves that many W vectors; a tile is tiledRows × this many rows. Default
   * DENSE_TILED_ROWS_PER_INVOCATION. With 512-column chunks at most 2 (the W vectors an invocation holds). The tile's
   * sums take tiledRows × this × tiledInputs × 32 bytes of workgroup memory (32 KiB at 32 rows × 4 × 8 inputs).
   */
  tiledRowsPerInvocation?: number;
  /**
   * Rows of invocations per workgroup of the tiled kernel (TILE_ROWS: 16, 32 or 64, 8 invocations each, each summing
   * tiledRowsPerInvocation rows); default DENSE_TILED_ROWS (docs/kernel-attempts.md, steps 66 and 68).
   */
  tiledRows?: number;
  /**
   * Inputs per workgroup of the tiled kernel (TILE_INPUTS: 8 or 16), so W is read once per that many inputs; default
   * DENSE_TILED_INPUTS. 16 needs 16 KiB of workgroup memory (32 KiB with 512-column chunks). On the H200 (step 68)
   * 16 inputs were 1% faster at 16384², batch 32, and slower at batch 8, where half of each tile repeats inputs.
   */
  tiledInputs?: number;
  /**
   * Whether rows, cols, batch and the ReLU flag are pipeline constants (SPECIALIZED_PARAMS of the shaders: one
   * pipeline per size and batch) rather than read from the uniform; default true, as for the gathers
   * (docs/kernel-attempts.md, steps 50–51). dense_vec4_rows (batchKernel 'rows') always reads the uniform: it ran
   * slower with constants.
   */
  specializedParams?: boolean;
}

export type DenseBatchKernel = 'auto' | 'tiled' | 'rows' | 'vec4';
const DENSE_BATCH_KERNELS: readonly DenseBatchKernel[] = ['auto', 'tiled', 'rows', 'vec4'];

/** The buffers of one dense dispatch; each needs STORAGE usage. `output` must be none of the others. */
export interface DenseBuffers {
  /** rows×cols f32, row-major. */
  weight: GPUBuffer;
  /** rows f32. */
  bias: GPUBuffer;
  /** batch×cols f32. */
  input: GPUBuffer;
  /** batch×rows f32. */
  output: GPUBuffer;
}

export interface DenseSizes {
  rows: number;
  cols: number;
  batch: number;
}

export interface DenseKernel {
  readonly name: string;
  readonly variant: DenseVariant;
  readonly workgroupSize: number;
  readonly relu: boolean;
  /** Cache key of the pipeline used for these sizes (vec4 or scalar entry point). */
  pipelineKey(sizes: DenseSizes): string;
  /** Throws KernelInputError (or GpuLimitError) spelling out what was expected. */
  validate(buffers: DenseBuffers, sizes: DenseSizes): void;
  dispatchSize(sizes: DenseSizes): DispatchSize;
  /** Validates, then binds the buffers with exactly the byte ranges the sizes need. */
  bindGroup(buffers: DenseBuffers, sizes: DenseSizes): GPUBindGroup;
  /** Records the dispatch into an open compute pass, or into a new compute pass on a command encoder. */
  encode(target: GPUComputePassEncoder | GPUCommandEncoder, buffers: DenseBuffers, sizes: DenseSizes): void;
  /** Frees the uniform buffers this kernel created. Call after the last submitted dispatch is recorded. */
  destroy(): void;
}

function resolveVariant(device: GPUDevice, requested: DenseVariant | 'auto'): DenseVariant {
  const hasSubgroups = device.features.has('subgroups');
  if (requested === 'auto') return hasSubgroups ? 'subgroup' : 'workgroup';
  if (requested === 'subgroup' && !hasSubgroups) {
    throw new GpuLimitError(
      "dense: variant 'subgroup' needs the device feature 'subgroups', which this device was not created with; " +
        "request it in requestDevice({ requiredFeatures }) or use variant 'workgroup' (or 'auto')",
      'features.subgroups',
      1,
      0,
    );
  }
  return requested;
}

function checkWorkgroupSize(device: GPUDevice, variant: DenseVariant, size: number): void {
  const isPowerOfTwo = Number.isInteger(size) && size >= 1 && (size & (size - 1)) === 0;
  if (!isPowerOfTwo) {
    throw new RangeError(`dense: workgroupSize must be a power of two (tree reduction), got ${size}`);
  }
  const { limits } = device;
  const checks: ReadonlyArray<readonly [string, number, number]> = [
    ['maxComputeInvocationsPerWorkgroup', size, limits.maxComputeInvocationsPerWorkgroup],
    ['maxComputeWorkgroupSizeX', size, limits.maxComputeWorkgroupSizeX],
    [
      'maxComputeWorkgroupStorageSize',
      size * WORKGROUP_BYTES_PER_INVOCATION + (variant === 'subgroup' ? SUBGROUP_COUNTER_BYTES : 0),
      limits.maxComputeWorkgroupStorageSize,
    ],
  ];
  for (const [limit, required, available] of checks) {
    checkLimit(
      limit,
      required,
      available,
      (need) => `dense: workgroupSize ${size} needs ${limit} ≥ ${need}`,
      'pick a smaller size',
    );
  }
}

/**
 * A GpuLimitError unless `required` ≤ `available` (the device's `limit`): the message is `needs(required)`, what the
 * device allows, and `advice`.
 */
function checkLimit(
  limit: string,
  required: number,
  available: number,
  needs: (required: number) => string,
  advice: string,
): void {
  if (required > available) {
    throw new GpuLimitError(
      `${needs(required)}, the device allows ${available}; ${advice}`,
      limit,
      required,
      available,
    );
  }
}

/**
 * KernelInputError unless an invocation's W vectors fit the shader's register array (DENSE_TILED_MAX_W_VEC4S);
 * GpuLimitError unless the device takes the tiled kernel's workgroup: its invocations and its workgroup tile.
 */
function checkTiledLaunch(
  device: GPUDevice,
  tiledRows: number,
  tiledInputs: number,
  tiledChunkColumns: number,
  tiledRowsPerInvocation: number,
): void {
  const { limits } = device;
  const wVec4s = (tiledChunkColumns / VEC4_FLOATS / TILED_LANES_PER_ROW) * tiledRowsPerInvocation;
  if (wVec4s > DENSE_TILED_MAX_W_VEC4S) {
    throw new KernelInputError(
      `dense: the tiled kernel with ${tiledChunkColumns}-column chunks and ${tiledRowsPerInvocation} rows per ` +
        `invocation holds ${wVec4s} W vectors per invocation, at most ${DENSE_TILED_MAX_W_VEC4S}; pick fewer columns or rows`,
    );
  }
  // STAGED_VEC4S of the shader: the x chunk, or at the end the invocations' sums, whichever is larger.
  const tileBytes =
    Math.max(
      tiledInputs * (tiledChunkColumns / VEC4_FLOATS),
      (tiledRows * tiledRowsPerInvocation * tiledInputs * TILED_LANES_PER_ROW) / VEC4_FLOATS,
    ) * VEC4_BYTES;
  checkLimit(
    'maxComputeWorkgroupStorageSize',
    tileBytes,
    limits.maxComputeWorkgroupStorageSize,
    (need) =>
      `dense: the tiled kernel with ${tiledInputs} inputs, ${tiledRows} rows × ${tiledRowsPerInvocation} per ` +
      `invocation and ${tiledChunkColumns}-column chunks needs ${need} bytes of workgroup memory`,
    'pick fewer inputs, rows or columns',
  );
  checkLimit(
    'maxComputeInvocationsPerWorkgroup',
    tiledRows * TILED_LANES_PER_ROW,
    limits.maxComputeInvocationsPerWorkgroup,
    (need) => `dense: tiledRows ${tiledRows} needs ${need} invocations per workgroup`,
    'pick fewer rows',
  );
}

function checkDimension(name: keyof DenseSizes, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_U32) {
    throw new KernelInputError(`dense: ${name} must be an integer in 1…${MAX_U32}, got ${value}`);
  }
}

/** Byte ranges each binding needs for `sizes`. */
function bindingBytes({ rows, cols, batch }: DenseSizes): Record<keyof DenseBuffers, number> {
  return {
    weight: rows * cols * BYTES_PER_FLOAT,
    bias: rows * BYTES_PER_FLOAT,
    input: batch * cols * BYTES_PER_FLOAT,
    output: batch * rows * BYTES_PER_FLOAT,
  };
}

const BUFFER_SHAPES: Record<keyof DenseBuffers, (sizes: DenseSizes) => string> = {
  weight: ({ rows, cols }) => `rows×cols = ${rows}×${cols}`,
  bias: ({ rows }) => `rows = ${rows}`,
  input: ({ batch, cols }) => `batch×cols = ${batch}×${cols}`,
  output: ({ batch, rows }) => `batch×rows = ${batch}×${rows}`,
};

function validateDense(device: GPUDevice, buffers: DenseBuffers, sizes: DenseSizes): void {
  checkDimension('rows', sizes.rows);
  checkDimension('cols', sizes.cols);
  checkDimension('batch', sizes.batch);
  const needed = bindingBytes(sizes);
  const maxBinding = device.limits.maxStorageBufferBindingSize;
  for (const name of ['weight', 'bias', 'input', 'output'] as const) {
    const buffer = buffers[name];
    const bytes = needed[name];
    // Element indices must fit a u32 (bytes / 4); the binding limit is far below that on every device today.
    if (bytes / BYTES_PER_FLOAT > MAX_U32 || bytes > maxBinding) {
      throw new GpuLimitError(
        `dense: ${name} (${BUFFER_SHAPES[name](sizes)} f32) needs a ${bytes}-byte binding, ` +
          `maxStorageBufferBindingSize is ${maxBinding}; split the layer`,
        'maxStorageBufferBindingSize',
        bytes,
        maxBinding,
      );
    }
    if (buffer.size < bytes) {
      throw new KernelInputError(
        `dense: ${name} buffer "${buffer.label}" must hold ${BUFFER_SHAPES[name](sizes)} f32 = ${bytes} bytes, ` +
          `it has ${buffer.size}`,
      );
    }
    if ((buffer.usage & GPUBufferUsage.STORAGE) === 0) {
      throw new KernelInputError(`dense: ${name} buffer "${buffer.label}" needs GPUBufferUsage.STORAGE`);
    }
  }
  for (const name of ['weight', 'bias', 'input'] as const) {
    if (buffers[name] === buffers.output) {
      throw new KernelInputError(
        `dense: output must be a separate buffer, it is the ${name} buffer "${buffers.output.label}"`,
      );
    }
  }
}

/**
 * `const BATCH_TILE` of the shaders (inputs per pass of dense_vec4) and the default of dense_vec4_rows's `override
 * ROW_TILE`: one row per workgroup, the fastest of 1, 2 and 4 on the H200 (docs/kernel-attempts.md, step 35).
 */
export const DENSE_BATCH_TILE = 4;
export const DENSE_ROW_TILE = 1;

/**
 * The defaults of `override TILE_ROWS` and `override TILE_INPUTS` of shaders/dense_gemm_tiled.wgsl: with
 * DENSE_TILED_ROWS_PER_INVOCATION a workgroup's tile, 16 × 2 = 32 rows by 8 inputs, the grid of the one-row
 * invocations' 32-row tiles before step 68 (so that 8192-row layers keep 256 workgroups at batch 8).
 */
export const DENSE_TILED_ROWS = 16;
export const DENSE_TILED_INPUTS = 8;
/**
 * Fewest rows for which batchKernel 'auto' takes the tiled kernel; smaller layers take dense_vec4_rows (from
 * DENSE_ROWS_MIN_ROWS, with subgroups) or dense_vec4. H200, batch 8 (docs/kernel-attempts.md, step 37): 16384² 460 µs against 548 µs for
 * dense_vec4_rows and 598 for dense_vec4; 4096², whose 128 row tiles leave most of the GPU idle, 57.1 against 44.4
 * and 47.0.
 */
export const DENSE_TILED_MIN_ROWS = 8192;
/**
 * Below DENSE_TILED_MIN_ROWS, batchKernel 'auto' still takes the tiled kernel at large batches, where a row tile's
 * input tiles fill the GPU and share W through L2 (DenseKernelOptions.groupInputTiles): from
 * DENSE_TILED_SMALL_LAYER_MIN_BATCH inputs at DENSE_TILED_SMALL_LAYER_MIN_ROWS rows, and from DENSE_TILED_ANY_LAYER_MIN_BATCH
 * at any size. H200 (docs/kernel-attempts.md, step 69): 4096² 60.0 µs against 81.9 for dense_vec4_rows at batch 16 and
 * 73.0 against 151.7 at batch 32, but 53.6 against 44.8 at batch 8; 1024×3136 39.1 against 44.2 for dense_vec4 at batch
 * 32 and 39.0 against 27.0 at batch 16; 512×1024 18.5 against 20.3 at batch 32.
 */
export const DENSE_TILED_SMALL_LAYER_MIN_ROWS = 4096;
export const DENSE_TILED_SMALL_LAYER_MIN_BATCH = 16;
export const DENSE_TILED_ANY_LAYER_MIN_BATCH = 32;
/**
 * Fewest rows for which batchKernel 'auto' takes dense_vec4_rows below DENSE_TILED_MIN_ROWS; smaller layers keep
 * dense_vec4. H200, two full-grid runs, dense_vec4 everywhere (step 28) against dense_vec4_rows (step 38): the
 * 1024×3136 layer 17.8 against 22.9 µs at batch 8 and 43.7 against 65.0 µs at batch 32, the 512×1024 layer 20.1
 * against 22.2 µs at batch 32; 4096² at batch 8 44.4 against 47.0 µs the other way, side by side (step 37).
 */
export const DENSE_ROWS_MIN_ROWS = 4096;
/**
 * DenseKernelOptions.rotateChunks's default. H200 (docs/kernel-attempts.md, step 65): 16384², batch 8, 410.0 against
 * 459.9 µs; 16384×4096, batch 8, 115.7 against 127.3; 0.8–2.4% faster at 8192², batch 8, and at batch 32 on the
 * 16384-row layers; 1.4% slower at 8192², batch 32.
 */
export const DENSE_ROTATE_CHUNKS = true;
/**
 * DenseKernelOptions.groupInputTiles's default. H200 (docs/kernel-attempts.md, step 70), against each input tile's
 * workgroups sweeping all of W in turn: 16384² 540.9 against 638.5 µs at batch 16 and 942.2 against 1138.1 at batch 32;
 * 16384×4096 142.8 against 177.2 and 245.8 against 296.6; 8192² even at batch 16, 269.9 against 332.4 at batch 32.
 */
export const DENSE_GROUP_INPUT_TILES = true;
/**
 * DenseKernelOptions.fmaChain's default. H200 (docs/kernel-attempts.md, steps 71 and 72), chain against dot products:
 * 16384² 918.7 against 996.6 µs at batch 32 and 309.4 against 313.0 at batch 8, 16384×4096 237.7 against 249.6 at
 * batch 32; faster in every cell where both ran the tiled kernel.
 */
export const DENSE_FMA_CHAIN = true;
/**
 * DenseKernelOptions.tiledChunkColumns's defaults: DENSE_TILED_ONE_TILE_CHUNK_COLUMNS where the batch fits one input
 * tile, DENSE_TILED_CHUNK_COLUMNS above. H200 (docs/kernel-attempts.md, step 69), 128 against 256 columns: at batch 8
 * 16384² 309.7 against 326.6 µs, 16384×4096 87.2 against 97.2, 8192² and 4096² even (the one input tile streams W from
 * memory, and 4 W vectors per row and invocation leave registers for more warps); at batch 16 slower everywhere (16384²
 * 540.9 against 491.2, 8192² 145.3 against 135.7, 16384×4096 142.8 against 133.7); at batch 32 mixed (16384² 942.2
 * against 998.4, 8192² 269.9 against 253.3, the others within 2%). 512 columns lost everywhere but one cell (step 65).
 */
export const DENSE_TILED_ONE_TILE_CHUNK_COLUMNS = 128;
export const DENSE_TILED_CHUNK_COLUMNS = 256;
const TILED_CHUNK_COLUMNS = [128, 256, 512];
/** The values DenseKernelOptions.tiledRows takes, and the invocations each row of a tile takes (LANES_PER_ROW). */
const TILED_ROWS = [16, 32, 64];
const TILED_LANES_PER_ROW = 8;
/** The values DenseKernelOptions.tiledInputs takes. */
const TILED_INPUTS = [8, 16];
/**
 * DenseKernelOptions.tiledRowsPerInvocation's default and the values it takes. H200, batch 8 (docs/kernel-attempts.md,
 * step 68): 16384² 328.6 µs with 2 rows × 16-row tiles against 412.9 for 1 row × 32-row tiles (324.6 with 2 rows ×
 * 32-row tiles, 361–374 with 4 rows); 16384×4096 95.3 against 127.6; batch 32 1.11× and 1.14× faster.
 */
export const DENSE_TILED_ROWS_PER_INVOCATION = 2;
const TILED_ROWS_PER_INVOCATION = [1, 2, 4];
/** `const MAX_W_VEC4S` of the shader: W vectors an invocation holds per chunk (chunk vec4s / 8 per row it sums). */
export const DENSE_TILED_MAX_W_VEC4S = 32;
/** Bytes of one vec4<f32> in the tiled kernel's workgroup tile. */
const VEC4_BYTES = 16;

/** What a dispatch of the dense kernel runs for some sizes: the shader entry point, its constants and its grid. */
interface DenseLaunch {
  source: KernelSource;
  constants: Record<string, number>;
  /** Workgroups in the grid before folding (dispatch1d). */
  workgroups: number;
}

/** The rowTile values DenseKernelOptions takes (`const MAX_ROW_TILE` of the subgroup shader is the largest). */
const ROW_TILES = [1, 2, 4];

/** `value` when it is one of `allowed`, else a KernelInputError naming the option and the values it takes. */
function checkedChoice<T>(option: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    throw new KernelInputError(
      `dense: ${option} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** `value` when it is a boolean (a JavaScript caller may pass anything), else a KernelInputError. */
function checkedBoolean(option: string, value: boolean): boolean {
  if (typeof value !== 'boolean') {
    throw new KernelInputError(`dense: ${option} must be true or false, got ${JSON.stringify(value)}`);
  }
  return value;
}

function isComputePass(target: GPUComputePassEncoder | GPUCommandEncoder): target is GPUComputePassEncoder {
  return 'dispatchWorkgroups' in target;
}

/**
 * A dense kernel for `device`. Pipelines come from the shared cache (one per variant × entry point × workgroup
 * size, and per size and batch with `specializedParams`); uniform buffers are made once per distinct (rows, cols,
 * batch) and reused, which is safe because a buffer's contents are fixed by its key, and freed by `destroy()`.
 */
export function createDenseKernel(device: GPUDevice, options: DenseKernelOptions = {}): DenseKernel {
  const variant = resolveVariant(device, options.variant ?? 'auto');
  const workgroupSize = options.workgroupSize ?? DEFAULT_DENSE_WORKGROUP_SIZE;
  checkWorkgroupSize(device, variant, workgroupSize);
  const relu = options.relu ?? false;
  const specializedParams = checkedBoolean('specializedParams', options.specializedParams ?? true);
  const batchKernel = checkedChoice('batchKernel', options.batchKernel ?? 'auto', DENSE_BATCH_KERNELS);
  const rowTile = checkedChoice('rowTile', options.rowTile ?? DENSE_ROW_TILE, ROW_TILES);
  const rotateChunks = checkedBoolean('rotateChunks', options.rotateChunks ?? DENSE_ROTATE_CHUNKS);
  const groupInputTiles = checkedBoolean(
    'groupInputTiles',
    options.groupInputTiles ?? DENSE_GROUP_INPUT_TILES,
  );
  const fmaChain = checkedBoolean('fmaChain', options.fmaChain ?? DENSE_FMA_CHAIN);
  const chosenChunkColumns =
    options.tiledChunkColumns === undefined
      ? undefined
      : checkedChoice('tiledChunkColumns', options.tiledChunkColumns, TILED_CHUNK_COLUMNS);
  const tiledRows = checkedChoice('tiledRows', options.tiledRows ?? DENSE_TILED_ROWS, TILED_ROWS);
  const tiledInputs = checkedChoice('tiledInputs', options.tiledInputs ?? DENSE_TILED_INPUTS, TILED_INPUTS);
  const tiledRowsPerInvocation = checkedChoice(
    'tiledRowsPerInvocation',
    options.tiledRowsPerInvocation ?? DENSE_TILED_ROWS_PER_INVOCATION,
    TILED_ROWS_PER_INVOCATION,
  );
  // Without a chosen chunk size, the larger default needs the more workgroup memory and registers.
  checkTiledLaunch(
    device,
    tiledRows,
    tiledInputs,
    chosenChunkColumns ?? Math.max(DENSE_TILED_ONE_TILE_CHUNK_COLUMNS, DENSE_TILED_CHUNK_COLUMNS),
    tiledRowsPerInvocation,
  );
  const chunkColumnsFor = (batch: number): number =>
    chosenChunkColumns ??
    (batch <= tiledInputs ? DENSE_TILED_ONE_TILE_CHUNK_COLUMNS : DENSE_TILED_CHUNK_COLUMNS);
  const name = KERNEL_NAMES[variant];
  const labelSuffix = options.label ? ` ${options.label}` : '';
  const gemv = (entryPoint: string, constants: Record<string, number>, workgroups: number): DenseLaunch => ({
    source: { name, wgsl: SOURCES[variant], entryPoint },
    constants,
    workgroups,
  });
  /**
   * The kernel batchKernel names, 'auto' resolved by the layer's rows and batch (DENSE_TILED_MIN_ROWS,
   * DENSE_TILED_SMALL_LAYER_MIN_ROWS and _MIN_BATCH, DENSE_TILED_ANY_LAYER_MIN_BATCH, DENSE_ROWS_MIN_ROWS).
   */
  const batchKernelFor = (rows: number, batch: number): Exclude<DenseBatchKernel, 'auto'> => {
    if (batchKernel !== 'auto') return batchKernel;
    if (rows >= DENSE_TILED_MIN_ROWS || batch >= DENSE_TILED_ANY_LAYER_MIN_BATCH) return 'tiled';
    if (rows >= DENSE_TILED_SMALL_LAYER_MIN_ROWS && batch >= DENSE_TILED_SMALL_LAYER_MIN_BATCH)
      return 'tiled';
    return rows >= DENSE_ROWS_MIN_ROWS ? 'rows' : 'vec4';
  };
  /**
   * The shape rule: 16-byte loads where rows start on 16-byte boundaries; for batches above DENSE_BATCH_TILE the
   * kernel batchKernelFor names (docs/kernel-attempts.md, steps 35, 37 and 39).
   */
  const launchFor = ({ rows, cols, batch }: DenseSizes): DenseLaunch => {
    const sizeConstants = specializedParams
      ? specializedParamConstants({ rows, cols, batch, relu: relu ? 1 : 0 })
      : {};
    const constants = { WORKGROUP_SIZE: workgroupSize, ...sizeConstants };
    if (cols % VEC4_FLOATS !== 0) return gemv('dense_scalar', constants, rows);
    const kernel = batch <= DENSE_BATCH_TILE ? 'vec4' : batchKernelFor(rows, batch);
    // dense_vec4_rows is the subgroup shader's only; ROW_TILE is an override of it alone (a constant the module
    // does not declare is an error).
    if (kernel === 'vec4' || (kernel === 'rows' && variant !== 'subgroup')) {
      return gemv('dense_vec4', constants, rows);
    }
    if (kernel === 'rows') {
      // Sizes stay in the uniform here: as constants the H200 ran 4096², batch 8, in 49.1–49.3 µs against 44.8–45.1
      // in two runs (docs/kernel-attempts.md, step 51).
      const rowsConstants = { WORKGROUP_SIZE: workgroupSize, ROW_TILE: rowTile };
      return gemv('dense_vec4_rows', rowsConstants, Math.ceil(rows / rowTile));
    }
    return {
      source: { name: 'dense_gemm_tiled', wgsl: DENSE_TILED_SOURCE, entryPoint: 'dense_tiled' },
      constants: {
        ...sizeConstants,
        ROTATE_CHUNKS: rotateChunks ? 1 : 0,
        GROUP_INPUT_TILES: groupInputTiles ? 1 : 0,
        FMA_CHAIN: fmaChain ? 1 : 0,
        CHUNK_VEC4S: chunkColumnsFor(batch) / VEC4_FLOATS,
        TILE_ROWS: tiledRows,
        TILE_INPUTS: tiledInputs,
        ROWS_PER_INVOCATION: tiledRowsPerInvocation,
      },
      workgroups: Math.ceil(rows / (tiledRows * tiledRowsPerInvocation)) * Math.ceil(batch / tiledInputs),
    };
  };
  const uniformBuffers = new Map<string, GPUBuffer>();
  // Bind groups by (weight, bias, input, output) and sizes, made once (gpu/bind-group-cache.ts). A group binds
  // a uniform buffer of uniformBuffers, so destroy() drops them together.
  let bindGroups = new BindGroupCache();

  const pipelineOf = (launch: DenseLaunch): GPUComputePipeline =>
    getPipeline(device, launch.source, launch.constants);

  const uniformsFor = (sizes: DenseSizes): GPUBuffer => {
    const key = `${sizes.rows}x${sizes.cols}x${sizes.batch}`;
    let buffer = uniformBuffers.get(key);
    if (!buffer) {
      buffer = device.createBuffer({
        label: `${name}${labelSuffix} uniforms ${key}${relu ? ' relu' : ''}`,
        size: DENSE_UNIFORMS.byteSize,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buffer, 0, DENSE_UNIFORMS.encode({ ...sizes, relu: relu ? 1 : 0 }));
      uniformBuffers.set(key, buffer);
    }
    return buffer;
  };

  const kernel: DenseKernel = {
    name,
    variant,
    workgroupSize,
    relu,
    pipelineKey: (sizes) => {
      const launch = launchFor(sizes);
      return pipelineKey(launch.source, launch.constants);
    },
    validate: (buffers, sizes) => validateDense(device, buffers, sizes),
    dispatchSize: (sizes) => dispatch1d(device, launchFor(sizes).workgroups),
    bindGroup(buffers, sizes) {
      validateDense(device, buffers, sizes);
      const key = `${sizes.rows}x${sizes.cols}x${sizes.batch}`;
      const { weight, bias, input, output } = buffers;
      return bindGroups.get([weight, bias, input, output], key, () => {
        const pipeline = pipelineOf(launchFor(sizes));
        const bytes = bindingBytes(sizes);
        return device.createBindGroup({
          label: `${name}${labelSuffix} ${key}`,
          layout: pipeline.getBindGroupLayout(0),
          entries: [
            { binding: 0, resource: { buffer: uniformsFor(sizes) } },
            { binding: 1, resource: { buffer: weight, size: bytes.weight } },
            { binding: 2, resource: { buffer: bias, size: bytes.bias } },
            { binding: 3, resource: { buffer: input, size: bytes.input } },
            { binding: 4, resource: { buffer: output, size: bytes.output } },
          ],
        });
      });
    },
    encode(target, buffers, sizes) {
      const bindGroup = kernel.bindGroup(buffers, sizes);
      const launch = launchFor(sizes);
      const { x, y, z } = dispatch1d(device, launch.workgroups);
      const pass = isComputePass(target)
        ? target
        : target.beginComputePass({ label: `${name}${labelSuffix}` });
      pass.setPipeline(pipelineOf(launch));
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y, z);
      if (pass !== target) pass.end();
    },
    destroy() {
      for (const buffer of uniformBuffers.values()) buffer.destroy();
      uniformBuffers.clear();
      bindGroups = new BindGroupCache();
    },
  };
  return kernel;
}
