import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import {
  type CompressOptions,
  type CompressProgress,
  type CompressResult,
  compressOnnx,
} from '@pqweb/compress';
import { writePqwFile } from '@pqweb/format/node';
import cliProgress from 'cli-progress';
import { UsageError } from '../errors';
import { parseInteger, parseNumberList, parsePositive, readInputFile, readLabels } from '../options';
import { formatBytes, formatRate, textTable } from '../table';

export interface CompressFlags {
  output: string;
  method: string;
  bits?: string;
  dim?: string;
  stages?: string;
  rank?: string;
  targetRate?: string;
  mean?: string;
  std?: string;
  labels?: string;
  seed?: string;
  threads?: string;
  minParams?: string;
  codebook?: string;
  json?: boolean;
  quiet?: boolean;
}

const METHODS = ['pq', 'kmeans', 'binary', 'rq', 'svd'] as const;

export async function flagsToOptions(flags: CompressFlags, modelName: string): Promise<CompressOptions> {
  const method = METHODS.find((m) => m === flags.method);
  if (!method) throw new UsageError(`--method must be one of ${METHODS.join(', ')}, got "${flags.method}"`);
  if (flags.codebook && flags.codebook !== 'float32' && flags.codebook !== 'float16') {
    throw new UsageError(`--codebook must be float32 or float16, got "${flags.codebook}"`);
  }
  return {
    method,
    modelName,
    bits: flags.bits === undefined ? undefined : parseInteger('--bits', flags.bits, 1, 8),
    dim: flags.dim === undefined ? undefined : parseInteger('--dim', flags.dim, 1, 65536),
    stages: flags.stages === undefined ? undefined : parseInteger('--stages', flags.stages, 1, 16),
    rank: flags.rank === undefined ? undefined : parseInteger('--rank', flags.rank, 1),
    targetRate: flags.targetRate === undefined ? undefined : parsePositive('--target-rate', flags.targetRate),
    mean: flags.mean === undefined ? undefined : parseNumberList('--mean', flags.mean),
    std: flags.std === undefined ? undefined : parseNumberList('--std', flags.std),
    labels: flags.labels === undefined ? undefined : await readLabels(flags.labels),
    seed: flags.seed === undefined ? undefined : parseInteger('--seed', flags.seed, 0, 2 ** 32 - 1),
    threads: flags.threads === undefined ? undefined : parseInteger('--threads', flags.threads, 1, 256),
    minParams: flags.minParams === undefined ? undefined : parseInteger('--min-params', flags.minParams, 0),
    codebookDtype: flags.codebook as CompressOptions['codebookDtype'],
  };
}

export function layerTable(result: CompressResult): string {
  const rows = result.layers.map((l) => [
    l.name,
    `${l.rows}×${l.cols}`,
    l.method,
    l.params,
    formatBytes(l.storage.denseBytes),
    formatBytes(l.storage.totalBytes),
    formatRate(l.storage.rate),
    l.relativeError.toFixed(4),
  ]);
  rows.push([
    'dense layers',
    '',
    '',
    '',
    formatBytes(result.denseBytes),
    formatBytes(result.compressedBytes),
    formatRate(result.rate),
    '',
  ]);
  return textTable(['layer', 'shape', 'method', 'params', 'before', 'after', 'rate', '‖W−Ŵ‖/‖W‖'], rows);
}

function progressReporter(quiet: boolean): { onProgress: (e: CompressProgress) => void; stop: () => void } {
  if (quiet || !process.stderr.isTTY) {
    return {
      onProgress: (e) => {
        if (!quiet && e.stage === 'quantize' && e.layer) process.stderr.write(`quantizing ${e.layer}…\n`);
      },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {value}/{total} layers | {stage} {layer}',
      stream: process.stderr,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: (e) => {
      if (e.stage !== 'quantize') return;
      if (!started) {
        bar.start(e.total, e.done, { stage: e.stage, layer: e.layer ?? '' });
        started = true;
      }
      bar.update(e.done, { stage: e.stage, layer: e.layer ?? '' });
    },
    stop: () => started && bar.stop(),
  };
}

/** Fail before minutes of quantization, not after, when the output cannot be written. */
async function checkWritableFolder(output: string): Promise<void> {
  const folder = dirname(resolve(output));
  try {
    await access(folder, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot write ${output}: ${code === 'ENOENT' ? `folder ${folder} does not exist` : `folder ${folder} is not writable (${code})`}`,
    );
  }
}

export async function runCompress(modelPath: string, flags: CompressFlags): Promise<void> {
  const options = await flagsToOptions(flags, basename(modelPath).replace(/\.onnx$/i, ''));
  await checkWritableFolder(flags.output);
  const onnx = await readInputFile(modelPath, 'model');
  const reporter = progressReporter(Boolean(flags.quiet || flags.json));
  let result: CompressResult;
  try {
    result = await compressOnnx(onnx, { ...options, onProgress: reporter.onProgress });
  } finally {
    reporter.stop();
  }
  await writePqwFile(flags.output, result.bytes);
  if (flags.json) {
    const summary = {
      output: flags.output,
      fileBytes: result.bytes.byteLength,
      sourceBytes: onnx.byteLength,
      denseBytes: result.denseBytes,
      compressedBytes: result.compressedBytes,
      rate: result.rate,
      layers: result.layers,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${layerTable(result)}\n\n`);
  process.stdout.write(
    `dense layers: ${formatBytes(result.denseBytes)} → ${formatBytes(result.compressedBytes)} ` +
      `(${formatRate(result.rate)}, codes + codebooks + biases + scales)\n` +
      `file: ${flags.output} ${formatBytes(result.bytes.byteLength)} (source ONNX ${formatBytes(onnx.byteLength)}, ` +
      `${formatRate(onnx.byteLength / result.bytes.byteLength)} smaller overall)\n`,
  );
}
