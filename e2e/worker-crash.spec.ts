/**
 * Concurrency and crashes: 500 concurrent calls return what 500 serial calls return; a worker terminated or
 * throwing an uncaught error mid-call rejects every pending call with WorkerCrashedError, and the next call
 * starts a fresh worker that loads the model from the cache.
 */

import { createHash } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { openHarness, serveModel } from './harness/worker-routes';

/** Calls in the concurrency test (the number). */
const CONCURRENT_CALLS = 500;

test.beforeEach(async ({ page }) => {
  await openHarness(page);
});

test(`${CONCURRENT_CALLS} concurrent classify calls return exactly what ${CONCURRENT_CALLS} serial calls return`, async ({
  page,
}) => {
  const report = await page.evaluate(async (calls) => {
    const { pq } = window;
    const remote = await pq.createWorkerClassifier(pq.models.tiny.bytes, { backend: 'wasm' });
    const inThread = await pq.loadClassifier(pq.models.tiny.bytes, { backend: 'wasm' });
    const seeds = Array.from({ length: calls }, (_, i) => 10_000 + i);
    // Each call gets its own tensor: the worker classifier transfers (detaches) it.
    const plain = (result: {
      top: Array<{ label: string; index: number; score: number }>;
      logits: Float32Array;
    }) => JSON.stringify({ top: result.top, logits: [...result.logits] });
    const concurrentStart = performance.now();
    const concurrent = await Promise.all(seeds.map((seed) => remote.classify(pq.randomTensor(seed))));
    const concurrentMs = performance.now() - concurrentStart;
    const serialStart = performance.now();
    const serial = [];
    for (const seed of seeds) serial.push(await remote.classify(pq.randomTensor(seed)));
    const serialMs = performance.now() - serialStart;
    const inThreadResults = [];
    for (const seed of seeds) inThreadResults.push(await inThread.classify(pq.randomTensor(seed)));
    await Promise.all([remote.dispose(), inThread.dispose()]);
    const concurrentPlain = concurrent.map(plain);
    const serialPlain = serial.map(plain);
    const inThreadPlain = inThreadResults.map(plain);
    return {
      mismatchesVsSerial: concurrentPlain.filter((value, i) => value !== serialPlain[i]).length,
      mismatchesVsInThread: concurrentPlain.filter((value, i) => value !== inThreadPlain[i]).length,
      distinctResults: new Set(concurrentPlain).size,
      concurrentMs,
      serialMs,
    };
  }, CONCURRENT_CALLS);
  console.info(
    `${CONCURRENT_CALLS} calls: concurrent ${report.concurrentMs.toFixed(0)} ms, serial ${report.serialMs.toFixed(0)} ms`,
  );
  expect(report.mismatchesVsSerial).toBe(0);
  expect(report.mismatchesVsInThread).toBe(0);
  // Different inputs give different results: a mix-up between calls would show.
  expect(report.distinctResults).toBe(CONCURRENT_CALLS);
});

test('a worker terminated mid-call rejects every pending call with WorkerCrashedError; the next call restarts from the cache', async ({
  page,
}) => {
  const route = await serveModel(page, 'crash.pqw', 'heavy');
  const hash = createHash('sha256').update(route.body).digest('hex');
  const report = await page.evaluate(
    async ({ url, hash }) => {
      const { pq } = window;
      const remote = await pq.createWorkerClassifier(url, {
        backend: 'wasm',
        sha256: hash,
        worker: pq.trackedWorker,
      });
      const expected = await remote.classify(pq.randomTensor(1));
      // A batch that keeps the worker busy (pq.busyBatch: about a second), and 20 calls queued behind it.
      const pending = [
        remote.classifyBatch(await pq.busyBatch(remote)),
        ...Array.from({ length: 20 }, (_, i) => remote.classify(pq.randomTensor(100 + i))),
      ];
      await new Promise((resolve) => setTimeout(resolve, 30));
      pq.workers[0]?.terminate();
      const outcomes = await Promise.all(
        pending.map((call) =>
          call.then(
            () => 'resolved',
            (error: unknown) => pq.describeError(error).classes.join('>'),
          ),
        ),
      );
      const afterCrash = await remote.classify(pq.randomTensor(1));
      const workersStarted = pq.workers.length;
      await remote.dispose();
      return {
        outcomes,
        sameAfterRestart: [...afterCrash.logits].join() === [...expected.logits].join(),
        workersStarted,
      };
    },
    { url: route.url, hash },
  );
  expect(report.outcomes).toEqual(Array(21).fill('Error>WorkerCrashedError'));
  expect(report.sameAfterRestart).toBe(true);
  expect(report.workersStarted).toBe(2);
  // The restarted worker read the model from the cache.
  expect(route.gets).toBe(1);
});

test('an uncaught error in the worker crashes it the same way; a Worker instance is not restarted', async ({
  page,
}) => {
  const report = await page.evaluate(async () => {
    const { pq } = window;
    const remote = await pq.createWorkerClassifier(pq.models.heavy.bytes, {
      backend: 'wasm',
      worker: pq.trackedWorker,
    });
    const pending = [
      remote.classifyBatch(Array.from({ length: 100 }, (_, i) => pq.randomTensor(i))),
      remote.classify(pq.randomTensor(7)),
    ];
    const first = pq.workers[0];
    if (first) pq.sendHook(first, { hook: 'throw', message: 'boom from a test hook' });
    const outcomes = await Promise.all(
      pending.map((call) =>
        call.then(
          () => 'resolved',
          (error: unknown) => pq.describeError(error),
        ),
      ),
    );
    const afterCrash = await remote.classify(pq.randomTensor(7)).then(() => 'resolved');
    await remote.dispose();

    // Given a Worker (not a function that makes one), the classifier cannot restart it.
    const instance = pq.trackedWorker();
    const pinned = await pq.createWorkerClassifier(pq.models.tiny.bytes, {
      backend: 'wasm',
      worker: instance,
    });
    instance.terminate();
    const lost = await pinned.classify(pq.randomTensor(1)).then(
      () => null,
      (error: unknown) => pq.describeError(error),
    );
    const next = await pinned.classify(pq.randomTensor(1)).then(
      () => null,
      (error: unknown) => pq.describeError(error),
    );
    return { outcomes, afterCrash, lost, next };
  });
  for (const outcome of report.outcomes) {
    expect(outcome).toMatchObject({ name: 'WorkerCrashedError', classes: ['Error', 'WorkerCrashedError'] });
    expect(typeof outcome === 'object' && outcome.message).toContain('boom from a test hook');
  }
  expect(report.afterCrash).toBe('resolved');
  expect(report.lost?.name).toBe('WorkerCrashedError');
  expect(report.next?.name).toBe('WorkerCrashedError');
  expect(report.next?.message).toContain('cannot be restarted');
});
