import { createHash } from 'node:crypto';
import { ModelLoadError } from '@pqweb/runtime';
import { describe, expect, it } from 'vitest';
import {
  cacheKeyFor,
  normalizeSha256,
  planForCachedEntry,
  SHA256_HEADER,
  sameVersion,
  validatorsOf,
} from '../src/cache';
import { IntegrityError } from '../src/errors';
import { type ModelIo, type ModelRequest, readModelBytes, sha256Hex } from '../src/model-bytes';
import { fakeIo, MODEL_URL } from './fixtures';

/** Seeded bytes (an LCG) standing in for a model file. */
function fileBytes(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

function nodeSha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function request(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return { source: MODEL_URL, sha256: null, cache: 'default', ...overrides };
}

/** Read, then commit as the worker does once the model has loaded. */
async function load(
  io: ModelIo,
  req: ModelRequest,
  onProgress?: (p: { loaded: number; total: number | null }) => void,
) {
  const model = await readModelBytes(req, { onProgress }, io);
  await model.commit();
  return model;
}

describe('cache key rule', () => {
  it('is the absolute URL without its fragment; the query stays', () => {
    expect(cacheKeyFor('/models/a.pqw', 'https://app.example/page/index.html')).toBe(
      'https://app.example/models/a.pqw',
    );
    expect(cacheKeyFor('a.pqw#sha256=ab', 'https://app.example/page/')).toBe(
      'https://app.example/page/a.pqw',
    );
    expect(cacheKeyFor('https://cdn.example/a.pqw?v=2#x')).toBe('https://cdn.example/a.pqw?v=2');
    expect(cacheKeyFor('https://cdn.example/a.pqw?v=2')).not.toBe(
      cacheKeyFor('https://cdn.example/a.pqw?v=3'),
    );
  });

  it('normalizes sha256 to lowercase hex and refuses anything else', () => {
    const hex = nodeSha256(fileBytes(10, 1));
    expect(normalizeSha256(` ${hex.toUpperCase()} `)).toBe(hex);
    expect(() => normalizeSha256(hex.slice(1))).toThrow(RangeError);
    expect(() => normalizeSha256(`${hex.slice(1)}g`)).toThrow(/64 hex digits/);
  });

  it('compares versions by ETag (weakly), else Last-Modified, else not at all', () => {
    const v = (etag: string | null, lastModified: string | null) => ({ etag, lastModified });
    expect(sameVersion(v('"a"', null), v('W/"a"', null))).toBe(true);
    expect(sameVersion(v('"a"', 'Mon'), v('"b"', 'Mon'))).toBe(false);
    expect(sameVersion(v(null, 'Mon'), v('"b"', 'Mon'))).toBe(true);
    expect(sameVersion(v(null, 'Mon'), v(null, 'Tue'))).toBe(false);
    expect(sameVersion(v(null, null), v(null, null))).toBe(false);
    expect(validatorsOf(new Headers({ etag: '"x"' }))).toEqual({ etag: '"x"', lastModified: null });
  });

  it('plans: a pinned hash is checked, force-cache uses, default revalidates', () => {
    expect(planForCachedEntry('default', 'ab')).toBe('verify-hash');
    expect(planForCachedEntry('force-cache', 'ab')).toBe('verify-hash');
    expect(planForCachedEntry('force-cache', null)).toBe('use');
    expect(planForCachedEntry('default', null)).toBe('revalidate');
  });
});

describe('readModelBytes', () => {
  const v1 = fileBytes(5000, 1);
  const v2 = fileBytes(6000, 2);
  const v1Hash = nodeSha256(v1);

  it('computes the same sha256 as Node', async () => {
    expect(await sha256Hex(v1)).toBe(v1Hash);
  });

  it('with sha256: fetches once, then serves the cache with no request', async () => {
    const { io, entries, server } = fakeIo(v1);
    const first = await load(io, request({ sha256: v1Hash }));
    expect(first.origin).toBe('network');
    expect(entries.get(MODEL_URL)?.headers.get(SHA256_HEADER)).toBe(v1Hash);
    const events: Array<{ loaded: number; total: number | null }> = [];
    const second = await load(io, request({ sha256: v1Hash }), (p) => events.push(p));
    expect(second.origin).toBe('cache');
    expect(second.bytes).toEqual(v1);
    expect({ gets: server.gets, heads: server.heads }).toEqual({ gets: 1, heads: 0 });
    expect(events[0]).toEqual({ loaded: 0, total: v1.byteLength });
    expect(events.at(-1)).toEqual({ loaded: v1.byteLength, total: v1.byteLength });
  });

  it('stores nothing until commit (a model that fails to load is not cached)', async () => {
    const { io, entries } = fakeIo(v1);
    await readModelBytes(request(), {}, io);
    expect(entries.size).toBe(0);
  });

  it('without sha256: revalidates with HEAD; a new ETag refetches and replaces the entry', async () => {
    const { io, entries, server } = fakeIo(v1);
    await load(io, request());
    expect((await load(io, request())).origin).toBe('cache');
    expect({ gets: server.gets, heads: server.heads }).toEqual({ gets: 1, heads: 1 });
    server.bytes = v2;
    server.etag = '"v2"';
    const updated = await load(io, request());
    expect(updated.origin).toBe('network');
    expect(updated.bytes).toEqual(v2);
    expect({ gets: server.gets, heads: server.heads }).toEqual({ gets: 2, heads: 2 });
    expect(entries.size).toBe(1);
    expect(entries.get(MODEL_URL)?.bytes).toEqual(v2);
  });

  it('keeps using the cached copy when the server cannot be reached', async () => {
    const { io, server } = fakeIo(v1);
    await load(io, request());
    server.offline = true;
    expect((await load(io, request())).bytes).toEqual(v1);
    expect((await load(io, request({ cache: 'force-cache' }))).origin).toBe('cache');
  });

  it('a pinned hash that the file does not have: IntegrityError, and the entry is dropped', async () => {
    const { io, entries } = fakeIo(v1);
    await load(io, request());
    expect(entries.has(MODEL_URL)).toBe(true);
    const wrong = nodeSha256(v2);
    const failure = await load(io, request({ sha256: wrong })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(IntegrityError);
    expect(failure).toMatchObject({ url: MODEL_URL, expected: wrong, actual: v1Hash });
    expect(entries.has(MODEL_URL)).toBe(false);
  });

  it('a damaged cached copy is dropped and fetched again', async () => {
    const { io, entries, server } = fakeIo(v1);
    await load(io, request({ sha256: v1Hash }));
    const entry = entries.get(MODEL_URL);
    if (!entry) throw new Error('not cached');
    entry.bytes[123] = (entry.bytes[123] ?? 0) ^ 1;
    const repaired = await load(io, request({ sha256: v1Hash }));
    expect(repaired.origin).toBe('network');
    expect(server.gets).toBe(2);
    expect(entries.get(MODEL_URL)?.bytes).toEqual(v1);
  });

  it('no-store neither reads nor writes the cache', async () => {
    const { io, entries, server } = fakeIo(v1);
    await load(io, request({ cache: 'no-store' }));
    await load(io, request({ cache: 'no-store' }));
    expect(server.gets).toBe(2);
    expect(entries.size).toBe(0);
  });

  it('an HTTP error is a ModelLoadError naming the status', async () => {
    const { io, server } = fakeIo(v1);
    server.status = 404;
    await expect(load(io, request())).rejects.toThrow(ModelLoadError);
    await expect(load(io, request())).rejects.toThrow(/HTTP 404/);
  });

  it('checks the hash of in-memory sources too, and never caches them', async () => {
    const { io, entries } = fakeIo(v1);
    const blob = new Blob([v1]);
    expect((await load(io, request({ source: blob, sha256: v1Hash }))).bytes).toEqual(v1);
    await expect(load(io, request({ source: blob, sha256: nodeSha256(v2) }))).rejects.toThrow(IntegrityError);
    expect(entries.size).toBe(0);
  });

  it('an aborted signal stops the read with the signal’s reason', async () => {
    const { io } = fakeIo(v1);
    const controller = new AbortController();
    controller.abort();
    await expect(readModelBytes(request(), { signal: controller.signal }, io)).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
