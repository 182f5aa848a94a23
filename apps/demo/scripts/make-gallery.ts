/**
 * Writes the demo's bundled Fashion-MNIST data from the test set (Debian's `dataset-fashion-mnist`):
 * - public/gallery/*.png: the first GALLERY_PER_CLASS test images of each class, 28×28 8-bit grayscale PNGs,
 *   and public/gallery/index.json (file → true label, test-set index);
 * - public/data/fashion-mnist-test-head.bin: the first TEST_SLICE_COUNT test images then their labels, for the
 *   accuracy page (layout in README.md, "Bundled data").
 * Run: `pnpm --filter @pqweb/demo gallery` (deterministic: same data in, same bytes out).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FASHION_MNIST_LABELS, FASHION_MNIST_SIZE, loadFashionMnist } from '@pqweb/data';
import { PNG } from 'pngjs';
import { GALLERY_INDEX_VERSION, type GalleryIndex, TEST_SLICE_FILE } from '../src/data/gallery-index';

/** Two per class: enough to see a class twice, few enough that the grid fits one phone screen. */
const GALLERY_PER_CLASS = 2;
/** The accuracy page's slice: 500 × 785 bytes ≈ 384 KiB, small enough to ship and cache offline. */
const TEST_SLICE_COUNT = 500;
/** pngjs colour types (PNG spec §11.2.2): 0 = grayscale, 6 = RGBA. */
const PNG_GRAYSCALE = 0;
const PNG_RGBA = 6;

const publicDir = fileURLToPath(new URL('../public/', import.meta.url));
const galleryDir = join(publicDir, 'gallery');

/** A class name as a file-name part: `T-shirt/top` → `t-shirt-top`. */
function slug(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function grayPng(pixels: Uint8Array, side: number): Buffer {
  const png = new PNG({ width: side, height: side, colorType: PNG_GRAYSCALE, inputColorType: PNG_RGBA });
  const rgba = Buffer.alloc(side * side * 4);
  pixels.forEach((value, i) => {
    rgba.fill(value, i * 4, i * 4 + 3);
    rgba[i * 4 + 3] = 255;
  });
  png.data = rgba;
  return PNG.sync.write(png, { colorType: PNG_GRAYSCALE, inputColorType: PNG_RGBA });
}

async function main(): Promise<void> {
  const test = await loadFashionMnist('test');
  const pixelsPerImage = FASHION_MNIST_SIZE * FASHION_MNIST_SIZE;
  const imageAt = (index: number) =>
    test.images.subarray(index * pixelsPerImage, (index + 1) * pixelsPerImage);

  await rm(galleryDir, { recursive: true, force: true });
  await mkdir(galleryDir, { recursive: true });
  const index: GalleryIndex = {
    version: GALLERY_INDEX_VERSION,
    source: 'Fashion-MNIST test set',
    images: [],
  };
  FASHION_MNIST_LABELS.forEach((label, classIndex) => {
    let taken = 0;
    for (let i = 0; i < test.count && taken < GALLERY_PER_CLASS; i++) {
      if (test.labels[i] !== classIndex) continue;
      const file = `${String(classIndex)}-${slug(label)}-${taken}.png`;
      index.images.push({ file, label: classIndex, labelName: label, testIndex: i });
      taken++;
    }
  });
  for (const entry of index.images) {
    await writeFile(join(galleryDir, entry.file), grayPng(imageAt(entry.testIndex), FASHION_MNIST_SIZE));
  }
  await writeFile(join(galleryDir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);

  const slice = new Uint8Array(TEST_SLICE_COUNT * (pixelsPerImage + 1));
  slice.set(test.images.subarray(0, TEST_SLICE_COUNT * pixelsPerImage));
  slice.set(test.labels.subarray(0, TEST_SLICE_COUNT), TEST_SLICE_COUNT * pixelsPerImage);
  await mkdir(join(publicDir, 'data'), { recursive: true });
  await writeFile(join(publicDir, TEST_SLICE_FILE), slice);
  console.log(`wrote ${index.images.length} gallery images and a ${TEST_SLICE_COUNT}-image test slice`);
}

await main();
