/**
 * A custom worker entry for the specs: the package's classifier host (as `@pqweb/worker/worker` serves it),
 * plus two test hooks on plain messages that comlink ignores:
 * - `{ hook: 'stats' }` → replies `{ hook: 'stats', started, skipped }` (calls run / skipped after cancel);
 * - `{ hook: 'throw', message }` → throws an uncaught error (the page sees the Worker's `error` event).
 */
// Relative: the harness has no dependency on the packages, and Vite resolves their own `@pqweb/*` imports.
import { exposeClassifier } from '../../packages/worker/src/host';

export type WorkerTestHook = { hook: 'stats' } | { hook: 'throw'; message: string };

const host = exposeClassifier();

self.addEventListener('message', (event: MessageEvent<unknown>) => {
  const data = event.data;
  if (typeof data !== 'object' || data === null || !('hook' in data)) return;
  const hook = data as WorkerTestHook;
  if (hook.hook === 'stats') self.postMessage({ hook: 'stats', ...host.stats() });
  if (hook.hook === 'throw') {
    setTimeout(() => {
      throw new Error(hook.message);
    });
  }
});
