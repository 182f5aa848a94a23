#!/usr/bin/env node
// The package bin: runs the TypeScript sources through tsx, with the `source` export condition so workspace
// packages resolve to their sources and the `?raw` loader for WGSL imports.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx');
const rawLoader = fileURLToPath(new URL('../../../scripts/register-raw-loader.mjs', import.meta.url));
const entry = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const result = spawnSync(
  process.execPath,
  ['--conditions=source', '--import', tsx, '--import', rawLoader, entry, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
