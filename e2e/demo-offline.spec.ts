/**
 * Offline after the first visit: the service worker precaches the app shell (and onnxruntime-web's wasm), the
 * worker package's Cache API entry holds the model, and the service worker leaves .pqw requests to it.
 */
import { expect, test } from '@playwright/test';
import { MODEL_CACHE_NAME } from '../packages/worker/src/cache';
import { classifyGalleryItem, demoFixtures, openDemo, watchPageErrors } from './demo-support';

// The service worker and the caches do not depend on the backend; the CPU path loads in ~3 s instead of ~12.
test('the second visit works with the network off', async ({ page, context }) => {
  const fixtures = demoFixtures();
  test.setTimeout(90_000);
  const errors = watchPageErrors(page);
  await openDemo(page, '/?backend=wasm');
  const caches = await page.evaluate(async (modelCacheName) => {
    await navigator.serviceWorker.ready;
    // Controlled once the new worker has claimed this page (it calls clients.claim() on activate).
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) =>
        navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }),
      );
    }
    const names = await self.caches.keys();
    const shell = names.find((name) => name.startsWith('pqweb-demo-shell-'));
    const shellUrls = shell
      ? (await (await self.caches.open(shell)).keys()).map((request) => request.url)
      : [];
    const modelUrls = names.includes(modelCacheName)
      ? (await (await self.caches.open(modelCacheName)).keys()).map((request) => request.url)
      : [];
    return { names, shellUrls, modelUrls };
  }, MODEL_CACHE_NAME);
  expect(caches.shellUrls.some((url) => url.endsWith('/index.html'))).toBe(true);
  expect(caches.shellUrls.some((url) => url.endsWith('.wasm'))).toBe(true);
  // The model lives in @pqweb/worker's cache only: the service worker does not store it a second time.
  expect(caches.shellUrls.filter((url) => url.endsWith('.pqw'))).toEqual([]);
  expect(caches.modelUrls.some((url) => url.endsWith('/models/fashion-vgg.pqw'))).toBe(true);

  await context.setOffline(true);
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('model-error')).toBeHidden();
  const image = fixtures.gallery[3];
  if (!image) throw new Error('no gallery fixtures');
  const shown = await classifyGalleryItem(page, image.file);
  expect(shown.label).toBe(image.pqweb.label);
  await context.setOffline(false);
  expect(errors).toEqual([]);
});
