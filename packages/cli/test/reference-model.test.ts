/**
 * The reference model card (models/reference/fashion-vgg.json) states facts the whole project leans on: the
 * file's hash, the accuracy every compressed variant is compared with, and a dense head that holds most of the
 * parameters (the setting of Gong et al. 2014). This test re-measures them with onnxruntime-node.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fashionMnistDir, loadFashionMnist } from '@pqweb/data';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

const REFERENCE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../models/reference');
const CARD_PATH = join(REFERENCE_DIR, 'fashion-vgg.json');

/** The part of the model card this test reads; checked field by field in `readCard`. */
interface ModelCard {
  file: string;
  sha256: string;
  input: { name: string; shape: [string, number, number, number] };
  output: { name: string };
  preprocessing: { scale: number; mean: [number]; std: [number] };
  parameters: {
    total: number;
    dense: number;
    layers: { name: string; kind: string; weightShape: number[]; params: number }[];
  };
  testAccuracy: { top1: number; images: number };
}

/** Allowed gap between the card's accuracy and ours: 0.1 percentage point (onnxruntime versions may differ by ulps). */
const ACCURACY_TOLERANCE = 0.001;
/** Gong et al. 2014 target networks whose dense layers hold >90% of the parameters. */
const MIN_DENSE_SHARE = 0.9;
/** Inference batch: large enough to amortise session overhead, small enough to keep memory modest. */
const BATCH = 500;

async function readCard(): Promise<ModelCard> {
  const card: unknown = JSON.parse(await readFile(CARD_PATH, 'utf8'));
  expect(card).toMatchObject({
    file: expect.any(String),
    sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    input: { name: expect.any(String), shape: ['batch', 1, 28, 28] },
    output: { name: expect.any(String) },
    preprocessing: { scale: expect.any(Number), mean: [expect.any(Number)], std: [expect.any(Number)] },
    parameters: { total: expect.any(Number), dense: expect.any(Number), layers: expect.any(Array) },
    testAccuracy: { top1: expect.any(Number), images: 10_000 },
  });
  return card as ModelCard;
}

/** The accuracy test needs Debian's dataset-fashion-mnist (or $PQWEB_FASHION_MNIST_DIR); skipped without it. */
const datasetInstalled =
  existsSync(join(fashionMnistDir(), 't10k-images-idx3-ubyte.gz')) ||
  existsSync(join(fashionMnistDir(), 't10k-images-idx3-ubyte'));

describe('reference model card', () => {
  it('sha256 matches the ONNX file', async () => {
    const card = await readCard();
    const bytes = await readFile(join(REFERENCE_DIR, card.file));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(card.sha256);
  });

  it('dense layers hold ≥90% of the parameters and the head is ≥3000 → ≥1024 → ≥512 → 10', async () => {
    const { parameters } = await readCard();
    const layerSum = parameters.layers.reduce((sum, layer) => sum + layer.params, 0);
    expect(layerSum).toBe(parameters.total);
    const dense = parameters.layers.filter((layer) => layer.kind === 'dense');
    const denseSum = dense.reduce((sum, layer) => sum + layer.params, 0);
    expect(denseSum).toBe(parameters.dense);
    expect(denseSum / parameters.total).toBeGreaterThanOrEqual(MIN_DENSE_SHARE);

    // weightShape is PyTorch's [out, in]; params = out·in + out (bias).
    const shapes = dense.map((layer) => {
      const [out = 0, inputs = 0] = layer.weightShape;
      expect(layer.params).toBe(out * inputs + out);
      return { out, inputs };
    });
    expect(shapes).toHaveLength(3);
    const [first, second, third] = shapes;
    expect(first?.inputs).toBeGreaterThanOrEqual(3000);
    expect(first?.out).toBeGreaterThanOrEqual(1024);
    expect(second?.inputs).toBe(first?.out);
    expect(second?.out).toBeGreaterThanOrEqual(512);
    expect(third?.inputs).toBe(second?.out);
    expect(third?.out).toBe(10);
  });

  it('the ONNX graph has the input and output names the card states', async () => {
    const card = await readCard();
    const session = await ort.InferenceSession.create(join(REFERENCE_DIR, card.file));
    try {
      expect(session.inputNames).toEqual([card.input.name]);
      expect(session.outputNames).toEqual([card.output.name]);
    } finally {
      await session.release();
    }
  });

  it.skipIf(!datasetInstalled)(
    `top-1 on all 10,000 test images equals the card's testAccuracy within ±${ACCURACY_TOLERANCE * 100} pt`,
    async () => {
      const card = await readCard();
      const test = await loadFashionMnist('test');
      expect(test.count).toBe(card.testAccuracy.images);
      const pixels = test.rows * test.cols;
      const [mean] = card.preprocessing.mean;
      const [std] = card.preprocessing.std;
      const session = await ort.InferenceSession.create(join(REFERENCE_DIR, card.file), {
        graphOptimizationLevel: 'all',
      });
      let correct = 0;
      try {
        for (let start = 0; start < test.count; start += BATCH) {
          const size = Math.min(BATCH, test.count - start);
          const input = new Float32Array(size * pixels);
          for (let i = 0; i < input.length; i++) {
            const pixel = test.images[start * pixels + i] ?? 0;
            input[i] = (pixel * card.preprocessing.scale - mean) / std;
          }
          const feeds = {
            [card.input.name]: new ort.Tensor('float32', input, [size, 1, test.rows, test.cols]),
          };
          const result = await session.run(feeds);
          const logits = result[card.output.name];
          if (!logits || !(logits.data instanceof Float32Array)) {
            throw new Error(`output ${card.output.name} missing or not float32`);
          }
          const classes = logits.dims[1] ?? 0;
          expect(logits.dims).toEqual([size, 10]);
          for (let row = 0; row < size; row++) {
            let best = 0;
            for (let c = 1; c < classes; c++) {
              if ((logits.data[row * classes + c] ?? 0) > (logits.data[row * classes + best] ?? 0)) best = c;
            }
            if (best === test.labels[start + row]) correct++;
          }
          logits.dispose();
        }
      } finally {
        await session.release();
      }
      const accuracy = correct / test.count;
      console.info(
        `reference model top-1: ${correct}/${test.count} = ${(accuracy * 100).toFixed(2)}% (card: ${(card.testAccuracy.top1 * 100).toFixed(2)}%)`,
      );
      expect(Math.abs(accuracy - card.testAccuracy.top1)).toBeLessThanOrEqual(ACCURACY_TOLERANCE);
    },
  );
});
