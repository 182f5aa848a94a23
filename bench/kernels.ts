/**
 * `pnpm bench:kernels`: pqweb's WebGPU kernels on codes (PQ in every LUT variant, scalar k-means), its dense
 * fp32 kernel, and onnxruntime-node's WebGPU EP (MatMul fp32, MatMulNBits int4 with and without
 * accuracy_level 4), interleaved in one process on the same shapes and batches. Every configuration is checked
 * against a CPU reference before it is timed. Writes bench/results/kernels-<adapter>.json; `pnpm bench:report`
 * turns the JSON files into BENCHMARKS.md. `--resume FILE` finishes a run the time budget cut short
 * (bench/lib/resume.ts). Method: /work/.library/device/METHOD.md; host recipe:
 * shared/gpu-host.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DispatchTimer } from '../packages/runtime/src/kernels';
import { FLOAT_BYTES } from '../packages/runtime/src/kernels/program';
import { createNodeDevice } from '../packages/runtime/src/node/dawn';
import { bytesMoved, floorBytes } from './lib/bytes';
import { allFinite, poisonWithNaN, readFloats, relativeError, sampleRows } from './lib/check';
import { runCommand } from './lib/cli';
import { GpuTimestamps, webgpuSeriesTimer } from './lib/gpu-timer';
import {
  FP32_TOLERANCE,
  FULL_BUDGET_S,
  FULL_TIMING,
  INPUT_SETS,
  L2_BYTES,
  type LayerShape,
  MAX_WEIGHT_COPIES,
  QUICK_BUDGET_S,
  QUICK_TIMING,
  ROTATION_TARGET_BYTES,
  type TimingPlan,
} from './lib/grid';
import { adapterSlug, describeAdapter, describeMachine } from './lib/machine';
import {
  OptionsError,
  parseOptions,
  type RetimeCell,
  selectBatches,
  selectOnly,
  selectShapes,
  USAGE,
} from './lib/options';
import { type OrtContender, OrtWebgpu } from './lib/ort-layers';
import {
  checkTuningLabels,
  contendersAtBatch,
  createPqwebLayers,
  type PqwebContender,
} from './lib/pqweb-layers';
import {
  COPY_BYTES_FULL,
  COPY_BYTES_QUICK,
  type CopyProbe,
  keepGpuBusy,
  measureCopy,
  measureEmptyDispatch,
  measureStream,
  type StreamMethod,
} from './lib/probes';
import { SeededRandom, seedFor } from './lib/random';
import { formatRunSummary } from './lib/report/summary';
import {
  type BenchRun,
  type CheckResult,
  type ContenderSpec,
  type DeviceProbes,
  type GridCell,
  type KernelResult,
  RESULTS_SCHEMA_VERSION,
  TIME_BUDGET_EXHAUSTED,
  type TimingResult,
} from './lib/results';
import {
  budgetExhaustedNote,
  cellKey,
  cellsToTime,
  checkResumable,
  checkResumableOrt,
  gridCells,
  mergeResumed,
  ResumeError,
  type ResumeIdentity,
  readEarlierRun,
} from './lib/resume';
import { combineRounds, measureRound, type RoundSamples, type SeriesTimer } from './lib/series';
import { type StageTimes, StageTimestamps } from './lib/stage-timer';

/** Dawn toggles for GPU timestamps that are not quantized (shared/gpu-host.md). */
const DAWN_FLAGS = ['disable-dawn-features=timestamp_quantization', 'enable-dawn-features=allow_unsafe_apis'];
/** --without-robustness: no bounds clamps on any index Dawn cannot prove in range (measuring only). */
const WITHOUT_ROBUSTNESS_FLAGS = [
  'disable-dawn-features=timestamp_quantization',
  'enable-dawn-features=allow_unsafe_apis,disable_robustness',
];

interface Context {
  device: GPUDevice;
  timestamps: GpuTimestamps | null;
  /** Whether the LUT tuning rows are timed (full grid, unless --no-tunings). */
  tunings: boolean;
  /** Only the tuning rows of these labels (--tunings); null: all. */
  tuningLabels: readonly string[] | null;
  /** Whether the ablation rows are timed (--ablations). */
  ablations: boolean;
  /** Only the contenders whose id contains one of these texts (--only); null: all. */
  only: readonly string[] | null;
  /** Per-stage timestamps of the quantized layers (null without timestamp-query). */
  stages: StageTimestamps | null;
  ort: OrtWebgpu | null;
  plan: TimingPlan;
  seed: number;
  deadline: number;
  run: BenchRun;
  /** The cells whose results in `run` are complete (what a --resume merge takes from this process). */
  finished: GridCell[];
  write: () => void;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);
}

function formatUs(value: number | undefined): string {
  return value === undefined
    ? '—'
    : value >= 1000
      ? `${(value / 1000).toFixed(2)} ms`
      : `${value.toFixed(1)} µs`;
}

/** One contender on one (shape, batch): its record, its timer once checked, and its rounds so far. */
interface Entry {
  result: KernelResult;
  timer: SeriesTimer | null;
  rounds: RoundSamples[];
  rotation: { nextIndex: number };
}

/**
 * A pqweb contender's spec at `batch`: isAuto says whether 'auto' runs it at that batch, and a row that runs 'auto'
 * itself (variantAt) names the variant it ran.
 */
function specAtBatch(contender: PqwebContender, batch: number): ContenderSpec {
  const { spec, isAutoAt, variantAt } = contender;
  if (spec.method !== 'pq') return spec;
  return {
    ...spec,
    ...(isAutoAt ? { isAuto: isAutoAt(batch) } : {}),
    ...(variantAt ? { variant: variantAt(batch) } : {}),
  };
}

function baseResult(
  shape: LayerShape,
  batch: number,
  id: string,
  spec: ContenderSpec,
  copies: number,
): KernelResult {
  const bytes = bytesMoved(spec, shape, batch);
  return {
    shape: { name: shape.name, rows: shape.rows, cols: shape.cols },
    batch,
    id,
    contender: spec,
    bytes,
    rotation: {
      weightCopies: copies,
      inputSets: INPUT_SETS,
      workingSetBytes: copies * bytes.weights + INPUT_SETS * bytes.activations,
    },
  };
}

/** Runs a pqweb contender on weight copy `copy` and input set `set`, and compares with its CPU twin. */
async function checkPqweb(
  context: Context,
  contender: PqwebContender,
  io: { xs: Float32Array[]; inputs: GPUBuffer[]; outputs: GPUBuffer[] },
  shape: LayerShape,
  batch: number,
  references: Map<string, ArrayLike<number>>,
): Promise<CheckResult> {
  const { device, plan } = context;
  const checkedRows = sampleRows(shape.rows, plan.checkRows);
  const trials: [copy: number, set: number][] = [
    [0, 0],
    [contender.copies - 1, 1],
  ];
  let worst = 0;
  let allWritten = true;
  for (const [copy, set] of trials) {
    poisonWithNaN(device, io.outputs[set], batch * shape.rows);
    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder({ label: `bench/check ${contender.id}` });
    contender.encode(encoder, copy, io.inputs[set], io.outputs[set], batch);
    device.queue.submit([encoder.finish()]);
    const validation = await device.popErrorScope();
    if (validation) throw new Error(`validation error: ${validation.message}`);
    const y = await readFloats(device, io.outputs[set], batch * shape.rows);
    allWritten &&= allFinite(y);
    const key = `${contender.referenceKey}/${batch}/${set}`;
    let reference = references.get(key);
    if (!reference) {
      reference = contender.reference(io.xs[set], batch, checkedRows);
      references.set(key, reference);
    }
    worst = Math.max(worst, relativeError(y, reference, checkedRows, shape.rows, batch));
  }
  return {
    relativeError: worst,
    tolerance: FP32_TOLERANCE,
    rowsChecked: checkedRows.length,
    allWritten,
    passed: allWritten && worst <= FP32_TOLERANCE,
    copiesChecked: new Set(trials.map(([copy]) => copy)).size,
  };
}

async function checkOrt(
  ort: OrtWebgpu,
  contender: OrtContender,
  io: { xs: Float32Array[]; tensors: Awaited<ReturnType<OrtWebgpu['toGpu']>>[] },
  shape: LayerShape,
  batch: number,
  checkRows: number,
): Promise<CheckResult> {
  const checkedRows = sampleRows(shape.rows, checkRows);
  const trials: [copy: number, set: number][] = [
    [0, 0],
    [contender.copies - 1, 1],
  ];
  let worst = 0;
  let finite = true;
  for (const [copy, set] of trials) {
    const output = await ort.run(contender.sessions[copy], io.tensors[set]);
    const y = await ort.toCpu(output);
    output.dispose();
    finite &&= allFinite(y);
    const reference = contender.reference(io.xs[set], batch, checkedRows);
    worst = Math.max(worst, relativeError(y, reference, checkedRows, shape.rows, batch));
  }
  return {
    relativeError: worst,
    tolerance: contender.tolerance,
    rowsChecked: checkedRows.length,
    // ORT allocates its outputs, so they cannot be poisoned; a non-finite value still fails the check.
    allWritten: null,
    passed: finite && worst <= contender.tolerance,
    copiesChecked: new Set(trials.map(([copy]) => copy)).size,
  };
}

function checkLine(check: CheckResult): string {
  return `rel.err ${check.relativeError.toExponential(2)} (≤ ${check.tolerance})${check.allWritten === false ? ', UNWRITTEN outputs' : ''}`;
}

async function benchShape(context: Context, shape: LayerShape, batches: readonly number[]): Promise<void> {
  const { device, ort, run } = context;
  type Skipped = { id: string; spec: ContenderSpec; copies: number };
  const skip = (reason: string, entries: readonly Skipped[], skippedBatches: readonly number[]) => {
    for (const batch of skippedBatches) {
      for (const { id, spec, copies } of entries) {
        run.results.push({ ...baseResult(shape, batch, id, spec, copies), skipped: reason });
      }
    }
  };
  const recordFailures = (failures: readonly { id: string; spec: ContenderSpec; reason: string }[]) => {
    for (const failure of failures) {
      log(`  ${failure.id} could not be built: ${failure.reason}`);
      skip(`could not be built: ${failure.reason}`, [{ ...failure, copies: 0 }], batches);
    }
  };
  log(`\n== ${shape.name} (${shape.rows}×${shape.cols}) ==`);
  const setupStart = performance.now();
  const pqweb = createPqwebLayers(
    device,
    shape,
    context.seed,
    context.tunings,
    context.ablations,
    context.tuningLabels,
  );
  let ortContenders: OrtContender[] = [];
  try {
    recordFailures(pqweb.failed);
    if (ort) {
      const built = await ort.contenders(shape, pqweb.denseWeights, context.seed);
      ortContenders = built.contenders;
      recordFailures(built.failed);
    }
    log(`  setup ${((performance.now() - setupStart) / 1000).toFixed(1)} s`);
    // --only: the contenders timed (and reported as skipped when the budget ends); the rest are left out.
    const onlyPqweb = selectOnly(pqweb.contenders, context.only);
    const onlyOrt = selectOnly(ortContenders, context.only);
    const timedPqweb = onlyPqweb.kept;
    const timedOrt = onlyOrt.kept;
    const unmatched = onlyPqweb.unmatched.filter((text) => onlyOrt.unmatched.includes(text));
    if (unmatched.length > 0) {
      const note =
        `${shape.name}: --only ${unmatched.map((text) => JSON.stringify(text)).join(', ')} matched no contender ` +
        '(tuning rows are timed on the full grid only, and there with --tunings naming them or with neither ' +
        '--tunings nor --no-tunings)';
      context.run.notes.push(note);
      log(note);
    }
    for (const [index, batch] of batches.entries()) {
      if (Date.now() > context.deadline) {
        run.truncated = true;
        const all = [...timedPqweb, ...timedOrt].map(({ id, spec, copies }) => ({
          id,
          spec,
          copies,
        }));
        skip(TIME_BUDGET_EXHAUSTED, all, batches.slice(index));
        for (const skipped of batches.slice(index))
          context.finished.push({ shape: shape.name, batch: skipped });
        break;
      }
      await benchBatch(context, shape, batch, timedPqweb, timedOrt);
      context.finished.push({ shape: shape.name, batch });
      context.write();
    }
  } finally {
    pqweb.destroy();
    if (ort) for (const contender of ortContenders) await ort.release(contender.sessions);
  }
}

/**
 * Busy time before the first cell. The full-grid H200 run of 2026-11-28 measured its first cell (4096², batch 1)
 * 1.8–2.6× slower than runs that reached that cell later (docs/kernel-attempts.md), though every contender has
 * its own 150 ms warm-up: the clocks seem to need longer from a cold start.
 */
const GLOBAL_WARMUP_MS = 2000;
/**
 * Runs per stage series: enough for a median, few enough to stay a fraction of the cell's time (the quick grid
 * on SwiftShader, where one k = 256 run at batch 8 takes about a second, takes 2).
 */
const STAGE_RUNS = 32;
const QUICK_STAGE_RUNS = 2;

/** Warms the GPU up (its clock drops after ~1 s idle), then times each stage of `contender` over STAGE_RUNS runs. */
async function measureStages(
  context: Context,
  stages: StageTimestamps,
  contender: PqwebContender,
  io: { inputs: GPUBuffer[]; outputs: GPUBuffer[] },
  batch: number,
): Promise<StageTimes> {
  const runs = context.plan === QUICK_TIMING ? QUICK_STAGE_RUNS : STAGE_RUNS;
  const encodeRun = (encoder: GPUCommandEncoder, index: number, timer?: DispatchTimer) =>
    contender.encode(
      encoder,
      index % contender.copies,
      io.inputs[index % INPUT_SETS],
      io.outputs[index % INPUT_SETS],
      batch,
      timer,
    );
  const warmupStart = performance.now();
  while (performance.now() - warmupStart < context.plan.warmupMs) {
    const encoder = context.device.createCommandEncoder({ label: 'bench/stage-warmup' });
    for (let i = 0; i < runs; i++) encodeRun(encoder, i);
    context.device.queue.submit([encoder.finish()]);
    await context.device.queue.onSubmittedWorkDone();
  }
  return stages.measure(encodeRun, runs, 0);
}

async function benchBatch(
  context: Context,
  shape: LayerShape,
  batch: number,
  pqwebContenders: readonly PqwebContender[],
  ortContenders: readonly OrtContender[],
): Promise<void> {
  const { device, ort, plan, run, timestamps } = context;
  log(`-- batch ${batch}`);
  const xs = Array.from({ length: INPUT_SETS }, (_, set) =>
    new SeededRandom(seedFor(context.seed, `${shape.name}/x/batch${batch}/${set}`)).floats(
      batch * shape.cols,
    ),
  );
  const inputs = xs.map((x, set) => {
    const buffer = device.createBuffer({
      label: `bench/x ${shape.name} b${batch} #${set}`,
      size: x.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(buffer, 0, x);
    return buffer;
  });
  const outputs = xs.map((_, set) =>
    device.createBuffer({
      label: `bench/y ${shape.name} b${batch} #${set}`,
      size: batch * shape.rows * FLOAT_BYTES,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    }),
  );
  const tensors: Awaited<ReturnType<OrtWebgpu['toGpu']>>[] = [];
  let ortInputError: string | null = null;
  if (ort && ortContenders.length > 0) {
    try {
      for (const x of xs) tensors.push(await ort.toGpu(x, [batch, shape.cols]));
    } catch (error) {
      ortInputError = `could not upload inputs to ORT: ${errorMessage(error)}`;
    }
  }
  const references = new Map<string, ArrayLike<number>>();
  const entries: Entry[] = [];
  // Tunings that only change something at larger batches (minBatch) are not timed at this one; entries[i]
  // belongs to timedPqweb[i].
  const timedPqweb = contendersAtBatch(pqwebContenders, batch);

  for (const contender of timedPqweb) {
    const entry: Entry = {
      result: baseResult(shape, batch, contender.id, specAtBatch(contender, batch), contender.copies),
      timer: null,
      rounds: [],
      rotation: { nextIndex: 0 },
    };
    entries.push(entry);
    try {
      if (contender.unchecked) {
        entry.result.unchecked = contender.unchecked;
        log(`  not checked ${contender.id}: ${contender.unchecked}`);
      } else {
        const check = await checkPqweb(context, contender, { xs, inputs, outputs }, shape, batch, references);
        entry.result.check = check;
        log(`  check ${contender.id}: ${checkLine(check)}${check.passed ? '' : ' FAILED'}`);
        if (!check.passed) {
          entry.result.skipped = 'failed its correctness check';
          continue;
        }
      }
      entry.timer = webgpuSeriesTimer(
        device,
        (encoder, index) =>
          contender.encode(
            encoder,
            index % contender.copies,
            inputs[index % INPUT_SETS],
            outputs[index % INPUT_SETS],
            batch,
          ),
        timestamps,
      );
    } catch (error) {
      entry.result.skipped = `error: ${errorMessage(error)}`;
      log(`  ${contender.id}: ${entry.result.skipped}`);
    }
  }
  for (const contender of ortContenders) {
    const entry: Entry = {
      result: baseResult(shape, batch, contender.id, contender.spec, contender.copies),
      timer: null,
      rounds: [],
      rotation: { nextIndex: 0 },
    };
    entries.push(entry);
    if (!ort || ortInputError) {
      entry.result.skipped = ortInputError ?? 'onnxruntime unavailable';
      continue;
    }
    try {
      const check = await checkOrt(ort, contender, { xs, tensors }, shape, batch, plan.checkRows);
      entry.result.check = check;
      log(`  check ${contender.id}: ${checkLine(check)}${check.passed ? '' : ' FAILED'}`);
      if (!check.passed) {
        entry.result.skipped = 'failed its correctness check';
        continue;
      }
      entry.timer = ort.seriesTimer(contender.sessions, tensors);
    } catch (error) {
      entry.result.skipped = `error: ${errorMessage(error)}`;
      log(`  ${contender.id}: ${entry.result.skipped}`);
    }
  }

  if (plan.cellWarmupMs > 0) await keepGpuBusy(device, plan.cellWarmupMs);
  // Rounds over all contenders, alternating direction, so slow drift (clocks, heat) does not favour one side.
  for (let round = 0; round < plan.rounds; round++) {
    const order = round % 2 === 0 ? entries : [...entries].reverse();
    for (const entry of order) {
      if (!entry.timer || entry.result.skipped) continue;
      if (Date.now() > context.deadline) {
        run.truncated = true;
        if (entry.rounds.length === 0) entry.result.skipped = TIME_BUDGET_EXHAUSTED;
        continue;
      }
      try {
        entry.rounds.push(await measureRound(entry.timer, plan, entry.rotation));
      } catch (error) {
        entry.result.skipped = `error while timing: ${errorMessage(error)}`;
        log(`  ${entry.result.id}: ${entry.result.skipped}`);
      }
    }
  }
  // Where the time goes inside each quantized layer (LUT build, gather, reduce), right after its timing.
  for (const [index, contender] of timedPqweb.entries()) {
    const entry = entries[index];
    if (
      !context.stages ||
      contender.spec.method === 'dense' ||
      entry.rounds.length === 0 ||
      entry.result.skipped
    ) {
      continue;
    }
    if (Date.now() > context.deadline) {
      run.truncated = true;
      break;
    }
    try {
      entry.result.stages = await measureStages(
        context,
        context.stages,
        contender,
        { inputs, outputs },
        batch,
      );
    } catch (error) {
      log(`  ${contender.id}: stage timing failed: ${errorMessage(error)}`);
    }
  }
  for (const entry of entries) {
    if (entry.rounds.length > 0 && !entry.result.skipped) {
      const timing: TimingResult = combineRounds(entry.rounds);
      entry.result.timing = timing;
      const floor = floorBytes(entry.result.bytes);
      log(
        `  ${entry.result.id.padEnd(40)} gpu ${formatUs(timing.gpuPerRun?.median).padStart(10)}  wall ${formatUs(timing.wall.median).padStart(10)}  (${(floor / 2 ** 20).toFixed(1)} MiB)`,
      );
      const stages = entry.result.stages;
      if (stages) {
        const parts = Object.entries(stages).map(
          ([stage, summary]) => `${stage} ${formatUs(summary?.median)}`,
        );
        log(`      stages: ${parts.join(', ')}`);
      }
    }
    run.results.push(entry.result);
  }
  for (const buffer of [...inputs, ...outputs]) buffer.destroy();
  for (const tensor of tensors) tensor.dispose();
}

async function measureProbes(context: Context, quick: boolean): Promise<DeviceProbes> {
  const { device, timestamps, plan, ort } = context;
  const probes: DeviceProbes = {
    copy: null,
    emptyDispatch: null,
    emptyDispatchBackToBack: null,
    pqwebFixed: null,
    ortFixed: null,
    notes: [],
  };
  const streamBytes = quick ? COPY_BYTES_QUICK : COPY_BYTES_FULL;
  const streams: CopyProbe[] = [];
  const measurers: [StreamMethod, () => Promise<CopyProbe>][] = [
    ['copyBufferToBuffer', () => measureCopy(device, timestamps, plan, streamBytes)],
    ['wgsl-copy', () => measureStream(device, timestamps, plan, streamBytes, 'wgsl-copy')],
    ['wgsl-read', () => measureStream(device, timestamps, plan, streamBytes, 'wgsl-read')],
  ];
  for (const [method, measure] of measurers) {
    try {
      const probe = await measure();
      streams.push(probe);
      log(
        `${method} ${(probe.bytes / 2 ** 20).toFixed(0)} MiB: ${formatUs(probe.time.median)}, ${(probe.bandwidth / 1e9).toFixed(1)} GB/s`,
      );
    } catch (error) {
      probes.notes.push(`${method} probe failed: ${errorMessage(error)}`);
    }
  }
  probes.streams = streams;
  // The ceiling is the faster of the two copies (read + write counted): see probes.ts for why both.
  for (const probe of streams) {
    if (probe.method === 'wgsl-read') continue;
    if (!probes.copy || probe.bandwidth > probes.copy.bandwidth) probes.copy = probe;
  }
  try {
    const dispatch = await measureEmptyDispatch(device, timestamps, plan);
    probes.emptyDispatch = dispatch.single;
    probes.emptyDispatchBackToBack = dispatch.backToBack;
    log(
      `empty dispatch: ${formatUs(dispatch.single.median)} alone, ${formatUs(dispatch.backToBack.median)} back to back`,
    );
  } catch (error) {
    probes.notes.push(`empty-dispatch probe failed: ${errorMessage(error)}`);
  }
  // pqweb's fixed cost: its dense kernel on a 1×1 layer, timed like every contender.
  try {
    const tiny = createPqwebLayers(device, { name: 'fixed 1x1', rows: 1, cols: 1 }, context.seed);
    const dense = tiny.contenders.find((contender) => contender.spec.method === 'dense');
    if (dense) {
      const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
      const input = device.createBuffer({ label: 'bench/fixed-x', size: FLOAT_BYTES, usage });
      const output = device.createBuffer({ label: 'bench/fixed-y', size: FLOAT_BYTES, usage });
      device.queue.writeBuffer(input, 0, Float32Array.of(1));
      const timer = webgpuSeriesTimer(
        device,
        (encoder, index) => dense.encode(encoder, index % dense.copies, input, output, 1),
        timestamps,
      );
      probes.pqwebFixed = combineRounds([await measureRound(timer, plan, { nextIndex: 0 })]);
      input.destroy();
      output.destroy();
      log(
        `pqweb 1×1 dense: gpu ${formatUs(probes.pqwebFixed.gpuPerRun?.median)}, wall ${formatUs(probes.pqwebFixed.wall.median)}`,
      );
    }
    tiny.destroy();
  } catch (error) {
    probes.notes.push(`pqweb fixed-cost probe failed: ${errorMessage(error)}`);
  }
  if (ort) {
    try {
      const sessions = await ort.fixedCostSessions();
      const tensors = await Promise.all(
        Array.from({ length: INPUT_SETS }, (_, set) => ort.toGpu(Float32Array.of(set + 1), [1, 1])),
      );
      probes.ortFixed = combineRounds([
        await measureRound(ort.seriesTimer(sessions, tensors), plan, { nextIndex: 0 }),
      ]);
      for (const tensor of tensors) tensor.dispose();
      await ort.release(sessions);
      log(`ORT 1×1 MatMul (GPU-resident): wall ${formatUs(probes.ortFixed.wall.median)} per run`);
    } catch (error) {
      probes.notes.push(`ORT fixed-cost probe failed: ${errorMessage(error)}`);
    }
  }
  return probes;
}

/** `--retime`'s cells as grid cells (shape names as the grid has them); each must be in the selected grid. */
function retimeGridCells(
  cells: readonly RetimeCell[],
  quick: boolean,
  grid: readonly GridCell[],
): GridCell[] {
  const keys = new Set(grid.map(cellKey));
  return cells.map(({ shape, batch }) => {
    const [selected] = selectShapes(quick, [shape]);
    const cell = { shape: selected?.name ?? shape, batch };
    if (!keys.has(cellKey(cell))) {
      throw new ResumeError(
        `--retime: ${shape} batch ${batch} is not in the selected grid; pass the earlier run's --shapes and --batches`,
      );
    }
    return cell;
  });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  checkTuningLabels(options.tuningLabels);
  // Read before the device opens, so that a wrong file fails at once.
  const earlier = options.resume ? { path: options.resume, run: readEarlierRun(options.resume) } : null;
  const started = Date.now();
  const dawnFlags = options.withoutRobustness ? WITHOUT_ROBUSTNESS_FLAGS : DAWN_FLAGS;
  const { adapter, device } = await createNodeDevice({
    dawnFlags,
    optionalFeatures: ['subgroups', 'timestamp-query'],
  });
  const adapterRecord = describeAdapter(adapter, device);
  const quick = options.grid === 'quick' || (options.grid === 'auto' && adapterRecord.isSwiftShader);
  const plan = quick ? QUICK_TIMING : FULL_TIMING;
  const shapes = selectShapes(quick, options.shapes);
  const batches = selectBatches(quick, options.batches);
  const budgetS = options.budgetS ?? (quick ? QUICK_BUDGET_S : FULL_BUDGET_S);
  const grid = gridCells(shapes, batches);
  const notes: string[] = [];
  device.addEventListener('uncapturederror', (event) => {
    const message = `uncaptured GPU error: ${(event as GPUUncapturedErrorEvent).error.message}`;
    notes.push(message);
    log(message);
  });
  void device.lost.then((info) => {
    notes.push(`device lost (${info.reason}): ${info.message}`);
  });
  log(
    `adapter: ${adapterRecord.vendor} ${adapterRecord.architecture} ${adapterRecord.device} (${adapterRecord.description}); ` +
      `${quick ? 'quick' : 'full'} grid; budget ${budgetS} s`,
  );
  const timestamps = device.features.has('timestamp-query')
    ? new GpuTimestamps(device, plan.maxRunsPerSeries)
    : null;
  if (!timestamps)
    notes.push('no timestamp-query: every time is wall time around queue.onSubmittedWorkDone()');
  // How this process measures: what a --resume process must share with the run it finishes.
  const header: ResumeIdentity = {
    grid: quick ? 'quick' : 'full',
    adapter: adapterRecord,
    dawnFlags,
    timer: timestamps ? 'gpu-timestamps' : 'wall',
    timing: {
      warmupMs: plan.warmupMs,
      cellWarmupMs: plan.cellWarmupMs,
      seriesTargetMs: plan.seriesTargetMs,
      gpuSeries: timestamps ? plan.gpuSeries : 0,
      wallSeries: plan.wallSeries,
      rounds: plan.rounds,
      wallSubmits: 'per-run',
    },
    rotation: {
      l2Bytes: L2_BYTES,
      targetBytes: ROTATION_TARGET_BYTES,
      maxWeightCopies: MAX_WEIGHT_COPIES,
      inputSets: INPUT_SETS,
    },
    seed: options.seed,
  };
  let toTime = grid;
  if (earlier) {
    checkResumable(earlier.run, header, earlier.path);
    const retime = retimeGridCells(options.retime, quick, grid);
    toTime = cellsToTime(earlier.run.results, grid, retime);
    if (retime.length > 0) {
      notes.push(
        `--retime: ${retime.map((cell) => `${cell.shape} batch ${cell.batch}`).join(', ')} timed again, whole, ` +
          "in this process, replacing the earlier run's results for them",
      );
    }
    if (toTime.length === 0) {
      log(
        `--resume: every selected cell of ${earlier.path} is timed already; nothing to do, the file is left as it is`,
      );
      return;
    }
    log(
      `--resume ${earlier.path}: timing ${toTime.map((cell) => `${cell.shape} batch ${cell.batch}`).join(', ')}`,
    );
  }

  let ort: OrtWebgpu | null = null;
  const ortRecord: BenchRun['ort'] = { available: false, version: null, reason: 'skipped (--no-ort)' };
  if (options.ort) {
    const opened = await OrtWebgpu.open();
    if ('ort' in opened) {
      ort = opened.ort;
      Object.assign(ortRecord, { available: true, version: ort.version, reason: null });
    } else {
      Object.assign(ortRecord, { available: false, version: opened.version, reason: opened.reason });
      log(`onnxruntime-node WebGPU EP not used: ${opened.reason}`);
    }
  }
  if (earlier) checkResumableOrt(earlier.run.ort, ortRecord, earlier.path);

  const run: BenchRun = {
    schema: RESULTS_SCHEMA_VERSION,
    date: new Date().toISOString(),
    command: options.command,
    grid: header.grid,
    machine: describeMachine(),
    adapter: header.adapter,
    dawnFlags: header.dawnFlags,
    timer: header.timer,
    timing: header.timing,
    rotation: header.rotation,
    seed: header.seed,
    ort: ortRecord,
    probes: {
      copy: null,
      emptyDispatch: null,
      emptyDispatchBackToBack: null,
      pqwebFixed: null,
      ortFixed: null,
      notes: [],
    },
    results: [],
    elapsedS: 0,
    truncated: false,
    notes,
  };
  const fileName = `kernels-${adapterSlug(adapterRecord)}${quick && !adapterRecord.isSwiftShader ? '-quick' : ''}${
    options.withoutRobustness ? '-without-robustness' : ''
  }.json`;
  const finished: GridCell[] = [];
  // With --resume the file is the earlier run with the cells this process finished merged in, written as often as
  // a run of its own, so a process stopped midway leaves a file that can be resumed again.
  const merged = (): BenchRun =>
    earlier ? mergeResumed({ earlier: earlier.run, current: run, grid, finished }) : run;
  const write = () => {
    run.elapsedS = (Date.now() - started) / 1000;
    const text = `${JSON.stringify(merged(), null, 1)}\n`;
    for (const dir of options.outDirs) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, fileName), text);
    }
  };
  const context: Context = {
    device,
    timestamps,
    stages: timestamps ? new StageTimestamps(device) : null,
    tunings: options.tunings && plan !== QUICK_TIMING,
    tuningLabels: options.tuningLabels,
    only: options.only,
    ablations: options.ablations,
    ort,
    plan,
    seed: options.seed,
    deadline: started + budgetS * 1000,
    run,
    finished,
    write,
  };
  run.probes = await measureProbes(context, quick);
  write();
  if (!quick) await keepGpuBusy(device, GLOBAL_WARMUP_MS);
  const wanted = new Set(toTime.map(cellKey));
  for (const shape of shapes) {
    const shapeBatches = batches.filter((batch) => wanted.has(cellKey({ shape: shape.name, batch })));
    if (shapeBatches.length === 0) continue;
    if (Date.now() > context.deadline) {
      run.truncated = true;
      notes.push(budgetExhaustedNote(budgetS, shape.name));
      continue;
    }
    try {
      await benchShape(context, shape, shapeBatches);
    } catch (error) {
      notes.push(`${shape.name}: ${errorMessage(error)}`);
      log(`${shape.name} failed: ${errorMessage(error)}`);
    }
    write();
  }
  write();
  process.stdout.write(`${formatRunSummary(merged())}\n`);
  for (const dir of options.outDirs) log(`wrote ${join(dir, fileName)}`);
}

runCommand(main, (error) => error instanceof OptionsError);
