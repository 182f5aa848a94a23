/**
 * Knowing when a worker dies. `worker.terminate()` (by anyone holding the Worker) and the browser killing it
 * fire no event; but a worker's Web Locks are released when it stops. So the worker takes a uniquely named
 * lock and never lets go, and the page queues a request for the same lock: the request is granted exactly
 * when the worker is gone. (Measured in headless Chromium: granted a few ms after terminate().)
 */

/** A lock name no other worker or tab uses. */
export function lifelineName(): string {
  return `pqweb-worker-lifeline-${crypto.randomUUID()}`;
}

export function hasWebLocks(): boolean {
  return typeof navigator !== 'undefined' && navigator.locks !== undefined;
}

/** Worker side: take the lock and hold it for the worker's life. Resolves once it is held. */
export function holdLifeline(name: string): Promise<boolean> {
  if (!hasWebLocks()) return Promise.resolve(false);
  return new Promise<boolean>((resolve, reject) => {
    navigator.locks
      .request(name, () => {
        resolve(true);
        // Never settles: the lock goes with the worker.
        return new Promise<never>(() => undefined);
      })
      .catch(reject);
  });
}

/**
 * Page side: call `onGone` once the worker holding `name` has stopped. Aborting `signal` withdraws the watch
 * (the page terminates the worker itself on dispose and needs no news of it).
 */
export function watchLifeline(name: string, signal: AbortSignal, onGone: () => void): void {
  navigator.locks
    .request(name, { signal }, () => {
      if (!signal.aborted) onGone();
    })
    .catch(() => {
      // Withdrawn through `signal`: nothing to report.
    });
}
