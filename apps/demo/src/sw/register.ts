/**
 * Registers the service worker (built to sw.js at the app's root) after the first model load, so its
 * precache (which includes onnxruntime-web's 27 MB wasm) does not compete with that load; by then the
 * browser's HTTP cache holds most of it.
 */
export function registerServiceWorker(baseUrl: string): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register(new URL('sw.js', baseUrl)).catch((error: unknown) => {
    console.warn('pqweb demo: the service worker was not registered; the app will not work offline', error);
  });
}
