import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatasetError,
  DEFAULT_FASHION_MNIST_DIR,
  FASHION_MNIST_DIR_ENV,
  FASHION_MNIST_LABELS,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  loadFashionMnist,
} from '../src';
import { idxBytes } from './idx-bytes';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** A small split whose pixel bytes encode (image index, pixel index) so any mix-up is visible. */
function syntheticSplit(count: number): { images: Uint8Array; labels: Uint8Array } {
  const images = Uint8Array.from(
    { length: count * PIXELS },
    (_, i) => (Math.floor(i / PIXELS) * 31 + i) % 256,
  );
  const labels = Uint8Array.from({ length: count }, (_, i) => (i * 3) % 10);
  return { images, labels };
}

let dir = '';

async function writeSplit(
  prefix: string,
  imageFile: Uint8Array,
  labelFile: Uint8Array,
  gzip: boolean,
  subdir: string,
): Promise<string> {
  const target = join(dir, subdir);
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  const suffix = gzip ? '.gz' : '';
  const encode = (bytes: Uint8Array) => (gzip ? gzipSync(bytes) : bytes);
  await writeFile(join(target, `${prefix}-images-idx3-ubyte${suffix}`), encode(imageFile));
  await writeFile(join(target, `${prefix}-labels-idx1-ubyte${suffix}`), encode(labelFile));
  return target;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pqweb-data-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadFashionMnist on synthetic files', () => {
  const count = 5;
  const { images, labels } = syntheticSplit(count);
  const imageFile = idxBytes(IDX_IMAGES_MAGIC, [count, SIDE, SIDE], images);
  const labelFile = idxBytes(IDX_LABELS_MAGIC, [count], labels);

  it.each([
    ['gzipped', true],
    ['raw', false],
  ])('reads %s files', async (_name, gzip) => {
    const splitDir = await writeSplit('t10k', imageFile, labelFile, gzip, `ok-${gzip}`);
    const split = await loadFashionMnist('test', { dir: splitDir });
    expect(split.count).toBe(count);
    expect(split.rows).toBe(28);
    expect(split.cols).toBe(28);
    expect(split.images).toEqual(images);
    expect(split.labels).toEqual(labels);
    expect(Object.getPrototypeOf(split.images)).toBe(Uint8Array.prototype);
  });

  it('uses the train file names for the train split', async () => {
    const splitDir = await writeSplit('train', imageFile, labelFile, true, 'train');
    const split = await loadFashionMnist('train', { dir: splitDir });
    expect(split.count).toBe(count);
    await expect(loadFashionMnist('test', { dir: splitDir })).rejects.toThrow(/t10k-images-idx3-ubyte/);
  });

  it('keeps only the first `limit` examples, and all of them when limit exceeds the split', async () => {
    const splitDir = await writeSplit('t10k', imageFile, labelFile, true, 'limit');
    const two = await loadFashionMnist('test', { dir: splitDir, limit: 2 });
    expect(two.count).toBe(2);
    expect(two.images).toEqual(images.subarray(0, 2 * PIXELS));
    expect(two.labels).toEqual(labels.subarray(0, 2));
    expect((await loadFashionMnist('test', { dir: splitDir, limit: 99 })).count).toBe(count);
    await expect(loadFashionMnist('test', { dir: splitDir, limit: 0 })).rejects.toThrow(
      /limit must be a positive integer, got 0/,
    );
    await expect(loadFashionMnist('test', { dir: splitDir, limit: 1.5 })).rejects.toThrow(RangeError);
  });

  it(`reads the directory from $${FASHION_MNIST_DIR_ENV}, and an explicit dir wins over it`, async () => {
    const splitDir = await writeSplit('t10k', imageFile, labelFile, true, 'env');
    const saved = process.env[FASHION_MNIST_DIR_ENV];
    try {
      process.env[FASHION_MNIST_DIR_ENV] = splitDir;
      expect((await loadFashionMnist('test')).count).toBe(count);
      process.env[FASHION_MNIST_DIR_ENV] = join(dir, 'nowhere');
      expect((await loadFashionMnist('test', { dir: splitDir })).count).toBe(count);
      await expect(loadFashionMnist('test')).rejects.toThrow(/nowhere/);
    } finally {
      if (saved === undefined) delete process.env[FASHION_MNIST_DIR_ENV];
      else process.env[FASHION_MNIST_DIR_ENV] = saved;
    }
  });

  it('names the missing file and the Debian package to install', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty, { recursive: true });
    const failure = loadFashionMnist('test', { dir: empty });
    await expect(failure).rejects.toBeInstanceOf(DatasetError);
    await expect(failure).rejects.toThrow(/t10k-(images|labels)-idx\d-ubyte\.gz/);
    await expect(failure).rejects.toThrow(/apt-get install dataset-fashion-mnist/);
  });

  it('rejects swapped files by their magic', async () => {
    const splitDir = await writeSplit('t10k', labelFile, imageFile, false, 'swapped');
    await expect(loadFashionMnist('test', { dir: splitDir })).rejects.toThrow(
      /t10k-images-idx3-ubyte: magic 2049, expected 2051/,
    );
  });

  it('rejects a truncated image file', async () => {
    const truncated = imageFile.subarray(0, imageFile.length - 100);
    const splitDir = await writeSplit('t10k', truncated, labelFile, true, 'truncated');
    await expect(loadFashionMnist('test', { dir: splitDir })).rejects.toThrow(
      /t10k-images-idx3-ubyte\.gz: header says 5×28×28 = 3920 bytes of data, the file holds 3820: truncated/,
    );
  });

  it('rejects a cut gzip stream', async () => {
    const splitDir = await writeSplit('t10k', imageFile, labelFile, true, 'cutgzip');
    const path = join(splitDir, 't10k-images-idx3-ubyte.gz');
    const gz = await readFile(path);
    await writeFile(path, gz.subarray(0, gz.length - 20));
    await expect(loadFashionMnist('test', { dir: splitDir })).rejects.toThrow(/corrupt gzip data/);
  });

  it('rejects image and label counts that disagree', async () => {
    const fewerLabels = idxBytes(IDX_LABELS_MAGIC, [count - 1], labels.subarray(0, count - 1));
    const splitDir = await writeSplit('t10k', imageFile, fewerLabels, true, 'mismatch');
    await expect(loadFashionMnist('test', { dir: splitDir })).rejects.toThrow(/4 labels for 5 images/);
  });

  it('rejects images that are not 28×28', async () => {
    const small = idxBytes(IDX_IMAGES_MAGIC, [1, 27, 28], new Uint8Array(27 * 28));
    const oneLabel = idxBytes(IDX_LABELS_MAGIC, [1], Uint8Array.of(0));
    const splitDir = await writeSplit('t10k', small, oneLabel, true, 'size');
    await expect(loadFashionMnist('test', { dir: splitDir })).rejects.toThrow(/images are 27×28/);
  });

  it('rejects labels outside the 10 classes', async () => {
    const badLabels = idxBytes(IDX_LABELS_MAGIC, [count], Uint8Array.of(1, 2, 10, 3, 4));
    const splitDir = await writeSplit('t10k', imageFile, badLabels, true, 'badlabel');
    await expect(loadFashionMnist('test', { dir: splitDir })).rejects.toThrow(/label 10 at index 2/);
  });
});

describe('FASHION_MNIST_LABELS', () => {
  it('lists the ten classes in label order', () => {
    expect(FASHION_MNIST_LABELS).toEqual([
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ]);
  });
});

const installed = existsSync(join(DEFAULT_FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'));

describe.skipIf(!installed)('the installed dataset (dataset-fashion-mnist)', () => {
  it('test split: 10,000 images, 1,000 per class, pixels as Python reads them', async () => {
    const split = await loadFashionMnist('test', { dir: DEFAULT_FASHION_MNIST_DIR });
    expect(split.count).toBe(10_000);
    expect(split.images.length).toBe(10_000 * PIXELS);
    const histogram = new Array<number>(10).fill(0);
    for (const label of split.labels) histogram[label] = (histogram[label] ?? 0) + 1;
    expect(histogram).toEqual(new Array<number>(10).fill(1000));
    // Reference values computed independently with Python's gzip module over the same file.
    expect([...split.labels.subarray(0, 10)]).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    let pixelSum = 0;
    for (const pixel of split.images) pixelSum += pixel;
    expect(pixelSum).toBe(573_469_082);
  });

  it('train split: 60,000 images whose mean pixel is the model card normalisation mean (numpy)', async () => {
    const split = await loadFashionMnist('train', { dir: DEFAULT_FASHION_MNIST_DIR });
    expect(split.count).toBe(60_000);
    let pixelSum = 0;
    for (const pixel of split.images) pixelSum += pixel;
    // models/reference/fashion-vgg.json: preprocessing.mean = 0.286041, numpy's train mean / 255 rounded to 6 places.
    const cardMean = 0.286041;
    expect(Math.abs(pixelSum / split.images.length / 255 - cardMean)).toBeLessThanOrEqual(5e-7);
  });
});
