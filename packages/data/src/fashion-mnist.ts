/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): 28×28 grayscale clothing images in 10 classes, 60,000 for
 * training and 10,000 for testing, shipped as gzipped idx files. On Debian the package
 * `dataset-fashion-mnist` installs them under /usr/share/datasets/fashion-mnist.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './errors';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx } from './idx';

/** Where Debian's `dataset-fashion-mnist` puts the files. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
/** Environment variable that overrides the directory (an explicit `dir` option wins over it). */
export const FASHION_MNIST_DIR_ENV = 'PQWEB_FASHION_MNIST_DIR';
/** Image side in pixels, fixed by the dataset. */
export const FASHION_MNIST_SIZE = 28;

/** Class names in label order (index = label byte), from the dataset's README. */
export const FASHION_MNIST_LABELS = [
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
] as const;

export type FashionMnistSplit = 'train' | 'test';

/** File stem prefix per split, as named by the upstream distribution. */
const SPLIT_PREFIX: Record<FashionMnistSplit, string> = { train: 'train', test: 't10k' };

/** gzip member header ID1 ID2 (RFC 1952 §2.3.1). */
const GZIP_ID1 = 0x1f;
const GZIP_ID2 = 0x8b;

const INSTALL_HINT = 'install it with `apt-get install dataset-fashion-mnist`';

export interface FashionMnistOptions {
  /** Directory holding the idx files; default: $PQWEB_FASHION_MNIST_DIR, else /usr/share/datasets/fashion-mnist. */
  dir?: string;
  /** Keep only the first `limit` examples (the file is still validated whole). */
  limit?: number;
}

export interface FashionMnist {
  /** `count` images of rows×cols bytes (0 = background, 255 = full ink), row-major, image after image. */
  images: Uint8Array;
  /** One label per image, 0…9, indexing FASHION_MNIST_LABELS. */
  labels: Uint8Array;
  count: number;
  rows: 28;
  cols: 28;
}

/** The directory `loadFashionMnist` reads from for these options. */
export function fashionMnistDir(options: FashionMnistOptions = {}): string {
  return options.dir ?? process.env[FASHION_MNIST_DIR_ENV] ?? DEFAULT_FASHION_MNIST_DIR;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === GZIP_ID1 && bytes[1] === GZIP_ID2;
}

/** Read `stem` (raw) or `stem.gz` from `dir`, decompressing when the bytes are gzip. */
async function readIdxFile(dir: string, stem: string): Promise<{ path: string; bytes: Uint8Array }> {
  const candidates = [join(dir, stem), join(dir, `${stem}.gz`)];
  for (const path of candidates) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if (err instanceof Error && 'code' in err && err.code === 'ENOENT') continue;
      throw new DatasetError(path, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!isGzip(bytes)) return { path, bytes };
    try {
      return { path, bytes: gunzipSync(bytes) };
    } catch (err) {
      throw new DatasetError(path, `corrupt gzip data: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new DatasetError(
    candidates[1] ?? stem,
    `Fashion-MNIST file not found (looked for ${candidates.join(' and ')}); ${INSTALL_HINT}, ` +
      `or point ${FASHION_MNIST_DIR_ENV} (or the dir option) at a directory holding the idx files`,
  );
}

function checkLimit(limit: number | undefined): void {
  if (limit === undefined) return;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }
}

/**
 * Load one split. Validates both files (magic, header against file length, 28×28 images, as many labels as
 * images, labels < 10) and throws DatasetError naming the file otherwise. A `limit` larger than the split
 * returns the whole split.
 */
export async function loadFashionMnist(
  split: FashionMnistSplit,
  options: FashionMnistOptions = {},
): Promise<FashionMnist> {
  checkLimit(options.limit);
  const dir = fashionMnistDir(options);
  const prefix = SPLIT_PREFIX[split];
  const [imageRead, labelRead] = await Promise.allSettled([
    readIdxFile(dir, `${prefix}-images-idx3-ubyte`),
    readIdxFile(dir, `${prefix}-labels-idx1-ubyte`),
  ]);
  // When both reads fail, name the images file: the error must not depend on which read finished first.
  if (imageRead.status === 'rejected') throw imageRead.reason;
  if (labelRead.status === 'rejected') throw labelRead.reason;
  const imageFile = imageRead.value;
  const labelFile = labelRead.value;

  const images = parseIdx(imageFile.bytes, imageFile.path);
  if (images.magic !== IDX_IMAGES_MAGIC) {
    throw new DatasetError(
      imageFile.path,
      `magic ${images.magic}, expected ${IDX_IMAGES_MAGIC} for an image file`,
    );
  }
  const [imageCount = 0, rows, cols] = images.dims;
  if (rows !== FASHION_MNIST_SIZE || cols !== FASHION_MNIST_SIZE) {
    throw new DatasetError(
      imageFile.path,
      `images are ${rows}×${cols}, Fashion-MNIST images are ${FASHION_MNIST_SIZE}×${FASHION_MNIST_SIZE}`,
    );
  }

  const labels = parseIdx(labelFile.bytes, labelFile.path);
  if (labels.magic !== IDX_LABELS_MAGIC) {
    throw new DatasetError(
      labelFile.path,
      `magic ${labels.magic}, expected ${IDX_LABELS_MAGIC} for a label file`,
    );
  }
  const [labelCount = 0] = labels.dims;
  if (labelCount !== imageCount) {
    throw new DatasetError(
      labelFile.path,
      `${labelCount} labels for ${imageCount} images in ${imageFile.path}: the files do not belong together`,
    );
  }
  const badLabel = labels.data.findIndex((label) => label >= FASHION_MNIST_LABELS.length);
  if (badLabel >= 0) {
    throw new DatasetError(
      labelFile.path,
      `label ${labels.data[badLabel]} at index ${badLabel} is not a class 0…${FASHION_MNIST_LABELS.length - 1}`,
    );
  }

  const count = Math.min(imageCount, options.limit ?? imageCount);
  const pixelsPerImage = FASHION_MNIST_SIZE * FASHION_MNIST_SIZE;
  return {
    // Copies (not Buffer views): a small `limit` must not keep the whole decompressed file alive, and
    // callers get plain Uint8Arrays whatever node:fs handed us.
    images: new Uint8Array(images.data.subarray(0, count * pixelsPerImage)),
    labels: new Uint8Array(labels.data.subarray(0, count)),
    count,
    rows: FASHION_MNIST_SIZE,
    cols: FASHION_MNIST_SIZE,
  };
}
