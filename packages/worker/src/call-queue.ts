/**
 * The worker's call queue: calls run one at a time in arrival order (the runtime's GPU head reuses scratch
 * buffers between calls, and results must not depend on how calls interleave). A call cancelled while it waits
 * never starts; one cancelled while it runs sees its signal aborted and stops where the runtime checks it.
 *
 * Between two calls the queue yields one macrotask, so messages that came in while a call held the thread
 * (cancel requests above all: the CPU head computes synchronously) are handled before the next call starts.
 */

export interface CallQueueStats {
  /** Calls whose task ran. */
  started: number;
  /** Calls cancelled before their turn, whose task never ran. */
  skipped: number;
}

/**
 * Resolves after the messages already queued for this thread were handled. A posted message joins the same
 * task queue as the page's messages (setTimeout's timer queue is ordered apart, and clamps to 4 ms when nested).
 */
export function afterQueuedMessages(): Promise<void> {
  const channel = new MessageChannel();
  return new Promise<void>((resolve) => {
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export class CallQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly controllers = new Map<number, AbortController>();
  readonly stats: CallQueueStats = { started: 0, skipped: 0 };

  constructor(private readonly yieldBetweenCalls: () => Promise<void> = afterQueuedMessages) {}

  /** Queue `task` under `callId` (unique per caller); it gets a signal that `cancel(callId)` aborts. */
  run<T>(callId: number, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.controllers.set(callId, controller);
    const start = async (): Promise<T> => {
      await this.yieldBetweenCalls();
      if (controller.signal.aborted) {
        this.stats.skipped++;
        throw controller.signal.reason;
      }
      this.stats.started++;
      return task(controller.signal);
    };
    const settled = this.tail.then(start, start).finally(() => this.controllers.delete(callId));
    this.tail = settled.catch(() => undefined);
    return settled;
  }

  /** Abort call `callId` if it is queued or running; false when it already finished (or never came). */
  cancel(callId: number): boolean {
    const controller = this.controllers.get(callId);
    if (!controller) return false;
    controller.abort(new DOMException(`call ${callId} was cancelled by the caller`, 'AbortError'));
    return true;
  }
}
