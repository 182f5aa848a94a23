/**
 * The demo projects' setup (a Playwright setup project, so harness-only runs skip it): test images, another
 * model and broken ones, and the CLI's answers for all of them (apps/demo/scripts/e2e-fixtures.ts), cached
 * under node_modules/.cache until an input changes.
 */
import { test as setup } from '@playwright/test';
import { prepareDemoFixtures } from '../apps/demo/scripts/e2e-fixtures';
import { DEMO_FIXTURES_DIR } from './demo-support';

setup('demo fixtures and `pqweb predict` answers', async () => {
  setup.setTimeout(180_000);
  await prepareDemoFixtures(DEMO_FIXTURES_DIR);
});
