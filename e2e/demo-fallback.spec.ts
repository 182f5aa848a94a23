/**
 * Chromium launched without --enable-unsafe-webgpu (the demo-no-webgpu project): no WebGPU, so the demo says
 * so, falls back to the wasm backend, and still classifies every gallery image as `pqweb predict` does.
 */
import { expect, test } from '@playwright/test';
import { classifyGalleryItem, demoFixtures, keepScreenshot, openDemo, watchPageErrors } from './demo-support';

test('without WebGPU: a clear message, and the wasm fallback classifies correctly', async ({
  page,
}, testInfo) => {
  const fixtures = demoFixtures();
  test.setTimeout(90_000);
  const errors = watchPageErrors(page);
  await openDemo(page);
  const hasWebGpu = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    return Boolean(gpu && (await gpu.requestAdapter()));
  });
  expect(hasWebGpu, 'this project runs Chromium without WebGPU').toBe(false);
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('backend')).toContainText('wasm');
  await expect(page.getByTestId('webgpu-fallback')).toBeVisible();
  await expect(page.getByTestId('webgpu-fallback')).toContainText('WebGPU');
  for (const image of fixtures.gallery) {
    const shown = await classifyGalleryItem(page, image.file);
    expect(shown.label, image.file).toBe(image.pqweb.label);
  }
  await keepScreenshot(page, testInfo, 'wasm-fallback');
  expect(errors).toEqual([]);
});
