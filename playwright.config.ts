/**
 * Browser tests (e2e/README.md): real Debian Chromium (/usr/bin/chromium, headless), never a downloaded
 * browser. The webServer is the harness's Vite dev server (e2e/harness/vite.config.ts).
 */
import { defineConfig } from '@playwright/test';

/** e2e/harness/vite.config.ts serves here (strictPort). */
const HARNESS_URL = 'http://127.0.0.1:5174';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  timeout: 45_000,
  // One Chromium at a time: SwiftShader already uses every core.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list']],
  use: {
    baseURL: HARNESS_URL,
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        headless: true,
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          // WebGPU in headless Chromium 156 here needs only --enable-unsafe-webgpu (Linux ships it behind the
          // flag); the adapter is SwiftShader's Vulkan. The rest keeps the browser off the network.
          args: [
            '--enable-unsafe-webgpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--disable-quic',
            '--no-sandbox',
          ],
        },
      },
    },
  ],
  webServer: {
    command: 'pnpm exec vite --config e2e/harness/vite.config.ts',
    url: `${HARNESS_URL}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
