/**
 * Photos of real clothes → Fashion-MNIST-like inputs. Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, §2) was made
 * from product photos on a light background: trim the background, resize the longest edge to 28 px, centre
 * on a 28×28 canvas, negate the intensities (garment bright on black), 8-bit grayscale. A model trained on it
 * sees nonsense in a raw phone photo, so the demo does the same steps:
 *
 * 1. grayscale (BT.601 luma; transparent pixels count as a white background),
 * 2. estimate the background from the image border (median) and invert when it is light,
 * 3. separate the object from the background (Otsu's threshold, at least MIN_OBJECT_CONTRAST above it),
 * 4. crop to the object's bounding box (rows/columns with a few object pixels, so specks do not count),
 * 5. subtract the background and stretch the object's intensities to 0…255,
 * 6. resize the longest side to the output side (area averaging) and centre it on a black canvas.
 *
 * Pure: RGBA pixels in, RGBA pixels out, no DOM, so it is unit-tested in Node (test/photo.test.ts).
 */

export interface RgbaImage {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PhotoOptions {
  /** Output size: the model's input width and height (28×28 for Fashion-MNIST). */
  width: number;
  height: number;
  /** 'auto' (default): invert when the border is lighter than mid-gray. */
  invert?: 'auto' | boolean;
}

export interface PhotoSteps {
  /** Median luma of the border, 0…255, before any inversion. */
  background: number;
  inverted: boolean;
  /** Object/background threshold on the (inverted) luma. */
  threshold: number;
  /** The object's bounding box in the input, or null when nothing stands out (the whole image is used). */
  box: Box | null;
}

export interface FashionInput extends RgbaImage {
  data: Uint8ClampedArray;
  /** The same pixels as one gray byte each (what the model's grayscale preprocessing reads). */
  gray: Uint8ClampedArray;
  steps: PhotoSteps;
}

export class PhotoInputError extends Error {
  override name = 'PhotoInputError';
}

/** ITU-R BT.601 luma weights (as the runtime's grayscale conversion). */
const LUMA_R = 0.299;
const LUMA_G = 0.587;
const LUMA_B = 0.114;
const RGBA = 4;
const MAX_BYTE = 255;
const MID_GRAY = MAX_BYTE / 2;
/** Border band that samples the background: 2% of the shorter side, at least one pixel. */
const BORDER_FRACTION = 0.02;
/**
 * The object must stand this far above the background (of 255) to count: below it, sensor noise and
 * shading on a plain background would be taken for an object.
 */
export const MIN_OBJECT_CONTRAST = 24;
/** A row or column belongs to the object when at least this fraction of it (≥ 1 px) is object. */
const OBJECT_LINE_FRACTION = 0.01;
/** The object's peak brightness is this quantile of its pixels, so a few glints do not set the scale. */
const PEAK_QUANTILE = 0.99;

function checkImage(image: RgbaImage, name: string): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new PhotoInputError(`${name} must be a positive integer size, got ${width}×${height}`);
  }
  if (data.length !== width * height * RGBA) {
    throw new PhotoInputError(
      `${name} of ${width}×${height} needs ${width * height * RGBA} RGBA bytes, got ${data.length}`,
    );
  }
}

/** Luma per pixel, alpha-composited over white (cut-out product shots have transparent backgrounds). */
export function toLuma(image: RgbaImage): Float32Array {
  checkImage(image, 'image');
  const { data } = image;
  const luma = new Float32Array(image.width * image.height);
  for (let i = 0; i < luma.length; i++) {
    const o = i * RGBA;
    const alpha = (data[o + 3] ?? MAX_BYTE) / MAX_BYTE;
    const value = LUMA_R * (data[o] ?? 0) + LUMA_G * (data[o + 1] ?? 0) + LUMA_B * (data[o + 2] ?? 0);
    luma[i] = value * alpha + MAX_BYTE * (1 - alpha);
  }
  return luma;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[middle] ?? 0;
  return ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Median of the pixels within `band` of the image's edge. */
export function borderMedian(values: Float32Array, width: number, height: number): number {
  const band = Math.max(1, Math.round(Math.min(width, height) * BORDER_FRACTION));
  const border: number[] = [];
  for (let y = 0; y < height; y++) {
    const edgeRow = y < band || y >= height - band;
    for (let x = 0; x < width; x++) {
      if (edgeRow || x < band || x >= width - band) border.push(values[y * width + x] ?? 0);
    }
  }
  return median(border);
}

/**
 * Otsu's threshold (Otsu 1979): the level t that maximises the between-class variance of {v ≤ t} and {v > t}
 * over a 256-bin histogram of `values` (0…255). Returns 0 for a constant image.
 */
export function otsuThreshold(values: Float32Array): number {
  const bins = MAX_BYTE + 1;
  const histogram = new Float64Array(bins);
  for (const value of values) {
    const bin = Math.min(MAX_BYTE, Math.max(0, Math.round(value)));
    histogram[bin] = (histogram[bin] ?? 0) + 1;
  }
  const total = values.length;
  let sumAll = 0;
  for (let level = 0; level < bins; level++) sumAll += level * (histogram[level] ?? 0);
  let weightBelow = 0;
  let sumBelow = 0;
  let best = 0;
  let bestVariance = -1;
  for (let level = 0; level < bins; level++) {
    weightBelow += histogram[level] ?? 0;
    const weightAbove = total - weightBelow;
    if (weightBelow === 0) continue;
    if (weightAbove === 0) break;
    sumBelow += level * (histogram[level] ?? 0);
    const meanBelow = sumBelow / weightBelow;
    const meanAbove = (sumAll - sumBelow) / weightAbove;
    const variance = weightBelow * weightAbove * (meanBelow - meanAbove) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = level;
    }
  }
  return best;
}

/** Bounding box of the rows and columns holding at least OBJECT_LINE_FRACTION object pixels; null if none. */
export function objectBox(isObject: Uint8Array, width: number, height: number): Box | null {
  const rowCounts = new Uint32Array(height);
  const columnCounts = new Uint32Array(width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (isObject[y * width + x]) {
        rowCounts[y] = (rowCounts[y] ?? 0) + 1;
        columnCounts[x] = (columnCounts[x] ?? 0) + 1;
      }
    }
  }
  const minInRow = Math.max(1, Math.ceil(width * OBJECT_LINE_FRACTION));
  const minInColumn = Math.max(1, Math.ceil(height * OBJECT_LINE_FRACTION));
  const rows = [...rowCounts.keys()].filter((y) => (rowCounts[y] ?? 0) >= minInRow);
  const columns = [...columnCounts.keys()].filter((x) => (columnCounts[x] ?? 0) >= minInColumn);
  const top = rows[0];
  const bottom = rows[rows.length - 1];
  const left = columns[0];
  const right = columns[columns.length - 1];
  if (top === undefined || bottom === undefined || left === undefined || right === undefined) return null;
  return { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * Area-average resample of `box` in a one-channel image to width×height: each output pixel is the mean of
 * the source area it covers, with fractional edge coverage (what a good downscale does; no aliasing).
 */
export function resampleArea(
  values: Float32Array,
  sourceWidth: number,
  box: Box,
  width: number,
  height: number,
): Float32Array {
  const out = new Float32Array(width * height);
  const stepX = box.width / width;
  const stepY = box.height / height;
  for (let oy = 0; oy < height; oy++) {
    const y0 = box.y + oy * stepY;
    const y1 = y0 + stepY;
    for (let ox = 0; ox < width; ox++) {
      const x0 = box.x + ox * stepX;
      const x1 = x0 + stepX;
      let sum = 0;
      let area = 0;
      for (let sy = Math.floor(y0); sy < Math.ceil(y1); sy++) {
        const coverY = Math.min(y1, sy + 1) - Math.max(y0, sy);
        for (let sx = Math.floor(x0); sx < Math.ceil(x1); sx++) {
          const cover = coverY * (Math.min(x1, sx + 1) - Math.max(x0, sx));
          sum += (values[sy * sourceWidth + sx] ?? 0) * cover;
          area += cover;
        }
      }
      out[oy * width + ox] = area > 0 ? sum / area : 0;
    }
  }
  return out;
}

function quantileOf(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** A photo (any size, RGBA) → the Fashion-MNIST-like input of `options.width`×`options.height`. */
export function photoToFashionInput(image: RgbaImage, options: PhotoOptions): FashionInput {
  const { width, height } = options;
  checkImage({ data: new Uint8Array(width * height * RGBA), width, height }, 'output');
  const luma = toLuma(image);
  const background = borderMedian(luma, image.width, image.height);
  const inverted =
    options.invert === undefined || options.invert === 'auto' ? background > MID_GRAY : options.invert;
  const values = inverted ? luma.map((value) => MAX_BYTE - value) : luma;
  const backgroundLevel = inverted ? MAX_BYTE - background : background;

  const threshold = Math.max(otsuThreshold(values), backgroundLevel + MIN_OBJECT_CONTRAST);
  const isObject = new Uint8Array(values.length);
  values.forEach((value, i) => {
    isObject[i] = value > threshold ? 1 : 0;
  });
  const box = objectBox(isObject, image.width, image.height);
  const crop = box ?? { x: 0, y: 0, width: image.width, height: image.height };

  const objectValues: number[] = [];
  for (let y = crop.y; y < crop.y + crop.height; y++) {
    for (let x = crop.x; x < crop.x + crop.width; x++) {
      if (isObject[y * image.width + x]) objectValues.push(values[y * image.width + x] ?? 0);
    }
  }
  const peak = objectValues.length > 0 ? quantileOf(objectValues, PEAK_QUANTILE) : backgroundLevel;
  const gain = peak > backgroundLevel ? MAX_BYTE / (peak - backgroundLevel) : 0;

  // Longest side to the output side, aspect kept, centred.
  const scale = Math.min(width / crop.width, height / crop.height);
  const fitWidth = Math.max(1, Math.min(width, Math.round(crop.width * scale)));
  const fitHeight = Math.max(1, Math.min(height, Math.round(crop.height * scale)));
  const resized = resampleArea(values, image.width, crop, fitWidth, fitHeight);
  const left = Math.floor((width - fitWidth) / 2);
  const top = Math.floor((height - fitHeight) / 2);

  const gray = new Uint8ClampedArray(width * height);
  for (let y = 0; y < fitHeight; y++) {
    for (let x = 0; x < fitWidth; x++) {
      const value = ((resized[y * fitWidth + x] ?? 0) - backgroundLevel) * gain;
      gray[(top + y) * width + left + x] = Math.round(value);
    }
  }
  return { data: grayToRgba(gray), gray, width, height, steps: { background, inverted, threshold, box } };
}

/** One gray byte per pixel → opaque RGBA. */
export function grayToRgba(gray: Uint8ClampedArray | Uint8Array): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(gray.length * RGBA);
  gray.forEach((value, i) => {
    rgba.fill(value, i * RGBA, i * RGBA + 3);
    rgba[i * RGBA + 3] = MAX_BYTE;
  });
  return rgba;
}
