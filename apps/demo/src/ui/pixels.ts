/** Canvases that show pixels: the model's input drawn large (each input pixel a crisp square), photo thumbnails. */
import type { Box } from '../preprocess/photo';
import { h } from './dom';

/** The model's 28×28 input as a canvas of its own size, scaled up by CSS with `image-rendering: pixelated`. */
export function pixelCanvas(pixels: ImageData, label: string): HTMLCanvasElement {
  const canvas = h('canvas', { class: 'pixels', attrs: { role: 'img', 'aria-label': label } });
  canvas.width = pixels.width;
  canvas.height = pixels.height;
  canvas.getContext('2d')?.putImageData(pixels, 0, 0);
  return canvas;
}

/** A photo with the object's bounding box outlined. */
export function photoCanvas(image: ImageData, box: Box | null): HTMLCanvasElement {
  const canvas = h('canvas', { class: 'photo', attrs: { role: 'img', 'aria-label': 'your photo' } });
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  if (!context) return canvas;
  context.putImageData(image, 0, 0);
  if (box) {
    context.strokeStyle = '#ff3b6b';
    context.lineWidth = Math.max(2, Math.round(Math.max(image.width, image.height) / 100));
    context.strokeRect(box.x, box.y, box.width, box.height);
  }
  return canvas;
}
