/**
 * The answers the browser rows must give, computed in Node with onnxruntime-node (CPU EP): the dense ONNX as it
 * is, and the compressed model as `pqweb decompress` rebuilds it (its reconstructed dense weights), both on
 * the same normalized images.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { GrayPreprocessing } from '../../e2e/harness/bench-e2e-protocol';

export class OnnxReferenceError extends Error {
  override name = 'OnnxReferenceError';
}

/** Normalizes `count` gray images into one N×1×H×W batch, as the benchmark page does per image. */
export function normalizeGray(pixels: Uint8Array, count: number, p: GrayPreprocessing): Float32Array {
  const size = count * p.width * p.height;
  if (pixels.length < size) {
    throw new RangeError(
      `${pixels.length} pixel bytes; ${count} images of ${p.width}×${p.height} need ${size}`,
    );
  }
  const x = new Float32Array(size);
  for (let i = 0; i < size; i++) x[i] = ((pixels[i] ?? 0) * p.scale - p.mean) / p.std;
  return x;
}

/** Logits per image of an ONNX model file on onnxruntime-node's CPU EP. */
export async function onnxLogits(
  modelPath: string,
  input: Float32Array,
  count: number,
  p: GrayPreprocessing,
  names: { input: string; output: string },
): Promise<number[][]> {
  const session = await ort.InferenceSession.create(modelPath);
  try {
    const feeds = { [names.input]: new ort.Tensor('float32', input, [count, 1, p.height, p.width]) };
    const output = (await session.run(feeds))[names.output];
    if (!output) throw new OnnxReferenceError(`the model has no output named ${names.output}`);
    const data = output.data as Float32Array;
    const classes = data.length / count;
    return Array.from({ length: count }, (_, image) =>
      Array.from(data.subarray(image * classes, (image + 1) * classes)),
    );
  } finally {
    await session.release();
  }
}

/** `pnpm pqweb decompress` into a temporary folder; returns the ONNX path and a cleanup. */
export function decompressPqw(pqwPath: string): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pqweb-bench-e2e-'));
  const path = join(dir, 'decompressed.onnx');
  const result = spawnSync('pnpm', ['--silent', 'pqweb', 'decompress', pqwPath, '-o', path], {
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new OnnxReferenceError(
      `pnpm pqweb decompress ${pqwPath} failed (exit ${result.status}): ${(result.stderr || result.stdout).trim()}`,
    );
  }
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
