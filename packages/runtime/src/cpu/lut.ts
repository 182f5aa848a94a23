/**
 * CPU executor for PQ and RQ layers, working on the packed codes (the paper's lookup-table method,
 * shared/paper.md "Why LUT kernels win"). For each input x:
 *   LUT[t][j][c] = ⟨codebook[t][j][c], x_j⟩   (x_j = x[j·d:(j+1)·d], zero-padded past cols)
 *   y_i = b_i + Σ_t Σ_j LUT[t][j][code[t][i][j]]
 * PQ is the one-stage case. The dense matrix is never rebuilt: the LUT costs stages·cols·k multiply-adds per
 * input and the gather stages·rows·segments table reads. Dot products and sums are float64; LUT entries are
 * stored as float32 (as on the GPU, and half the cache footprint), so this is the ground truth the GPU kernels
 * (float32 throughout) are tested against.
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
 * Writes input `inputIndex`'s table entries ⟨codebook[t][j][c], x_j⟩ to lut[((t·segments + j)·k + c)·stride + offset]:
 * stride 1 gives one input's table, stride BATCH_TILE interleaves a tile of inputs.
 */
function fillLut(
  shape: RqShape,
  codebook: Float32Array,
  x: Float32Array,
  inputIndex: number,
  lut: Float32Array | Float64Array,
  stride: number,
  offset: number,
): void {
  const { cols, d, k, segments, stages } = shape;
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
        lut[(tableBase + c) * stride + offset] = dot;
      }
    }
  }
}

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
  const lut = new Float64Array(shape.stages * shape.segments * shape.k);
  fillLut(shape, codebook, x, inputIndex, lut, 1, 0);
  return lut;
}

/** Checks a LUT layer's shape and arrays (shared with the WebAssembly kernel, which checks them once at load). */
export function checkLutLayer(
  shape: RqShape,
  codes: Uint32Array,
  codebook: Float32Array,
  bias: Float32Array | null,
): void {
  checkLutShape(shape);
  const { rows, d, k, segments, stages, packing } = shape;
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
}

/** Checks a batch of inputs x (batch × cols) for a layer of `cols` columns. */
export function checkLutBatch(cols: number, x: Float32Array, batch: number): void {
  checkInteger('batch', batch, 1);
  checkLength('x', x.length, batch * cols, `batch ${batch} × cols ${cols}`);
}

/**
 * Inputs handled together: each packed code is decoded once per tile and its LUT entries for the tile's inputs
 * sit next to each other (layout [stage][segment][centroid][input]), so the gather is one decode and BATCH_TILE
 * adjacent loads. On the reference head (1024×3136 + 512×1024, d=4 k=16) this took `pqweb eval` on 10,000 images from
 * 95 s to about 35 s on the 2-core dev machine.
 */
const BATCH_TILE = 8;

/** Codes ≥ k can only occur when k is not a power of two; check them once, not in the hot loop. */
export function checkCodesBelowK(shape: RqShape, codes: Uint32Array): void {
  const { rows, k, segments, stages, packing } = shape;
  const { bits, wordsPerRow } = packing;
  if (k >= 2 ** bits) return;
  const codesPerWord = BITS_PER_WORD / bits;
  const mask = 2 ** bits - 1;
  for (let t = 0; t < stages; t++) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < segments; j++) {
        const word = codes[(t * rows + i) * wordsPerRow + Math.floor(j / codesPerWord)];
        const code = (word >>> ((j % codesPerWord) * bits)) & mask;
        if (code >= k)
          throw new KernelInputError(`code ${code} ≥ k ${k} at stage ${t}, row ${i}, segment ${j}`);
      }
    }
  }
}

/** LUTs of inputs [first, first + count) interleaved: lut[((t·segments + j)·k + c)·BATCH_TILE + b]. */
function buildTileLut(
  shape: RqShape,
  codebook: Float32Array,
  x: Float32Array,
  first: number,
  count: number,
  lut: Float32Array,
): void {
  lut.fill(0);
  for (let b = 0; b < count; b++) fillLut(shape, codebook, x, first + b, lut, BATCH_TILE, b);
}

/**
 * One input (a batch of 1, the usual classify call, or the last of a batch): a compact LUT and one accumulator.
 * The 8-wide tile path does 8 lookups per code for 1 useful one: on fc1 of the reference model (1024×3136, d 4,
 * k 16, batch 1) this path took 8.7 ms against 23.5 ms on the 2-core dev machine.
 */
function singleInputForward(
  shape: RqShape,
  codes: Uint32Array,
  codebook: Float32Array,
  bias: Float32Array | null,
  x: Float32Array,
  input: number,
  relu: boolean,
  y: Float32Array,
): void {
  const { rows, k, segments, stages, packing } = shape;
  const { bits, wordsPerRow } = packing;
  const codesPerWord = BITS_PER_WORD / bits;
  const mask = 2 ** bits - 1;
  const lut = new Float32Array(stages * segments * k);
  fillLut(shape, codebook, x, input, lut, 1, 0);
  // Words whose codes are all inside the row (all but maybe the last) take an unrolled path for 4-bit codes
  // (k ≤ 16, the bundled model) and 8-bit codes: constant shifts, one sum expression per word. For fc1 of the
  // bundled model this took 1.6–2.7 ms against 3.5–4.4 ms for the loop below (Node 20, 2-core dev machine).
  const fullWords = bits === 4 || bits === 8 ? Math.floor(segments / codesPerWord) : 0;
  for (let i = 0; i < rows; i++) {
    let sum = bias === null ? 0 : bias[i];
    for (let t = 0; t < stages; t++) {
      const wordBase = (t * rows + i) * wordsPerRow;
      const stageBase = t * segments;
      for (let w = 0; bits === 8 && w < fullWords; w++) {
        const word = codes[wordBase + w];
        const at = (stageBase + w * 4) * k;
        sum +=
          lut[at + (word & 255)] +
          lut[at + k + ((word >>> 8) & 255)] +
          lut[at + 2 * k + ((word >>> 16) & 255)] +
          lut[at + 3 * k + (word >>> 24)];
      }
      for (let w = 0; bits === 4 && w < fullWords; w++) {
        const word = codes[wordBase + w];
        const at = (stageBase + w * 8) * k;
        sum +=
          lut[at + (word & 15)] +
          lut[at + k + ((word >>> 4) & 15)] +
          lut[at + 2 * k + ((word >>> 8) & 15)] +
          lut[at + 3 * k + ((word >>> 12) & 15)] +
          lut[at + 4 * k + ((word >>> 16) & 15)] +
          lut[at + 5 * k + ((word >>> 20) & 15)] +
          lut[at + 6 * k + ((word >>> 24) & 15)] +
          lut[at + 7 * k + (word >>> 28)];
      }
      for (let w = fullWords; w < wordsPerRow; w++) {
        let word = codes[wordBase + w];
        const firstSegment = w * codesPerWord;
        const last = Math.min(segments, firstSegment + codesPerWord);
        for (let j = firstSegment; j < last; j++) {
          sum += lut[(stageBase + j) * k + (word & mask)];
          word >>>= bits;
        }
      }
    }
    y[input * rows + i] = relu ? Math.max(0, sum) : sum;
  }
}

/** Every check a LUT forward call makes before it reads anything: the layer, the batch, the codes. */
export function checkLutCall(
  shape: RqShape,
  codes: Uint32Array,
  codebook: Float32Array,
  bias: Float32Array | null,
  x: Float32Array,
  batch: number,
): void {
  checkLutLayer(shape, codes, codebook, bias);
  checkLutBatch(shape.cols, x, batch);
  checkCodesBelowK(shape, codes);
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
  checkLutCall(shape, codes, codebook, bias, x, batch);
  const { rows, k, segments, stages, packing } = shape;
  const { bits, wordsPerRow } = packing;
  const codesPerWord = BITS_PER_WORD / bits;
  const mask = 2 ** bits - 1;
  const y = new Float32Array(batch * rows);
  const lut = new Float32Array(stages * segments * k * BATCH_TILE);
  const sums = new Float64Array(BATCH_TILE);
  for (let first = 0; first < batch; first += BATCH_TILE) {
    const count = Math.min(BATCH_TILE, batch - first);
    if (count === 1) {
      singleInputForward(shape, codes, codebook, bias, x, first, relu, y);
      continue;
    }
    buildTileLut(shape, codebook, x, first, count, lut);
    for (let i = 0; i < rows; i++) {
      // Eight named accumulators (BATCH_TILE) keep the sums in registers; a typed array here was measurably slower.
      const start = bias === null ? 0 : bias[i];
      let s0 = start;
      let s1 = start;
      let s2 = start;
      let s3 = start;
      let s4 = start;
      let s5 = start;
      let s6 = start;
      let s7 = start;
      for (let t = 0; t < stages; t++) {
        const wordBase = (t * rows + i) * wordsPerRow;
        const stageBase = t * segments;
        for (let w = 0; w < wordsPerRow; w++) {
          let word = codes[wordBase + w];
          const firstSegment = w * codesPerWord;
          const last = Math.min(segments, firstSegment + codesPerWord);
          for (let j = firstSegment; j < last; j++) {
            const at = ((stageBase + j) * k + (word & mask)) * BATCH_TILE;
            word >>>= bits;
            s0 += lut[at];
            s1 += lut[at + 1];
            s2 += lut[at + 2];
            s3 += lut[at + 3];
            s4 += lut[at + 4];
            s5 += lut[at + 5];
            s6 += lut[at + 6];
            s7 += lut[at + 7];
          }
        }
      }
      sums[0] = s0;
      sums[1] = s1;
      sums[2] = s2;
      sums[3] = s3;
      sums[4] = s4;
      sums[5] = s5;
      sums[6] = s6;
      sums[7] = s7;
      for (let b = 0; b < count; b++) {
        const v = sums[b];
        y[(first + b) * rows + i] = relu ? Math.max(0, v) : v;
      }
    }
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
