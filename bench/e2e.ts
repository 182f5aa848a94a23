/**
 * `pnpm bench:e2e`: the reference model end to end in headless Chromium. The compressed .pqw through
 * @pqweb/runtime's loadClassifier (WebGPU, then wasm) against the dense ONNX through onnxruntime-web (WebGPU EP,
 * then wasm EP): load time (fetch + classifier / session creation), first classify, steady-state latency
 * (median, p90) and the bytes the page downloaded, each row in a fresh browser on the harness's dev server
 * (e2e/harness/bench-e2e.ts is the page), in rounds that alternate the rows' order (timed calls pool over rounds). Every row's top-1 on the Fashion-MNIST test images is checked against
 * onnxruntime-node in Node, and the rows against each other. Writes bench/results/e2e-<adapter>.json;
 * `pnpm bench:report` adds it to BENCHMARKS.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { E2eRowRequest, GrayPreprocessing } from '../e2e/harness/bench-e2e-protocol';
import { loadFashionMnist } from '../packages/data/src/index';
import { argmax, checkRoundsAgainstReference, crossAgreement } from './e2e/agreement';
import { CHROMIUM_EXECUTABLE, CHROMIUM_FLAGS, measureRow, probeBrowser } from './e2e/browser';
import { tallyBytes } from './e2e/bytes';
import { ensureCompressedModel } from './e2e/model';
import { E2E_USAGE, E2eOptionsError, parseE2eOptions, resolveCounts } from './e2e/options';
import { decompressPqw, normalizeGray, onnxLogits } from './e2e/reference';
import {
  E2E_RESULT_PREFIX,
  E2E_ROWS,
  E2E_SCHEMA_VERSION,
  type E2eRowId,
  type E2eRowResult,
  type E2eRowSpec,
  type E2eRun,
} from './e2e/results';
import { openHarnessServer } from './e2e/server';
import {
  adapterRecord,
  COMPRESSED_MODEL,
  DENSE_MODEL,
  devServerPath,
  MODEL_CARD,
  type ModelCard,
  modelRecord,
  ortWebModulePath,
  preprocessingOf,
} from './e2e/setup';
import { summarizeStages } from './e2e/stages';
import { runCommand } from './lib/cli';
import { adapterSlug, describeMachine } from './lib/machine';
import { formatE2eSummary } from './lib/report/e2e';
import { summarize } from './lib/stats';

/** A row failed, or a top-1 check did not hold (the JSON is written first). */
class E2eCheckError extends Error {
  override name = 'E2eCheckError';
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);
}

interface References {
  /** Logits per image: the dense ONNX, and the .pqw as `pqweb decompress` rebuilds it. */
  dense: number[][];
  compressed: number[][];
}

async function referenceLogits(
  input: Float32Array,
  count: number,
  preprocessing: GrayPreprocessing,
  names: { input: string; output: string },
): Promise<References> {
  const dense = await onnxLogits(DENSE_MODEL, input, count, preprocessing, names);
  const decompressed = decompressPqw(COMPRESSED_MODEL);
  try {
    return { dense, compressed: await onnxLogits(decompressed.path, input, count, preprocessing, names) };
  } finally {
    decompressed.cleanup();
  }
}

/** What every row's page request shares. */
type SharedRequest = Omit<E2eRowRequest, 'engine' | 'backend' | 'modelUrl'>;

type RowMeasurement = Awaited<ReturnType<typeof measureRow>>;

/** The model a row loads, as the harness's dev server serves it. */
function modelUrlOf(spec: E2eRowSpec): string {
  return devServerPath(spec.engine === 'pqweb' ? COMPRESSED_MODEL : DENSE_MODEL);
}

/** One row once, in a fresh browser; throws when the page fails. */
async function measureRound(
  spec: E2eRowSpec,
  serverUrl: string,
  shared: SharedRequest,
  round: number,
  rounds: number,
): Promise<RowMeasurement> {
  log(
    `${spec.label}, round ${round + 1}/${rounds}: ${shared.warmup} warm-up + ${shared.runs} timed calls on ${shared.imageCount} images…`,
  );
  const measured = await measureRow(serverUrl, {
    ...shared,
    engine: spec.engine,
    backend: spec.backend,
    modelUrl: modelUrlOf(spec),
  });
  const { result } = measured;
  log(
    `  load ${result.loadMs.toFixed(0)} ms, first ${result.firstClassifyMs.toFixed(1)} ms, median ${summarize(result.steadyMs).median.toFixed(2)} ms`,
  );
  return measured;
}

/**
 * A row's result from its rounds: timed calls and stage times pooled, load and first classify the rounds'
 * medians, bytes and engine from the first round, and every round's logits checked against the reference.
 */
function rowFromRounds(
  spec: E2eRowSpec,
  rounds: readonly RowMeasurement[],
  references: References,
): E2eRowResult {
  const row: E2eRowResult = { id: spec.id, engine: spec.engine, backend: spec.backend, label: spec.label };
  const first = rounds[0];
  if (!first) return { ...row, skipped: 'no round measured' };
  const steadySamples = rounds.flatMap(({ result }) => result.steadyMs);
  row.measured = {
    loadMs: summarize(rounds.map(({ result }) => result.loadMs)).median,
    firstClassifyMs: summarize(rounds.map(({ result }) => result.firstClassifyMs)).median,
    warmupMs: rounds.flatMap(({ result }) => result.warmupMs),
    steady: summarize(steadySamples),
    steadySamples,
    stages: summarizeStages(rounds.flatMap(({ result }) => result.steadyStages)),
    bytes: tallyBytes(first.responses, modelUrlOf(spec)),
    engineInfo: first.result.engine,
    top1: first.result.logits.map((logits) => argmax(logits)),
    check: checkRoundsAgainstReference(
      rounds.map(({ result }) => result.logits),
      spec.engine === 'pqweb' ? references.compressed : references.dense,
      spec.engine === 'pqweb'
        ? `onnxruntime-node on \`pqweb decompress\` of ${COMPRESSED_MODEL}`
        : `onnxruntime-node on ${DENSE_MODEL}`,
    ),
    roundMedians: rounds.map(({ result }) => summarize(result.steadyMs).median),
  };
  const m = row.measured;
  log(
    `${spec.label}: ${rounds.length} round(s), median ${m.steady.median.toFixed(2)} ms (rounds ${m.roundMedians?.map((v) => v.toFixed(2)).join(', ')}), p90 ${m.steady.p90.toFixed(2)} ms, model ${m.bytes.model} B, ORT wasm ${m.bytes.ortWasm} B, top-1 vs reference ${m.check.passed ? 'ok' : `MISMATCH on images ${m.check.mismatches.join(', ')}`}`,
  );
  return row;
}

async function main(): Promise<void> {
  const started = Date.now();
  const options = parseE2eOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${E2E_USAGE}\n`);
    return;
  }
  ensureCompressedModel(COMPRESSED_MODEL, log);
  const compressedBytes = new Uint8Array(readFileSync(COMPRESSED_MODEL));
  const denseBytes = new Uint8Array(readFileSync(DENSE_MODEL));
  const card = JSON.parse(readFileSync(MODEL_CARD, 'utf8')) as ModelCard;
  const preprocessing = preprocessingOf(card, compressedBytes);
  const names = { input: card.input.name, output: card.output.name };

  const server = await openHarnessServer(log);
  try {
    const browser = await probeBrowser(server.url);
    const adapter = adapterRecord(browser.adapter);
    const adapterReason = browser.adapter.available ? null : browser.adapter.reason;
    log(
      `Chromium ${browser.version}; WebGPU adapter: ${adapter ? `${adapter.vendor} ${adapter.architecture} ${adapter.device} ${adapter.description}`.trim() : `none (${adapterReason})`}`,
    );
    const counts = resolveCounts(options, adapter?.isSwiftShader ?? true, 'webgpu');
    const wasmCounts = resolveCounts(options, adapter?.isSwiftShader ?? true, 'wasm');
    const data = await loadFashionMnist('test', { limit: Math.max(counts.images, wasmCounts.images) });
    const pixels = data.images.subarray(0, data.count * preprocessing.width * preprocessing.height);
    const references = await referenceLogits(
      normalizeGray(pixels, data.count, preprocessing),
      data.count,
      preprocessing,
      names,
    );
    const shared: SharedRequest = {
      ortModuleUrl: devServerPath(ortWebModulePath()),
      imagesBase64: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength).toString('base64'),
      imageCount: data.count,
      warmup: counts.warmup,
      runs: counts.runs,
      preprocessing,
      inputName: names.input,
      outputName: names.output,
    };
    const rows: E2eRowResult[] = [];
    const failures: string[] = [];
    const specs = E2E_ROWS.filter((row) => options.rows.includes(row.id));
    const runnable = specs.filter((spec) => spec.backend !== 'webgpu' || adapter);
    const measured = new Map<E2eRowId, RowMeasurement[]>();
    const failed = new Map<E2eRowId, string>();
    for (let round = 0; round < options.rounds; round++) {
      // Alternate the order so that a row is not always measured first, or right after the same neighbour.
      const order = round % 2 === 0 ? runnable : [...runnable].reverse();
      for (const spec of order) {
        if (failed.has(spec.id)) continue;
        try {
          const list = measured.get(spec.id) ?? [];
          const { runs, warmup } = spec.backend === 'wasm' ? wasmCounts : counts;
          list.push(await measureRound(spec, server.url, { ...shared, runs, warmup }, round, options.rounds));
          measured.set(spec.id, list);
        } catch (error) {
          failed.set(spec.id, errorMessage(error));
          log(`  failed: ${errorMessage(error)}`);
        }
      }
    }
    for (const spec of specs) {
      if (spec.backend === 'webgpu' && !adapter) {
        rows.push({ ...spec, skipped: `no WebGPU adapter (${adapterReason})` });
        continue;
      }
      const reason = failed.get(spec.id);
      if (reason) {
        rows.push({ ...spec, skipped: reason });
        failures.push(`${spec.label} failed (${reason})`);
        continue;
      }
      const row = rowFromRounds(spec, measured.get(spec.id) ?? [], references);
      rows.push(row);
      if (row.skipped) failures.push(`${row.label} failed (${row.skipped})`);
      else if (row.measured && !row.measured.check.passed) {
        failures.push(
          `${row.label}: top-1 differs from its reference on images ${row.measured.check.mismatches.join(', ')}`,
        );
      }
    }
    const top1ByRow: Partial<Record<E2eRowId, number[]>> = {};
    for (const row of rows) if (row.measured) top1ByRow[row.id] = row.measured.top1;
    const agreement = crossAgreement(top1ByRow, {
      compressed: references.compressed.map((logits) => argmax(logits)),
      dense: references.dense.map((logits) => argmax(logits)),
    });
    if (!agreement.passed) failures.push('rows disagree on a top-1 where the two models agree');
    const run: E2eRun = {
      schema: E2E_SCHEMA_VERSION,
      kind: 'e2e',
      date: new Date().toISOString(),
      command: options.command,
      machine: describeMachine(),
      browser: {
        executable: CHROMIUM_EXECUTABLE,
        version: browser.version,
        userAgent: browser.userAgent,
        flags: CHROMIUM_FLAGS,
      },
      adapter,
      adapterReason,
      settings: {
        runs: counts.runs,
        warmup: counts.warmup,
        ...(wasmCounts.runs !== counts.runs || wasmCounts.warmup !== counts.warmup
          ? { wasm: { runs: wasmCounts.runs, warmup: wasmCounts.warmup } }
          : {}),
        rounds: options.rounds,
        images: data.count,
        imageSource: `Fashion-MNIST test set, images 0–${data.count - 1}`,
      },
      models: {
        compressed: modelRecord(COMPRESSED_MODEL, compressedBytes),
        dense: modelRecord(DENSE_MODEL, denseBytes),
      },
      crossOriginIsolated: browser.crossOriginIsolated,
      rows,
      agreement,
      elapsedS: (Date.now() - started) / 1000,
      notes: rows.flatMap((row) => {
        const info = row.measured?.engineInfo;
        if (!info) return [];
        if (info.backend !== row.backend)
          return [`${row.label}: ran on ${info.backend} (${info.fallbackReason})`];
        return row.backend === 'webgpu' && info.fallbackReason
          ? [`${row.label}: ${info.fallbackReason}`]
          : [];
      }),
    };
    const fileName = `${E2E_RESULT_PREFIX}${adapter ? adapterSlug(adapter) : 'no-webgpu'}.json`;
    for (const dir of options.outDirs) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, fileName), `${JSON.stringify(run, null, 1)}\n`);
      log(`wrote ${join(dir, fileName)}`);
    }
    process.stdout.write(`${formatE2eSummary(run)}\n`);
    if (failures.length > 0) throw new E2eCheckError(`the run is not clean: ${failures.join('; ')}`);
  } finally {
    await server.close();
  }
}

runCommand(main, (error) => error instanceof E2eOptionsError);
