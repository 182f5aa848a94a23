/**
 * Per-stage GPU time of a pqweb layer (LUT build, gather, split-K reduce): the executor runs each dispatch in a
 * pass of its own with timestamps from here (packages/runtime DispatchTimer). The issue asks, where a goal is
 * missed, to "measure why": this says which stage the time goes to. Separate passes add a little per stage,
 * so the stage sum can exceed the layer's time in one pass; the report shows both.
 */
import type { DispatchStage, DispatchTimer } from '../../packages/runtime/src/kernels';
import { type Summary, summarize } from './stats';

const TIMESTAMP_BYTES = 8;
const NANOSECONDS_PER_MICROSECOND = 1000;
/** Timed passes per series: a layer has at most a few dispatches per run (one per code block + 2). */
const MAX_PASSES = 1024;

export type StageTimes = Partial<Record<DispatchStage, Summary>>;

/** Records `run` of a series with `timer` handed to the executor's encode. */
export type EncodeTimedRun = (encoder: GPUCommandEncoder, index: number, timer: DispatchTimer) => void;

export class StageTimestamps {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private readonly readBuffer: GPUBuffer;

  constructor(private readonly device: GPUDevice) {
    const count = 2 * MAX_PASSES;
    this.querySet = device.createQuerySet({ label: 'bench/stage-timestamps', type: 'timestamp', count });
    this.resolveBuffer = device.createBuffer({
      label: 'bench/stage-resolve',
      size: count * TIMESTAMP_BYTES,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    this.readBuffer = device.createBuffer({
      label: 'bench/stage-read',
      size: count * TIMESTAMP_BYTES,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  /** Median (and spread) per stage of the per-run stage totals over `runs` runs starting at `firstIndex`. */
  async measure(encodeRun: EncodeTimedRun, runs: number, firstIndex: number): Promise<StageTimes> {
    const passes: { stage: DispatchStage; run: number }[] = [];
    let run = 0;
    const timer: DispatchTimer = {
      passTimestamps: (stage) => {
        if (passes.length >= MAX_PASSES) return undefined;
        const index = passes.length;
        passes.push({ stage, run });
        return {
          querySet: this.querySet,
          beginningOfPassWriteIndex: 2 * index,
          endOfPassWriteIndex: 2 * index + 1,
        };
      },
    };
    const encoder = this.device.createCommandEncoder({ label: 'bench/stage-series' });
    for (run = 0; run < runs; run++) encodeRun(encoder, firstIndex + run, timer);
    const count = 2 * passes.length;
    if (count === 0) return {};
    encoder.resolveQuerySet(this.querySet, 0, count, this.resolveBuffer, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, this.readBuffer, 0, count * TIMESTAMP_BYTES);
    this.device.queue.submit([encoder.finish()]);
    await this.readBuffer.mapAsync(GPUMapMode.READ, 0, count * TIMESTAMP_BYTES);
    const stamps = new BigUint64Array(this.readBuffer.getMappedRange(0, count * TIMESTAMP_BYTES).slice(0));
    this.readBuffer.unmap();
    const perRun = new Map<DispatchStage, number[]>();
    for (const [index, pass] of passes.entries()) {
      const us = Number(stamps[2 * index + 1] - stamps[2 * index]) / NANOSECONDS_PER_MICROSECOND;
      const totals = perRun.get(pass.stage) ?? new Array<number>(runs).fill(0);
      totals[pass.run] += us;
      perRun.set(pass.stage, totals);
    }
    const times: StageTimes = {};
    for (const [stage, totals] of perRun) times[stage] = summarize(totals);
    return times;
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
    this.readBuffer.destroy();
  }
}
