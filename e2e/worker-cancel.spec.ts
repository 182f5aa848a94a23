/**
 * Cancellation through AbortSignal: a load in flight (the worker is stopped, nothing is cached) and classify
 * calls (queued ones never run in the worker). Rejections are AbortError DOMExceptions.
 */
import { expect, test } from '@playwright/test';
import { openHarness, serveModel } from './harness/worker-routes';

/** How long the route holds the model GET: far longer than the abort delay, so the abort lands mid-load. */
const HELD_RESPONSE_MS = 5_000;
/** An abort settles the load promise within this (it needs no reply from the worker). */
const ABORT_SETTLE_MS = 200;

test.beforeEach(async ({ page }) => {
  await openHarness(page);
});

test('aborting a load in flight rejects with AbortError at once and caches nothing', async ({ page }) => {
  const route = await serveModel(page, 'slow.pqw', 'tiny');
  route.delayMs = HELD_RESPONSE_MS;
  await page.evaluate((url) => window.pq.startLoad(url), route.url);
  // Abort once the worker's GET is in flight (held by the route).
  await expect.poll(() => route.gets, { timeout: 10_000 }).toBe(1);
  await page.evaluate((url) => window.pq.abortLoad(url), route.url);
  const outcome = await page.evaluate((url) => window.pq.loadOutcome(url), route.url);
  expect(outcome.error?.name).toBe('AbortError');
  expect(outcome.error?.classes).toContain('DOMException');
  // Rejected on the abort, not when the held response would have come.
  expect(outcome.afterAbortMs).toBeLessThan(ABORT_SETTLE_MS);

  const after = await page.evaluate(async (url) => {
    const { pq } = window;
    let early: ReturnType<typeof pq.describeError> | null = null;
    try {
      await pq.createWorkerClassifier(url, { signal: AbortSignal.abort() });
    } catch (error) {
      early = pq.describeError(error);
    }
    return { early, cached: await pq.cachedEntry(url) };
  }, route.url);
  expect(after.early?.name).toBe('AbortError');
  expect(after.cached).toBeNull();
  // The already-aborted signal made no request.
  expect(route.gets).toBe(1);
});

test('aborting classify calls: rejected with AbortError, queued ones never run, others unaffected', async ({
  page,
}) => {
  const report = await page.evaluate(async () => {
    const { pq } = window;
    const worker = pq.trackedWorker();
    const remote = await pq.createWorkerClassifier(pq.models.heavy.bytes, { backend: 'wasm', worker });
    // A batch that keeps the worker busy (pq.busyBatch: about a second), then calls queued behind it.
    const busyInputs = await pq.busyBatch(remote);
    const before = await pq.workerStats(worker);
    const busy = remote.classifyBatch(busyInputs);
    const queued = new AbortController();
    const queuedCall = remote.classify(pq.randomTensor(1000), { signal: queued.signal });
    const unposted = new AbortController();
    const unpostedCall = remote.classify(pq.randomTensor(1001), { signal: unposted.signal });
    // Aborted synchronously: not even posted to the worker.
    unposted.abort();
    const survivor = remote.classify(pq.randomTensor(1002));
    // Let the queued call reach the worker's queue, then abort it while the batch runs.
    await new Promise((resolve) => setTimeout(resolve, 30));
    queued.abort();
    const outcome = async (call: Promise<unknown>) =>
      call.then(
        () => ({ ok: true, name: '', settledAt: performance.now() }),
        (error: unknown) => ({ ok: false, name: pq.describeError(error).name, settledAt: performance.now() }),
      );
    const [busyOutcome, queuedOutcome, unpostedOutcome, survivorOutcome] = await Promise.all(
      [busy, queuedCall, unpostedCall, survivor].map(outcome),
    );
    const after = await pq.workerStats(worker);
    await remote.dispose();
    return { busyOutcome, queuedOutcome, unpostedOutcome, survivorOutcome, before, after };
  });
  expect(report.busyOutcome.ok).toBe(true);
  expect(report.survivorOutcome.ok).toBe(true);
  expect(report.queuedOutcome).toMatchObject({ ok: false, name: 'AbortError' });
  expect(report.unpostedOutcome).toMatchObject({ ok: false, name: 'AbortError' });
  // The aborted call rejected while the batch ahead of it was still running.
  expect(report.queuedOutcome.settledAt).toBeLessThan(report.busyOutcome.settledAt);
  // In the worker: the batch and the survivor ran, the queued call was skipped, the unposted one never came.
  expect(report.after.started - report.before.started).toBe(2);
  expect(report.after.skipped - report.before.skipped).toBe(1);
});
