import { existsSync, readFileSync } from 'node:fs';
import type { Preprocessing } from '@pqweb/format';
import { type Classifier, type Prediction, pixelsToTensor, resizeRgba, topPredictions } from '@pqweb/runtime';
import { loadNodeClassifier } from '@pqweb/runtime/node';
import * as ort from 'onnxruntime-node';
import { UsageError } from '../errors';
import { readImage } from '../images';
import { parseInteger, readInputFile } from '../options';

export interface PredictFlags {
  backend?: string;
  top?: string;
  json?: boolean;
}

export interface ImagePrediction {
  file: string;
  top: Prediction[];
  logits: number[];
}

interface OnnxCard {
  preprocessing: Preprocessing;
  labels: string[];
}

/** A plain .onnx needs its model card (model.json beside it) for preprocessing and labels. */
function readCard(path: string): OnnxCard {
  const cardPath = path.replace(/\.onnx$/i, '.json');
  if (!existsSync(cardPath)) {
    throw new UsageError(
      `predict on ${path} needs its model card ${cardPath} (preprocessing and labels), or use a .pqw`,
    );
  }
  const card = JSON.parse(readFileSync(cardPath, 'utf8')) as {
    preprocessing?: Partial<Preprocessing>;
    labels?: string[];
  };
  const p: Partial<Preprocessing> = card.preprocessing ?? {};
  return {
    preprocessing: {
      width: p.width ?? 28,
      height: p.height ?? 28,
      channels: p.channels ?? 1,
      layout: p.layout ?? 'NCHW',
      scale: p.scale ?? 1 / 255,
      mean: p.mean ?? [0],
      std: p.std ?? [1],
    },
    labels: card.labels ?? [],
  };
}

async function predictOnnx(path: string, files: string[], topK: number): Promise<ImagePrediction[]> {
  const card = readCard(path);
  const session = await ort.InferenceSession.create(await readInputFile(path, 'model'), {
    executionProviders: ['cpu'],
  });
  const inputName = session.inputNames[0] ?? 'input';
  const p = card.preprocessing;
  const out: ImagePrediction[] = [];
  try {
    for (const file of files) {
      const image = await readImage(file);
      const tensor = pixelsToTensor(resizeRgba(image, p.width, p.height), p);
      const dims =
        p.layout === 'NCHW' ? [1, p.channels, p.height, p.width] : [1, p.height, p.width, p.channels];
      const result = await session.run({ [inputName]: new ort.Tensor('float32', tensor, dims) });
      const logits = Object.values(result)[0]?.data as Float32Array;
      out.push({ file, top: topPredictions(logits, card.labels, topK), logits: Array.from(logits) });
    }
  } finally {
    await session.release();
  }
  return out;
}

async function predictPqw(
  path: string,
  files: string[],
  topK: number,
  backend: 'webgpu' | 'wasm' | 'auto',
): Promise<ImagePrediction[]> {
  const classifier: Classifier = await loadNodeClassifier(path, { backend, topK });
  try {
    const out: ImagePrediction[] = [];
    for (const file of files) {
      const result = await classifier.classify(await readImage(file), { topK });
      out.push({ file, top: result.top, logits: Array.from(result.logits) });
    }
    const info = await classifier.info();
    if (backend === 'auto' && info.fallbackReason)
      process.stderr.write(`pqweb: head on the CPU (${info.fallbackReason})\n`);
    return out;
  } finally {
    await classifier.dispose();
  }
}

export async function runPredict(
  model: string,
  files: string[],
  flags: PredictFlags,
): Promise<ImagePrediction[]> {
  const topK = flags.top === undefined ? 5 : parseInteger('--top', flags.top, 1, 1000);
  const backendFlag = flags.backend ?? 'auto';
  if (!['auto', 'webgpu', 'cpu'].includes(backendFlag)) {
    throw new UsageError(`--backend must be webgpu or cpu, got "${backendFlag}"`);
  }
  if (files.length === 0) throw new UsageError('predict needs at least one image file');
  const predictions = /\.onnx$/i.test(model)
    ? await predictOnnx(model, files, topK)
    : await predictPqw(
        model,
        files,
        topK,
        backendFlag === 'cpu' ? 'wasm' : (backendFlag as 'webgpu' | 'auto'),
      );
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(predictions, null, 2)}\n`);
  } else {
    for (const p of predictions) {
      const top = p.top.map((t) => `${t.label} ${(t.score * 100).toFixed(1)}%`).join(', ');
      process.stdout.write(`${p.file}: ${top}\n`);
    }
  }
  return predictions;
}
