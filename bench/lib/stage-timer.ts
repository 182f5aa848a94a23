/**
 * Per-stage GPU time of a pqweb layer (LUT build, gather, split-K reduce): the executor runs each dispatch in a
 * pass of its own with timestamps from here (packages/runtime DispatchTimer). The issue asks, where a goal is
 * missed, to "measure why": this says which stage the time goes to. Separate passes add a little per stage,
 * so the stage sum can exceed the layer's time in one pass; the report shows both.
 */
import type { DispatchStage, DispatchTimer } from '../../packages/runtime/src/kernels';
import { TimestampSlots } from './gpu-timer';
import { type Summary, summarize } from './stats';

const NANOSECONDS_PER_MICROSECOND = 1000;
/** Timed passes per series: a layer has at most a few dispatches per run (one per code block + 2). */
const MAX_PASSES = 1024;

export type StageTimes = Partial<Record<DispatchStage, Summary>>;

/** Records `run` of a series with `timer` handed to the executor's encode. */
export type EncodeTimedRun = (encoder: GPUCommandEncoder, index: number, timer: DispatchTimer) => void;

export class StageTimestamps {
  private readonly slots: TimestampSlots;

  constructor(private readonly device: GPUDevice) {
    this.slots = new TimestampSlots(device, 2 * MAX_PASSES, 'bench/stage-timestamps');
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
          querySet: this.slots.querySet,
          beginningOfPassWriteIndex: 2 * index,
          endOfPassWriteIndex: 2 * index + 1,
        };
      },
    };
    const encoder = this.device.createCommandEncoder({ label: 'bench/stage-series' });
    for (run = 0; run < runs; run++) encodeRun(encoder, firstIndex + run, timer);
    if (passes.length === 0) return {};
    const stamps = await this.slots.submitAndRead(encoder, 2 * passes.length);
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
    this.slots.destroy();
  }
}
