/**
 * PQ and RQ layers with k ≤ 16 centroids on the CPU through the WebAssembly SIMD kernel
 * (packages/runtime/wasm/pq_lut16.wat): 16 rows' lookups per byte shuffle instead of one load each. Its twin is
 * the JavaScript executor (./lut.ts), which every test compares it with.
 *
 * Each layer gets its own instance and memory, filled once at construction: the codebook transposed to
 * [segment][coordinate][16 centroids], the codes regrouped into blocks of 32 rows (byte j of a segment's 16 holds
 * rows j and 16 + j as two nibbles), the bias padded to whole blocks. A forward call copies x in, runs the LUT
 * build and the gather per input, and copies y out. An RQ layer is run as one PQ layer of stages × segments
 * segments whose tables come from the stages' codebooks.
 *
 * Sums are float32, in segment order, starting from the bias (the JavaScript executor sums in float64).
 */
import { KernelInputError } from '../gpu/errors';
import { BITS_PER_WORD, type RqShape } from './layer-shapes';
import { checkCodesBelowK, checkLutBatch, checkLutLayer } from './lut';
import { PQ_LUT16_WASM_BASE64 } from './pq-lut16.wasm';

/** Largest codebook the kernel takes: a table must fit one 16-lane byte shuffle. */
export const WASM_LUT_MAX_K = 16;

/** Rows the kernel sums at once: 16 byte lanes × 2 nibbles. */
const ROW_BLOCK = 32;
/** Bytes of one segment's table: 16 float32 entries as 4 byte planes. */
const TABLE_BYTES = 64;
const WASM_PAGE_BYTES = 65536;

interface PqLut16Exports {
  build_lut(codebook: number, x: number, segments: number, d: number, lut: number): void;
  gather(
    codes: number,
    lut: number,
    segments: number,
    rowBlocks: number,
    bias: number,
    relu: number,
    y: number,
  ): void;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The compiled kernel, or null where the engine has no WebAssembly SIMD (it then fails validation). */
let compiled: WebAssembly.Module | null | undefined;

function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = decodeBase64(PQ_LUT16_WASM_BASE64);
    // Synchronous compilation is fine for a module of ~1.5 KB, also on a browser's main thread.
    compiled =
      typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

/** True when this engine runs the kernel (WebAssembly with SIMD: every current browser, Node ≥ 16.4). */
export function wasmSimdAvailable(): boolean {
  return kernelModule() !== null;
}

/**
 * Most memory one layer's instance may take. Far above any layer that belongs in a browser (the bundled model's
 * largest takes 0.7 MB); a larger layer stays on the JavaScript executor instead of failing to allocate.
 */
export const WASM_LUT_MAX_BYTES = 1024 * 1024 * 1024;

/** True when a layer of this shape can run on the kernel here. */
export function wasmLutSupports(shape: RqShape): boolean {
  return shape.k <= WASM_LUT_MAX_K && planRegions(shape).end <= WASM_LUT_MAX_BYTES && wasmSimdAvailable();
}

function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/** Byte offsets of the layer's regions in its memory (see the .wat file's layout), and its 32-row blocks. */
interface Regions {
  rowBlocks: number;
  codebook: number;
  x: number;
  lut: number;
  codes: number;
  bias: number;
  y: number;
  end: number;
}

function planRegions(shape: RqShape): Regions {
  const { d, segments, stages } = shape;
  const tables = stages * segments;
  const rowBlocks = Math.ceil(shape.rows / ROW_BLOCK);
  const codebook = 0;
  const x = codebook + tables * d * 16 * 4;
  const lut = x + align16(segments * d * 4);
  const codes = lut + tables * TABLE_BYTES;
  const bias = codes + rowBlocks * tables * 16;
  const y = bias + rowBlocks * ROW_BLOCK * 4;
  return { rowBlocks, codebook, x, lut, codes, bias, y, end: y + rowBlocks * ROW_BLOCK * 4 };
}

/** One PQ / RQ layer (k ≤ 16) loaded into its own WebAssembly instance. */
export class WasmLutLayer {
  private readonly shape: RqShape;
  private readonly kernel: PqLut16Exports;
  private readonly regions: Regions;
  private readonly xView: Float32Array;
  private readonly yView: Float32Array;

  constructor(shape: RqShape, codes: Uint32Array, codebook: Float32Array, bias: Float32Array | null) {
    checkLutLayer(shape, codes, codebook, bias);
    checkCodesBelowK(shape, codes);
    if (shape.k > WASM_LUT_MAX_K) {
      throw new KernelInputError(
        `the WebAssembly kernel takes k ≤ ${WASM_LUT_MAX_K}, this layer has k = ${shape.k}: run it with pqForward / rqForward`,
      );
    }
    const regions = planRegions(shape);
    if (regions.end > WASM_LUT_MAX_BYTES) {
      throw new KernelInputError(
        `this layer needs ${regions.end} bytes of WebAssembly memory, above ${WASM_LUT_MAX_BYTES}: run it with pqForward / rqForward`,
      );
    }
    const module = kernelModule();
    if (module === null) {
      throw new KernelInputError(
        'this engine has no WebAssembly SIMD (check wasmSimdAvailable() first): run the layer with pqForward / rqForward',
      );
    }
    this.shape = shape;
    this.regions = regions;
    const memory = new WebAssembly.Memory({ initial: Math.ceil(this.regions.end / WASM_PAGE_BYTES) });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.kernel = instance.exports as unknown as PqLut16Exports;
    const { buffer } = memory;
    this.writeCodebook(new Float32Array(buffer, this.regions.codebook), codebook);
    this.writeCodes(new Uint8Array(buffer, this.regions.codes), codes);
    if (bias !== null) new Float32Array(buffer, this.regions.bias, shape.rows).set(bias);
    // x past cols stays zero (fresh memory), so a last segment that runs past cols adds nothing.
    this.xView = new Float32Array(buffer, this.regions.x, shape.cols);
    this.yView = new Float32Array(buffer, this.regions.y, shape.rows);
  }

  /** codebook [stage][segment][c][u] → [stage·segments + segment][u][16], centroids ≥ k left zero. */
  private writeCodebook(target: Float32Array, codebook: Float32Array): void {
    const { d, k, segments, stages } = this.shape;
    for (let table = 0; table < stages * segments; table++) {
      for (let c = 0; c < k; c++) {
        for (let u = 0; u < d; u++) target[(table * d + u) * 16 + c] = codebook[(table * k + c) * d + u];
      }
    }
  }

  /** Packed rows [stage][row][word] → [row block][stage·segments + segment][16 bytes, 2 rows a byte]. */
  private writeCodes(target: Uint8Array, codes: Uint32Array): void {
    const { rows, segments, stages, packing } = this.shape;
    const { bits, wordsPerRow } = packing;
    const codesPerWord = BITS_PER_WORD / bits;
    const mask = 2 ** bits - 1;
    const tables = stages * segments;
    for (let t = 0; t < stages; t++) {
      for (let i = 0; i < rows; i++) {
        const block = Math.floor(i / ROW_BLOCK);
        const lane = i % ROW_BLOCK;
        const shift = lane < 16 ? 0 : 4;
        const rowBase = (t * rows + i) * wordsPerRow;
        for (let j = 0; j < segments; j++) {
          const word = codes[rowBase + Math.floor(j / codesPerWord)];
          const code = (word >>> ((j % codesPerWord) * bits)) & mask;
          target[(block * tables + t * segments + j) * 16 + (lane % 16)] |= code << shift;
        }
      }
    }
  }

  /** y = W x + b (then max(0, ·) when `relu`) for `batch` inputs, x batch × cols, y batch × rows. */
  forward(x: Float32Array, batch: number, relu: boolean): Float32Array {
    const { rows, cols, d, segments, stages } = this.shape;
    checkLutBatch(cols, x, batch);
    const { rowBlocks, codebook, lut, codes, bias, y } = this.regions;
    const out = new Float32Array(batch * rows);
    for (let b = 0; b < batch; b++) {
      this.xView.set(x.subarray(b * cols, (b + 1) * cols));
      for (let t = 0; t < stages; t++) {
        this.kernel.build_lut(
          codebook + t * segments * d * 16 * 4,
          this.regions.x,
          segments,
          d,
          lut + t * segments * TABLE_BYTES,
        );
      }
      this.kernel.gather(codes, lut, stages * segments, rowBlocks, bias, relu ? 1 : 0, y);
      out.set(this.yView, b * rows);
    }
    return out;
  }
}
