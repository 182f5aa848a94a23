/**
 * The model's bytes, inside the worker: streamed from the network or the cache with progress, checked against
 * the pinned sha256, and stored in the cache once the model has loaded from them (see cache.ts for the rules).
 * The I/O (fetch, the cache) comes in as `ModelIo`, so the rules run in Node tests on an in-memory cache.
 */
import { abortReason, type LoadProgress, ModelLoadError, readStream } from '@pqweb/runtime/api';
import {
  cacheKeyFor,
  type EntryValidators,
  MODEL_CACHE_NAME,
  type ModelCacheMode,
  planForCachedEntry,
  SHA256_HEADER,
  sameVersion,
  validatorsOf,
} from './cache';
import { IntegrityError } from './errors';

/** The part of the Cache API the loader uses. */
export interface ModelCacheStore {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
  delete(key: string): Promise<boolean>;
}

export interface ModelIo {
  fetch(url: string, init: RequestInit): Promise<Response>;
  /** The model cache, or null where there is none (insecure context, storage blocked). */
  openCache(): Promise<ModelCacheStore | null>;
}

export interface ModelRequest {
  /** An absolute URL, or the bytes as a Blob. */
  source: string | Blob;
  /** Lowercase hex, or null when not pinned. */
  sha256: string | null;
  cache: ModelCacheMode;
}

export interface ModelBytesOptions {
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
}

export interface ModelBytes {
  bytes: Uint8Array<ArrayBuffer>;
  origin: 'network' | 'cache' | 'memory';
  /** Store fetched bytes in the cache; call once the model has loaded from them. Never throws. */
  commit(): Promise<void>;
  /** Drop the cached entry these bytes came from (they turned out unusable). */
  discard(): Promise<void>;
}

/** The I/O of a browser page or worker. */
export function browserModelIo(): ModelIo {
  return {
    fetch: (url, init) => fetch(url, init),
    openCache: async () => {
      if (typeof caches === 'undefined') return null;
      // caches.open throws (SecurityError) where storage is blocked; the model then loads uncached.
      return caches.open(MODEL_CACHE_NAME).catch(() => null);
    },
  };
}

const nothing = async (): Promise<void> => undefined;

function declaredLength(response: Response): number | null {
  const length = Number(response.headers.get('content-length'));
  return Number.isSafeInteger(length) && length > 0 ? length : null;
}

async function readBody(response: Response, options: ModelBytesOptions): Promise<Uint8Array<ArrayBuffer>> {
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    options.onProgress?.({ loaded: bytes.byteLength, total: bytes.byteLength });
    return bytes;
  }
  return readStream(response.body, declaredLength(response), options);
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

async function fetchOrFail(io: ModelIo, url: string, init: RequestInit): Promise<Response> {
  try {
    return await io.fetch(url, init);
  } catch (error) {
    if (init.signal?.aborted) throw abortReason(init.signal);
    throw new ModelLoadError(
      `could not fetch ${url}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** HEAD the URL: does the server still have the cached version? An unreachable server keeps the copy. */
async function cachedStillCurrent(
  io: ModelIo,
  url: string,
  cached: EntryValidators,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  let response: Response;
  try {
    response = await io.fetch(url, { method: 'HEAD', cache: 'no-store', signal });
  } catch {
    if (signal?.aborted) throw abortReason(signal);
    // Offline: the cached copy is the best there is.
    return true;
  }
  if (!response.ok) return true;
  return sameVersion(cached, validatorsOf(response.headers));
}

function cachedResponse(bytes: Uint8Array<ArrayBuffer>, from: Response, sha256: string | null): Response {
  const headers = new Headers({
    'content-type': 'application/octet-stream',
    'content-length': String(bytes.byteLength),
  });
  const { etag, lastModified } = validatorsOf(from.headers);
  if (etag !== null) headers.set('etag', etag);
  if (lastModified !== null) headers.set('last-modified', lastModified);
  if (sha256 !== null) headers.set(SHA256_HEADER, sha256);
  return new Response(bytes, { headers });
}

async function fromMemory(
  blob: Blob,
  request: ModelRequest,
  options: ModelBytesOptions,
): Promise<ModelBytes> {
  const bytes = await readStream(blob.stream(), blob.size, options);
  if (request.sha256 !== null) {
    const actual = await sha256Hex(bytes);
    if (actual !== request.sha256) throw new IntegrityError('the in-memory model', request.sha256, actual);
  }
  return { bytes, origin: 'memory', commit: nothing, discard: nothing };
}

export async function readModelBytes(
  request: ModelRequest,
  options: ModelBytesOptions,
  io: ModelIo,
): Promise<ModelBytes> {
  const { source, sha256 } = request;
  if (typeof source !== 'string') return fromMemory(source, request, options);
  const { signal } = options;
  const key = cacheKeyFor(source);
  const cache = request.cache === 'no-store' ? null : await io.openCache();
  const drop = async (): Promise<void> => {
    await cache?.delete(key).catch(() => false);
  };

  const cached = cache ? await cache.match(key) : undefined;
  if (cached) {
    const plan = planForCachedEntry(request.cache, sha256);
    const usable =
      plan !== 'revalidate' || (await cachedStillCurrent(io, source, validatorsOf(cached.headers), signal));
    if (usable) {
      const bytes = await readBody(cached, options);
      if (sha256 === null || (await sha256Hex(bytes)) === sha256) {
        return { bytes, origin: 'cache', commit: nothing, discard: drop };
      }
      // The cached bytes are not the pinned version (the app pinned a new hash, or the entry was damaged):
      // drop them and fetch; the fetched bytes get the same check.
      await drop();
    }
    // Else the server has a newer version: fetch it; its `put` replaces this entry.
  }

  const response = await fetchOrFail(io, source, { cache: 'no-store', signal });
  if (!response.ok) {
    throw new ModelLoadError(
      `could not fetch ${source}: HTTP ${response.status} ${response.statusText}`.trim(),
    );
  }
  const bytes = await readBody(response, options);
  if (sha256 !== null) {
    const actual = await sha256Hex(bytes);
    if (actual !== sha256) {
      await drop();
      throw new IntegrityError(source, sha256, actual);
    }
  }
  const commit = async (): Promise<void> => {
    if (!cache) return;
    try {
      await cache.put(key, cachedResponse(bytes, response, sha256));
    } catch (error) {
      // A full quota must not fail a load that succeeded; the next load fetches again.
      console.warn(
        `pqweb: could not cache ${source}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  return { bytes, origin: 'network', commit, discard: drop };
}
