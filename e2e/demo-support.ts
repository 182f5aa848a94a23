/**
 * Helpers for the demo specs (e2e/demo-*.spec.ts): the fixtures e2e/demo.setup.ts made, opening the app and
 * waiting for its test hooks (e2e/README.md, "Test hooks"), serving extra models, screenshots as artifacts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, type Page, type TestInfo } from '@playwright/test';
import type { DemoFixtures } from '../apps/demo/scripts/e2e-fixtures';

export const DEMO_FIXTURES_DIR = fileURLToPath(
  new URL('../node_modules/.cache/pqweb-demo-e2e/', import.meta.url),
);
/** Same-origin path that page.route answers with fixture models; the demo's server has nothing there. */
export const TEST_MODEL_PATH = 'e2e-models';
/** A WebGPU load on SwiftShader (download, ORT start, one warm-up call compiling every kernel) takes ~12 s. */
export const MODEL_READY_TIMEOUT = 90_000;
/** One classify on SwiftShader's WebGPU takes up to ~1 s; a busy machine, a few. */
export const CLASSIFY_TIMEOUT = 30_000;

let fixtures: DemoFixtures | null = null;

/** What e2e/demo.setup.ts made; read on first use (spec files are loaded before the setup project runs). */
export function demoFixtures(): DemoFixtures {
  fixtures ??= JSON.parse(readFileSync(`${DEMO_FIXTURES_DIR}fixtures.json`, 'utf8')) as DemoFixtures;
  return fixtures;
}

/** Collects uncaught page errors; specs expect none. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

export async function waitForState(page: Page, state: 'ready' | 'error' | 'loading' | 'busy'): Promise<void> {
  await page.locator(`body[data-state="${state}"]`).waitFor({ timeout: MODEL_READY_TIMEOUT });
}

/** Open the demo at `path` (query and hash allowed) and wait until its model is ready. */
export async function openDemo(page: Page, path = '/'): Promise<void> {
  await page.goto(path);
  await waitForState(page, 'ready');
}

export interface ShownResult {
  label: string;
  score: number;
  latencyMs: number;
}

/** The result card once it shows the result for `inputName`. */
export async function resultFor(page: Page, inputName: string): Promise<ShownResult> {
  const result = page.getByTestId('result');
  // waitFor, not expect().toHaveAttribute: expect polls at 100, 250, 500, 1000 ms, which would add up to a
  // second to every classify; waitFor watches the DOM.
  await page
    .locator(`[data-testid="result"][data-input="${inputName}"]`)
    .waitFor({ timeout: CLASSIFY_TIMEOUT });
  const label = (await result.getByTestId('top1-label').textContent()) ?? '';
  const score = Number(await result.getByTestId('top1-score').getAttribute('data-value'));
  const latencyMs = Number(await result.getByTestId('latency-ms').getAttribute('data-value'));
  return { label, score, latencyMs };
}

export async function classifyGalleryItem(page: Page, file: string): Promise<ShownResult> {
  await page.locator(`[data-testid="gallery-item"][data-file="${file}"]`).first().click();
  return resultFor(page, file);
}

export async function classifyUpload(page: Page, path: string, file: string): Promise<ShownResult> {
  await page.getByTestId('image-input').setInputFiles(path);
  return resultFor(page, file);
}

/** Serve `filePath` at /e2e-models/<name> (GET and HEAD, with a length and an ETag). */
export async function serveTestModel(page: Page, name: string, filePath: string): Promise<string> {
  const body = readFileSync(filePath);
  const path = `${TEST_MODEL_PATH}/${name}`;
  await page.route(`**/${path}`, async (route) => {
    const head = route.request().method() === 'HEAD';
    await route.fulfill({
      status: 200,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(body.length),
        etag: `"${name}-${body.length}"`,
      },
      body: head ? '' : body,
    });
  });
  return path;
}

/** A full-page screenshot into the test's output folder: kept in test-results/<test>/<name>.png. */
export async function keepScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

/** Page width beyond the viewport: > 0 means something overflows sideways (a phone user would pan). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** How long the Accuracy page may take for its 100 images (the CPU path: a few seconds). */
const ACCURACY_TIMEOUT = 60_000;

/**
 * Runs the Accuracy page (already open) on the first `images` test images, then checks the correct counts it shows
 * per model (`accuracy-<model>-top1`).
 */
export async function expectAccuracy(
  page: Page,
  images: number,
  correct: Partial<Record<'pqweb' | 'onnx', number>>,
): Promise<void> {
  await page.getByTestId('accuracy-count').selectOption(String(images));
  await page.getByTestId('accuracy-run').click();
  await page
    .locator('[data-testid="accuracy-results"][data-done="true"]')
    .waitFor({ timeout: ACCURACY_TIMEOUT });
  await expect(page.getByTestId('accuracy-results')).toHaveAttribute('data-count', String(images));
  for (const [model, count] of Object.entries(correct)) {
    await expect(page.getByTestId(`accuracy-${model}-top1`)).toHaveAttribute('data-correct', String(count));
  }
}
