/**
 * CPU twin of the dense GEMV kernel (shaders/dense_gemv*.wgsl): y[b][r] = relu?(bias[r] + Σ_c W[r][c]·x[b][c]).
 * Accumulates in float64 so it can serve as the reference the f32 GPU result is measured against.
 */
import { KernelInputError } from '../gpu/errors';

function checkDimension(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new KernelInputError(`dense: ${name} must be a positive integer, got ${value}`);
  }
}

function checkLength(name: string, array: ArrayLike<number>, expected: number, shape: string): void {
  if (array.length !== expected) {
    throw new KernelInputError(`dense: ${name} must hold ${shape} = ${expected} floats, got ${array.length}`);
  }
}

/**
 * `weight` is rows×cols row-major, `x` batch×cols, the result batch×rows. Throws KernelInputError when a
 * length does not match its shape.
 */
export function denseForward(
  weight: ArrayLike<number>,
  bias: ArrayLike<number>,
  x: ArrayLike<number>,
  rows: number,
  cols: number,
  batch: number,
  relu: boolean,
): Float32Array<ArrayBuffer> {
  checkDimension('rows', rows);
  checkDimension('cols', cols);
  checkDimension('batch', batch);
  checkLength('weight', weight, rows * cols, `rows×cols = ${rows}×${cols}`);
  checkLength('bias', bias, rows, `rows = ${rows}`);
  checkLength('x', x, batch * cols, `batch×cols = ${batch}×${cols}`);
  const y = new Float32Array(batch * rows);
  for (let b = 0; b < batch; b++) {
    const inputStart = b * cols;
    for (let r = 0; r < rows; r++) {
      const rowStart = r * cols;
      let sum = bias[r];
      for (let c = 0; c < cols; c++) sum += weight[rowStart + c] * x[inputStart + c];
      y[b * rows + r] = relu && sum < 0 ? 0 : sum;
    }
  }
  return y;
}
