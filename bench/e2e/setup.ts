/**
 * What bench/e2e.ts needs before it measures: the models and their records, the preprocessing both paths
 * share, where the harness's dev server serves a file, onnxruntime-web's module, and the adapter record.
 */
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { E2eAdapterInfo, GrayPreprocessing } from '../../e2e/harness/bench-e2e-protocol';
import { decodePqw } from '../../packages/format/src/index';
import type { AdapterRecord } from '../lib/results';
import type { E2eModelRecord } from './results';

export const COMPRESSED_MODEL = 'apps/demo/public/models/fashion-vgg.pqw';
export const DENSE_MODEL = 'models/reference/fashion-vgg.onnx';
export const MODEL_CARD = 'models/reference/fashion-vgg.json';
/** onnxruntime-web as the runtime resolves it (pnpm links it into the package's node_modules). */
const RUNTIME_ORT_WEB = 'packages/runtime/node_modules/onnxruntime-web';
/** The model card writes 1/255 with 15 significant digits; the manifest holds the float64. */
const SCALE_TOLERANCE = 1e-12;

export class E2eSetupError extends Error {
  override name = 'E2eSetupError';
}

/** The URL path the harness's dev server serves a repository file at (`server.fs.allow` is the repo root). */
export function devServerPath(path: string): string {
  return `/@fs${realpathSync(resolve(path))}`;
}

/** The ES module `onnxruntime-web/webgpu` resolves to in a browser build (the runtime's import). */
export function ortWebModulePath(): string {
  const dir = realpathSync(RUNTIME_ORT_WEB);
  const manifest: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const entry =
    typeof manifest === 'object' && manifest !== null && 'exports' in manifest
      ? (manifest.exports as Record<string, { import?: { default?: string } }>)['./webgpu']?.import?.default
      : undefined;
  if (!entry) throw new E2eSetupError(`${dir}/package.json has no exports["./webgpu"].import.default`);
  return join(dir, entry);
}

export interface ModelCard {
  input: { name: string };
  output: { name: string };
  preprocessing: {
    width: number;
    height: number;
    channels: number;
    scale: number;
    mean: number[];
    std: number[];
  };
}

/** The dense model's preprocessing, checked equal to the one in the .pqw manifest (same input for both). */
export function preprocessingOf(card: ModelCard, compressed: Uint8Array): GrayPreprocessing {
  const p = card.preprocessing;
  const m = decodePqw(compressed).manifest.preprocessing;
  const same =
    p.channels === 1 &&
    m.channels === 1 &&
    p.width === m.width &&
    p.height === m.height &&
    Math.abs(p.scale - m.scale) < SCALE_TOLERANCE &&
    p.mean[0] === m.mean[0] &&
    p.std[0] === m.std[0];
  if (!same) {
    throw new E2eSetupError(
      `${MODEL_CARD} preprocessing ${JSON.stringify(p)} differs from ${COMPRESSED_MODEL}'s ${JSON.stringify(m)}; both paths must see the same input`,
    );
  }
  return { width: p.width, height: p.height, scale: p.scale, mean: p.mean[0] ?? 0, std: p.std[0] ?? 1 };
}

export function modelRecord(path: string, bytes: Uint8Array): E2eModelRecord {
  return { path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function adapterRecord(info: E2eAdapterInfo): AdapterRecord | null {
  if (!info.available) return null;
  const { vendor, architecture, device, description, features, limits } = info;
  return {
    vendor,
    architecture,
    device,
    description,
    isSwiftShader: [vendor, architecture, device, description].some((text) => /swiftshader/i.test(text)),
    features,
    limits,
  };
}
