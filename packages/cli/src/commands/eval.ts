import { existsSync, readFileSync } from 'node:fs';
import type { Preprocessing } from '@pqweb/format';
import type { TableBits } from '@pqweb/runtime';
import { UsageError } from '../errors';
import { type Accuracy, evaluateOnnx, evaluatePqw } from '../evaluate';
import { parseInteger, parseNumberList, readInputFile } from '../options';

export interface EvalFlags {
  data?: string;
  limit?: string;
  json?: boolean;
  mean?: string;
  std?: string;
  tableBits?: string;
}

/**
 * Normalization for a plain .onnx: --mean/--std, else the model card beside it (`model.json` with a
 * `preprocessing` object, as models/reference/fashion-vgg.json), else an error saying which flags to pass.
 */
function onnxPreprocessing(path: string, flags: EvalFlags): Preprocessing {
  const base: Preprocessing = {
    width: 28,
    height: 28,
    channels: 1,
    layout: 'NCHW',
    scale: 1 / 255,
    mean: [0],
    std: [1],
  };
  if (flags.mean !== undefined || flags.std !== undefined) {
    return {
      ...base,
      mean: flags.mean === undefined ? [0] : parseNumberList('--mean', flags.mean),
      std: flags.std === undefined ? [1] : parseNumberList('--std', flags.std),
    };
  }
  const card = path.replace(/\.onnx$/i, '.json');
  if (existsSync(card)) {
    const parsed = JSON.parse(readFileSync(card, 'utf8')) as { preprocessing?: Partial<Preprocessing> };
    if (parsed.preprocessing?.mean && parsed.preprocessing.std) {
      return { ...base, mean: parsed.preprocessing.mean, std: parsed.preprocessing.std };
    }
  }
  throw new UsageError(
    `no normalization for ${path}: pass --mean and --std (or put a model card ${card} beside it)`,
  );
}

function parseTableBits(text: string | undefined): TableBits {
  if (text === undefined) return 32;
  const bits = Number(text);
  if (bits !== 32 && bits !== 8) {
    throw new UsageError(`--table-bits takes 32 (float32 tables) or 8 (8-bit tables), got "${text}"`);
  }
  return bits;
}

export async function runEval(path: string, flags: EvalFlags): Promise<Accuracy> {
  const options = {
    dir: flags.data,
    limit: flags.limit === undefined ? undefined : parseInteger('--limit', flags.limit, 1),
  };
  const onnx = /\.onnx$/i.test(path);
  const tableBits = parseTableBits(flags.tableBits);
  if (onnx && tableBits !== 32) {
    throw new UsageError('--table-bits applies to a .pqw model (its PQ / RQ layers), not to a plain .onnx');
  }
  const bytes = await readInputFile(path, 'model');
  const accuracy = onnx
    ? await evaluateOnnx(bytes, onnxPreprocessing(path, flags), options)
    : await evaluatePqw(bytes, { ...options, tableBits });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ model: path, ...accuracy, tableBits })}\n`);
  } else {
    const tables = tableBits === 8 ? ', PQ/RQ on 8-bit tables' : '';
    process.stdout.write(
      `${path}: top-1 ${(accuracy.top1 * 100).toFixed(2)}%  top-5 ${(accuracy.top5 * 100).toFixed(2)}%  ` +
        `(${accuracy.images} Fashion-MNIST test images${tables})\n`,
    );
  }
  return accuracy;
}
