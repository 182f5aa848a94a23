/**
 * The demo with `?tables=8`: the PQ / RQ layers on 8-bit lookup tables, the runtime's opt-in accuracy level. On
 * WebGPU (shaders/pq_table8.wgsl) the page says so and the gallery images keep the top-1 `pqweb predict` gives on
 * float32 tables; on the wasm backend (the CPU twin) the accuracy page counts what `pqweb eval --table-bits 8`
 * counts on the same 100 test images.
 */
import { expect, test } from '@playwright/test';
import { classifyGalleryItem, demoFixtures, expectAccuracy, openDemo, watchPageErrors } from './demo-support';

/** Two gallery images; on all 10,000 test images the 8-bit tables move no logit by more than 0.124. */
const GALLERY_FILES = ['9-ankle-boot-1.png', '2-pullover-1.png'];

test('8-bit tables on WebGPU: the page says so, and the gallery keeps its top-1', async ({ page }) => {
  const fixtures = demoFixtures();
  test.setTimeout(120_000);
  const errors = watchPageErrors(page);
  await openDemo(page, '/?tables=8');
  const backend = page.getByTestId('backend');
  await expect(backend).toHaveAttribute('data-backend', 'webgpu');
  await expect(backend).toContainText('8-bit tables');
  for (const file of GALLERY_FILES) {
    const image = fixtures.gallery.find((candidate) => candidate.file === file);
    if (!image) throw new Error(`${file} is not in the gallery fixtures`);
    const shown = await classifyGalleryItem(page, file);
    expect(shown.label, file).toBe(image.pqweb.label);
  }
  await page.getByTestId('tab-model').click();
  await expect(page.getByTestId('table-bits')).toContainText('8-bit');
  // The worker's classifier reports the kernel each head layer runs: the 8-bit-table gather on the GPU.
  await expect(page.getByTestId('layer-table')).toContainText('table8');
  expect(errors).toEqual([]);
});

// The CPU path loads in ~3 s where SwiftShader's WebGPU takes ~12, and its 8-bit tables are the same twin
// (cpu/lut8.ts) that `pqweb eval --table-bits 8` runs, so the counts must be equal.
test('8-bit tables on wasm: accuracy on the first 100 test images as `pqweb eval --table-bits 8` counts', async ({
  page,
}) => {
  const fixtures = demoFixtures();
  test.setTimeout(90_000);
  const errors = watchPageErrors(page);
  await openDemo(page, '/?backend=wasm&tables=8#accuracy');
  await expect(page.getByTestId('backend')).toContainText('8-bit tables');
  await expectAccuracy(page, fixtures.eval.images, { pqweb: fixtures.eval.pqwebTable8Correct });
  // The counts alone may not tell the tables apart (95 of 100 both ways): the head's layers say which ran.
  await page.getByTestId('tab-model').click();
  await expect(page.getByTestId('layer-table')).toContainText('js-8-bit-tables');
  expect(errors).toEqual([]);
});
