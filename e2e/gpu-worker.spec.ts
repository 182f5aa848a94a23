/**
 * The runtime's dense WebGPU kernel in real Chromium, inside a module Web Worker: the harness page
 * (e2e/harness) starts the worker, which runs the kernel on seeded random problems and compares every output
 * element with the float64 CPU twin. This spec checks the report.
 */
import { expect, test } from '@playwright/test';
import type { GpuWorkerMessage } from './harness/protocol';

/** Sum of batch × rows over the harness cases in e2e/harness/main.ts, per variant. */
const ELEMENTS_PER_VARIANT = 1 * 2 + 7 * 5 + 33 * 33 + 130 * 1 + 64 * 4;

test('dense kernel in a module worker matches the CPU twin', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });

  await page.goto('/');
  await expect(page.locator('body')).toHaveAttribute('data-state', /^(done|failed)$/, { timeout: 20_000 });
  const report = JSON.parse((await page.locator('#result').textContent()) ?? 'null') as GpuWorkerMessage;
  if (!report.ok)
    throw new Error(`GPU worker failed: ${report.name}: ${report.message}\n${report.stack ?? ''}`);

  test.info().annotations.push({
    type: 'adapter',
    description: `${report.adapter.vendor} ${report.adapter.architecture} ${report.adapter.device}`.trim(),
  });
  console.info(
    `adapter ${report.adapter.vendor}/${report.adapter.architecture}, variants ${report.variants.join('+')}: ` +
      `${report.elementsChecked} elements, max |err| ${report.maxAbsError.toExponential(2)}, ` +
      `max err/bound ${report.maxErrorRatio.toFixed(4)}, NaN ${report.nanCount}`,
  );
  expect(report.adapter.vendor.length + report.adapter.architecture.length).toBeGreaterThan(0);
  expect(report.variants[0]).toBe('workgroup');
  expect(report.variants.includes('subgroup')).toBe(report.features.includes('subgroups'));
  expect(report.validationErrors).toEqual([]);
  expect(report.cases).toHaveLength(5 * report.variants.length);
  expect(report.elementsChecked).toBe(ELEMENTS_PER_VARIANT * report.variants.length);
  expect(report.nanCount).toBe(0);
  // Error ≤ 1e-6 · √cols · (|b| + Σ|W·x|) per element (ratio ≤ 1), as in packages/runtime/test/dense.gpu.test.ts.
  expect(report.maxErrorRatio).toBeLessThanOrEqual(1);
  expect(Number.isFinite(report.maxAbsError)).toBe(true);
  expect(pageErrors).toEqual([]);
});
