/**
 * The JSON a benchmark run writes (bench/results/kernels-<adapter>.json) and the report reads. Times are in
 * microseconds, bytes in bytes, bandwidths in bytes per second.
 */

import type { CodebookDtype } from '../../packages/runtime/src/kernels/codebook-dtype';
import type { PqVariant } from '../../packages/runtime/src/kernels/plan';
import type { Summary } from './stats';

export const RESULTS_SCHEMA_VERSION = 1;

/** KernelResult.skipped of a contender the time budget left untimed (`--resume` times its cell again). */
export const TIME_BUDGET_EXHAUSTED = 'time budget exhausted';

/** How a PQ contender's codebooks sit on the GPU (ContenderSpec's codebookDtype; absent is float32). */
export function codebookDtypeOf(spec: { codebookDtype?: 'float16' }): CodebookDtype {
  return spec.codebookDtype ?? 'float32';
}

/** One thing being timed on one layer shape. */
export type ContenderSpec =
  | {
      engine: 'pqweb';
      method: 'pq';
      d: number;
      k: number;
      /**
       * The runtime's PQ variant (a LUT variant or 'decoded'), as the JSON names it; 'table8' for the rows on 8-bit
       * tables; 'grouped-float32' for float32 tables in the 8-bit-table kernel's structure (older results name those
       * 'table8' with the tuning groupedFloatTables).
       */
      variant: PqVariant | 'table8' | 'grouped-float32';
      /**
       * 8: the layer runs on 8-bit lookup tables (executor option tableBits: 8), an opt-in accuracy level checked
       * against its own CPU twin (lut8Forward); absent: float32 tables. The goals judge these rows apart.
       */
      tableBits?: 8;
      isAuto: boolean;
      /**
       * 'float16': the codebooks stay float16 on the GPU, as a .pqw with float16 codebooks runs (absent: float32,
       * the layers). These rows run 'auto', `variant` being what it ran at this batch; the goals are judged
       * on each codebook dtype apart.
       */
      codebookDtype?: 'float16';
      /** Executor options beyond the defaults this contender was built with (absent: the defaults). */
      tuning?: {
        wordsInFlight?: number;
        workgroupSize?: number;
        maxWorkgroupStorageBytes?: number;
        targetWorkgroups?: number;
        batchTile?: number;
        rowsPerInvocation?: number;
        vectorTableBuild?: boolean;
        constantTableOffsets?: boolean;
        codeDecode?: string;
        pairCodes?: boolean;
        nibbleTables?: boolean;
        ablation?: string;
        /** The 8-bit-table kernel on float32 entries at every batch (executor option groupedFloatTables: true). */
        groupedFloatTables?: boolean | 'auto';
        /** Segments per group of the grouped kernel (executor option tableGroupSegments; absent: 16). */
        tableGroupSegments?: number;
        /** Invocations splitting each row's slots in the grouped kernels' reduce (executor option reduceSlices). */
        reduceSlices?: number;
        /** The most groups of 32 rows per reduce workgroup of the grouped kernels (executor option reduceRowWarps). */
        reduceRowWarps?: number;
        /** The grouped kernels' build and its codebook quads in registers (executor option cachedQuads). */
        cachedQuads?: boolean | 'auto';
      };
    }
  | {
      engine: 'pqweb';
      method: 'kmeans';
      k: number;
      bits: number;
      /** Executor options of the comparison rows (absent: the defaults). */
      tuning?: {
        wordsInFlight?: number;
        workgroupSize?: number;
        targetWorkgroups?: number;
        centroidCopies?: number;
        maxWorkgroupStorageBytes?: number;
      };
    }
  | {
      engine: 'pqweb';
      method: 'binary';
      /** Executor options of the comparison rows (absent: the defaults). */
      tuning?: { binaryByteTables?: boolean | 'auto'; nibbleTables?: boolean };
    }
  | {
      engine: 'pqweb';
      method: 'dense';
      /** Set on the comparison rows only (DenseKernelOptions); the default row has neither. */
      batchKernel?: string;
      rowTile?: number;
    }
  | { engine: 'ort'; method: 'matmul' }
  | { engine: 'ort'; method: 'matmulnbits'; bits: number; blockSize: number; accuracyLevel: number };

/** Bytes a run must move at least (each input read once, each output written once). */
export interface BytesMoved {
  /** Codes + codebooks (or fp32 / int4 weights and scales) + bias. */
  weights: number;
  /** x read + y written. */
  activations: number;
  /** LUT written to and read back from a storage buffer (0 for the fused variant and non-PQ kernels); a model. */
  lut: number;
}

export interface CheckResult {
  /** ‖y − ref‖₂ / ‖ref‖₂ over the checked rows of every input in the batch. */
  relativeError: number;
  tolerance: number;
  rowsChecked: number;
  /** Every output element was written (finite after NaN poisoning); null where the output could not be poisoned. */
  allWritten: boolean | null;
  passed: boolean;
  /** Weight copies checked (the copies hold the same data in different buffers). */
  copiesChecked: number;
}

export interface TimingResult {
  /** Per-run GPU time between timestamps written right before and right after each run (pqweb only). */
  gpuPerRun?: Summary;
  /** GPU time of a whole series of back-to-back runs divided by its runs (pqweb only). */
  gpuBackToBack?: Summary;
  /** Wall time from encoding a series until the GPU finished it, divided by its runs. */
  wall: Summary;
  runsPerSeries: number;
  /** Median per round (gpuPerRun when present, else wall): the spread between rounds shows the noise. */
  roundMedians: number[];
}

export interface KernelResult {
  shape: { name: string; rows: number; cols: number };
  batch: number;
  id: string;
  contender: ContenderSpec;
  bytes: BytesMoved;
  /** Weight copies rotated through and bytes they hold together (plus the x/y sets). */
  rotation: { weightCopies: number; inputSets: number; workingSetBytes: number };
  check?: CheckResult;
  timing?: TimingResult;
  /** Why this contender has no timing (failed check, error, time budget). */
  skipped?: string;
  /**
   * Why this contender was timed without a correctness check: an ablation row (`--ablations`), which leaves a
   * stage out and so computes a wrong result by design. Never a goal's or a "best variant"'s row.
   */
  unchecked?: string;
  /**
   * GPU time per stage of a quantized layer (LUT build, gather, split-K reduce), each dispatch in a timed pass of
   * its own (bench/lib/stage-timer.ts); absent for dense and ORT contenders and in older runs.
   */
  stages?: Partial<Record<'lut-build' | 'gather' | 'reduce', Summary>>;
}

export interface AdapterRecord {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isSwiftShader: boolean;
  features: string[];
  limits: Record<string, number>;
}

export interface MachineRecord {
  hostname: string;
  platform: string;
  arch: string;
  cpus: string;
  cpuCount: number;
  memoryBytes: number;
  node: string;
  /** NVIDIA driver version from /proc/driver/nvidia/version, when present. */
  driver: string | null;
}

export interface StreamProbe {
  bytes: number;
  time: Summary;
  /** Bytes moved per second: read + written for copies, read for 'wgsl-read'. */
  bandwidth: number;
  timer: 'gpu' | 'wall';
  method?: 'copyBufferToBuffer' | 'wgsl-copy' | 'wgsl-read';
}

export interface DeviceProbes {
  /**
   * The bandwidth ceiling the bounds use: the faster of copyBufferToBuffer and a WGSL copy, bandwidth counting
   * bytes read plus bytes written (`method` says which; absent in the first runs, which had only the former).
   */
  copy: StreamProbe | null;
  /** Every streaming probe taken (copyBufferToBuffer, WGSL copy, WGSL read-only); absent in older runs. */
  streams?: StreamProbe[];
  /** One empty compute dispatch in its own pass (per-run timestamps). */
  emptyDispatch: Summary | null;
  /** Many empty dispatches back to back in one pass, per dispatch. */
  emptyDispatchBackToBack: Summary | null;
  /** pqweb's dense kernel on a 1×1 layer: pqweb's fixed per-run cost, GPU and wall. */
  pqwebFixed: TimingResult | null;
  /** onnxruntime's MatMul 1×1 with GPU-resident input and output: its fixed per-run cost (wall). */
  ortFixed: TimingResult | null;
  notes: string[];
}

export interface OrtRecord {
  available: boolean;
  version: string | null;
  /** Why the WebGPU EP could not be used, when it could not. */
  reason: string | null;
}

export interface BenchRun {
  schema: typeof RESULTS_SCHEMA_VERSION;
  date: string;
  command: string;
  grid: 'full' | 'quick';
  machine: MachineRecord;
  adapter: AdapterRecord;
  dawnFlags: string[];
  timer: 'gpu-timestamps' | 'wall';
  timing: {
    warmupMs: number;
    /** Busy time before each cell's first round (since 2026-11-30; absent in older files). */
    cellWarmupMs?: number;
    seriesTargetMs: number;
    gpuSeries: number;
    wallSeries: number;
    rounds: number;
    /**
     * How pqweb's wall series submit their runs: a command buffer per run ('per-run', since 2026-11-29), or the
     * whole series in one ('per-series', and in files without the field).
     */
    wallSubmits?: 'per-run' | 'per-series';
  };
  rotation: { l2Bytes: number; targetBytes: number; maxWeightCopies: number; inputSets: number };
  seed: number;
  ort: OrtRecord;
  probes: DeviceProbes;
  results: KernelResult[];
  /**
   * Seconds the first process took, and whether the time budget left a cell untimed (after `--resume`: whether one
   * still is).
   */
  elapsedS: number;
  truncated: boolean;
  notes: string[];
  /**
   * Later processes that timed some of this run's cells (`bench:kernels --resume`), in order; absent when one
   * process timed the whole run. Everything above but `results`, `truncated` and `notes` is the first process's.
   */
  resumed?: ResumedProcess[];
}

/** One (shape, batch) of the grid, as a resumed process records the cells it timed. */
export interface GridCell {
  shape: string;
  batch: number;
}

/**
 * A process that finished a run the time budget cut short (`bench:kernels --resume FILE`): it timed each of its
 * cells whole, every contender, so the ratios within a cell stay measured side by side in one process.
 */
export interface ResumedProcess {
  date: string;
  command: string;
  elapsedS: number;
  /** The cells this process timed (their results are its), in grid order. */
  cells: GridCell[];
  machine: MachineRecord;
  /** This process's own ceilings; the bounds keep using the first process's (BenchRun.probes). */
  probes: DeviceProbes;
}

export class ResultsError extends Error {
  override name = 'ResultsError';
}

/** Parses a kernels-<adapter>.json, refusing files of another kind or schema version. */
export function parseBenchRun(text: string, path: string): BenchRun {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ResultsError(`${path} is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || !('schema' in parsed)) {
    throw new ResultsError(`${path} is not a kernel benchmark result (no "schema" field)`);
  }
  if (parsed.schema !== RESULTS_SCHEMA_VERSION) {
    throw new ResultsError(
      `${path} has schema ${String(parsed.schema)}, this code reads ${RESULTS_SCHEMA_VERSION}; re-run pnpm bench:kernels`,
    );
  }
  if (!('results' in parsed) || !Array.isArray(parsed.results) || !('adapter' in parsed)) {
    throw new ResultsError(`${path} is not a kernel benchmark result (no "results" or "adapter" field)`);
  }
  return parsed as BenchRun;
}
