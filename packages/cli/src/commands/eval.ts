import { existsSync, readFileSync } from 'node:fs';
import type { Preprocessing } from '@pqweb/format';
import { UsageError } from '../errors';
import { type Accuracy, evaluateOnnx, evaluatePqw } from '../evaluate';
import { parseInteger, parseNumberList, readInputFile } from '../options';

export interface EvalFlags {
  data?: string;
  limit?: string;
  json?: boolean;
  mean?: string;
  std?: string;
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

export async function runEval(path: string, flags: EvalFlags): Promise<Accuracy> {
  const options = {
    dir: flags.data,
    limit: flags.limit === undefined ? undefined : parseInteger('--limit', flags.limit, 1),
  };
  const bytes = await readInputFile(path, 'model');
  const accuracy = /\.onnx$/i.test(path)
    ? await evaluateOnnx(bytes, onnxPreprocessing(path, flags), options)
    : await evaluatePqw(bytes, options);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ model: path, ...accuracy })}\n`);
  } else {
    process.stdout.write(
      `${path}: top-1 ${(accuracy.top1 * 100).toFixed(2)}%  top-5 ${(accuracy.top5 * 100).toFixed(2)}%  ` +
        `(${accuracy.images} Fashion-MNIST test images)\n`,
    );
  }
  return accuracy;
}
