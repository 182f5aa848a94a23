/**
 * The JSON `pnpm bench:e2e` writes (bench/results/e2e-<adapter>.json) and `pnpm bench:report` reads. Times in
 * milliseconds (the page's performance.now()), bytes in bytes.
 */
import type { E2eBackend, E2eEngine, E2eEngineInfo } from '../../e2e/harness/bench-e2e-protocol';
import type { AdapterRecord, MachineRecord } from '../lib/results';
import type { Summary } from '../lib/stats';
import type { E2eStageSummary } from './stages';

export const E2E_SCHEMA_VERSION = 1;
/** File names of end-to-end results start with this (kernel results with `kernels-`). */
export const E2E_RESULT_PREFIX = 'e2e-';

export type E2eRowId = 'pqweb-webgpu' | 'pqweb-wasm' | 'ort-webgpu' | 'ort-wasm';

export interface E2eRowSpec {
  id: E2eRowId;
  engine: E2eEngine;
  backend: E2eBackend;
  label: string;
}

/** The measured rows, in the order they run and are shown. */
export const E2E_ROWS: readonly E2eRowSpec[] = [
  { id: 'pqweb-webgpu', engine: 'pqweb', backend: 'webgpu', label: 'pqweb, WebGPU' },
  { id: 'pqweb-wasm', engine: 'pqweb', backend: 'wasm', label: 'pqweb, wasm' },
  { id: 'ort-webgpu', engine: 'ort', backend: 'webgpu', label: 'ORT-web WebGPU, dense' },
  { id: 'ort-wasm', engine: 'ort', backend: 'wasm', label: 'ORT-web wasm, dense' },
];

/** Bytes the page fetched while a row loaded and classified (response bodies as received). */
export interface E2eBytes {
  /** The model file (.pqw or .onnx). */
  model: number;
  /** onnxruntime-web's wasm binary and its loader module (both paths need them: pqweb for its backbone). */
  ortWasm: number;
  /** Anything else fetched in that window. */
  other: number;
  /** Every request of the window: path, kind and body bytes. */
  requests: { path: string; kind: E2eResourceKind; bytes: number }[];
}

export type E2eResourceKind = 'model' | 'ort-wasm' | 'other';

/** A row's top-1 against its own reference computed in Node with onnxruntime-node. */
export interface E2eReferenceCheck {
  /** What the reference is, in words. */
  reference: string;
  images: number;
  /** Images whose top-1 differs from the reference's. */
  mismatches: number[];
  maxAbsLogitDiff: number;
  passed: boolean;
}

export interface E2eRowResult {
  id: E2eRowId;
  engine: E2eEngine;
  backend: E2eBackend;
  label: string;
  /** Absent when the row could not run (then `skipped` says why). */
  measured?: {
    loadMs: number;
    firstClassifyMs: number;
    warmupMs: number[];
    steady: Summary;
    steadySamples: number[];
    /** pqweb's own split of the timed calls (its ClassifyResult.timings); null for onnxruntime-web. */
    stages: E2eStageSummary | null;
    bytes: E2eBytes;
    engineInfo: E2eEngineInfo;
    /** Top-1 class per image. */
    top1: number[];
    check: E2eReferenceCheck;
    /**
     * Steady median of each round (the row measured once per round, in a fresh browser); `steady` pools the
     * rounds' calls, loadMs and firstClassifyMs are the rounds' medians. Absent in runs before rounds existed.
     */
    roundMedians?: number[];
  };
  skipped?: string;
}

/** pqweb's top-1 against the dense model's, image by image. */
export interface E2eAgreement {
  images: number;
  /** Images where every measured row gives the same top-1. */
  agreeing: number;
  disagreements: {
    image: number;
    /** Top-1 per row id. */
    top1: Partial<Record<E2eRowId, number>>;
    /** True when onnxruntime-node's references of the two models disagree there too: the compression's doing. */
    explainedByModels: boolean;
  }[];
  /** No disagreement that the two models' references do not show too. */
  passed: boolean;
}

export interface E2eModelRecord {
  path: string;
  bytes: number;
  sha256: string;
}

export interface E2eRun {
  schema: typeof E2E_SCHEMA_VERSION;
  kind: 'e2e';
  date: string;
  command: string;
  machine: MachineRecord;
  browser: { executable: string; version: string; userAgent: string; flags: string[] };
  /** The page's WebGPU adapter; null without one (`adapterReason` says why). */
  adapter: AdapterRecord | null;
  adapterReason: string | null;
  /**
   * `runs` and `warmup` of the WebGPU rows; `wasm` those of the wasm rows where they differ (absent in runs made
   * before they could). `rounds` is absent in runs made before rounds existed (one round).
   */
  settings: {
    runs: number;
    warmup: number;
    wasm?: { runs: number; warmup: number };
    images: number;
    imageSource: string;
    rounds?: number;
  };
  models: { compressed: E2eModelRecord; dense: E2eModelRecord };
  /** The page was cross-origin isolated (else onnxruntime-web's wasm runs on one thread, for both paths). */
  crossOriginIsolated: boolean;
  rows: E2eRowResult[];
  agreement: E2eAgreement;
  elapsedS: number;
  notes: string[];
}

export class E2eResultError extends Error {
  override name = 'E2eResultError';
}

/** Parses a results file, refusing other kinds and other schema versions. */
export function parseE2eRun(text: string, path: string): E2eRun {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || !('schema' in parsed) || !('kind' in parsed)) {
    throw new E2eResultError(`${path} is not an end-to-end benchmark result (no "schema" and "kind" fields)`);
  }
  if (parsed.kind !== 'e2e') {
    throw new E2eResultError(`${path} has kind ${JSON.stringify(parsed.kind)}, expected "e2e"`);
  }
  if (parsed.schema !== E2E_SCHEMA_VERSION) {
    throw new E2eResultError(
      `${path} has schema ${String(parsed.schema)}, this report reads ${E2E_SCHEMA_VERSION}; re-run pnpm bench:e2e`,
    );
  }
  return parsed as E2eRun;
}
