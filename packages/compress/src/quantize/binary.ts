/** Binarization: W[i][j] ≈ scale[i] · sign(W[i][j]) with scale[i] = mean |W[i]| (the L2-optimal scale for fixed signs). */
import type { QuantizedLayer } from './types';

export function binarize(
  weight: Float32Array,
  rows: number,
  cols: number,
): { layer: Extract<QuantizedLayer, { method: 'binary' }>; squaredError: number } {
  const signs = new Uint8Array(rows * cols);
  const scales = new Float32Array(rows);
  let squaredError = 0;
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    let absoluteSum = 0;
    for (let j = 0; j < cols; j++) absoluteSum += Math.abs(weight[base + j]);
    const scale = Math.fround(absoluteSum / cols);
    scales[i] = scale;
    for (let j = 0; j < cols; j++) {
      const value = weight[base + j];
      const positive = value >= 0;
      signs[base + j] = positive ? 1 : 0;
      const diff = value - (positive ? scale : -scale);
      squaredError += diff * diff;
    }
  }
  return { layer: { method: 'binary', signs, scales }, squaredError };
}
