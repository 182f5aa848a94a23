/**
 * The demo's service worker: the app offline after the first visit.
 * - The app shell (HTML, JS, CSS, onnxruntime-web's wasm, the gallery and the test slice) is precached at
 *   install from the list the build puts here, and served cache-first; a new build has a new version, so a
 *   new cache, and the old one is deleted on activate.
 * - `.pqw` models are left alone (no respondWith): @pqweb/worker keeps them in its own Cache API entry, checks
 *   them (sha256, ETag) and needs to see the network for that. Caching them here too would store them twice
 *   and hide updates from it.
 * - The 15 MB reference `.onnx` of the compare page is cached on first use, not at install.
 * No imports: the build emits this file as a plain script at the app's root (`sw.js`).
 */

export {};

/**
 * The few service-worker types used here. The project compiles against the DOM lib, which clashes with the
 * WebWorker lib's declarations, so they are spelled out (as in lib.webworker.d.ts).
 */
interface SwExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface SwFetchEvent extends SwExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response> | Response): void;
}
interface SwGlobalScope {
  readonly registration: { readonly scope: string };
  readonly location: Location;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: SwExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: SwFetchEvent) => void): void;
}

const worker = globalThis as unknown as SwGlobalScope;
/** Replaced by the build (vite-plugins.ts, serviceWorker) with `{ version, files }`. */
declare const __PQWEB_PRECACHE__: { version: string; files: string[] };

const manifest = __PQWEB_PRECACHE__;
const CACHE_PREFIX = 'pqweb-demo-';
const shellCache = `${CACHE_PREFIX}shell-${manifest.version}`;
/** Survives app updates: the reference model changes only with the repository's model. */
const referenceCache = `${CACHE_PREFIX}reference-v1`;
const MODEL_EXTENSION = '.pqw';
const REFERENCE_EXTENSION = '.onnx';

const scopeUrl = (file: string): string => new URL(file, worker.registration.scope).href;

worker.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(shellCache);
      await cache.addAll(manifest.files.map(scopeUrl));
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([shellCache, referenceCache]);
      for (const key of await caches.keys()) {
        if (key.startsWith(CACHE_PREFIX) && !keep.has(key)) await caches.delete(key);
      }
      await worker.clients.claim();
    })(),
  );
});

async function cacheFirst(request: Request, cacheName: string, key: string): Promise<Response> {
  const cache = await caches.open(cacheName);
  const cached = await cache.match(key, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.status === 200) await cache.put(key, response.clone());
  return response;
}

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin || url.pathname.endsWith(MODEL_EXTENSION)) return;
  if (request.mode === 'navigate') {
    // Any page of the app (with ?model=…) is the one index.html.
    event.respondWith(cacheFirst(request, shellCache, scopeUrl('index.html')));
    return;
  }
  const key = url.origin + url.pathname;
  if (url.pathname.endsWith(REFERENCE_EXTENSION)) {
    event.respondWith(cacheFirst(request, referenceCache, key));
    return;
  }
  if (manifest.files.some((file) => scopeUrl(file) === key)) {
    event.respondWith(cacheFirst(request, shellCache, key));
  }
});
