import { describe, expect, it } from 'vitest';
import type { TimingPlan } from '../lib/grid';
import { combineRounds, measureRound, type SeriesTimer } from '../lib/series';

const plan: TimingPlan = {
  warmupMs: 0,
  cellWarmupMs: 0,
  seriesTargetMs: 10,
  minRunsPerSeries: 4,
  maxRunsPerSeries: 256,
  gpuSeries: 3,
  wallSeries: 2,
  maxSeriesMs: 1e9,
  rounds: 1,
  checkRows: 8,
};

/** A timer whose runs take `perRunUs` each, recording the series it was asked for. */
function fakeTimer(perRunUs: number) {
  const calls: { kind: 'wall' | 'gpu'; runs: number; first: number }[] = [];
  const timer: SeriesTimer = {
    wallSeries: async (runs, first) => {
      calls.push({ kind: 'wall', runs, first });
      return perRunUs;
    },
    gpuSeries: async (runs, first) => {
      calls.push({ kind: 'gpu', runs, first });
      return { perRunUs: Array.from({ length: runs }, () => perRunUs), spanUs: runs * perRunUs * 0.9 };
    },
  };
  return { timer, calls };
}

describe('measureRound', () => {
  it('sizes series from the warm-up and continues the rotation', async () => {
    const { timer, calls } = fakeTimer(100);
    const rotation = { nextIndex: 5 };
    const samples = await measureRound(timer, plan, rotation);
    // 10 ms target / 100 µs per run = 100 runs per series, after one warm-up series of the minimum 4 runs.
    expect(samples.runsPerSeries).toBe(100);
    expect(calls.map((call) => call.kind)).toEqual(['wall', 'gpu', 'gpu', 'gpu', 'wall', 'wall']);
    expect(calls.map((call) => call.first)).toEqual([5, 9, 109, 209, 309, 409]);
    expect(rotation.nextIndex).toBe(509);
    expect(samples.gpuPerRun).toHaveLength(300);
    expect(samples.gpuBackToBack).toEqual([90, 90, 90]);
    expect(samples.wall).toEqual([100, 100]);
  });

  it('keeps one series of each kind when over its time budget', async () => {
    const { timer, calls } = fakeTimer(1e6);
    const samples = await measureRound(timer, { ...plan, maxSeriesMs: -1 }, { nextIndex: 0 });
    expect(samples.runsPerSeries).toBe(4);
    expect(calls.map((call) => call.kind)).toEqual(['wall', 'gpu', 'wall']);
  });

  it("pools rounds and keeps each round's median", () => {
    const round = (value: number) => ({
      gpuPerRun: [value, value],
      gpuBackToBack: [value],
      wall: [value * 2],
      runsPerSeries: 2,
    });
    const timing = combineRounds([round(10), round(20)]);
    expect(timing.roundMedians).toEqual([10, 20]);
    expect(timing.gpuPerRun?.median).toBe(15);
    expect(timing.wall.median).toBe(30);
  });
});
