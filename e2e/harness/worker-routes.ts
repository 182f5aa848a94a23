/**
 * Spec-side (Node) helpers for the worker specs: open the harness page, and serve model bytes through
 * `page.route` so a spec can count the requests the worker makes (GET and HEAD apart) and change the file.
 */
import { expect, type Page } from '@playwright/test';
import type { ModelName } from './worker-harness';

/** Same-origin path prefix the routes answer; the harness's Vite server has nothing there. */
export const MODEL_PATH = '/__models';

export interface ModelRoute {
  readonly url: string;
  gets: number;
  heads: number;
  /** What the route serves now; a spec may swap it (a model update). */
  body: Buffer;
  etag: string;
  /** Hold each GET this long before answering (to cancel a load in flight). */
  delayMs: number;
  /** HTTP status of the GET (e.g. 404). */
  status: number;
}

export async function openHarness(page: Page): Promise<void> {
  await page.goto('/worker-harness.html');
  await expect(page.locator('body')).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
}

export async function modelBytes(page: Page, model: ModelName): Promise<Buffer> {
  return Buffer.from(await page.evaluate((name) => window.pq.modelBase64(name), model), 'base64');
}

/** Serve `model` at `${MODEL_PATH}/${file}` (ETag "v1"); returns the live counters. */
export async function serveModel(page: Page, file: string, model: ModelName): Promise<ModelRoute> {
  const route: ModelRoute = {
    url: `${MODEL_PATH}/${file}`,
    gets: 0,
    heads: 0,
    body: await modelBytes(page, model),
    etag: '"v1"',
    delayMs: 0,
    status: 200,
  };
  await page.route(`**${route.url}`, async (request) => {
    const method = request.request().method();
    if (method === 'HEAD') route.heads++;
    else route.gets++;
    if (method !== 'HEAD' && route.delayMs > 0)
      await new Promise((resolve) => setTimeout(resolve, route.delayMs));
    const headers = { 'content-type': 'application/octet-stream', etag: route.etag };
    // The page may have gone (a cancelled load terminates its worker): nothing to answer then.
    await request
      .fulfill({ status: route.status, headers, body: method === 'HEAD' ? '' : route.body })
      .catch(() => undefined);
  });
  return route;
}
