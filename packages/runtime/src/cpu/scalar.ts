/**
 * CPU executors for scalar k-means and binary layers, working on the packed codes (float64 accumulators).
 *
 * Scalar k-means runs as a lookup table too: per row, the inputs are accumulated into k bins by their weight's
 * code (bins[c] = Σ_{j: code[i][j] = c} x_j), then y_i = Σ_c codebook[c]·bins[c]. That is cols additions and
 * k multiplies per row instead of cols multiplies, and each code is decoded once for the whole batch.
 * Binary: y_i = scale_i·(Σ_{bit=1} x_j − Σ_{bit=0} x_j), additions only.
 */
import { KernelInputError } from '../gpu/errors';
import {
  BITS_PER_WORD,
  type BinaryShape,
  checkBinaryShape,
  checkInteger,
  checkKmeansShape,
  checkLength,
  type KmeansShape,
} from './layer-shapes';

function checkCommonInputs(
  rows: number,
  cols: number,
  codes: Uint32Array,
  wordsPerRow: number,
  bias: Float32Array | null,
  x: Float32Array,
  batch: number,
): void {
  checkInteger('batch', batch, 1);
  checkLength('codes', codes.length, rows * wordsPerRow, `rows ${rows} × wordsPerRow ${wordsPerRow}`);
  if (bias !== null) checkLength('bias', bias.length, rows, 'rows');
  checkLength('x', x.length, batch * cols, `batch ${batch} × cols ${cols}`);
}

function finish(sum: number, relu: boolean): number {
  return relu ? Math.max(0, sum) : sum;
}

/** y = W x + b for a scalar k-means layer (W[i][j] = codebook[code[i][j]]) via per-row bins; see the file comment. */
export function kmeansForward(
  layer: KmeansShape,
  codes: Uint32Array,
  codebook: Float32Array,
  bias: Float32Array | null,
  x: Float32Array,
  batch: number,
  relu: boolean,
): Float32Array {
  checkKmeansShape(layer);
  const { rows, cols, k, packing } = layer;
  checkCommonInputs(rows, cols, codes, packing.wordsPerRow, bias, x, batch);
  checkLength('codebook', codebook.length, k, 'k');
  const { bits, wordsPerRow } = packing;
  const codesPerWord = BITS_PER_WORD / bits;
  const mask = 2 ** bits - 1;
  const y = new Float32Array(batch * rows);
  // bins[b·k + c]: Σ of input b's coordinates whose weight in this row has code c.
  const bins = new Float64Array(batch * k);
  for (let i = 0; i < rows; i++) {
    bins.fill(0);
    for (let w = 0; w < wordsPerRow; w++) {
      const word = codes[i * wordsPerRow + w];
      const first = w * codesPerWord;
      const last = Math.min(cols, first + codesPerWord);
      for (let j = first; j < last; j++) {
        const code = (word >>> ((j - first) * bits)) & mask;
        if (code >= k) throw new KernelInputError(`code ${code} ≥ k ${k} at row ${i}, column ${j}`);
        for (let b = 0; b < batch; b++) bins[b * k + code] += x[b * cols + j];
      }
    }
    for (let b = 0; b < batch; b++) {
      let sum = bias === null ? 0 : bias[i];
      for (let c = 0; c < k; c++) sum += codebook[c] * bins[b * k + c];
      y[b * rows + i] = finish(sum, relu);
    }
  }
  return y;
}

/** y = W x + b for a binary layer (W[i][j] = ±scales[i], bit 1 = +); see the file comment. */
export function binaryForward(
  layer: BinaryShape,
  codes: Uint32Array,
  scales: Float32Array,
  bias: Float32Array | null,
  x: Float32Array,
  batch: number,
  relu: boolean,
): Float32Array {
  checkBinaryShape(layer);
  const { rows, cols, packing } = layer;
  checkCommonInputs(rows, cols, codes, packing.wordsPerRow, bias, x, batch);
  checkLength('scales', scales.length, rows, 'rows');
  const { wordsPerRow } = packing;
  const y = new Float32Array(batch * rows);
  const signedSums = new Float64Array(batch);
  for (let i = 0; i < rows; i++) {
    signedSums.fill(0);
    for (let w = 0; w < wordsPerRow; w++) {
      const word = codes[i * wordsPerRow + w];
      const first = w * BITS_PER_WORD;
      const last = Math.min(cols, first + BITS_PER_WORD);
      for (let j = first; j < last; j++) {
        const positive = ((word >>> (j - first)) & 1) === 1;
        for (let b = 0; b < batch; b++) {
          const value = x[b * cols + j];
          signedSums[b] += positive ? value : -value;
        }
      }
    }
    for (let b = 0; b < batch; b++) {
      const sum = (bias === null ? 0 : bias[i]) + scales[i] * signedSums[b];
      y[b * rows + i] = finish(sum, relu);
    }
  }
  return y;
}
