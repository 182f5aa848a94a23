/**
 * Input → the model's input tensor, as the manifest's preprocessing says: resize to width×height, convert
 * channels (luma for grayscale), x = (pixel · scale − mean[c]) / std[c], in NCHW or NHWC order.
 * Images the browser decodes (ImageBitmap, <img>, canvases) are drawn into an OffscreenCanvas of the model's
 * size; raw pixels are resized bilinearly here, so Node callers need no canvas.
 */
import type { Preprocessing } from '@pqweb/format';
import { type ClassifierInput, InputError, type PixelInput, type TensorInput } from './api';

/** ITU-R BT.601 luma weights, what image libraries use for RGB → grayscale. */
const LUMA = [0.299, 0.587, 0.114] as const;
const RGBA = 4;

function isTensorInput(input: ClassifierInput): input is TensorInput {
  return typeof input === 'object' && input !== null && 'data' in input && input.data instanceof Float32Array;
}

function isPixelInput(input: ClassifierInput): input is PixelInput {
  return (
    typeof input === 'object' &&
    input !== null &&
    'data' in input &&
    'width' in input &&
    'height' in input &&
    (input.data instanceof Uint8ClampedArray || input.data instanceof Uint8Array)
  );
}

export function inputSize(p: Preprocessing): number {
  return p.width * p.height * p.channels;
}

/** Bilinear resample of RGBA pixels (pixel centres aligned, as canvas drawImage does). */
export function resizeRgba(src: PixelInput, width: number, height: number): Uint8ClampedArray {
  if (src.width === width && src.height === height) return new Uint8ClampedArray(src.data);
  if (src.data.length < src.width * src.height * RGBA) {
    throw new InputError(
      `pixel data holds ${src.data.length} bytes; ${src.width}×${src.height} RGBA needs ${src.width * src.height * RGBA}`,
    );
  }
  const out = new Uint8ClampedArray(width * height * RGBA);
  const sx = src.width / width;
  const sy = src.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(src.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(src.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(src.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(src.width - 1, x0 + 1);
      const wx = fx - x0;
      for (let c = 0; c < RGBA; c++) {
        const at = (yy: number, xx: number) => src.data[(yy * src.width + xx) * RGBA + c] ?? 0;
        const top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx;
        const bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx;
        out[(y * width + x) * RGBA + c] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return out;
}

/** Normalize RGBA pixels already at the model's size into the input tensor. */
export function pixelsToTensor(rgba: Uint8ClampedArray, p: Preprocessing): Float32Array {
  const plane = p.width * p.height;
  const out = new Float32Array(plane * p.channels);
  for (let i = 0; i < plane; i++) {
    const r = rgba[i * RGBA] ?? 0;
    const g = rgba[i * RGBA + 1] ?? 0;
    const b = rgba[i * RGBA + 2] ?? 0;
    const values = p.channels === 1 ? [LUMA[0] * r + LUMA[1] * g + LUMA[2] * b] : [r, g, b];
    for (let c = 0; c < p.channels; c++) {
      const v = ((values[c] ?? 0) * p.scale - (p.mean[c] ?? 0)) / (p.std[c] ?? 1);
      out[p.layout === 'NCHW' ? c * plane + i : i * p.channels + c] = v;
    }
  }
  return out;
}

function drawToPixels(input: CanvasImageSource, p: Preprocessing): PixelInput {
  if (typeof OffscreenCanvas === 'undefined') {
    throw new InputError(
      'decoding images needs OffscreenCanvas (a browser or worker); in Node pass pixels or a tensor',
    );
  }
  const canvas = new OffscreenCanvas(p.width, p.height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new InputError('could not get a 2d context to read image pixels');
  context.imageSmoothingQuality = 'high';
  context.drawImage(input, 0, 0, p.width, p.height);
  return context.getImageData(0, 0, p.width, p.height);
}

/** The model input tensor for one input (C·H·W floats). */
export function toInputTensor(input: ClassifierInput, p: Preprocessing): Float32Array {
  const expected = inputSize(p);
  if (input instanceof Float32Array || isTensorInput(input)) {
    const data = input instanceof Float32Array ? input : input.data;
    if (data.length !== expected) {
      throw new InputError(
        `tensor input must hold ${p.channels}×${p.height}×${p.width} = ${expected} floats (${p.layout}), got ${data.length}`,
      );
    }
    return data;
  }
  if (isPixelInput(input)) return pixelsToTensor(resizeRgba(input, p.width, p.height), p);
  if (typeof input === 'object' && input !== null && ('width' in input || 'naturalWidth' in input)) {
    const pixels = drawToPixels(input as CanvasImageSource, p);
    return pixelsToTensor(new Uint8ClampedArray(pixels.data), p);
  }
  throw new InputError(
    'unsupported input: pass an ImageBitmap, ImageData, HTMLImageElement, canvas, {data, width, height} pixels or a Float32Array tensor',
  );
}
