/**
 * The bundled Fashion-MNIST data (written by scripts/make-gallery.ts): the gallery's index and the test slice
 * the accuracy page reads. Shared by the script that writes them and the app that reads them.
 */

export const GALLERY_INDEX_VERSION = 1;
/** Under the app's base URL. */
export const GALLERY_DIR = 'gallery/';
export const GALLERY_INDEX_FILE = 'gallery/index.json';
/** The first images of the test set, then their labels: count·28·28 bytes, then count bytes. */
export const TEST_SLICE_FILE = 'data/fashion-mnist-test-head.bin';

export interface GalleryEntry {
  /** File name inside GALLERY_DIR. */
  file: string;
  /** True class, 0…9. */
  label: number;
  labelName: string;
  /** Position in the Fashion-MNIST test set. */
  testIndex: number;
}

export interface GalleryIndex {
  version: number;
  source: string;
  images: GalleryEntry[];
}

export interface TestSlice {
  /** count images of side×side bytes, row-major, 0 = background. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  side: number;
}

export class DemoDataError extends Error {
  override name = 'DemoDataError';
}

/** Split the slice file into images and labels; its length must be count·(side² + 1). */
export function parseTestSlice(bytes: Uint8Array, side: number): TestSlice {
  const bytesPerExample = side * side + 1;
  if (bytes.length === 0 || bytes.length % bytesPerExample !== 0) {
    throw new DemoDataError(
      `${TEST_SLICE_FILE} holds ${bytes.length} bytes, not a multiple of ${bytesPerExample} (${side}×${side} pixels + 1 label): rebuild it with \`pnpm --filter @pqweb/demo gallery\``,
    );
  }
  const count = bytes.length / bytesPerExample;
  return {
    images: bytes.subarray(0, count * side * side),
    labels: bytes.subarray(count * side * side),
    count,
    side,
  };
}

export function isGalleryIndex(value: unknown): value is GalleryIndex {
  if (typeof value !== 'object' || value === null) return false;
  const images: unknown = Reflect.get(value, 'images');
  return (
    Array.isArray(images) &&
    images.every(
      (entry: unknown) =>
        typeof entry === 'object' &&
        entry !== null &&
        typeof Reflect.get(entry, 'file') === 'string' &&
        typeof Reflect.get(entry, 'label') === 'number',
    )
  );
}
