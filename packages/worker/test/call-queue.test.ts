import { describe, expect, it } from 'vitest';
import { afterQueuedMessages, CallQueue } from '../src/call-queue';

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('CallQueue', () => {
  it('runs calls one at a time, in order, whatever each takes', async () => {
    const queue = new CallQueue();
    const log: string[] = [];
    const delays = [30, 0, 10, 0, 20];
    const results = await Promise.all(
      delays.map((delay, i) =>
        queue.run(i, async () => {
          log.push(`start ${i}`);
          await new Promise((resolve) => setTimeout(resolve, delay));
          log.push(`end ${i}`);
          return i;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4]);
    expect(log).toEqual(delays.flatMap((_, i) => [`start ${i}`, `end ${i}`]));
  });

  it('a failing call does not stop the ones after it', async () => {
    const queue = new CallQueue();
    const first = queue.run(1, async () => {
      throw new RangeError('bad input');
    });
    const second = queue.run(2, async () => 'fine');
    await expect(first).rejects.toThrow(RangeError);
    await expect(second).resolves.toBe('fine');
  });

  it('a call cancelled while queued never runs and rejects with AbortError', async () => {
    const queue = new CallQueue();
    const gate = deferred();
    const ran: number[] = [];
    const blocker = queue.run(1, async () => {
      ran.push(1);
      await gate.promise;
    });
    const cancelled = queue.run(2, async () => {
      ran.push(2);
    });
    const after = queue.run(3, async () => {
      ran.push(3);
    });
    expect(queue.cancel(2)).toBe(true);
    gate.resolve();
    await blocker;
    await expect(cancelled).rejects.toMatchObject({ name: 'AbortError' });
    await after;
    expect(ran).toEqual([1, 3]);
    expect(queue.stats).toEqual({ started: 2, skipped: 1 });
  });

  it('a cancel that arrives while a synchronous call holds the thread still skips the next call', async () => {
    const queue = new CallQueue();
    const ran: number[] = [];
    const busy = queue.run(1, async () => {
      ran.push(1);
      // Hold the thread, as the CPU head does; the cancel below is a message queued meanwhile.
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = () => {
        port1.close();
        queue.cancel(2);
      };
      port2.postMessage(null);
      const until = Date.now() + 20;
      while (Date.now() < until) {
        // busy
      }
    });
    const next = queue.run(2, async () => {
      ran.push(2);
    });
    await busy;
    await expect(next).rejects.toMatchObject({ name: 'AbortError' });
    expect(ran).toEqual([1]);
  });

  it('a running call sees its signal aborted; cancelling a finished call is a no-op', async () => {
    const queue = new CallQueue();
    const started = deferred();
    const gate = deferred();
    const running = queue.run(1, async (signal) => {
      started.resolve();
      await gate.promise;
      return signal.aborted;
    });
    await started.promise;
    expect(queue.cancel(1)).toBe(true);
    gate.resolve();
    // The task decides what an abort mid-run means; this one reports it.
    await expect(running).resolves.toBe(true);
    expect(queue.cancel(1)).toBe(false);
    await afterQueuedMessages();
  });
});
