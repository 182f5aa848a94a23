/**
 * `wall-probe`: what pqweb's wall time per run is made of (docs/kernel-attempts.md step 95). The kernel benchmark's
 * wall series submit every run as soon as it is encoded; on the H200 their medians came out bimodal (16384², d = 4,
 * k = 256: p10 43.6 µs, median 79.4, at 37.7 µs of GPU time). For the layers of the wall-clock goals (the 'auto'
 * rows of 16384², d = 4, k = 256 and d = 8, k = 16; 4096², d = 4, k = 256; the dense kernel on 1×1) this times
 * series with every run submitted at once (after a full garbage collection or not) and with at most 8 runs in flight,
 * in turns, and records per series the wall time per run, what each submit cost the CPU, how long the series waited
 * on earlier runs and the garbage collections during it.
 * Writes wall-probe-<adapter>.json to --out-dir. On the bare GPU host: PQWEB_GPU_ENTRY=wall-probe
 * scripts/gpu-host/run.sh.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { FLOAT_BYTES } from '../packages/runtime/src/kernels/program';
import { createNodeDevice } from '../packages/runtime/src/node/dawn';
import { runCommand } from './lib/cli';
import { GpuTimestamps, tracedWallSeries, wallSeries } from './lib/gpu-timer';
import { INPUT_SETS, type LayerShape } from './lib/grid';
import { adapterSlug, describeAdapter, describeMachine } from './lib/machine';
import { DEFAULT_SEED, OptionsError, selectShapes } from './lib/options';
import { createPqwebLayers, type PqwebContender } from './lib/pqweb-layers';
import { keepGpuBusy } from './lib/probes';
import { type Summary, summarize } from './lib/stats';

const USAGE = `wall-probe [options]
  --shapes A,B     shapes (default 16384x16384,4096x4096)
  --only TEXT      the 'auto' PQ rows whose id contains TEXT (default: d=4 k=256 and d=8 k=16)
  --series N       series per (mode, runs) (default 8)
  --out-dir DIR    where wall-probe-<adapter>.json goes (default bench/results)`;

const DAWN_FLAGS = ['disable-dawn-features=timestamp_quantization', 'enable-dawn-features=allow_unsafe_apis'];
/**
 * How a series submits: every run at once (the kernel benchmark's wall series), the same after a full garbage
 * collection (with node --expose-gc), or at most 8 runs in flight. (A first run also had 1, 2 and 4 in flight: each
 * slower than 8, and 8 slower than all at once.)
 */
const MODES: readonly SeriesMode[] = [
  { name: 'all', inFlight: Number.POSITIVE_INFINITY, collectFirst: false },
  { name: 'all, gc first', inFlight: Number.POSITIVE_INFINITY, collectFirst: true },
  { name: '8 in flight', inFlight: 8, collectFirst: false },
];
const RUNS_PER_SERIES = [64, 256];
const WARMUP_MS = 150;
/** Busy time before each layer: the clocks need longer than a contender's warm-up from idle (kernels.ts). */
const LAYER_WARMUP_MS = 1000;

interface SeriesMode {
  name: string;
  inFlight: number;
  collectFirst: boolean;
}

interface SeriesRecord {
  mode: string;
  runs: number;
  perRunUs: number;
  submitUs: Summary;
  waitUs: number;
  /** Garbage collections that began during the series, and their total and longest pause (ms). */
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
}

/** Garbage collections as node reports them (perf_hooks 'gc' entries), kept for the series that overlap them. */
const collections: PerformanceEntry[] = [];
const collectionObserver = new PerformanceObserver((list) => collections.push(...list.getEntries()));

function collectionsSince(start: number): { gcCount: number; gcTotalMs: number; gcMaxMs: number } {
  const during = collections.filter((entry) => entry.startTime >= start);
  return {
    gcCount: during.length,
    gcTotalMs: during.reduce((total, entry) => total + entry.duration, 0),
    gcMaxMs: Math.max(0, ...during.map((entry) => entry.duration)),
  };
}

/** node --expose-gc's gc(), where the process has it. */
function fullCollection(): (() => void) | null {
  const candidate: unknown = Reflect.get(globalThis, 'gc');
  return typeof candidate === 'function' ? () => candidate() : null;
}

interface LayerRecord {
  shape: string;
  id: string;
  gpuPerRunUs: Summary | null;
  series: SeriesRecord[];
}

/**
 * What the probe times on `shape`: on the 1×1 layer (the fixed cost) its dense kernel alone; elsewhere the 'auto'
 * float32-codebook PQ rows (what pqweb ships) whose id contains one of `wanted`, and the dense kernel where its GPU
 * time is short enough to leave the CPU in charge (below 16384 rows: at 16384² it takes about 240 µs a run).
 */
function probedContenders(
  shape: LayerShape,
  contenders: readonly PqwebContender[],
  wanted: readonly string[],
): PqwebContender[] {
  return contenders.filter((contender) => {
    if (contender.spec.method === 'dense') return shape.rows < 16384;
    if (shape.rows === 1) return false;
    return (
      contender.spec.method === 'pq' &&
      contender.spec.isAuto &&
      !contender.id.includes('float16') &&
      wanted.some((text) => contender.id.includes(text))
    );
  });
}

async function probeLayer(
  device: GPUDevice,
  timestamps: GpuTimestamps | null,
  shape: LayerShape,
  contender: PqwebContender,
  seriesCount: number,
): Promise<LayerRecord> {
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const inputs = Array.from({ length: INPUT_SETS }, (_, set) =>
    device.createBuffer({ label: `wall-probe/x${set}`, size: shape.cols * FLOAT_BYTES, usage }),
  );
  const outputs = Array.from({ length: INPUT_SETS }, (_, set) =>
    device.createBuffer({ label: `wall-probe/y${set}`, size: shape.rows * FLOAT_BYTES, usage }),
  );
  for (const [set, input] of inputs.entries()) {
    device.queue.writeBuffer(input, 0, new Float32Array(shape.cols).fill(1 / (set + 1)));
  }
  const encodeRun = (encoder: GPUCommandEncoder, index: number): void =>
    contender.encode(
      encoder,
      index % contender.copies,
      inputs[index % INPUT_SETS],
      outputs[index % INPUT_SETS],
      1,
    );
  let next = 0;
  const take = (runs: number): number => {
    const first = next;
    next += runs;
    return first;
  };
  const warmUp = async (): Promise<void> => {
    const start = performance.now();
    while (performance.now() - start < WARMUP_MS) await wallSeries(device, encodeRun, 64, take(64));
  };
  await keepGpuBusy(device, LAYER_WARMUP_MS);
  await warmUp();
  let gpuPerRunUs: Summary | null = null;
  if (timestamps) {
    const perRun: number[] = [];
    for (let s = 0; s < 4; s++) perRun.push(...(await timestamps.series(encodeRun, 128, take(128))).perRunUs);
    gpuPerRunUs = summarize(perRun);
  }
  const series: SeriesRecord[] = [];
  const collect = fullCollection();
  // Modes in turns, so that a slow stretch of the host falls on all of them alike.
  for (let s = 0; s < seriesCount; s++) {
    await warmUp();
    for (const runs of RUNS_PER_SERIES) {
      for (const mode of MODES) {
        if (mode.collectFirst) {
          if (!collect) continue;
          collect();
        }
        await new Promise((resolve) => setTimeout(resolve, 0));
        const start = performance.now();
        const trace = await tracedWallSeries(device, encodeRun, runs, take(runs), mode.inFlight);
        // The observer reports after the fact: let it catch up before reading.
        await new Promise((resolve) => setTimeout(resolve, 0));
        series.push({
          mode: mode.name,
          runs,
          perRunUs: trace.perRunUs,
          submitUs: summarize(trace.submitUs),
          waitUs: trace.waitUs,
          ...collectionsSince(start),
        });
      }
    }
  }
  for (const buffer of [...inputs, ...outputs]) buffer.destroy();
  return { shape: shape.name, id: contender.id, gpuPerRunUs, series };
}

function summaryLines(record: LayerRecord): string {
  const lines = [
    `${record.shape} ${record.id}: gpu per run ${record.gpuPerRunUs?.median.toFixed(1) ?? '-'} µs`,
  ];
  for (const runs of RUNS_PER_SERIES) {
    for (const mode of MODES) {
      const mine = record.series.filter((s) => s.runs === runs && s.mode === mode.name);
      if (mine.length === 0) continue;
      // Per series: wall per run, then the garbage collections during it (count / longest pause in ms).
      const wall = mine
        .map(
          (s) => `${s.perRunUs.toFixed(1)}${s.gcCount > 0 ? `(${s.gcCount}/${s.gcMaxMs.toFixed(1)})` : ''}`,
        )
        .join(' ');
      const submit = summarize(mine.map((s) => s.submitUs.median));
      const submitMax = Math.max(...mine.map((s) => s.submitUs.max));
      lines.push(
        `  ${runs} runs, ${mode.name.padEnd(13)}: wall/run [${wall}] µs; submit median ${submit.median.toFixed(1)} max ${submitMax.toFixed(0)} µs`,
      );
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      shapes: { type: 'string' },
      only: { type: 'string' },
      series: { type: 'string' },
      'out-dir': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const shapes = selectShapes(false, (values.shapes ?? '16384x16384,4096x4096').split(','));
  const wanted = values.only ? [values.only] : ['d=4 k=256', 'd=8 k=16'];
  const seriesCount = Number(values.series ?? '8');
  if (!Number.isInteger(seriesCount) || seriesCount < 1)
    throw new OptionsError(`--series must be a positive integer`);
  const outDir = values['out-dir'] ?? 'bench/results';
  const { adapter, device } = await createNodeDevice({
    dawnFlags: DAWN_FLAGS,
    optionalFeatures: ['subgroups', 'timestamp-query'],
  });
  const adapterRecord = describeAdapter(adapter, device);
  const timestamps = device.features.has('timestamp-query') ? new GpuTimestamps(device, 128) : null;
  collectionObserver.observe({ entryTypes: ['gc'] });
  const layers: LayerRecord[] = [];
  for (const shape of [{ name: '1x1', rows: 1, cols: 1 }, ...shapes]) {
    const set = createPqwebLayers(device, shape, DEFAULT_SEED, false);
    for (const contender of probedContenders(shape, set.contenders, wanted)) {
      const record = await probeLayer(device, timestamps, shape, contender, seriesCount);
      layers.push(record);
      process.stderr.write(`${summaryLines(record)}\n`);
    }
    set.destroy();
  }
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `wall-probe-${adapterSlug(adapterRecord)}.json`);
  const run = { date: new Date().toISOString(), machine: describeMachine(), adapter: adapterRecord, layers };
  writeFileSync(file, `${JSON.stringify(run, null, 1)}\n`);
  process.stderr.write(`wrote ${file}\n`);
  collectionObserver.disconnect();
  timestamps?.destroy();
  device.destroy();
}

runCommand(main, (error) => error instanceof OptionsError);
