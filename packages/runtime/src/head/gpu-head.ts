/**
 * The dense head on the GPU. Codes and codebooks are uploaded once, as the file stores them (codes packed in
 * u32 words; PQ / RQ codebooks float16 or float32, k-means centroids widened to float32), and each layer runs its
 * lookup-table kernels (PQ / RQ / k-means / binary) or the dense GEMV (SVD factors, float32 layers). Activations
 * ping-pong between two buffers; only the final logits are read back.
 */
import type { CompressedLayer, PqwFile } from '@pqweb/format';
import type { HeadLayerTiming } from '../api';
import type { TableBits } from '../cpu/lut8';
import { isSoftwareDevice } from '../device';
import { GpuDeviceLostError, GpuLimitError, KernelInputError } from '../gpu/errors';
import {
  createLayerExecutor,
  float16CodebookWords,
  groupedFloatTablesLayout,
  groupTableCodebook,
  groupTableCodes,
  interleaveCodeRows,
  type LayerExecutor,
  type LayerExecutorOptions,
  type LutVariant,
  type TableCodeLayout,
  table8CodeLayout,
} from '../kernels';
import { createDenseKernel, type DenseKernel } from '../kernels/dense';
import { FLOAT_BYTES } from '../kernels/program';

/** Storage bindings must be at least this large and multiples of 4; 16 keeps every buffer vec4-aligned. */
const BUFFER_ALIGNMENT = 16;

export interface GpuHeadOptions {
  /**
   * Force a PQ/RQ kernel variant; default: the executor's shape rule ('auto'), or on a software device 'lut-global'
   * (softwareDevice).
   */
  variant?: string;
  /**
   * Whether the device is a software implementation of WebGPU; default isSoftwareDevice(device) (a fallback adapter,
   * as SwiftShader is). There the PQ / RQ layers run 'lut-global' unless `variant` says otherwise: it builds each
   * input's tables in a storage buffer and sums straight from it, with no workgroup memory and no barrier in its
   * gather, and the kernels 'auto' picks for a GPU were 4–7× slower than it there (docs/kernel-attempts.md step 100:
   * the reference model's fc1 at batch 1 on SwiftShader, 16.8 against 97.8 ms for d=4 k=16 'fused-banked').
   */
  softwareDevice?: boolean;
  /** Largest single binding, bytes; default (and ceiling) the device's maxStorageBufferBindingSize. */
  maxBindingBytes?: number;
  /**
   * Lookup-table width of PQ / RQ layers: 32 (default, float32 tables) or 8 (8-bit tables, executor option
   * tableBits: their codes and codebooks go up in the 8-bit-table layouts, and their codes are not split by rows).
   */
  tableBits?: TableBits;
}

/** Features for the head: a GPU buffer (e.g. the backbone's output from onnxruntime) or CPU floats. */
export type HeadInput = { buffer: GPUBuffer } | { data: Float32Array };

/** Bytes per resolved timestamp (u64 nanoseconds). */
const TIMESTAMP_BYTES = 8;
const NANOSECONDS_PER_MILLISECOND = 1e6;

/** Query set and buffers for one timestamp pair per layer, made on the first profiled run. */
interface LayerTimestamps {
  querySet: GPUQuerySet;
  resolve: GPUBuffer;
  read: GPUBuffer;
}

interface LayerStep {
  layer: CompressedLayer;
  /** The kernel batch 1 runs (ClassifierInfo.kernels). */
  kernel: string;
  /** The kernel a batch of this size runs: a layer executor's 'auto' may pick another above batch 1. */
  kernelAt(batch: number): string;
  encode(encoder: GPUCommandEncoder, input: GPUBuffer, output: GPUBuffer, batch: number): void;
  destroy(): void;
}

/** The step of a layer that one layer executor runs. */
function executorStep(layer: CompressedLayer, executor: LayerExecutor): LayerStep {
  return {
    layer,
    kernel: executor.variant,
    kernelAt: (batch) => executor.variantAt(batch),
    encode: (encoder, input, output, batch) => executor.encode(encoder, input, output, batch),
    destroy: () => executor.destroy(),
  };
}

function alignedSize(bytes: number): number {
  return Math.max(BUFFER_ALIGNMENT, Math.ceil(bytes / BUFFER_ALIGNMENT) * BUFFER_ALIGNMENT);
}

export class GpuHead {
  private readonly owned = new Set<GPUBuffer>();
  private readonly steps: LayerStep[] = [];
  private activations: [GPUBuffer, GPUBuffer] | null = null;
  private inputBuffer: GPUBuffer | null = null;
  private readback: GPUBuffer | null = null;
  private capacity = 0;
  private destroyed = false;
  private timestamps: LayerTimestamps | null = null;
  residentBytes = 0;

  private constructor(
    private readonly device: GPUDevice,
    private readonly file: PqwFile,
    private readonly maxBindingBytes: number,
    private readonly softwareDevice: boolean,
  ) {}

  static create(device: GPUDevice, file: PqwFile, options: GpuHeadOptions = {}): GpuHead {
    const deviceLimit = device.limits.maxStorageBufferBindingSize;
    const head = new GpuHead(
      device,
      file,
      Math.min(options.maxBindingBytes ?? deviceLimit, deviceLimit),
      options.softwareDevice ?? isSoftwareDevice(device),
    );
    try {
      for (const layer of file.manifest.layers) head.steps.push(head.buildStep(layer, options));
    } catch (err) {
      head.destroy();
      throw err;
    }
    return head;
  }

  /** The kernel of each layer at batch 1, what a classifier runs per image. */
  get kernelNames(): string[] {
    return this.steps.map((s) => s.kernel);
  }

  /** The kernel of each layer at a batch of this size: 'auto' may pick others above batch 1 (kernels/plan.ts). */
  kernelNamesAt(batch: number): string[] {
    if (!Number.isInteger(batch) || batch < 1) {
      throw new KernelInputError(`kernelNamesAt: batch must be a positive integer, got ${batch}`);
    }
    return this.steps.map((s) => s.kernelAt(batch));
  }

  get liveBuffers(): number {
    return this.owned.size;
  }

  private get inputWidth(): number {
    return this.file.manifest.layers[0]?.cols ?? 0;
  }

  private get outputWidth(): number {
    const layers = this.file.manifest.layers;
    return layers[layers.length - 1]?.rows ?? 0;
  }

  private createBuffer(label: string, bytes: number, usage: number): GPUBuffer {
    const limit = this.maxBindingBytes;
    if (usage & GPUBufferUsage.STORAGE && bytes > limit) {
      throw new GpuLimitError(
        `${label} needs ${bytes} bytes in one binding but the limit is ${limit} (maxStorageBufferBindingSize); ` +
          'this layer cannot be split: use a device with a larger limit, or the wasm backend',
        'maxStorageBufferBindingSize',
        bytes,
        limit,
      );
    }
    const buffer = this.device.createBuffer({ label: `pqweb/${label}`, size: alignedSize(bytes), usage });
    this.owned.add(buffer);
    return buffer;
  }

  private createSplittableBuffer(label: string, bytes: number, usage: number): GPUBuffer {
    const limit = this.device.limits.maxBufferSize;
    if (bytes > limit) {
      throw new GpuLimitError(
        `${label} needs ${bytes} bytes but this device allows maxBufferSize ${limit}`,
        'maxBufferSize',
        bytes,
        limit,
      );
    }
    const buffer = this.device.createBuffer({ label: `pqweb/${label}`, size: alignedSize(bytes), usage });
    this.owned.add(buffer);
    return buffer;
  }

  private release(buffer: GPUBuffer | null): void {
    if (!buffer) return;
    this.owned.delete(buffer);
    buffer.destroy();
  }

  /** The dtype a section is stored as (the manifest lists every section; decodePqw checked the names). */
  private sectionDtype(name: string): string | undefined {
    return this.file.manifest.sections.find((section) => section.name === name)?.dtype;
  }

  /**
   * Model data: uploaded once, counted in residentBytes. Codes may exceed the binding limit (the executor binds
   * them in row blocks), so they are checked against the buffer-size limit only.
   */
  private upload(label: string, data: Float32Array | Uint32Array, splittable = false): GPUBuffer {
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    const buffer = splittable
      ? this.createSplittableBuffer(label, data.byteLength, usage)
      : this.createBuffer(label, data.byteLength, usage);
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    this.residentBytes += data.byteLength;
    return buffer;
  }

  private denseStep(
    name: string,
    weight: GPUBuffer,
    bias: GPUBuffer,
    rows: number,
    cols: number,
    relu: boolean,
  ): {
    kernel: DenseKernel;
    run: (e: GPUCommandEncoder, input: GPUBuffer, output: GPUBuffer, batch: number) => void;
  } {
    const kernel = createDenseKernel(this.device, { relu, label: name });
    return {
      kernel,
      run: (encoder, input, output, batch) =>
        kernel.encode(encoder, { weight, bias, input, output }, { rows, cols, batch }),
    };
  }

  /** A PQ / RQ layer on 8-bit tables: codes and codebook in the layouts of kernels/table8-layout.ts. */
  private table8Step(
    layer: Extract<CompressedLayer, { method: 'pq' | 'rq' }>,
    bias: GPUBuffer | null,
  ): LayerStep {
    const options: LayerExecutorOptions = {
      label: layer.name,
      maxBindingBytes: this.maxBindingBytes,
      tableBits: 8,
    };
    const layout = table8CodeLayout(this.device, layer, options);
    const { codes, codebook, codebookDtype } = this.uploadTableLayouts(layer, `${layer.name}/`, layout);
    const executor = createLayerExecutor(
      this.device,
      layer,
      { codes, codebook, codebookDtype, bias },
      options,
    );
    return executorStep(layer, executor);
  }

  /**
   * A PQ / RQ layer's codes and codebook in the 8-bit-table layouts (groupTableCodes, groupTableCodebook), uploaded as
   * `${labelStem}codes` and `${labelStem}codebook`, in the layout the executor will read (table8CodeLayout for
   * tableBits 8, groupedFloatTablesLayout for the grouped float32 tables under 'auto').
   */
  private uploadTableLayouts(
    layer: Extract<CompressedLayer, { method: 'pq' | 'rq' }>,
    labelStem: string,
    layout: TableCodeLayout,
  ): { codes: GPUBuffer; codebook: GPUBuffer; codebookDtype: 'float16' | 'float32' } {
    const file = this.file;
    const shape = { ...layer, stages: layer.method === 'rq' ? layer.stages : 1 };
    const { groupSegments } = layout;
    const codes = this.upload(`${labelStem}codes`, groupTableCodes(file.uint32(layer.codes), shape, layout));
    if (this.sectionDtype(layer.codebook) === 'float16') {
      // The float16 section's 16-bit patterns, regrouped and kept as float16 (copied: the section may be unaligned).
      const halves = new Uint16Array(file.bytes(layer.codebook).slice().buffer);
      const grouped = groupTableCodebook(halves, shape, groupSegments);
      const codebook = this.upload(`${labelStem}codebook`, float16CodebookWords(grouped));
      return { codes, codebook, codebookDtype: 'float16' };
    }
    const codebook = this.upload(
      `${labelStem}codebook`,
      groupTableCodebook(file.float32(layer.codebook), shape, groupSegments),
    );
    return { codes, codebook, codebookDtype: 'float32' };
  }

  /**
   * A PQ layer's grouped copies for 'grouped-float32' at batch 1 (in the layout groupedFloatTablesLayout gives), or
   * null where 'auto' does not run it with these options on this device.
   */
  private uploadGroupedCopies(
    layer: Extract<CompressedLayer, { method: 'pq' }>,
    executorOptions: LayerExecutorOptions,
    codebookDtype: 'float16' | 'float32',
  ): { codes: GPUBuffer; codebook: GPUBuffer } | null {
    const layout = groupedFloatTablesLayout(this.device, layer, executorOptions, codebookDtype);
    return layout === null ? null : this.uploadTableLayouts(layer, `${layer.name}/grouped-`, layout);
  }

  private buildStep(layer: CompressedLayer, options: GpuHeadOptions): LayerStep {
    const file = this.file;
    const prefix = layer.name;
    const bias = layer.bias === null ? null : this.upload(`${prefix}/bias`, file.float32(layer.bias));
    const relu = layer.activation === 'relu';
    switch (layer.method) {
      case 'pq':
      case 'rq':
      case 'kmeans':
      case 'binary': {
        if (options.tableBits === 8 && (layer.method === 'pq' || layer.method === 'rq')) {
          return this.table8Step(layer, bias);
        }
        const stages = layer.method === 'rq' ? layer.stages : 1;
        const codes = this.upload(
          `${prefix}/codes`,
          interleaveCodeRows(file.uint32(layer.codes), layer.rows, layer.packing.wordsPerRow, stages),
          true,
        );
        // PQ / RQ codebooks go up as the file stores them: float16 stays float16 (half the bytes; the kernels widen
        // each value exactly). k-means centroids are k floats: widened.
        const codebookDtype =
          (layer.method === 'pq' || layer.method === 'rq') && this.sectionDtype(layer.codebook) === 'float16'
            ? 'float16'
            : 'float32';
        const codebook =
          layer.method === 'binary'
            ? undefined
            : this.upload(
                `${prefix}/codebook`,
                codebookDtype === 'float16'
                  ? float16CodebookWords(file.bytes(layer.codebook))
                  : file.float32(layer.codebook),
              );
        const scales =
          layer.method === 'binary' ? this.upload(`${prefix}/scales`, file.float32(layer.scales)) : undefined;
        const variant =
          layer.method === 'pq' || layer.method === 'rq'
            ? ((options.variant as LutVariant | undefined) ??
              (this.softwareDevice ? 'lut-global' : undefined))
            : undefined;
        const executorOptions: LayerExecutorOptions = {
          variant: variant ?? 'auto',
          label: prefix,
          maxBindingBytes: this.maxBindingBytes,
        };
        // Large PQ layers run batch 1 (4-bit ones batches 1 to 8) on grouped float32 tables (kernels/plan.ts
        // usesGroupedFloatTables): their codes and codebook go up a second time, in the 8-bit-table layouts, for that
        // kernel alone.
        const grouped =
          layer.method === 'pq' ? this.uploadGroupedCopies(layer, executorOptions, codebookDtype) : null;
        const executor = createLayerExecutor(
          this.device,
          layer,
          {
            codes,
            codebook,
            codebookDtype,
            scales,
            bias,
            groupedCodes: grouped?.codes,
            groupedCodebook: grouped?.codebook,
          },
          executorOptions,
        );
        return executorStep(layer, executor);
      }
      case 'svd': {
        // y = U (V x) + b: two GEMVs through a rank-wide intermediate.
        const u = this.upload(`${prefix}/u`, file.float32(layer.u));
        const v = this.upload(`${prefix}/v`, file.float32(layer.v));
        const zeros = this.upload(`${prefix}/zero-bias`, new Float32Array(layer.rank));
        const uBias = bias ?? this.upload(`${prefix}/zero-bias-rows`, new Float32Array(layer.rows));
        const first = this.denseStep(`${prefix}/V`, v, zeros, layer.rank, layer.cols, false);
        const second = this.denseStep(`${prefix}/U`, u, uBias, layer.rows, layer.rank, relu);
        let middle: GPUBuffer | null = null;
        let middleBatch = 0;
        return {
          layer,
          kernel: `svd(${first.kernel.variant})`,
          kernelAt: () => `svd(${first.kernel.variant})`,
          encode: (encoder, input, output, batch) => {
            if (!middle || middleBatch < batch) {
              this.release(middle);
              middle = this.createBuffer(
                `${prefix}/Vx`,
                batch * layer.rank * FLOAT_BYTES,
                GPUBufferUsage.STORAGE,
              );
              middleBatch = batch;
            }
            first.run(encoder, input, middle, batch);
            second.run(encoder, middle, output, batch);
          },
          destroy: () => {
            first.kernel.destroy();
            second.kernel.destroy();
            this.release(middle);
          },
        };
      }
      case 'dense': {
        const weight = this.upload(`${prefix}/weight`, file.float32(layer.weight));
        const denseBias = bias ?? this.upload(`${prefix}/zero-bias`, new Float32Array(layer.rows));
        const step = this.denseStep(prefix, weight, denseBias, layer.rows, layer.cols, relu);
        return {
          layer,
          kernel: `dense(${step.kernel.variant})`,
          kernelAt: () => `dense(${step.kernel.variant})`,
          encode: step.run,
          destroy: () => step.kernel.destroy(),
        };
      }
    }
  }

  /** Scratch sized for `batch`: grown when a larger batch arrives, reused otherwise (no per-call allocation). */
  private ensureCapacity(batch: number): void {
    if (batch <= this.capacity && this.activations && this.inputBuffer && this.readback) return;
    for (const b of this.activations ?? []) this.release(b);
    this.release(this.inputBuffer);
    this.release(this.readback);
    const widest = Math.max(...this.file.manifest.layers.map((l) => Math.max(l.rows, l.cols)));
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    this.activations = [
      this.createBuffer('activations/a', batch * widest * FLOAT_BYTES, usage),
      this.createBuffer('activations/b', batch * widest * FLOAT_BYTES, usage),
    ];
    this.inputBuffer = this.createBuffer('input', batch * this.inputWidth * FLOAT_BYTES, usage);
    this.readback = this.createBuffer(
      'logits-readback',
      batch * this.outputWidth * FLOAT_BYTES,
      GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    );
    this.capacity = batch;
  }

  /** Logits (batch × classes) for the given features. */
  async run(input: HeadInput, batch: number): Promise<Float32Array> {
    return (await this.execute(input, batch, false)).logits;
  }

  /**
   * Logits plus the GPU time of each layer, from timestamp queries written around each layer's passes; `layers`
   * is null when the device lacks the 'timestamp-query' feature. Browsers may quantize timestamps (Chrome to
   * 100 µs unless its WebGPU developer features are on), so sub-millisecond layers can read as 0 or 0.1 ms.
   */
  async runProfiled(
    input: HeadInput,
    batch: number,
  ): Promise<{ logits: Float32Array; layers: HeadLayerTiming[] | null }> {
    return this.execute(input, batch, this.device.features.has('timestamp-query'));
  }

  private layerTimestamps(): LayerTimestamps {
    if (!this.timestamps) {
      const count = 2 * this.steps.length;
      const querySet = this.device.createQuerySet({
        label: 'pqweb/layer-timestamps',
        type: 'timestamp',
        count,
      });
      const resolve = this.createBuffer(
        'layer-timestamps/resolve',
        count * TIMESTAMP_BYTES,
        GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
      );
      const read = this.createBuffer(
        'layer-timestamps/read',
        count * TIMESTAMP_BYTES,
        GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      );
      this.timestamps = { querySet, resolve, read };
    }
    return this.timestamps;
  }

  private async execute(
    input: HeadInput,
    batch: number,
    profile: boolean,
  ): Promise<{ logits: Float32Array; layers: HeadLayerTiming[] | null }> {
    if (this.destroyed) throw new KernelInputError('this GPU head was destroyed');
    if (!Number.isInteger(batch) || batch < 1)
      throw new KernelInputError(`batch must be a positive integer, got ${batch}`);
    const featureBytes = batch * this.inputWidth * FLOAT_BYTES;
    this.ensureCapacity(batch);
    const [a, b] = this.activations as [GPUBuffer, GPUBuffer];
    const inputBuffer = this.inputBuffer as GPUBuffer;
    const readback = this.readback as GPUBuffer;
    let source: GPUBuffer;
    if ('buffer' in input) {
      if (input.buffer.size < featureBytes) {
        throw new KernelInputError(
          `feature buffer holds ${input.buffer.size} bytes; batch ${batch} × ${this.inputWidth} features needs ${featureBytes}`,
        );
      }
      source = input.buffer;
    } else {
      if (input.data.length !== batch * this.inputWidth) {
        throw new KernelInputError(
          `features must hold batch ${batch} × ${this.inputWidth} = ${batch * this.inputWidth} floats, got ${input.data.length}`,
        );
      }
      this.device.queue.writeBuffer(inputBuffer, 0, input.data.buffer, input.data.byteOffset, featureBytes);
      source = inputBuffer;
    }
    const encoder = this.device.createCommandEncoder({ label: 'pqweb/head' });
    const timestamps = profile ? this.layerTimestamps() : null;
    let current = source;
    this.steps.forEach((step, index) => {
      const target = index % 2 === 0 ? a : b;
      // Empty passes carry the timestamps, since the steps open their own passes.
      if (timestamps) {
        encoder
          .beginComputePass({
            label: 'pqweb/layer-begin',
            timestampWrites: { querySet: timestamps.querySet, beginningOfPassWriteIndex: 2 * index },
          })
          .end();
      }
      step.encode(encoder, current, target, batch);
      if (timestamps) {
        encoder
          .beginComputePass({
            label: 'pqweb/layer-end',
            timestampWrites: { querySet: timestamps.querySet, endOfPassWriteIndex: 2 * index + 1 },
          })
          .end();
      }
      current = target;
    });
    const logitBytes = batch * this.outputWidth * FLOAT_BYTES;
    encoder.copyBufferToBuffer(current, 0, readback, 0, logitBytes);
    const stampBytes = 2 * this.steps.length * TIMESTAMP_BYTES;
    if (timestamps) {
      encoder.resolveQuerySet(timestamps.querySet, 0, 2 * this.steps.length, timestamps.resolve, 0);
      encoder.copyBufferToBuffer(timestamps.resolve, 0, timestamps.read, 0, stampBytes);
    }
    this.device.queue.submit([encoder.finish()]);
    try {
      await readback.mapAsync(GPUMapMode.READ, 0, logitBytes);
      if (timestamps) await timestamps.read.mapAsync(GPUMapMode.READ, 0, stampBytes);
    } catch (err) {
      throw new GpuDeviceLostError(
        `reading the logits back failed; the GPU device was probably lost (${err instanceof Error ? err.message : String(err)})`,
        'map-failed',
      );
    }
    const logits = new Float32Array(readback.getMappedRange(0, logitBytes).slice(0));
    readback.unmap();
    if (!timestamps) return { logits, layers: null };
    const stamps = new BigUint64Array(timestamps.read.getMappedRange(0, stampBytes).slice(0));
    timestamps.read.unmap();
    const layers = this.steps.map((step, index) => {
      const begin = stamps[2 * index] ?? 0n;
      const end = stamps[2 * index + 1] ?? 0n;
      // A timestamp pair that goes backwards (some drivers reorder empty passes) reads as 0, not as negative.
      const nanoseconds = end > begin ? Number(end - begin) : 0;
      return {
        name: step.layer.name,
        kernel: step.kernelAt(batch),
        gpuMs: nanoseconds / NANOSECONDS_PER_MILLISECOND,
      };
    });
    return { logits, layers };
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const step of this.steps) step.destroy();
    for (const buffer of [...this.owned]) buffer.destroy();
    this.owned.clear();
    this.activations = null;
    this.inputBuffer = null;
    this.readback = null;
    this.timestamps?.querySet.destroy();
    this.timestamps = null;
  }
}
