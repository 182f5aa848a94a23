/**
 * Browser tests (e2e/README.md): real Debian Chromium (/usr/bin/chromium, headless), never a downloaded
 * browser. Two web servers: the harness's Vite dev server (e2e/harness/vite.config.ts) for the harness and
 * worker specs, and the demo's production build under `vite preview` for the demo specs.
 */
import { defineConfig, devices, type LaunchOptions } from '@playwright/test';

/** e2e/harness/vite.config.ts serves here (strictPort). */
const HARNESS_URL = 'http://127.0.0.1:5174';
/** The demo's `vite preview`; not 4173 (scripts/start.sh's), so a running demo does not stand in for the build. */
const DEMO_PORT = 4175;
const DEMO_URL = `http://127.0.0.1:${DEMO_PORT}`;

// WebGPU in headless Chromium 156 here needs only --enable-unsafe-webgpu (Linux ships it behind the flag); the
// adapter is SwiftShader's Vulkan. The rest keeps the browser off the network.
const QUIET_FLAGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--no-sandbox',
];
const WEBGPU_FLAG = '--enable-unsafe-webgpu';
/** Chromium's built-in fake camera, granted without a prompt: the demo's live-camera path. */
const FAKE_CAMERA_FLAGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

function chromium(args: string[]): { browserName: 'chromium'; headless: true; launchOptions: LaunchOptions } {
  return {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: '/usr/bin/chromium', args },
  };
}

const DEMO_SPECS = /demo-.*\.spec\.ts$/;
/**
 * The demo specs record no trace: tracing screencasts every frame, which on this 2-core machine (SwiftShader
 * computing too) made them 2.2× slower (6.3 min against 2.9). A failure still leaves a screenshot.
 */
const DEMO_USE = { trace: 'off', screenshot: 'only-on-failure', baseURL: DEMO_URL } as const;

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
      testIgnore: DEMO_SPECS,
      use: chromium([WEBGPU_FLAG, ...QUIET_FLAGS]),
    },
    {
      // Test images, models and `pqweb predict` answers for the demo specs (e2e/demo.setup.ts).
      name: 'demo-setup',
      testMatch: /demo\.setup\.ts$/,
    },
    {
      name: 'demo-desktop',
      testMatch: DEMO_SPECS,
      testIgnore: /demo-fallback\.spec\.ts$/,
      dependencies: ['demo-setup'],
      use: {
        ...chromium([WEBGPU_FLAG, ...FAKE_CAMERA_FLAGS, ...QUIET_FLAGS]),
        ...DEMO_USE,
        viewport: { width: 1280, height: 800 },
        permissions: ['camera'],
      },
    },
    {
      name: 'demo-pixel7',
      testMatch: /demo-classify\.spec\.ts$/,
      dependencies: ['demo-setup'],
      use: {
        ...devices['Pixel 7'],
        ...chromium([WEBGPU_FLAG, ...FAKE_CAMERA_FLAGS, ...QUIET_FLAGS]),
        ...DEMO_USE,
        permissions: ['camera'],
      },
    },
    {
      // No --enable-unsafe-webgpu: the page has no WebGPU adapter and must fall back to wasm.
      name: 'demo-no-webgpu',
      testMatch: /demo-fallback\.spec\.ts$/,
      dependencies: ['demo-setup'],
      use: { ...chromium(QUIET_FLAGS), ...DEMO_USE },
    },
  ],
  webServer: [
    {
      command: 'pnpm exec vite --config e2e/harness/vite.config.ts',
      url: `${HARNESS_URL}/`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // The demo as it ships: one production build, then `vite preview` serving dist/.
      command: `pnpm --filter @pqweb/demo build && pnpm --filter @pqweb/demo exec vite preview --host 127.0.0.1 --port ${DEMO_PORT} --strictPort`,
      url: `${DEMO_URL}/`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
