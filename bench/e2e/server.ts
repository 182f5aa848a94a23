/**
 * The browser-test harness's Vite dev server (e2e/harness/vite.config.ts, http://127.0.0.1:5174): reused when
 * it already runs (as Playwright's webServer does outside CI), else started in this process and closed after.
 */
import { createServer } from 'vite';
import { HARNESS_PORT } from '../../e2e/harness/vite.config';

export const HARNESS_CONFIG = 'e2e/harness/vite.config.ts';
export const HARNESS_URL = `http://127.0.0.1:${HARNESS_PORT}`;
/** The benchmark's page in the harness. */
export const BENCH_PAGE = '/bench-e2e.html';

export class HarnessServerError extends Error {
  override name = 'HarnessServerError';
}

export interface HarnessServer {
  url: string;
  reused: boolean;
  close(): Promise<void>;
}

async function status(url: string): Promise<number | null> {
  try {
    const response = await fetch(url);
    await response.body?.cancel();
    return response.status;
  } catch {
    return null;
  }
}

export async function openHarnessServer(log: (message: string) => void): Promise<HarnessServer> {
  const pageStatus = await status(`${HARNESS_URL}${BENCH_PAGE}`);
  if (pageStatus === 200) {
    log(`reusing the harness server at ${HARNESS_URL}`);
    return { url: HARNESS_URL, reused: true, close: async () => undefined };
  }
  if (pageStatus !== null) {
    throw new HarnessServerError(
      `${HARNESS_URL}${BENCH_PAGE} answered ${pageStatus}: port ${HARNESS_PORT} is held by something other than the harness server (${HARNESS_CONFIG}); stop it and run again`,
    );
  }
  const server = await createServer({ configFile: HARNESS_CONFIG, logLevel: 'warn' });
  await server.listen();
  log(`started the harness server at ${HARNESS_URL}`);
  return { url: HARNESS_URL, reused: false, close: () => server.close() };
}
