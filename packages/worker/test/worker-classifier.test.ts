/**
 * The page side and the worker side wired through a MessageChannel in Node (the host on one port, the
 * classifier on the other): results, order under concurrency, errors, crashes and restarts. Real Chromium
 * covers the Worker itself, transfers of ImageBitmaps, the cache and the lifeline (e2e/worker-*.spec.ts).
 */
import { FormatError } from '@pqweb/format';
import { ClassifierDisposedError, InputError, loadClassifier } from '@pqweb/runtime';
import { expose } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerCrashedError } from '../src/errors';
import type { ClassifierWorkerApi } from '../src/protocol';
import { createWorkerClassifier, type WorkerLike } from '../src/worker-classifier';
import { createClassifierHost, exposeClassifier } from '../src/worker-host';
import { fakeIo, MODEL_URL, randomTensor, tinyModel } from './fixtures';

interface PortWorker {
  worker: WorkerLike;
  host: ClassifierWorkerApi;
  /** What an uncaught error in a real worker does: an `error` event on the Worker object. */
  crash(message: string): void;
}

const opened: MessagePort[] = [];

function portWorker(): PortWorker {
  const { port1, port2 } = new MessageChannel();
  opened.push(port1, port2);
  const host = exposeClassifier(port2);
  const worker = Object.assign(port1, {
    terminate: () => {
      port1.close();
      port2.close();
    },
  });
  const crash = (message: string) => {
    worker.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message }));
  };
  return { worker, host, crash };
}

afterEach(() => {
  for (const port of opened.splice(0)) port.close();
});

describe('createWorkerClassifier over a MessageChannel', () => {
  it('returns what the in-thread classifier returns, and detaches the caller’s tensor', async () => {
    const bytes = tinyModel();
    const inThread = await loadClassifier(bytes, { backend: 'wasm' });
    const { worker } = portWorker();
    const remote = await createWorkerClassifier(bytes, { backend: 'wasm', worker });
    const tensor = randomTensor(3);
    const expected = await inThread.classify(tensor.slice());
    const got = await remote.classify(tensor, { topK: 2 });
    expect([...got.logits]).toEqual([...expected.logits]);
    expect(got.top).toEqual(expected.top.slice(0, 2));
    expect(tensor.length).toBe(0);
    expect(await remote.info()).toEqual(await inThread.info());
    await remote.dispose();
    await inThread.dispose();
  });

  it('200 concurrent calls return exactly what 200 serial calls return', async () => {
    const { worker } = portWorker();
    const remote = await createWorkerClassifier(tinyModel(), { backend: 'wasm', worker });
    const seeds = Array.from({ length: 200 }, (_, i) => 100 + i);
    const concurrent = await Promise.all(seeds.map((seed) => remote.classify(randomTensor(seed))));
    const serial = [];
    for (const seed of seeds) serial.push(await remote.classify(randomTensor(seed)));
    expect(concurrent.map((r) => [...r.logits])).toEqual(serial.map((r) => [...r.logits]));
    expect(new Set(concurrent.map((r) => r.logits.join())).size).toBe(seeds.length);
    await remote.dispose();
  });

  it('errors arrive with their class: FormatError on load, InputError on classify, ClassifierDisposedError', async () => {
    const corrupted = tinyModel();
    corrupted[corrupted.length - 1] = (corrupted[corrupted.length - 1] ?? 0) ^ 0xff;
    const failed = await createWorkerClassifier(corrupted, { worker: portWorker().worker }).catch(
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(FormatError);
    expect(failed instanceof FormatError && failed.field).toMatch(/crc32|padding/);

    const remote = await createWorkerClassifier(tinyModel(), {
      backend: 'wasm',
      worker: portWorker().worker,
    });
    await expect(remote.classify(new Float32Array(3))).rejects.toThrow(InputError);
    await remote.dispose();
    await expect(remote.classify(randomTensor(1))).rejects.toThrow(ClassifierDisposedError);
    await remote.dispose(); // twice is fine
  });

  it('an aborted signal rejects with an AbortError DOMException and nothing is sent', async () => {
    const { worker, host } = portWorker();
    const remote = await createWorkerClassifier(tinyModel(), { backend: 'wasm', worker });
    const startedBefore = host.stats().started;
    const controller = new AbortController();
    const call = remote.classify(randomTensor(1), { signal: controller.signal });
    controller.abort();
    const error: unknown = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect(error instanceof DOMException && error.name).toBe('AbortError');
    await remote.info();
    // Only the info() call ran.
    expect(host.stats().started - startedBefore).toBe(1);
    await expect(remote.classify(randomTensor(1), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await remote.dispose();
  });

  it('a crash rejects every pending call with WorkerCrashedError; the next call starts a new worker', async () => {
    const started: PortWorker[] = [];
    const factory = () => {
      const next = portWorker();
      started.push(next);
      return next.worker;
    };
    const remote = await createWorkerClassifier(tinyModel(), { backend: 'wasm', worker: factory });
    const expected = await remote.classify(randomTensor(9));
    const pending = Array.from({ length: 10 }, (_, i) => remote.classify(randomTensor(i)));
    started[0]?.crash('boom');
    const outcomes = await Promise.all(
      pending.map((call) =>
        call.then(
          () => null,
          (e: unknown) => e,
        ),
      ),
    );
    for (const outcome of outcomes) {
      expect(outcome).toBeInstanceOf(WorkerCrashedError);
      expect(outcome instanceof Error && outcome.message).toContain('boom');
    }
    const again = await remote.classify(randomTensor(9));
    expect([...again.logits]).toEqual([...expected.logits]);
    expect(started).toHaveLength(2);
    await remote.dispose();
  });

  it('refuses options it cannot honour, naming them', async () => {
    const bytes = tinyModel();
    await expect(createWorkerClassifier(bytes, { sha256: 'abc' })).rejects.toThrow(/options\.sha256/);
    await expect(
      createWorkerClassifier(bytes, { cache: 'sometimes' as never, worker: portWorker().worker }),
    ).rejects.toThrow(/options\.cache/);
    await expect(
      createWorkerClassifier(bytes, { device: {} } as Parameters<typeof createWorkerClassifier>[1]),
    ).rejects.toThrow(/options\.device/);
    const withFactory = { backbone: async () => undefined } as Parameters<typeof createWorkerClassifier>[1];
    await expect(createWorkerClassifier(bytes, withFactory)).rejects.toThrow(
      /options\.backbone is a function/,
    );
  });
});

describe('the worker host and the model cache', () => {
  it('a cached file that fails its checksums is dropped and fetched again', async () => {
    const good = tinyModel();
    const { io, entries, server } = fakeIo(new Uint8Array(good));
    const damaged = new Uint8Array(good);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] ?? 0) ^ 0xff;
    entries.set(MODEL_URL, { bytes: damaged, headers: new Headers({ etag: server.etag }) });
    const { port1, port2 } = new MessageChannel();
    opened.push(port1, port2);
    expose(createClassifierHost(io), port2);
    const worker = Object.assign(port1, { terminate: () => port1.close() });
    const remote = await createWorkerClassifier(MODEL_URL, { backend: 'wasm', worker });
    // The HEAD found the copy current, the decoder found it damaged, the GET replaced it.
    expect({ heads: server.heads, gets: server.gets }).toEqual({ heads: 1, gets: 1 });
    expect(entries.get(MODEL_URL)?.bytes).toEqual(good);
    await remote.dispose();
  });
});
