/**
 * The demo's compare, benchmark and accuracy pages: the uncompressed .onnx (onnxruntime-web, its own worker)
 * beside pqweb's .pqw. Compare: both answer as `pqweb predict` does for each file; bytes downloaded. Benchmark:
 * histogram and median/p90 table. Accuracy on the first 100 test images: the counts `pqweb eval` gives.
 */
import { statSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { demoFixtures, expectAccuracy, keepScreenshot, openDemo, watchPageErrors } from './demo-support';

const MIB = 1024 * 1024;
const KIB = 1024;
/** The page shows sizes to three significant digits: off by at most half a unit of the third, 0.5%. */
const DISPLAY_ROUNDING = 0.005;

/** "870 KiB" / "14.5 MiB" → bytes. */
function parseBytes(text: string): number {
  const match = /([\d.]+)\s*(MiB|KiB|B)/.exec(text);
  if (!match) throw new Error(`not a byte count: ${text}`);
  const unit = match[2] === 'MiB' ? MIB : match[2] === 'KiB' ? KIB : 1;
  return Number(match[1]) * unit;
}

test('compare: both models side by side, as `pqweb predict` answers', async ({ page }, testInfo) => {
  const fixtures = demoFixtures();
  test.setTimeout(150_000);
  const errors = watchPageErrors(page);
  await openDemo(page, '/#compare');

  await test.step('two images through both models', async () => {
    for (const file of ['9-ankle-boot-1.png', '2-pullover-1.png']) {
      const image = fixtures.gallery.find((candidate) => candidate.file === file);
      if (!image) throw new Error(`${file} is not in the gallery fixtures`);
      await page.getByTestId('gallery-strip').locator(`[data-file="${file}"]`).click();
      await page.locator(`.compare-grid[data-input="${file}"]`).waitFor({ timeout: 90_000 });
      await expect(page.getByTestId('compare-pqweb-top1')).toHaveText(image.pqweb.label);
      await expect(page.getByTestId('compare-onnx-top1')).toHaveText(image.onnx.label);
    }
    const pqwebBytes = parseBytes((await page.getByTestId('compare-pqweb-bytes').textContent()) ?? '');
    const onnxBytes = parseBytes((await page.getByTestId('compare-onnx-bytes').textContent()) ?? '');
    // The .pqw is the bundled file (its size read from disk, whatever the codebooks' dtype); the .onnx the
    // 15 MB reference: the page must say so.
    const bundledBytes = statSync(fixtures.models.bundled).size;
    expect(Math.abs(pqwebBytes - bundledBytes)).toBeLessThanOrEqual(DISPLAY_ROUNDING * bundledBytes);
    expect(onnxBytes / pqwebBytes).toBeGreaterThan(10);
    await expect(page.getByTestId('compare-onnx-latency')).toHaveText(/ms$/);
    await keepScreenshot(page, testInfo, 'compare');
  });

  expect(errors).toEqual([]);
});

// The benchmark and accuracy pages' logic does not depend on the backend, and SwiftShader's WebGPU makes them
// slow here (100 images: ~80 s): this runs the CPU (wasm) path, whose counts `pqweb eval` (CPU) must match.
test('benchmark, and accuracy on the first 100 test images as `pqweb eval` counts', async ({
  page,
}, testInfo) => {
  const fixtures = demoFixtures();
  test.setTimeout(90_000);
  const errors = watchPageErrors(page);
  await openDemo(page, '/?backend=wasm#bench');
  await test.step('benchmark: 10 runs of each, histogram and table', async () => {
    await page.getByTestId('bench-runs').selectOption('10');
    await page.getByTestId('bench-run').click();
    await page.locator('[data-testid="bench-results"][data-done="true"]').waitFor({ timeout: 60_000 });
    await expect(page.getByTestId('bench-results').locator('svg.histogram rect')).not.toHaveCount(0);
    await expect(page.getByTestId('bench-pqweb-median')).toHaveText(/ms$/);
    await expect(page.getByTestId('bench-onnx-median')).toHaveText(/ms$/);
    // The wasm backend runs the head on the CPU: no GPU timestamps, and the page says why.
    await expect(page.getByTestId('bench-layer-gpu')).toHaveText(/No per-layer GPU time/);
    await keepScreenshot(page, testInfo, 'bench');
  });
  await page.getByTestId('tab-accuracy').click();
  await expectAccuracy(page, fixtures.eval.images, {
    pqweb: fixtures.eval.pqwebCorrect,
    onnx: fixtures.eval.onnxCorrect,
  });
  await keepScreenshot(page, testInfo, 'accuracy');
  expect(errors).toEqual([]);
});
