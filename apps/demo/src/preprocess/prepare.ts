/**
 * Images from the page (gallery <img>, files, camera frames) → the pixels the model gets, at the model's input
 * size. Gallery images and files already at the model's size are Fashion-MNIST images: fed as they are.
 * Anything else is a photo and goes through the photo pipeline (photo.ts) when the model is grayscale.
 */
import type { Preprocessing } from '@pqweb/format';
import { type Box, type PhotoSteps, photoToFashionInput } from './photo';

/**
 * Photos are shrunk to this longest side before the pipeline: plenty for a 28×28 result, and it keeps the
 * pipeline's main-thread work to a few milliseconds even on a phone's 12-megapixel shots.
 */
export const MAX_PHOTO_SIDE = 384;

export type InputKind = 'gallery' | 'photo' | 'camera' | 'as-is';

export interface PreparedInput {
  /** File name, gallery file or `camera`. */
  name: string;
  kind: InputKind;
  /** What the model gets: RGBA at the model's input size. */
  pixels: ImageData;
  /** The true class when known (gallery). */
  trueLabel: string | null;
  /** The photo before the pipeline (shrunk), with the object's box, when the pipeline ran. */
  photo: { image: ImageData; box: Box | null; steps: PhotoSteps } | null;
}

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

function context2d(width: number, height: number): CanvasRenderingContext2D {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new ImageDecodeError('this browser gave no 2d canvas context to read pixels with');
  return context;
}

/** Pixels of `source` drawn at width×height. */
export function readPixels(source: CanvasImageSource, width: number, height: number): ImageData {
  const context = context2d(width, height);
  context.imageSmoothingQuality = 'high';
  context.drawImage(source, 0, 0, width, height);
  return context.getImageData(0, 0, width, height);
}

function shrunkSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** A photo's pixels (shrunk) → the model input, through the pipeline for grayscale models. */
export function preparePhoto(
  source: CanvasImageSource,
  size: { width: number; height: number },
  name: string,
  kind: 'photo' | 'camera',
  p: Preprocessing,
): PreparedInput {
  const shrunk = shrunkSize(size.width, size.height);
  const image = readPixels(source, shrunk.width, shrunk.height);
  if (p.channels !== 1) {
    // The pipeline makes Fashion-MNIST-like grayscale inputs; a colour model gets the photo resized.
    return { name, kind, pixels: readPixels(source, p.width, p.height), trueLabel: null, photo: null };
  }
  const result = photoToFashionInput(image, { width: p.width, height: p.height });
  const pixels = new ImageData(new Uint8ClampedArray(result.data), result.width, result.height);
  return {
    name,
    kind,
    pixels,
    trueLabel: null,
    photo: { image, box: result.steps.box, steps: result.steps },
  };
}

/** A picked or dropped file: as-is at the model's size, else a photo. */
export async function prepareFile(file: Blob, name: string, p: Preprocessing): Promise<PreparedInput> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch (error) {
    throw new ImageDecodeError(
      `${name} could not be read as an image (${error instanceof Error ? error.message : String(error)}); try a JPEG or PNG`,
    );
  }
  try {
    if (bitmap.width === p.width && bitmap.height === p.height) {
      return {
        name,
        kind: 'as-is',
        pixels: readPixels(bitmap, p.width, p.height),
        trueLabel: null,
        photo: null,
      };
    }
    return preparePhoto(bitmap, { width: bitmap.width, height: bitmap.height }, name, 'photo', p);
  } finally {
    bitmap.close();
  }
}

/** A gallery image (already Fashion-MNIST): read as it is, no photo pipeline. */
export function prepareGalleryImage(image: HTMLImageElement, name: string, trueLabel: string): PreparedInput {
  const pixels = readPixels(image, image.naturalWidth, image.naturalHeight);
  return { name, kind: 'gallery', pixels, trueLabel, photo: null };
}

/** A copy for the worker: the classifier transfers (detaches) what it is given. */
export function pixelsForWorker(input: PreparedInput): {
  data: Uint8ClampedArray;
  width: number;
  height: number;
} {
  const { pixels } = input;
  return { data: new Uint8ClampedArray(pixels.data), width: pixels.width, height: pixels.height };
}
