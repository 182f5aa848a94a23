/**
 * The model cache: one Cache API entry per model URL, in the cache named MODEL_CACHE_NAME.
 *
 * Why the Cache API and not OPFS: a .pqw is read whole, once per load, so OPFS's strength (fast random access
 * through sync handles) buys nothing here, while the Cache API stores a Response — bytes plus the headers that
 * say which version they are (ETag, Last-Modified, the verified sha256) — in one atomic `put`, is keyed by URL
 * already, works in pages and workers alike (so `clearCache()` needs no worker), and reads back as a stream of
 * known length (progress on cached loads). Both share the origin's storage quota.
 *
 * The key rule (see README): key = the absolute URL with its fragment dropped (the Cache API ignores fragments
 * when matching anyway). The version lives in the entry, not the key, so a model updated at the same URL
 * replaces its entry instead of piling up beside it:
 * - with `sha256`: the hash pins the content. A cached copy whose bytes hash to it is used with no request;
 *   one that does not is dropped and the URL fetched again; fetched bytes that do not match → IntegrityError.
 * - without `sha256`, cache 'default': revalidate with one HEAD request; the cached copy is used when the
 *   server's ETag (else Last-Modified) equals the stored one or the server cannot be reached, else refetched.
 * - cache 'force-cache': any cached copy is used with no request; 'no-store': the cache is not touched.
 */

export const MODEL_CACHE_NAME = 'pqweb-models-v1';

/** Response header under which an entry records the sha256 its bytes were verified against. */
export const SHA256_HEADER = 'x-pqweb-sha256';

export type ModelCacheMode = 'default' | 'force-cache' | 'no-store';

export const MODEL_CACHE_MODES: readonly ModelCacheMode[] = ['default', 'force-cache', 'no-store'];

/** Hex digits in a SHA-256 digest (256 bits / 4). */
const SHA256_HEX_LENGTH = 64;

/** The cache key of a model URL: absolute (against `base`), fragment dropped. */
export function cacheKeyFor(url: string, base?: string): string {
  const absolute = new URL(url, base);
  absolute.hash = '';
  return absolute.href;
}

/** `value` as lowercase hex when it is a SHA-256 hex digest; RangeError otherwise. */
export function normalizeSha256(value: string): string {
  const hex = value.trim().toLowerCase();
  if (hex.length !== SHA256_HEX_LENGTH || !/^[0-9a-f]+$/.test(hex)) {
    throw new RangeError(
      `options.sha256 must be a SHA-256 digest as ${SHA256_HEX_LENGTH} hex digits (e.g. from \`sha256sum model.pqw\`), got ${JSON.stringify(value)}`,
    );
  }
  return hex;
}

/** What identifies a version of the file on the server. */
export interface EntryValidators {
  etag: string | null;
  lastModified: string | null;
}

export function validatorsOf(headers: Headers): EntryValidators {
  return { etag: headers.get('etag'), lastModified: headers.get('last-modified') };
}

/** ETags compared weakly (as If-None-Match does): `W/"x"` equals `"x"`. */
function weakEtag(etag: string): string {
  return etag.startsWith('W/') ? etag.slice(2) : etag;
}

/**
 * Whether the server still has the version that was cached. ETag decides when both have one, else
 * Last-Modified; with neither the answer is no (nothing proves the copy current, so it is fetched again).
 */
export function sameVersion(cached: EntryValidators, current: EntryValidators): boolean {
  if (cached.etag !== null && current.etag !== null) return weakEtag(cached.etag) === weakEtag(current.etag);
  if (cached.lastModified !== null && current.lastModified !== null) {
    return cached.lastModified === current.lastModified;
  }
  return false;
}

/** What a load does with a cached entry before using it. */
export type CachedEntryPlan = 'verify-hash' | 'use' | 'revalidate';

export function planForCachedEntry(mode: ModelCacheMode, sha256: string | null): CachedEntryPlan {
  if (sha256 !== null) return 'verify-hash';
  return mode === 'force-cache' ? 'use' : 'revalidate';
}

function baseUrl(): string | undefined {
  return globalThis.location?.href;
}

/**
 * Drop cached models: the entry of one model URL (relative URLs resolve against the page), or, with no
 * argument, the whole pqweb model cache. Resolves to whether anything was deleted. Works in pages and workers;
 * a classifier already loaded keeps running from memory.
 */
export async function clearCache(url?: string | URL): Promise<boolean> {
  if (typeof caches === 'undefined') return false;
  if (url === undefined) return caches.delete(MODEL_CACHE_NAME);
  if (!(await caches.has(MODEL_CACHE_NAME))) return false;
  const cache = await caches.open(MODEL_CACHE_NAME);
  return cache.delete(cacheKeyFor(String(url), baseUrl()));
}
