/**
 * Times work recorded into a WebGPU command encoder: wall time around queue completion, and per-run GPU time
 * from timestamps written by empty compute passes right before and right after each run. Empty passes are
 * used because createLayerExecutor().encode opens its own pass, whose descriptor we do not own; a pass with
 * only timestampWrites adds no dispatch.
 */
import type { SeriesTimer } from './series';

/** Records run `index` (which picks its weight copy and input set) into `encoder`. */
export type EncodeRun = (encoder: GPUCommandEncoder, index: number) => void;

/** Bytes per resolved timestamp (u64 nanoseconds). */
const TIMESTAMP_BYTES = 8;
const NANOSECONDS_PER_MICROSECOND = 1000;
const MICROSECONDS_PER_MILLISECOND = 1000;

/** A timestamp query set with its resolve and readback buffers (shared by GpuTimestamps and the stage timer). */
export class TimestampSlots {
  readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private readonly readBuffer: GPUBuffer;

  constructor(
    private readonly device: GPUDevice,
    readonly count: number,
    label: string,
  ) {
    this.querySet = device.createQuerySet({ label, type: 'timestamp', count });
    this.resolveBuffer = device.createBuffer({
      label: `${label}-resolve`,
      size: count * TIMESTAMP_BYTES,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    this.readBuffer = device.createBuffer({
      label: `${label}-read`,
      size: count * TIMESTAMP_BYTES,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  /** Resolves the first `used` timestamps at the end of `encoder`, submits it, and reads them back (ns). */
  async submitAndRead(encoder: GPUCommandEncoder, used: number): Promise<BigUint64Array> {
    const bytes = used * TIMESTAMP_BYTES;
    encoder.resolveQuerySet(this.querySet, 0, used, this.resolveBuffer, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, this.readBuffer, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    await this.readBuffer.mapAsync(GPUMapMode.READ, 0, bytes);
    const stamps = new BigUint64Array(this.readBuffer.getMappedRange(0, bytes).slice(0));
    this.readBuffer.unmap();
    return stamps;
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
    this.readBuffer.destroy();
  }
}

/** Query sets and readback buffers sized for `maxRuns` bracketed runs, shared by every contender. */
export class GpuTimestamps {
  private readonly slots: TimestampSlots;

  constructor(
    private readonly device: GPUDevice,
    readonly maxRuns: number,
  ) {
    this.slots = new TimestampSlots(device, 2 * maxRuns, 'bench/timestamps');
  }

  /** Per-run GPU times (µs) and the span from the first run's start to the last run's end. */
  async series(
    encodeRun: EncodeRun,
    runs: number,
    firstIndex: number,
  ): Promise<{ perRunUs: number[]; spanUs: number }> {
    if (runs > this.maxRuns) throw new RangeError(`timestamp series of ${runs} runs exceeds ${this.maxRuns}`);
    const encoder = this.device.createCommandEncoder({ label: 'bench/gpu-series' });
    for (let i = 0; i < runs; i++) {
      encoder
        .beginComputePass({
          label: 'bench/ts-begin',
          timestampWrites: { querySet: this.slots.querySet, beginningOfPassWriteIndex: 2 * i },
        })
        .end();
      encodeRun(encoder, firstIndex + i);
      encoder
        .beginComputePass({
          label: 'bench/ts-end',
          timestampWrites: { querySet: this.slots.querySet, endOfPassWriteIndex: 2 * i + 1 },
        })
        .end();
    }
    const stamps = await this.slots.submitAndRead(encoder, 2 * runs);
    const toUs = (begin: bigint, end: bigint): number => Number(end - begin) / NANOSECONDS_PER_MICROSECOND;
    const perRunUs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const begin = stamps[2 * i];
      const end = stamps[2 * i + 1];
      if (end < begin) throw new TimestampError(`run ${i}: end timestamp ${end} precedes begin ${begin}`);
      perRunUs.push(toUs(begin, end));
    }
    const first = stamps[0];
    const last = stamps[2 * runs - 1];
    return { perRunUs, spanUs: toUs(first, last) };
  }

  destroy(): void {
    this.slots.destroy();
  }
}

/** Timestamps that go backwards: the timer cannot be trusted on this device. */
export class TimestampError extends Error {
  override name = 'TimestampError';
}

/**
 * Wall time per run of `runs` runs, each encoded into its own command buffer and submitted as soon as it is
 * encoded (as an application submits each inference, and as onnxruntime's session.run submits each run), until
 * the queue reports them done: the CPU encodes run i + 1 while the GPU works on run i. (Until 2026-11-29 a series
 * was encoded into one command buffer before any of it ran, which added all of the encoding to the GPU time.)
 */
export async function wallSeries(
  device: GPUDevice,
  encodeRun: EncodeRun,
  runs: number,
  firstIndex: number,
): Promise<number> {
  return (await runWallSeries(device, encodeRun, runs, firstIndex, Number.POSITIVE_INFINITY, null)).perRunUs;
}

/** A wall series with what its submits cost the CPU (bench/wall-probe.ts). Times in µs. */
export interface WallTrace {
  perRunUs: number;
  /** CPU time of each run's encode and submit, in run order. */
  submitUs: number[];
  /** Time spent waiting for earlier runs to finish before a submit (maxInFlight), in all. */
  waitUs: number;
}

/**
 * wallSeries, traced; with a finite `maxInFlight`, run i is submitted only once run i − maxInFlight is done (as an
 * application that keeps a few inferences queued would), else every run is submitted as soon as it is encoded.
 */
export async function tracedWallSeries(
  device: GPUDevice,
  encodeRun: EncodeRun,
  runs: number,
  firstIndex: number,
  maxInFlight = Number.POSITIVE_INFINITY,
): Promise<WallTrace> {
  const submitUs: number[] = [];
  const { perRunUs, waitUs } = await runWallSeries(
    device,
    encodeRun,
    runs,
    firstIndex,
    maxInFlight,
    submitUs,
  );
  return { perRunUs, submitUs, waitUs };
}

/**
 * The loop of both: `submitUs` null leaves the submits untimed, so that the benchmark's own wall series time nothing
 * but the runs.
 */
async function runWallSeries(
  device: GPUDevice,
  encodeRun: EncodeRun,
  runs: number,
  firstIndex: number,
  maxInFlight: number,
  submitUs: number[] | null,
): Promise<{ perRunUs: number; waitUs: number }> {
  const bounded = Number.isFinite(maxInFlight);
  const pending: Promise<undefined>[] = [];
  let waitUs = 0;
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    if (bounded && pending.length >= maxInFlight) {
      const waitStart = performance.now();
      await pending.shift();
      waitUs += (performance.now() - waitStart) * MICROSECONDS_PER_MILLISECOND;
    }
    const submitStart = submitUs ? performance.now() : 0;
    const encoder = device.createCommandEncoder({ label: 'bench/wall-run' });
    encodeRun(encoder, firstIndex + i);
    device.queue.submit([encoder.finish()]);
    submitUs?.push((performance.now() - submitStart) * MICROSECONDS_PER_MILLISECOND);
    if (bounded) pending.push(device.queue.onSubmittedWorkDone());
  }
  await device.queue.onSubmittedWorkDone();
  return { perRunUs: ((performance.now() - start) * MICROSECONDS_PER_MILLISECOND) / runs, waitUs };
}

/** A SeriesTimer for WebGPU work: GPU timestamps when `timestamps` is given, wall time always. */
export function webgpuSeriesTimer(
  device: GPUDevice,
  encodeRun: EncodeRun,
  timestamps: GpuTimestamps | null,
): SeriesTimer {
  const timer: SeriesTimer = {
    wallSeries: (runs, firstIndex) => wallSeries(device, encodeRun, runs, firstIndex),
  };
  if (timestamps) timer.gpuSeries = (runs, firstIndex) => timestamps.series(encodeRun, runs, firstIndex);
  return timer;
}
