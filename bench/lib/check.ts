/**
 * Correctness before timing (METHOD.md, "correct first"): poison the output with NaN, run once, read it back,
 * require every element written, and compare the checked rows with a CPU reference by ‖y − ref‖ / ‖ref‖.
 */

import { FLOAT_BYTES } from '../../packages/runtime/src/kernels/program';

/** Row indices to check: all rows when there are at most `count`, else `count` evenly spaced (first and last included). */
export function sampleRows(rows: number, count: number): number[] {
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`sampleRows: rows must be ≥ 1, got ${rows}`);
  if (!Number.isInteger(count) || count < 2)
    throw new RangeError(`sampleRows: count must be ≥ 2, got ${count}`);
  if (rows <= count) return Array.from({ length: rows }, (_, i) => i);
  return Array.from({ length: count }, (_, j) => Math.round((j * (rows - 1)) / (count - 1)));
}

/**
 * Relative error of `y` (batch × rows, the full output) on `checkedRows` against `reference`
 * (batch × checkedRows.length). NaN anywhere gives NaN, which fails every comparison.
 */
export function relativeError(
  y: Float32Array,
  reference: ArrayLike<number>,
  checkedRows: readonly number[],
  rows: number,
  batch: number,
): number {
  const width = checkedRows.length;
  if (y.length !== batch * rows)
    throw new RangeError(`relativeError: y holds ${y.length}, expected ${batch * rows}`);
  if (reference.length !== batch * width) {
    throw new RangeError(`relativeError: reference holds ${reference.length}, expected ${batch * width}`);
  }
  let errorSquares = 0;
  let referenceSquares = 0;
  for (let b = 0; b < batch; b++) {
    checkedRows.forEach((row, j) => {
      const expected = reference[b * width + j];
      const actual = y[b * rows + row];
      errorSquares += (actual - expected) ** 2;
      referenceSquares += expected ** 2;
    });
  }
  return Math.sqrt(errorSquares / referenceSquares);
}

export function allFinite(values: Float32Array): boolean {
  for (const value of values) if (!Number.isFinite(value)) return false;
  return true;
}

/** Fills `buffer`'s first `floats` floats with NaN (it needs COPY_DST). */
export function poisonWithNaN(device: GPUDevice, buffer: GPUBuffer, floats: number): void {
  device.queue.writeBuffer(buffer, 0, new Float32Array(floats).fill(Number.NaN));
}

/** Copies `floats` floats out of `buffer` (it needs COPY_SRC) into a new array. */
export async function readFloats(
  device: GPUDevice,
  buffer: GPUBuffer,
  floats: number,
): Promise<Float32Array> {
  const bytes = floats * FLOAT_BYTES;
  const staging = device.createBuffer({
    label: `bench/readback ${buffer.label}`,
    size: bytes,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder({ label: 'bench/readback' });
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}

/** Rows `rowIndices` of a row-major matrix with `rowLength` elements per row, as one packed array. */
export function pickRows<T extends Float32Array | Uint32Array>(
  matrix: T,
  rowLength: number,
  rowIndices: readonly number[],
  make: (length: number) => T,
): T {
  const out = make(rowIndices.length * rowLength);
  rowIndices.forEach((row, j) => {
    out.set(matrix.subarray(row * rowLength, (row + 1) * rowLength), j * rowLength);
  });
  return out;
}
