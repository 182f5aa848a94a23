/**
 * Headless Debian Chromium (never a downloaded browser) with the flags of playwright.config.ts, one fresh
 * browser per measured row so nothing compiled or cached carries over, and the bytes each row downloads.
 */
import { type Browser, chromium, type Page, type Request } from '@playwright/test';
import type { E2eAdapterInfo, E2eRowPageResult, E2eRowRequest } from '../../e2e/harness/bench-e2e-protocol';
import playwrightConfig from '../../playwright.config';
import type { ObservedResponse } from './bytes';
import { BENCH_PAGE } from './server';

export class BrowserRunError extends Error {
  override name = 'BrowserRunError';
}

/** The browser-test project whose browser and flags the benchmark uses (playwright.config.ts). */
const PLAYWRIGHT_PROJECT = 'chromium';

/**
 * Executable and flags of playwright.config.ts's `chromium` project, read from the config so the two never
 * differ: Debian's /usr/bin/chromium (never a downloaded browser), --enable-unsafe-webgpu (WebGPU is behind it
 * on Linux) and the flags that keep the browser off the network (e2e/README.md).
 */
function chromiumLaunch(): { executable: string; flags: string[] } {
  const project = playwrightConfig.projects?.find((candidate) => candidate.name === PLAYWRIGHT_PROJECT);
  const launch = project?.use?.launchOptions;
  if (!launch?.executablePath || !launch.args) {
    throw new BrowserRunError(
      `playwright.config.ts has no "${PLAYWRIGHT_PROJECT}" project with launchOptions.executablePath and args`,
    );
  }
  return { executable: launch.executablePath, flags: [...launch.args] };
}

export const { executable: CHROMIUM_EXECUTABLE, flags: CHROMIUM_FLAGS } = chromiumLaunch();

/** Page start-up through the dev server (the runtime's sources, onnxruntime-web's bundle). */
const PAGE_READY_TIMEOUT_MS = 120_000;

export interface BrowserInfo {
  version: string;
  userAgent: string;
  adapter: E2eAdapterInfo;
  /** Without isolation onnxruntime-web's wasm runs on one thread (the harness server sends no COOP/COEP). */
  crossOriginIsolated: boolean;
}

async function withPage<T>(baseUrl: string, body: (page: Page, browser: Browser) => Promise<T>): Promise<T> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_EXECUTABLE,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${baseUrl}${BENCH_PAGE}`);
    await page
      .waitForFunction(() => document.body.dataset.state === 'ready', undefined, {
        timeout: PAGE_READY_TIMEOUT_MS,
      })
      .catch((error: unknown) => {
        throw new BrowserRunError(
          `${BENCH_PAGE} did not become ready (${error instanceof Error ? error.message.split('\n')[0] : String(error)})${pageErrors.length > 0 ? `; page errors: ${pageErrors.join('; ')}` : ''}`,
        );
      });
    return await body(page, browser);
  } finally {
    await browser.close();
  }
}

/** Browser version, user agent, the page's WebGPU adapter and whether it is cross-origin isolated. */
export function probeBrowser(baseUrl: string): Promise<BrowserInfo> {
  return withPage(baseUrl, async (page, browser) => ({
    version: browser.version(),
    userAgent: await page.evaluate(() => navigator.userAgent),
    adapter: await page.evaluate(() => window.benchE2e.adapter()),
    crossOriginIsolated: await page.evaluate(() => globalThis.crossOriginIsolated),
  }));
}

/** Response body bytes of a finished request; null for one that failed or got no response. */
async function bodyBytes(request: Request): Promise<number | null> {
  const response = await request.response();
  if (!response) return null;
  return (await request.sizes()).responseBodySize;
}

/**
 * One row in a fresh browser: the page prepares (imports onnxruntime-web for the dense path), then every
 * request from the start of the load to the last classify is recorded with its body size.
 */
export function measureRow(
  baseUrl: string,
  request: E2eRowRequest,
): Promise<{ result: E2eRowPageResult; responses: ObservedResponse[] }> {
  return withPage(baseUrl, async (page) => {
    await page.evaluate((r) => window.benchE2e.prepare(r), {
      engine: request.engine,
      ortModuleUrl: request.ortModuleUrl,
    });
    const requests: Request[] = [];
    page.context().on('request', (r) => requests.push(r));
    const result = await page.evaluate((r) => window.benchE2e.run(r), request);
    const responses: ObservedResponse[] = [];
    for (const r of requests) {
      const bytes = await bodyBytes(r);
      if (bytes === null)
        throw new BrowserRunError(`${r.method()} ${r.url()} failed: ${r.failure()?.errorText}`);
      responses.push({ url: r.url(), bodyBytes: bytes });
    }
    return { result, responses };
  });
}
