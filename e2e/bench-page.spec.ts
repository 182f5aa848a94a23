/**
 * The harness serves the benchmark page (`pnpm bench:e2e`) cross-origin isolated, for a clock fine enough to time
 * a ~2 ms wasm classify, and every other harness page as an ordinary page, which the browser tests assume
 * (e2e/harness/vite.config.ts ISOLATED_PAGES).
 */
import { expect, test } from '@playwright/test';

/** Whether the page at `path` is cross-origin isolated, and the finest step its clock takes. */
async function clockOf(page: import('@playwright/test').Page, path: string) {
  await page.goto(path);
  return page.evaluate(() => {
    let finest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      let next = performance.now();
      while (next === start) next = performance.now();
      finest = Math.min(finest, next - start);
    }
    return { isolated: crossOriginIsolated, finestStepMs: finest };
  });
}

test('the benchmark page is cross-origin isolated with a clock below 0.1 ms; the others are not', async ({
  page,
}) => {
  const bench = await clockOf(page, '/bench-e2e.html');
  expect(bench.isolated).toBe(true);
  expect(bench.finestStepMs).toBeLessThan(0.05);
  const ordinary = await clockOf(page, '/classifier.html');
  expect(ordinary.isolated).toBe(false);
});
