/**
 * What the kernel benchmark measures: layer shapes, batch sizes, the quantizer configurations, and how long
 * each timed series runs. The full grid is sized for one NVIDIA H200 run of under 8 minutes; the quick grid
 * (`--quick`, automatic on SwiftShader) for a few minutes on the 2-core dev machine.
 */

/** A dense layer y = W x + b, W of `rows` (m, outputs) × `cols` (n, inputs) (shared/paper.md). */
export interface LayerShape {
  /** Shown in tables; `--shapes` matches it or `${rows}x${cols}`. */
  name: string;
  rows: number;
  cols: number;
}

/** The reference model's dense head (models/reference/train.py: Linear(64·7·7, 1024), Linear(1024, 512)). */
export const REFERENCE_HEAD: readonly LayerShape[] = [
  { name: 'fashion-vgg fc1 1024x3136', rows: 1024, cols: 3136 },
  { name: 'fashion-vgg fc2 512x1024', rows: 512, cols: 1024 },
];

/** The shapes, goal-relevant first so a run cut short by its time budget still answers the goals. */
export const FULL_SHAPES: readonly LayerShape[] = [
  { name: '4096x4096', rows: 4096, cols: 4096 },
  { name: '16384x16384', rows: 16384, cols: 16384 },
  { name: '16384x4096', rows: 16384, cols: 4096 },
  ...REFERENCE_HEAD,
];

/**
 * The reference head only: on SwiftShader the tiled and fused LUT variants with k = 256 take seconds per run at
 * batch 8, so each further shape costs minutes (`--shapes 1024x1024` adds one).
 */
export const QUICK_SHAPES: readonly LayerShape[] = [...REFERENCE_HEAD];

export const FULL_BATCHES: readonly number[] = [1, 8, 32];
export const QUICK_BATCHES: readonly number[] = [1, 8];

/** PQ configurations: sub-vector length d × centroids k (4-bit and 8-bit codes). */
export const PQ_CONFIGS: readonly { d: number; k: number }[] = [
  { d: 4, k: 16 },
  { d: 4, k: 256 },
  { d: 8, k: 16 },
  { d: 8, k: 256 },
];

/** Scalar k-means with 4-bit and 8-bit codes. */
export const KMEANS_CONFIGS: readonly { k: number }[] = [{ k: 16 }, { k: 256 }];

/** onnxruntime's MatMulNBits as transformers.js / web-llm style int4 weights use it: 4 bits, blocks of 32. */
export const NBITS_BITS = 4;
export const NBITS_BLOCK_SIZE = 32;
/** MatMulNBits' accuracy_level 4: activations quantized to int8 for an integer dot-product path. */
export const NBITS_ACCURACY_LEVEL_INT8 = 4;

/**
 * L2 cache of an NVIDIA H200 (60 MB, gpu-host.md / NVIDIA's Hopper whitepaper). Inputs and weights are rotated
 * so that the bytes touched between two uses of one buffer exceed twice this, so a timed run cannot be served
 * from L2 (METHOD.md: "rotate among several input sets").
 */
export const L2_BYTES = 60e6;
export const ROTATION_TARGET_BYTES = 2 * L2_BYTES;
/** Cap on weight copies (for the smallest layers); ORT needs one session per copy. */
export const MAX_WEIGHT_COPIES = 64;
/** Distinct x (and y) buffers per batch, cycled run by run. */
export const INPUT_SETS = 8;

/** Copies of a layer's weights so that the copies together exceed ROTATION_TARGET_BYTES. */
export function weightCopies(bytesPerCopy: number): number {
  if (!(bytesPerCopy > 0))
    throw new RangeError(`weightCopies: bytesPerCopy must be > 0, got ${bytesPerCopy}`);
  return Math.min(MAX_WEIGHT_COPIES, Math.max(1, Math.ceil(ROTATION_TARGET_BYTES / bytesPerCopy)));
}

/** How long each contender is warmed up and timed. */
export interface TimingPlan {
  /** Busy time right before each timed series set (the H200 drops its clock after ~1 s idle). */
  warmupMs: number;
  /**
   * Busy time (large copies) between a cell's correctness checks and its first round. The checks' CPU references keep
   * the GPU idle for seconds, and on the H200 the first contender of a cell then ran its whole first round 4.4× slower
   * (8192², batch 8: round medians 524.9 and 118.7 µs) despite its own warm-up (docs/kernel-attempts.md, step 69).
   */
  cellWarmupMs: number;
  /** Runs per series are chosen so that one series takes about this long. */
  seriesTargetMs: number;
  minRunsPerSeries: number;
  /** Two timestamps per run; a WebGPU query set holds at most 4096 (GPUQuerySetDescriptor.count). */
  maxRunsPerSeries: number;
  /** Series timed with GPU timestamps (pqweb only). */
  gpuSeries: number;
  /** Series timed with wall time around queue completion (every contender). */
  wallSeries: number;
  /**
   * After this long in timed series (warm-up excluded), a contender stops after its current kind of series,
   * keeping at least one of each: slow configurations get fewer repetitions.
   */
  maxSeriesMs: number;
  /** Passes over all contenders of a (shape, batch) cell; a contender's samples pool over rounds. */
  rounds: number;
  /** Rows compared with the CPU reference per check (all rows when the layer has at most this many). */
  checkRows: number;
}

export const FULL_TIMING: TimingPlan = {
  warmupMs: 150,
  cellWarmupMs: 1000,
  seriesTargetMs: 10,
  minRunsPerSeries: 4,
  maxRunsPerSeries: 256,
  gpuSeries: 8,
  wallSeries: 6,
  maxSeriesMs: 400,
  rounds: 2,
  checkRows: 128,
};

/** SwiftShader runs a 1024×3136 dense GEMV in seconds: one run per series, a few series. */
export const QUICK_TIMING: TimingPlan = {
  warmupMs: 20,
  cellWarmupMs: 0,
  seriesTargetMs: 50,
  minRunsPerSeries: 1,
  maxRunsPerSeries: 64,
  gpuSeries: 2,
  wallSeries: 2,
  maxSeriesMs: 1500,
  rounds: 1,
  checkRows: 64,
};

/** Wall-clock budget for the full grid (the lead's H200 run must finish in 8 minutes, setup included). */
export const FULL_BUDGET_S = 400;
export const QUICK_BUDGET_S = 900;

/** Relative error ‖y − ref‖ / ‖ref‖ a float32 kernel must stay under (METHOD.md: far under 1e-3). */
export const FP32_TOLERANCE = 1e-3;
/**
 * MatMulNBits with accuracy_level 4 quantizes x to int8 per block of 32 (error up to half a step of
 * max|x|/127 per element, ≈0.3% rms for uniform x), so its result is compared more loosely.
 */
export const INT8_ACTIVATION_TOLERANCE = 3e-2;
