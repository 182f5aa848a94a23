/**
 * The model cache (Cache API) seen from the network: requests counted with page.route. With a pinned sha256 a
 * second load makes no request; without one it revalidates with a HEAD (ETag) and refetches only a changed
 * file; a hash mismatch fails with IntegrityError and leaves no entry; a damaged entry is refetched;
 * clearCache() empties it.
 */

import { createHash } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { openHarness, serveModel } from './harness/worker-routes';

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

test.beforeEach(async ({ page }) => {
  await openHarness(page);
});

/** Load `url` in a worker, classify one fixed tensor, dispose; returns the top label and the logits. */
async function loadAndClassify(
  page: import('@playwright/test').Page,
  url: string,
  options: { sha256?: string; cache?: 'default' | 'force-cache' | 'no-store' } = {},
): Promise<
  | { label: string; logits: number[]; progressEvents: number }
  | { error: string; classes: string[]; fields: Record<string, unknown> }
> {
  return page.evaluate(
    async ({ url, options }) => {
      const { pq } = window;
      let progressEvents = 0;
      try {
        const remote = await pq.createWorkerClassifier(url, {
          backend: 'wasm',
          ...options,
          onProgress: () => {
            progressEvents++;
          },
        });
        const result = await remote.classify(pq.randomTensor(42));
        await remote.dispose();
        return { label: result.top[0]?.label ?? '', logits: [...result.logits], progressEvents };
      } catch (error) {
        const described = pq.describeError(error);
        return { error: described.name, classes: described.classes, fields: described.fields };
      }
    },
    { url, options },
  );
}

test('with sha256: the second load reads the cache and makes no request', async ({ page }) => {
  const route = await serveModel(page, 'pinned.pqw', 'tiny');
  const hash = sha256(route.body);
  const first = await loadAndClassify(page, route.url, { sha256: hash });
  expect(route.gets).toBe(1);
  const cached = await page.evaluate((url) => window.pq.cachedEntry(url), route.url);
  expect(cached).toEqual({ bytes: route.body.byteLength, sha256: hash });

  const second = await loadAndClassify(page, route.url, { sha256: hash.toUpperCase() });
  expect(route.gets).toBe(1);
  expect(route.heads).toBe(0);
  expect(second).toEqual(first);
  // Cached loads report progress too (the entry is streamed).
  expect('progressEvents' in second && second.progressEvents).toBeGreaterThanOrEqual(2);
});

test('without sha256: revalidated by ETag with one HEAD; a changed file is fetched again', async ({
  page,
}) => {
  const route = await serveModel(page, 'unpinned.pqw', 'tiny');
  const first = await loadAndClassify(page, route.url);
  const second = await loadAndClassify(page, route.url);
  expect({ gets: route.gets, heads: route.heads }).toEqual({ gets: 1, heads: 1 });
  expect(second).toEqual(first);

  // The server's file changes (new ETag): the next load fetches it and replaces the entry.
  route.body = Buffer.from(await page.evaluate(() => window.pq.modelBase64('tinyV2')), 'base64');
  route.etag = '"v2"';
  const updated = await loadAndClassify(page, route.url);
  expect({ gets: route.gets, heads: route.heads }).toEqual({ gets: 2, heads: 2 });
  expect('label' in updated && updated.label.startsWith('v2-')).toBe(true);
  const cached = await page.evaluate((url) => window.pq.cachedEntry(url), route.url);
  expect(cached?.sha256).toBe(sha256(route.body));

  // force-cache: no request at all.
  await loadAndClassify(page, route.url, { cache: 'force-cache' });
  expect({ gets: route.gets, heads: route.heads }).toEqual({ gets: 2, heads: 2 });
});

test('integrity failure: IntegrityError in the page, and the cache entry is gone', async ({ page }) => {
  const route = await serveModel(page, 'tampered.pqw', 'tiny');
  const good = sha256(route.body);
  await loadAndClassify(page, route.url, { sha256: good });
  expect(await page.evaluate((url) => window.pq.cachedEntry(url), route.url)).not.toBeNull();

  const wrong = 'ab'.repeat(32);
  const failed = await loadAndClassify(page, route.url, { sha256: wrong });
  expect(failed).toMatchObject({
    error: 'IntegrityError',
    classes: ['Error', 'IntegrityError'],
    fields: { expected: wrong, actual: good },
  });
  expect(await page.evaluate((url) => window.pq.cachedEntry(url), route.url)).toBeNull();
  expect(route.gets).toBe(2);
});

test('a damaged cache entry is dropped and refetched; clearCache() empties the cache', async ({ page }) => {
  const route = await serveModel(page, 'damaged.pqw', 'tiny');
  const hash = sha256(route.body);
  const first = await loadAndClassify(page, route.url, { sha256: hash });
  // Flip one byte of the stored copy, keeping its headers.
  await page.evaluate(async (url) => {
    const { pq } = window;
    const cache = await caches.open(pq.MODEL_CACHE_NAME);
    const key = new URL(url, location.href).href;
    const stored = await cache.match(key);
    if (!stored) throw new Error('nothing cached');
    const bytes = new Uint8Array(await stored.arrayBuffer());
    bytes[100] = (bytes[100] ?? 0) ^ 1;
    await cache.put(key, new Response(bytes, { headers: stored.headers }));
  }, route.url);
  const repaired = await loadAndClassify(page, route.url, { sha256: hash });
  // Progress differs (the damaged copy was read, then the file fetched: two runs from 0); the model does not.
  expect(repaired).toMatchObject({
    label: 'label' in first ? first.label : '',
    logits: 'logits' in first ? first.logits : [],
  });
  expect(route.gets).toBe(2);
  expect(await page.evaluate((url) => window.pq.cachedEntry(url), route.url)).toEqual({
    bytes: route.body.byteLength,
    sha256: hash,
  });

  const cleared = await page.evaluate(() => window.pq.clearCache());
  expect(cleared).toBe(true);
  expect(await page.evaluate((url) => window.pq.cachedEntry(url), route.url)).toBeNull();
  await loadAndClassify(page, route.url, { sha256: hash });
  expect(route.gets).toBe(3);
});
