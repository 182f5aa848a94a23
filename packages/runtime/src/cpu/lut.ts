/**
 * CPU executor for PQ and RQ layers, working on the packed codes (the paper's lookup-table method,
 * shared/paper.md "Why LUT kernels win"). For each input x:
 *   LUT[t][j][c] = ⟨codebook[t][j][c], x_j⟩   (x_j = x[j·d:(j+1)·d], zero-padded past cols)
 *   y_i = b_i + Σ_t Σ_j LUT[t][j][code[t][i][j]]
 * PQ is the one-stage case. The dense matrix is never rebuilt: the LUT costs stages·cols·k multiply-adds per
 * input and the gather stages·rows·segments table reads. Accumulation is float64 so this is the ground truth
 * the GPU kernels (float32) are tested against.
 */
import { KernelInputError } from '../gpu/errors';
import {
  BITS_PER_WORD,
  checkInteger,
  checkLength,
  checkLutShape,
  type PqShape,
  type RqShape,
} from './layer-shapes';

/**
 * The lookup table for input `inputIndex` of `x` (batch × cols, row-major): stages × segments × k dot products,
 * laid out [stage][segment][centroid] like the GPU's LUT for one input.
 */
export function buildLut(
  shape: RqShape,
  codebook: Float32Array,
  x: Float32Array,
  inputIndex: number,
): Float64Array {
  const { cols, d, k, segments, stages } = shape;
  const lut = new Float64Array(stages * segments * k);
  const xBase = inputIndex * cols;
  for (let t = 0; t < stages; t++) {
    for (let j = 0; j < segments; j++) {
      // The last segment may run past cols: those coordinates of x are zero, so they add nothing.
      const width = Math.min(d, cols - j * d);
      const segmentX = xBase + j * d;
      const tableBase = (t * segments + j) * k;
      for (let c = 0; c < k; c++) {
        const centroid = (tableBase + c) * d;
        let dot = 0;
        for (let u = 0; u < width; u++) dot += codebook[centroid + u] * x[segmentX + u];
        lut[tableBase + c] = dot;
      }
    }
  }
  return lut;
}

function checkLutInputs(
  shape: RqShape,
  codes: Uint32Array,
  codebook: Float32Array,
  bias: Float32Array | null,
  x: Float32Array,
  batch: number,
): void {
  checkLutShape(shape);
  checkInteger('batch', batch, 1);
  const { rows, cols, d, k, segments, stages, packing } = shape;
  checkLength(
    'codes',
    codes.length,
    stages * rows * packing.wordsPerRow,
    `stages ${stages} × rows ${rows} × wordsPerRow ${packing.wordsPerRow}`,
  );
  checkLength(
    'codebook',
    codebook.length,
    stages * segments * k * d,
    `stages ${stages} × segments ${segments} × k ${k} × d ${d}`,
  );
  if (bias !== null) checkLength('bias', bias.length, rows, 'rows');
  checkLength('x', x.length, batch * cols, `batch ${batch} × cols ${cols}`);
}

function lutForward(
  shape: RqShape,
  codes: Uint32Array,
  codebook: Float32Array,
  bias: Float32Array | null,
  x: Float32Array,
  batch: number,
  relu: boolean,
): Float32Array {
  checkLutInputs(shape, codes, codebook, bias, x, batch);
  const { rows, k, segments, stages, packing } = shape;
  const { bits, wordsPerRow } = packing;
  const codesPerWord = BITS_PER_WORD / bits;
  const mask = 2 ** bits - 1;
  const y = new Float32Array(batch * rows);
  const sums = new Float64Array(rows);
  for (let b = 0; b < batch; b++) {
    const lut = buildLut(shape, codebook, x, b);
    for (let i = 0; i < rows; i++) sums[i] = bias === null ? 0 : bias[i];
    for (let t = 0; t < stages; t++) {
      for (let i = 0; i < rows; i++) {
        const wordBase = (t * rows + i) * wordsPerRow;
        let sum = 0;
        for (let w = 0; w < wordsPerRow; w++) {
          const word = codes[wordBase + w];
          const first = w * codesPerWord;
          const last = Math.min(segments, first + codesPerWord);
          for (let j = first; j < last; j++) {
            const code = (word >>> ((j - first) * bits)) & mask;
            if (code >= k) {
              throw new KernelInputError(`code ${code} ≥ k ${k} at stage ${t}, row ${i}, segment ${j}`);
            }
            sum += lut[(t * segments + j) * k + code];
          }
        }
        sums[i] += sum;
      }
    }
    for (let i = 0; i < rows; i++) y[b * rows + i] = relu ? Math.max(0, sums[i]) : sums[i];
  }
  return y;
}

/**
 * y = W x + b for a PQ layer, straight from its packed codes (see the file comment). `x` is batch × cols,
 * the result batch × rows; `relu` applies max(0, ·) after the bias.
 */
export function pqForward(
  layer: PqShape,
  codes: Uint32Array,
  codebook: Float32Array,
  bias: Float32Array | null,
  x: Float32Array,
  batch: number,
  relu: boolean,
): Float32Array {
  return lutForward({ ...layer, stages: 1 }, codes, codebook, bias, x, batch, relu);
}

/** y = W x + b for an RQ layer: the sum over stages of PQ lookup sums, straight from the packed codes. */
export function rqForward(
  layer: RqShape,
  codes: Uint32Array,
  codebook: Float32Array,
  bias: Float32Array | null,
  x: Float32Array,
  batch: number,
  relu: boolean,
): Float32Array {
  return lutForward(layer, codes, codebook, bias, x, batch, relu);
}
