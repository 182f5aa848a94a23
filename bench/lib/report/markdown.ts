/**
 * BENCHMARKS.md from the runs in bench/results: per run the machine, the measured ceilings, the issue's goals
 * (H200 runs), and per (shape, batch) every contender's times, bandwidth bound and ratios; then the phone
 * projection, which is arithmetic on bytes, not a measurement.
 */
import { bytesMoved, floorBytes } from '../bytes';
import { FULL_SHAPES, REFERENCE_HEAD } from '../grid';
import { type BenchRun, type ContenderSpec, codebookDtypeOf, type KernelResult } from '../results';
import {
  bandwidthBoundUs,
  denseOf,
  type GoalVerdict,
  isDefaultRow,
  isH200,
  judgeGoals,
  nbitsOf,
  representativeTime,
  resultsFor,
  speedup,
  statusCell,
} from './analysis';
import { type LoadedE2eRun, renderE2eSection } from './e2e';
import { formatBandwidth, formatBytes, formatMicroseconds, formatRatio, markdownTable } from './format';
import { anyResumed, resumedCellNote, resumedLines } from './resumed';

/** Phone memory bandwidth for the projection: the low end of 50–70 GB/s (shared/paper.md). */
export const PHONE_BANDWIDTH = 50e9;
const MICROSECONDS_PER_SECOND = 1e6;

export interface LoadedRun {
  /** Path of the JSON file, relative to the repository root. */
  file: string;
  run: BenchRun;
}

function runTitle(run: BenchRun): string {
  const { vendor, architecture, device, description } = run.adapter;
  if (run.adapter.isSwiftShader) return 'SwiftShader (CPU Vulkan), dev machine';
  const name = [vendor, device || architecture].filter(Boolean).join(' ') || description;
  // Several runs of one GPU on one day (the full grid, then the goal cells after a default changed) are told
  // apart by what they covered.
  const shapes = new Set(run.results.map((result) => result.shape.name));
  const batches = [...new Set(run.results.map((result) => result.batch))].sort((a, b) => a - b);
  return `${name}, ${shapes.size} shapes × batch ${batches.join('/')}`;
}

function methodSection(): string {
  return `## How the numbers are taken

- **Contenders, interleaved in one process** (Node + Dawn, npm \`webgpu\`): pqweb's LUT kernels on PQ codes in
  every variant (\`lut-global\`, \`lut-tiled-splitk\`, \`fused\`, \`lut-banked\`, \`fused-banked\`; the one the
  shape rule picks is marked *auto*), and on *8-bit tables* (executor option \`tableBits: 8\`, from runs after
  2026-12-01: an opt-in accuracy level whose entries are within half a step of the float32 tables, checked against
  its own CPU twin; the speed-up goals are judged on it after the default's, not in their place),
  pqweb's scalar k-means kernel (4- and 8-bit codes), its binary kernel (1 bit per weight and a scale per row,
  from runs after 2026-11-29), pqweb's dense fp32 GEMV, and onnxruntime-node's WebGPU EP
  running a one-node \`MatMul\` (fp32) and \`MatMulNBits\` (com.microsoft, 4-bit, block 32, with and without
  \`accuracy_level=4\`). For each (shape, batch) every contender is warmed up and timed in turn, for several rounds
  in alternating order; samples pool over rounds.
- **Correct first.** Before it is timed, every configuration runs on fresh seeded random inputs and is compared
  with a CPU reference (pqweb's CPU twins in float64 accumulation; a float64 product for ORT) on up to 128 rows
  (all rows of smaller layers), by ‖y − ref‖ / ‖ref‖ ≤ 1e-3 (3e-2 for \`accuracy_level=4\`, which quantizes x to
  int8). pqweb outputs are poisoned with NaN first and must be fully written; ORT allocates its own outputs.
  Two weight copies and two input sets are checked.
- **Caches.** Runs rotate over 8 distinct x/y buffers and over copies of the weights (codes, codebooks, bias, or
  fp32 / int4 weights; one ORT session per copy), so that the copies hold at least 120 MB (twice the H200's
  60 MB L2), capped at 64 copies.
- **Clocks.** *GPU* = timestamps written by empty compute passes right before and after each run (Dawn with
  \`timestamp_quantization\` off), median and p10–p90 over all runs; *back-to-back* = the span of a series divided
  by its runs. *Wall* = from encoding a series' first run until the queue reports the series done, per run
  (includes pqweb's command encoding). Each run is its own command buffer, submitted as soon as it is encoded, as an
  application submits each inference and as ORT's \`session.run\` submits each run, so encoding overlaps the GPU
  work of the runs before; runs before 2026-11-29 encoded a whole series into one command buffer first (each run's
  *Timer* line says which). ORT has no GPU clock here: its inputs stay on the GPU (made resident by an
  Identity session), outputs stay on the GPU, and a series ends with one read-back through an Identity session
  with CPU output; that read-back is inside the series time. ORT's fixed per-run cost (a 1×1 MatMul timed the
  same way) is shown separately and subtracted nowhere.
- **Ratios.** pqweb vs pqweb dense: GPU time over GPU time. Anything vs ORT: wall time over wall time, the only
  clock both have.
- **Bandwidth bound.** The fewest bytes a run must move (weights — codes + codebooks + bias, or fp32 / int4
  weights + scales — plus x and y, each once) over the measured copy bandwidth (bytes read + bytes written per
  second of a large buffer-to-buffer copy). *LUT* is the modelled extra traffic of variants that keep the lookup
  table in a storage buffer (written once, read once); split-K partial sums are not modelled.
- Weights, codes and inputs are synthetic (seeded uniform random); the kernels' work does not depend on the
  values.`;
}

const WALL_SUBMITS_TEXT = {
  'per-run': 'submit each run as it is encoded',
  'per-series': 'encode the whole series into one command buffer, then submit it',
} as const;

const STREAM_METHOD_TEXT = {
  copyBufferToBuffer: 'copyBufferToBuffer',
  'wgsl-copy': 'WGSL vec4 copy kernel',
  'wgsl-read': 'WGSL read-only pass',
} as const;

function probesSection(run: BenchRun): string {
  const { probes } = run;
  const lines: string[] = [];
  if (probes.copy) {
    lines.push(
      `- Copy bandwidth (the bound's ceiling): ${formatBandwidth(probes.copy.bandwidth)} (read + write; ${formatBytes(probes.copy.bytes)} ${STREAM_METHOD_TEXT[probes.copy.method ?? 'copyBufferToBuffer']}, median ${formatMicroseconds(probes.copy.time.median)}, ${probes.copy.timer} clock).`,
    );
  }
  for (const stream of probes.streams ?? []) {
    if (!stream.method || stream.method === probes.copy?.method) continue;
    const counted = stream.method === 'wgsl-read' ? 'read' : 'read + write';
    lines.push(
      `- Also measured: ${formatBandwidth(stream.bandwidth)} (${counted}; ${STREAM_METHOD_TEXT[stream.method]}, median ${formatMicroseconds(stream.time.median)}).`,
    );
  }
  if (probes.emptyDispatch && probes.emptyDispatchBackToBack) {
    lines.push(
      `- Empty dispatch: ${formatMicroseconds(probes.emptyDispatch.median)} alone in a pass; ${formatMicroseconds(probes.emptyDispatchBackToBack.median)} each, 64 back to back in one pass.`,
    );
  }
  if (probes.pqwebFixed) {
    lines.push(
      `- pqweb fixed per-run cost (dense kernel on a 1×1 layer): GPU ${formatMicroseconds(probes.pqwebFixed.gpuPerRun?.median)}, wall ${formatMicroseconds(probes.pqwebFixed.wall.median)}.`,
    );
  }
  if (probes.ortFixed) {
    lines.push(
      `- onnxruntime fixed per-run cost (MatMul 1×1, GPU-resident input and output): wall ${formatMicroseconds(probes.ortFixed.wall.median)} (p10–p90 ${formatMicroseconds(probes.ortFixed.wall.p10)}–${formatMicroseconds(probes.ortFixed.wall.p90)}).`,
    );
  }
  for (const note of probes.notes) lines.push(`- ${note}`);
  return lines.join('\n');
}

function contenderLabel(result: KernelResult): string {
  const spec: ContenderSpec = result.contender;
  if (spec.method !== 'pq' || !spec.isAuto) return result.id;
  // Float16-codebook rows run 'auto' at every batch: name what it ran.
  return codebookDtypeOf(spec) === 'float16' ? `${result.id} (auto: ${spec.variant})` : `${result.id} (auto)`;
}

function timeCell(result: KernelResult, which: 'gpu' | 'b2b' | 'wall'): string {
  const timing = result.timing;
  if (!timing) return '—';
  const summary = which === 'gpu' ? timing.gpuPerRun : which === 'b2b' ? timing.gpuBackToBack : timing.wall;
  if (!summary) return '—';
  if (which === 'b2b') return formatMicroseconds(summary.median);
  return `${formatMicroseconds(summary.median)} (${formatMicroseconds(summary.p10)}–${formatMicroseconds(summary.p90)})`;
}

function cellTable(run: BenchRun, cell: readonly KernelResult[]): string {
  const dense = denseOf(cell);
  const nbits = nbitsOf(cell, 0);
  const nbitsInt8 = nbitsOf(cell, 4);
  const rows = cell.map((result) => {
    const time = representativeTime(result);
    const bound = bandwidthBoundUs(run, result);
    const isPqweb = result.contender.engine === 'pqweb';
    const ratio = (other: KernelResult | undefined) =>
      isPqweb && other && other !== result ? formatRatio(speedup(result, other)?.ratio) : '—';
    const check = result.check
      ? `${result.check.relativeError.toExponential(1)}${result.check.passed ? '' : ' FAIL'}`
      : result.unchecked
        ? 'not checked (ablation)'
        : '—';
    return [
      contenderLabel(result),
      timeCell(result, 'gpu'),
      timeCell(result, 'b2b'),
      timeCell(result, 'wall'),
      formatBytes(floorBytes(result.bytes)),
      result.bytes.lut > 0 ? formatBytes(result.bytes.lut) : '—',
      formatMicroseconds(bound),
      time && bound ? formatRatio(time.us / bound) : '—',
      ratio(dense),
      ratio(nbits),
      ratio(nbitsInt8),
      result.skipped ? `skipped: ${result.skipped}` : check,
    ];
  });
  return markdownTable(
    [
      'kernel',
      'GPU/run (p10–p90)',
      'GPU b2b',
      'wall/run (p10–p90)',
      'bytes',
      'LUT (model)',
      'bound',
      'time/bound',
      'vs dense',
      'vs NBits',
      'vs NBits acc4',
      'rel. err',
    ],
    rows,
  );
}

const STAGES = ['lut-build', 'gather', 'reduce'] as const;

/**
 * Where each quantized kernel's time goes: GPU time per stage with each dispatch in a timed pass of its own
 * (bench/lib/stage-timer.ts), next to the layer's time in one pass. Empty when the run has no stage timings.
 */
function stagesTable(cell: readonly KernelResult[]): string {
  const timed = cell.filter((result) => result.stages && Object.keys(result.stages).length > 0);
  if (timed.length === 0) return '';
  const rows = timed.map((result) => {
    const stages = result.stages ?? {};
    const sum = STAGES.reduce((total, stage) => total + (stages[stage]?.median ?? 0), 0);
    return [
      contenderLabel(result),
      ...STAGES.map((stage) => {
        const median = stages[stage]?.median;
        return median === undefined ? '—' : formatMicroseconds(median);
      }),
      formatMicroseconds(sum),
      formatMicroseconds(result.timing?.gpuPerRun?.median),
    ];
  });
  return `Stages (GPU median per run, each dispatch in its own timed pass):\n\n${markdownTable(
    ['kernel', 'LUT build', 'gather', 'split-K reduce', 'stage sum', 'one pass'],
    rows,
  )}`;
}

function goalsSection(run: BenchRun): string {
  if (!isH200(run)) {
    return "_The issue's goals are stated for an NVIDIA H200 and are judged only on an H200 run._";
  }
  const table = (verdicts: GoalVerdict[]) =>
    markdownTable(
      ['goal', 'target', 'measured', 'best this host allows', 'status'],
      verdicts.map((verdict) => [
        verdict.goal,
        verdict.target,
        verdict.measured,
        verdict.reach ?? '—',
        statusCell(verdict),
      ]),
    );
  // The issue's goals only: a verdict reported beside them (8-bit tables) is listed, not counted.
  const metOf = (verdicts: GoalVerdict[]) =>
    `${verdicts.filter((verdict) => verdict.status === 'met' && !verdict.beside).length} of ${verdicts.filter((verdict) => !verdict.beside).length} met`;
  const verdicts = judgeGoals(run);
  const besideCount = verdicts.filter((verdict) => verdict.beside).length;
  const besideNote =
    besideCount > 0
      ? ` The last ${besideCount === 1 ? 'row is' : `${besideCount} rows are`} not among the issue's goals: its speed-up goals again with the layer on 8-bit lookup tables (executor option \`tableBits: 8\`), an opt-in accuracy level like \`MatMulNBits\`' \`accuracy_level=4\` (the bundled model keeps its top-1, 93.81% against 93.83%); ${besideCount === 1 ? 'it is' : 'they are'} listed, not counted.`
      : '';
  const parts = [
    `${metOf(verdicts)}.${besideNote} PQ times are the *auto* variant's (what pqweb ships), on layers with float32 codebooks as the issue states them. ${DENSE_BASELINE_NOTE} ${FLOOR_NOTE}\n\n${table(verdicts)}`,
  ];
  const hasFloat16 = run.results.some(
    (result) => result.contender.method === 'pq' && codebookDtypeOf(result.contender) === 'float16',
  );
  if (hasFloat16) {
    const half = judgeGoals(run, 'float16');
    parts.push(
      `#### The same goals with float16 codebooks\n\n${metOf(half)}. ${FLOAT16_NOTE}\n\n${table(half)}`,
    );
  }
  return parts.join('\n\n');
}

/** What the float16-codebook goals table judges, and why it is apart from the issue's. */
const FLOAT16_NOTE =
  'The same layers and codes with each codebook rounded to float16 and kept as float16 on the GPU, as pqweb runs a ' +
  '.pqw compressed with `--codebook float16` (the demo model is): the kernels widen each value exactly, and the ' +
  "check compares with the CPU twin on the rounded codebook. Half the codebook bytes, so each layer's bandwidth " +
  'bound is smaller. The issue states its byte counts with float32 codebooks, so these goals are reported beside ' +
  'its table, not in it.';

/** What the goals table's "best this host allows" column is (analysis.ts floorTimeUs). */
const FLOOR_NOTE =
  "The column *best this host allows* puts a floor under pqweb's time: its fixed per-run cost (the dense kernel on a 1×1 layer, under Ceilings) plus the layer's bandwidth bound, on the wall clock no less than the fixed wall cost (or than the least wall time a pqweb layer of the run took, where a disturbed probe read more). It is an estimate from two probes, not a measured kernel; where even the floor misses a target, no faster kernel can meet that goal on this host, only a cheaper dispatch or submit (*out of reach on this host*). On the wall clock that floor is mostly the CPU cost of a submit, which moves from run to run (see each run's fixed wall cost), so a wall-clock goal near it may read out of reach in one run and not in another.";

/**
 * What the "vs dense" goals compare with, and why the batch-8 one flatters the PQ layer: the measurements are of
 * pqweb's dense kernel, which at batch 8 moves W below the copy bandwidth (docs/kernel-attempts.md, steps 35, 37, 65,
 * 68 and 69).
 */
const DENSE_BASELINE_NOTE =
  "The dense fp32 baseline is pqweb's own dense kernel: at batch 1 it streams W near the copy bandwidth, but at " +
  'batch 8 it moves W below it (about 3.5 TB/s at 16384² since step 69, against 4.4 TB/s at batch 1), so the batch-8 ' +
  'ratio still flatters the PQ layer a little against a dense kernel at the full rate ' +
  '([docs/kernel-attempts.md](docs/kernel-attempts.md), steps 35, 37, 65, 68 and 69).';

function runSection({ file, run }: LoadedRun): string {
  const parts: string[] = [];
  parts.push(`## ${runTitle(run)} — ${run.date.slice(0, 10)}`);
  const machine = run.machine;
  const adapter = run.adapter;
  parts.push(
    [
      `- Data: [\`${file}\`](${file}); command: \`${run.command}\`; ${run.grid} grid; ${run.elapsedS.toFixed(0)} s${run.truncated ? ' (**cut short by the time budget**)' : ''}.`,
      ...resumedLines(run),
      `- Machine: ${machine.cpus} × ${machine.cpuCount}, ${formatBytes(machine.memoryBytes)} RAM, Node ${machine.node}, ${machine.platform}-${machine.arch}${machine.driver ? `; driver: ${machine.driver}` : ''}.`,
      `- Adapter: vendor \`${adapter.vendor}\`, architecture \`${adapter.architecture}\`, device \`${adapter.device}\`, description \`${adapter.description}\`; features: ${adapter.features.join(', ')}.`,
      `- Timer: ${run.timer === 'gpu-timestamps' ? 'GPU timestamps + wall' : 'wall only'}; warm-up ${run.timing.warmupMs} ms before each contender's series, ~${run.timing.seriesTargetMs} ms per series, ${run.timing.gpuSeries} GPU + ${run.timing.wallSeries} wall series per round, ${run.timing.rounds} round(s); pqweb's wall series ${WALL_SUBMITS_TEXT[run.timing.wallSubmits ?? 'per-series']}.`,
      `- onnxruntime-node ${run.ort.version ?? ''}: ${run.ort.available ? 'WebGPU EP in use' : `not measured — ${run.ort.reason}`}.`,
    ].join('\n'),
  );
  if (adapter.isSwiftShader) {
    parts.push(
      '> **SwiftShader is a CPU implementation of Vulkan.** These timings show that the benchmark runs end to end and that every kernel is correct on this machine; they say nothing about GPU speed, and the ratios between kernels are those of a 2-core CPU, not of a GPU.',
    );
  }
  parts.push(`### Ceilings\n\n${probesSection(run)}`);
  parts.push(`### Goals\n\n${goalsSection(run)}`);
  if (run.notes.length > 0) parts.push(`### Notes\n\n${run.notes.map((note) => `- ${note}`).join('\n')}`);
  const cells = new Map<string, KernelResult[]>();
  for (const result of run.results) {
    const key = `${result.shape.name}\u0000${result.batch}`;
    cells.set(key, [...(cells.get(key) ?? []), result]);
  }
  for (const cell of cells.values()) {
    const first = cell[0];
    if (!first) continue;
    const full = resultsFor(run, first.shape.name, first.batch);
    const stages = stagesTable(full);
    parts.push(
      `### ${first.shape.name} (${first.shape.rows}×${first.shape.cols}), batch ${first.batch}${resumedCellNote(run, { shape: first.shape.name, batch: first.batch })}\n\n${cellTable(run, full)}${stages ? `\n\n${stages}` : ''}`,
    );
  }
  return parts.join('\n\n');
}

type ProjectedSpec = { label: string; spec: ContenderSpec };

const PROJECTED: readonly ProjectedSpec[] = [
  { label: 'dense fp32', spec: { engine: 'pqweb', method: 'dense' } },
  {
    label: 'int4 (MatMulNBits)',
    spec: { engine: 'ort', method: 'matmulnbits', bits: 4, blockSize: 32, accuracyLevel: 0 },
  },
  { label: 'k-means 4-bit', spec: { engine: 'pqweb', method: 'kmeans', k: 16, bits: 4 } },
  {
    label: 'PQ d=4 k=256',
    spec: { engine: 'pqweb', method: 'pq', d: 4, k: 256, variant: 'fused', isAuto: true },
  },
  {
    label: 'PQ d=4 k=16',
    spec: { engine: 'pqweb', method: 'pq', d: 4, k: 16, variant: 'fused', isAuto: true },
  },
  {
    label: 'PQ d=8 k=256',
    spec: { engine: 'pqweb', method: 'pq', d: 8, k: 256, variant: 'fused', isAuto: true },
  },
  {
    label: 'PQ d=8 k=16',
    spec: { engine: 'pqweb', method: 'pq', d: 8, k: 16, variant: 'fused', isAuto: true },
  },
];

/** The result in `run` that measured `spec` on `shape` at batch 1 (PQ: the auto variant). */
function measuredAtBatch1(
  run: BenchRun | null,
  shape: { name: string },
  spec: ContenderSpec,
): KernelResult | undefined {
  if (!run) return undefined;
  return run.results.find((result) => {
    const other = result.contender;
    if (result.shape.name !== shape.name || result.batch !== 1 || other.method !== spec.method) return false;
    if (!isDefaultRow(other)) return false;
    if (other.method === 'pq' && spec.method === 'pq') return other.d === spec.d && other.k === spec.k;
    if (other.method === 'kmeans' && spec.method === 'kmeans') return other.k === spec.k;
    if (other.method === 'matmulnbits' && spec.method === 'matmulnbits') {
      return other.accuracyLevel === spec.accuracyLevel;
    }
    return true;
  });
}

/** `measured`: the H200 run whose batch-1 times are shown next to the projection (the one with most results). */
function phonesSection(measured: BenchRun | null): string {
  const shapes = [...REFERENCE_HEAD, ...FULL_SHAPES.filter((shape) => !REFERENCE_HEAD.includes(shape))];
  const projected = (shape: { rows: number; cols: number }, spec: ContenderSpec) => {
    const bytes = floorBytes(bytesMoved(spec, shape, 1));
    return { bytes, us: (bytes / PHONE_BANDWIDTH) * MICROSECONDS_PER_SECOND };
  };
  const rows = shapes.map((shape) => {
    const dense = projected(shape, PROJECTED[0].spec);
    return [
      `${shape.name}`,
      ...PROJECTED.map(({ spec }, i) => {
        const cell = projected(shape, spec);
        const faster = i === 0 ? '' : `, ${formatRatio(dense.us / cell.us)}`;
        const result = measuredAtBatch1(measured, shape, spec);
        const time = result ? representativeTime(result) : null;
        const onH200 = time ? `; H200: ${formatMicroseconds(time.us)} ${time.clock}` : '';
        return `${formatMicroseconds(cell.us)} (${formatBytes(cell.bytes)}${faster})${onH200}`;
      }),
    ];
  });
  const head = REFERENCE_HEAD.map((shape) => projected(shape, PROJECTED[0].spec).us).reduce(
    (a, b) => a + b,
    0,
  );
  const headPq = REFERENCE_HEAD.map((shape) => projected(shape, PROJECTED[3].spec).us).reduce(
    (a, b) => a + b,
    0,
  );
  return `## Phones, projected

**A projection, not a measurement.** Per-layer time at batch 1 if a phone GPU streamed exactly the bytes the
layer must move (weights + x + y, as in the bound above) at ${PHONE_BANDWIDTH / 1e9} GB/s (phones have 50–70 GB/s,
shared/paper.md), with ratios against dense fp32. It ignores launch overhead, LUT building, caches and every
other cost; at batch 1 on a phone it is the floor each format can reach. The fashion-vgg head (fc1 + fc2):
dense ${formatMicroseconds(head)} vs PQ d=4 k=256 ${formatMicroseconds(headPq)}.${
    measured
      ? ` Next to each projection, **measured**: the same layer at batch 1 on the H200 (${measured.date.slice(0, 10)} run above; PQ: the auto variant; gpu = GPU timestamps, wall = onnxruntime's wall time per run). Where the H200 time is far above its own bandwidth bound, a phone will be far above this projection too.`
      : ''
  }

${markdownTable(['layer', ...PROJECTED.map(({ label }) => label)], rows)}`;
}

/** A verdict's status and figure in one short cell: "met (1.83×)", "missed (5.70×)". */
function shortVerdict(verdict: GoalVerdict): string {
  if (verdict.status === 'not measured') return 'not measured';
  return `${verdict.status}${verdict.figure ? ` (${verdict.figure})` : ''}`;
}

/** In how many of the runs that measured a goal (their statuses) it was met: all of them, some, or none. */
function metInRuns(statuses: readonly GoalVerdict['status'][]): 'every' | 'some' | 'none' {
  const met = statuses.filter((status) => status === 'met').length;
  if (met > 0 && met === statuses.length) return 'every';
  return met > 0 ? 'some' : 'none';
}

/**
 * One goal's verdict across the runs that measured it (their statuses): met in every run, met in some (bold), or not
 * met in any, saying how many of those read 'unstable' (met on the medians but not in every round) rather than missed.
 */
export function acrossRunsVerdict(statuses: readonly GoalVerdict['status'][]): string {
  const runs = statuses.length;
  const met = statuses.filter((status) => status === 'met').length;
  const unstable = statuses.filter((status) => status === 'unstable').length;
  if (runs === 0) return 'not measured';
  const metIn = metInRuns(statuses);
  if (metIn === 'every') return `met in ${runs === 1 ? 'its' : 'every'} run`;
  if (metIn === 'some') return `**met in ${met} of ${runs} runs**`;
  if (unstable === 0) return `missed in ${runs === 1 ? 'its' : 'every'} run`;
  if (unstable === runs) return `unstable in ${runs === 1 ? 'its' : 'every'} run`;
  return `not met in any run (unstable in ${unstable} of ${runs})`;
}

/**
 * The issue's goals (float32 codebooks, the counted ones) in every H200 run side by side, where there are several: a
 * goal at its edge can read met in one run and missed in the next, which one run's count alone would hide. Empty
 * with fewer than two H200 runs.
 */
export function goalsAcrossRunsSection(runs: readonly LoadedRun[]): string {
  const judged = runs
    .filter(({ run }) => isH200(run))
    .map(({ run }) => ({ run, verdicts: judgeGoals(run).filter((verdict) => !verdict.beside) }));
  if (judged.length < 2) return '';
  const goals = [...new Set(judged.flatMap(({ verdicts }) => verdicts.map((verdict) => verdict.goal)))];
  let everyRun = 0;
  let someRuns = 0;
  const rows = goals.map((goal) => {
    const perRun = judged.map(({ verdicts }) => verdicts.find((verdict) => verdict.goal === goal));
    const measured = perRun.filter(
      (verdict): verdict is GoalVerdict => verdict !== undefined && verdict.status !== 'not measured',
    );
    const statuses = measured.map((verdict) => verdict.status);
    const metIn = metInRuns(statuses);
    if (metIn === 'every') everyRun++;
    if (metIn === 'some') someRuns++;
    return [
      goal,
      ...perRun.map((verdict) => (verdict ? shortVerdict(verdict) : 'not measured')),
      acrossRunsVerdict(statuses),
    ];
  });
  const headers = [
    'goal',
    ...judged.map(({ run }) => `${runTitle(run)}, ${run.date.slice(0, 10)}`),
    'across runs',
  ];
  return `## The issue's goals across the H200 runs

Met in every run that measured it: ${everyRun} of ${goals.length}; met in some runs but not all: ${someRuns}.
Each run's own table, with the targets and the shortfalls, is in its section below. A goal that reads met in one run
and missed in another sits within the spread between runs: it is not counted as met.

${markdownTable(headers, rows)}`;
}

/** The whole BENCHMARKS.md. Runs are listed H200 first, then other GPUs, then SwiftShader. */
export function renderBenchmarks(runs: readonly LoadedRun[], e2eRuns: readonly LoadedE2eRun[] = []): string {
  const rank = ({ run }: LoadedRun) => (isH200(run) ? 0 : run.adapter.isSwiftShader ? 2 : 1);
  const ordered = [...runs].sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file));
  const parts = [
    '# Benchmarks',
    '_Generated by `pnpm bench:report` from `bench/results/*.json`; edit the generator (bench/lib/report), not this file._',
    `Kernel benchmarks of pqweb's WebGPU lookup-table kernels on product-quantized codes against dense fp32 and
onnxruntime's int4 \`MatMulNBits\`. Reproduce:

- any machine with a Vulkan GPU (or SwiftShader): \`pnpm bench:kernels\` (\`--quick\`, \`--shapes 4096x4096\`,
  \`--batches 1,8\`; the quick grid is automatic on SwiftShader), then \`pnpm bench:report\`;
- the bare NVIDIA host of shared/gpu-host.md: \`bash scripts/gpu-host/prepare.sh\` here, then
  \`bash scripts/gpu-host/run.sh\` there from the repository root (with \`.gpu/\` carried along);
- the browser, end to end: \`pnpm bench:e2e\` (bench/README.md).

${
  anyResumed(runs)
    ? `Each run below is one process, except the cells its header names as timed by a later process
(\`bench:kernels --resume\`, which finishes a run its time budget cut short, or with \`--retime\` times again a cell
whose kernels changed); such a process times each cell whole, so every ratio is still measured side by side in one
process.`
    : 'Each run below is one process: its ratios are measured side by side.'
} What was tried on the kernels, with the
prediction and the result of each attempt, is in [docs/kernel-attempts.md](docs/kernel-attempts.md).`,
    ordered.length === 0 ? '_No results yet: run `pnpm bench:kernels`._' : '',
    goalsAcrossRunsSection(ordered),
    ...ordered.map(runSection),
    renderE2eSection(e2eRuns),
    phonesSection(
      ordered
        .filter(({ run }) => isH200(run))
        .map(({ run }) => run)
        .sort((a, b) => b.results.length - a.results.length)[0] ?? null,
    ),
    methodSection(),
  ];
  return `${parts.filter((part) => part.length > 0).join('\n\n')}\n`;
}
