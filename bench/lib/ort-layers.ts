/**
 * onnxruntime-node's WebGPU execution provider as a contender: MatMul fp32 and MatMulNBits int4 (with and
 * without accuracy_level 4) on the same shapes as pqweb's kernels. The binding exposes no GPUDevice, so data
 * stays on ORT's GPU by other means (shared/gpu-host.md): inputs are made GPU-resident by an Identity session
 * with `preferredOutputLocation: 'gpu-buffer'`, every timed run feeds such a tensor and leaves its output on the
 * GPU, and a series ends with one run of an Identity session whose output is on the CPU — that read-back is
 * what waits for the GPU, and its cost is inside the series (divided by the series' runs).
 */
import type * as Ort from 'onnxruntime-node';
import { denseWeightBytes, nbitsWeightBytes } from './bytes';
import {
  FP32_TOLERANCE,
  INT8_ACTIVATION_TOLERANCE,
  type LayerShape,
  NBITS_ACCURACY_LEVEL_INT8,
  NBITS_BITS,
  NBITS_BLOCK_SIZE,
  weightCopies,
} from './grid';
import {
  INPUT_NAME,
  type Int4Weights,
  identityModel,
  matmulModel,
  matmulNBitsModel,
  matmulNBitsReference,
  matmulReference,
  NBITS_BLOCK_BYTES,
  OUTPUT_NAME,
} from './ort-models';
import { SeededRandom, seedFor } from './random';
import type { ContenderSpec } from './results';
import type { SeriesTimer } from './series';

export type OrtModule = typeof Ort;
type Session = Ort.InferenceSession;
type Tensor = Ort.Tensor;

const MICROSECONDS_PER_MILLISECOND = 1000;
/** ORT log severity 3 = errors only: its warnings (e.g. about unused initializers) would drown the table. */
const LOG_ERRORS_ONLY = 3;
/** int4 block scales are drawn from this range: positive, and away from 0 so no block vanishes. */
const SCALE_RANGE: readonly [number, number] = [0.5, 1.5];

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** onnxruntime-node is CommonJS: Node's ESM import gives named exports when its lexer finds them, else `default`. */
async function importOrt(): Promise<OrtModule> {
  const imported: Partial<OrtModule> & { default?: OrtModule } = await import('onnxruntime-node');
  if (imported.InferenceSession) return imported as OrtModule;
  if (imported.default?.InferenceSession) return imported.default;
  throw new Error('onnxruntime-node loaded but exports no InferenceSession');
}

/** One ORT graph on one shape, in `copies` sessions (one per weight copy). */
export interface OrtContender {
  readonly id: string;
  readonly spec: ContenderSpec;
  readonly copies: number;
  readonly tolerance: number;
  readonly sessions: Session[];
  /** float64 reference on output columns `rows`: [batch][rows.length]. */
  reference(x: Float32Array, batch: number, rows: readonly number[]): Float64Array;
}

export interface FailedOrtContender {
  id: string;
  spec: ContenderSpec;
  reason: string;
}

export class OrtWebgpu {
  private constructor(
    readonly ort: OrtModule,
    private readonly source: Session,
    private readonly sink: Session,
    readonly version: string | null,
  ) {}

  /** Loads onnxruntime-node and proves its WebGPU EP with a round trip, or says why it cannot be used. */
  static async open(): Promise<{ ort: OrtWebgpu } | { reason: string; version: string | null }> {
    let ort: OrtModule;
    try {
      ort = await importOrt();
    } catch (error) {
      return { reason: `cannot load onnxruntime-node: ${errorMessage(error)}`, version: null };
    }
    const version = ort.env.versions.common ?? null;
    try {
      const model = identityModel();
      const source = await ort.InferenceSession.create(model, OrtWebgpu.gpuOptions());
      const sink = await ort.InferenceSession.create(model, {
        executionProviders: ['webgpu'],
        logSeverityLevel: LOG_ERRORS_ONLY,
      });
      const handle = new OrtWebgpu(ort, source, sink, version);
      const probe = Float32Array.from([1, -2, 3, -4]);
      const onGpu = await handle.toGpu(probe, [1, probe.length]);
      if (onGpu.location !== 'gpu-buffer') {
        return { reason: `Identity output landed on '${onGpu.location}', not 'gpu-buffer'`, version };
      }
      const back = await handle.toCpu(onGpu);
      onGpu.dispose();
      if (back.some((value, i) => value !== probe[i])) {
        return { reason: `WebGPU EP round trip changed the data: ${Array.from(back).join(',')}`, version };
      }
      return { ort: handle };
    } catch (error) {
      return { reason: `WebGPU EP unavailable: ${errorMessage(error).split('\n')[0]}`, version };
    }
  }

  static gpuOptions(): Ort.InferenceSession.SessionOptions {
    return {
      executionProviders: ['webgpu'],
      preferredOutputLocation: 'gpu-buffer',
      graphOptimizationLevel: 'all',
      logSeverityLevel: LOG_ERRORS_ONLY,
    };
  }

  /** A GPU-resident copy of `data` with shape `dims`. */
  async toGpu(data: Float32Array, dims: readonly number[]): Promise<Tensor> {
    const output = await this.source.run({ [INPUT_NAME]: new this.ort.Tensor('float32', data, dims) });
    return output[OUTPUT_NAME];
  }

  /** Reads a GPU-resident tensor back (and waits for the GPU work that produces it). */
  async toCpu(tensor: Tensor): Promise<Float32Array> {
    const output = await this.sink.run({ [INPUT_NAME]: tensor });
    const data = output[OUTPUT_NAME].data;
    if (!(data instanceof Float32Array)) throw new Error('Identity read-back did not return float32 data');
    return data;
  }

  async sessions(model: Uint8Array, copies: number): Promise<Session[]> {
    const sessions: Session[] = [];
    for (let c = 0; c < copies; c++) {
      sessions.push(await this.ort.InferenceSession.create(model, OrtWebgpu.gpuOptions()));
    }
    return sessions;
  }

  /** One run of `session` on GPU-resident `x`; the output stays on the GPU. */
  async run(session: Session, x: Tensor): Promise<Tensor> {
    const output = await session.run({ [INPUT_NAME]: x });
    return output[OUTPUT_NAME];
  }

  /** Wall time per run of `runs` runs rotating over sessions and inputs, ended by a read-back. */
  seriesTimer(sessions: readonly Session[], inputs: readonly Tensor[]): SeriesTimer {
    return {
      wallSeries: async (runs, firstIndex) => {
        const start = performance.now();
        let last: Tensor | null = null;
        for (let i = 0; i < runs; i++) {
          const index = firstIndex + i;
          const output = await this.run(sessions[index % sessions.length], inputs[index % inputs.length]);
          last?.dispose();
          last = output;
        }
        if (last) {
          await this.toCpu(last);
          last.dispose();
        }
        return ((performance.now() - start) * MICROSECONDS_PER_MILLISECOND) / runs;
      },
    };
  }

  /** MatMul fp32 and MatMulNBits (plain and accuracy_level 4) for `shape`; W read from `denseWeights` as [cols][rows]. */
  async contenders(
    shape: LayerShape,
    denseWeights: Float32Array,
    seed: number,
  ): Promise<{ contenders: OrtContender[]; failed: FailedOrtContender[] }> {
    const { rows: N, cols: K } = shape;
    const contenders: OrtContender[] = [];
    const failed: FailedOrtContender[] = [];

    const matmulSpec: ContenderSpec = { engine: 'ort', method: 'matmul' };
    const matmulId = 'ORT MatMul fp32';
    try {
      const copies = weightCopies(denseWeightBytes(shape, false));
      const sessions = await this.sessions(matmulModel(K, N, denseWeights), copies);
      contenders.push({
        id: matmulId,
        spec: matmulSpec,
        copies,
        tolerance: FP32_TOLERANCE,
        sessions,
        reference: (x, batch, columns) => matmulReference(K, N, denseWeights, x, batch, columns),
      });
    } catch (error) {
      failed.push({ id: matmulId, spec: matmulSpec, reason: errorMessage(error).split('\n')[0] ?? '' });
    }

    const random = new SeededRandom(seedFor(seed, `${shape.name}/int4`));
    const blocks = K / NBITS_BLOCK_SIZE;
    const weights: Int4Weights = {
      K,
      N,
      packed: random.bytes(N * blocks * NBITS_BLOCK_BYTES),
      scales: random.floatsBetween(N * blocks, SCALE_RANGE[0], SCALE_RANGE[1]),
    };
    const copies = weightCopies(nbitsWeightBytes(shape, NBITS_BLOCK_SIZE));
    for (const accuracyLevel of [undefined, NBITS_ACCURACY_LEVEL_INT8]) {
      const spec: ContenderSpec = {
        engine: 'ort',
        method: 'matmulnbits',
        bits: NBITS_BITS,
        blockSize: NBITS_BLOCK_SIZE,
        accuracyLevel: accuracyLevel ?? 0,
      };
      const id = `ORT MatMulNBits int4${accuracyLevel === undefined ? '' : ` accuracy_level=${accuracyLevel}`}`;
      try {
        const sessions = await this.sessions(matmulNBitsModel(weights, accuracyLevel), copies);
        contenders.push({
          id,
          spec,
          copies,
          tolerance: accuracyLevel === undefined ? FP32_TOLERANCE : INT8_ACTIVATION_TOLERANCE,
          sessions,
          reference: (x, batch, columns) => matmulNBitsReference(weights, x, batch, columns),
        });
      } catch (error) {
        failed.push({ id, spec, reason: errorMessage(error).split('\n')[0] ?? '' });
      }
    }
    return { contenders, failed };
  }

  /** A 1×1 MatMul: what one ORT run costs when the kernel does nothing. */
  async fixedCostSessions(): Promise<Session[]> {
    return this.sessions(matmulModel(1, 1, Float32Array.of(1)), 1);
  }

  async release(sessions: readonly Session[]): Promise<void> {
    for (const session of sessions) await session.release();
  }
}
