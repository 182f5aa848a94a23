import { describe, expect, it } from 'vitest';
import { tracedWallSeries } from '../lib/gpu-timer';

/**
 * A queue that finishes submitted work a millisecond after each onSubmittedWorkDone() call, in order, and records
 * how many runs were submitted but not finished when each run was submitted.
 */
function fakeDevice() {
  let submitted = 0;
  let done = 0;
  const outstandingAtSubmit: number[] = [];
  const queue = {
    submit: () => {
      submitted++;
      outstandingAtSubmit.push(submitted - done);
    },
    onSubmittedWorkDone: () => {
      const upTo = submitted;
      return new Promise<undefined>((resolve) =>
        setTimeout(() => {
          done = Math.max(done, upTo);
          resolve(undefined);
        }, 1),
      );
    },
  };
  const encoder = { finish: () => ({}) };
  const device = { queue, createCommandEncoder: () => encoder } as unknown as GPUDevice;
  return { device, outstandingAtSubmit };
}

describe('tracedWallSeries', () => {
  it('submits every run at once when unbounded', async () => {
    const { device, outstandingAtSubmit } = fakeDevice();
    const encoded: number[] = [];
    const trace = await tracedWallSeries(device, (_, index) => encoded.push(index), 6, 10);
    expect(encoded).toEqual([10, 11, 12, 13, 14, 15]);
    expect(outstandingAtSubmit).toEqual([1, 2, 3, 4, 5, 6]);
    expect(trace.submitUs).toHaveLength(6);
    expect(trace.waitUs).toBe(0);
    expect(trace.perRunUs).toBeGreaterThan(0);
  });

  it('keeps at most maxInFlight runs submitted and not done', async () => {
    for (const maxInFlight of [1, 2, 3]) {
      const { device, outstandingAtSubmit } = fakeDevice();
      const trace = await tracedWallSeries(device, () => {}, 9, 0, maxInFlight);
      expect(outstandingAtSubmit).toHaveLength(9);
      expect(Math.max(...outstandingAtSubmit)).toBe(maxInFlight);
      // The series waited on the queue before some submit.
      expect(trace.waitUs).toBeGreaterThan(0);
    }
  });
});
