/**
 * Models in the demo: `?model=<url>` loads another .pqw (a k-means one made by `pqweb compress` in the setup)
 * with its labels and per-layer table from its manifest, and classifies as `pqweb predict` does with it; a
 * corrupted file (picked, or given as ?model=) shows `model-error` and the app keeps classifying with the
 * model it had, or with the bundled one.
 */
import { expect, test } from '@playwright/test';
import {
  classifyGalleryItem,
  demoFixtures,
  keepScreenshot,
  openDemo,
  serveTestModel,
  waitForState,
  watchPageErrors,
} from './demo-support';

/** Gallery images checked per model: one of each of five classes, including one the k-means model gets wrong. */
const CHECKED = [
  '2-pullover-1.png',
  '0-t-shirt-top-0.png',
  '5-sandal-1.png',
  '7-sneaker-0.png',
  '9-ankle-boot-1.png',
];

function galleryFixture(file: string) {
  const image = demoFixtures().gallery.find((candidate) => candidate.file === file);
  if (!image) throw new Error(`${file} is not in the gallery fixtures`);
  return image;
}

// page.route does not see requests a service worker makes; these tests serve their models through routes.
test.use({ serviceWorkers: 'block' });

test('?model= loads another .pqw; a corrupted pick shows model-error and the model stays', async ({
  page,
}, testInfo) => {
  const fixtures = demoFixtures();
  test.setTimeout(120_000);
  const errors = watchPageErrors(page);
  const kmeans = await serveTestModel(page, 'kmeans4.pqw', fixtures.models.kmeans);
  await openDemo(page, `/?model=${kmeans}`);
  await expect(page.getByTestId('model-error')).toBeHidden();
  await expect(page.getByTestId('model-chip')).toContainText('kmeans4.pqw');

  await test.step('classifies as `pqweb predict` does with the same file', async () => {
    for (const file of CHECKED) {
      const shown = await classifyGalleryItem(page, file);
      expect(shown.label, file).toBe(galleryFixture(file).kmeans.label);
    }
  });

  await test.step('its manifest: method, per-layer table, labels', async () => {
    await page.getByTestId('tab-model').click();
    await expect(page.getByTestId('layer-row')).toHaveCount(3);
    await expect(page.getByTestId('layer-table')).toContainText('k-means k=16 (4-bit codes)');
    await expect(page.getByTestId('model-rate')).toHaveText(/^\d+(\.\d+)?×$/);
    await expect(page.getByTestId('model-info')).toContainText('Ankle boot');
    await keepScreenshot(page, testInfo, 'kmeans-model');
  });

  await test.step('a corrupted .pqw picked from disk', async () => {
    await page.getByTestId('model-input').setInputFiles(fixtures.models.corrupt);
    await expect(page.getByTestId('model-error')).toBeVisible();
    await expect(page.getByTestId('model-error')).toContainText('corrupt.pqw is not a usable .pqw model');
    await expect(page.getByTestId('model-error')).toContainText('Still using kmeans4.pqw');
    await waitForState(page, 'ready');
    await keepScreenshot(page, testInfo, 'model-error');
    await page.getByTestId('tab-classify').click();
    const file = '7-sneaker-1.png';
    const shown = await classifyGalleryItem(page, file);
    expect(shown.label).toBe(galleryFixture(file).kmeans.label);
    await expect(page.getByTestId('model-chip')).toContainText('kmeans4.pqw');
  });
  expect(errors).toEqual([]);
});

// The fallback to the bundled model does not depend on the backend: the CPU path loads in ~3 s, not ~12.
test('a truncated ?model= shows model-error and the bundled model takes over', async ({ page }) => {
  const fixtures = demoFixtures();
  test.setTimeout(90_000);
  const errors = watchPageErrors(page);
  const truncated = await serveTestModel(page, 'truncated.pqw', fixtures.models.truncated);
  await openDemo(page, `/?backend=wasm&model=${truncated}`);
  await expect(page.getByTestId('model-error')).toBeVisible();
  await expect(page.getByTestId('model-error')).toContainText('truncated.pqw');
  await expect(page.getByTestId('model-error')).toContainText('Loading the bundled model instead');
  await expect(page.getByTestId('model-chip')).toContainText('fashion-vgg.pqw');
  const file = '2-pullover-1.png';
  const shown = await classifyGalleryItem(page, file);
  expect(shown.label).toBe(galleryFixture(file).pqweb.label);
  expect(errors).toEqual([]);
});
