/**
 * The "Browser, end to end" section of BENCHMARKS.md from bench/results/e2e-*.json (bench/e2e.ts): per run a
 * table of the four rows, the machine, browser and adapter, the top-1 checks, and the issue's two goals —
 * compressed latency ≤ dense (per backend) and ≥ 10× fewer model bytes — met or missed by how much.
 */
import type { E2eRowId, E2eRowResult, E2eRun } from '../../e2e/results';
import { type GoalVerdict, spreadNote, statusCell, statusWord, unlessSomeRoundMisses } from './analysis';
import { formatBytes, formatRatio, markdownTable } from './format';

export interface LoadedE2eRun {
  /** Path of the JSON file, relative to the repository root. */
  file: string;
  run: E2eRun;
}

/** The issue's byte goal: the compressed model at least this many times smaller than the dense one. */
export const MODEL_BYTES_GOAL = 10;
const MS_PER_SECOND = 1000;

export function formatMilliseconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= MS_PER_SECOND) return `${(ms / MS_PER_SECOND).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function measuredRow(run: E2eRun, id: E2eRowId): NonNullable<E2eRowResult['measured']> | null {
  return run.rows.find((row) => row.id === id)?.measured ?? null;
}

/** The dense row a pqweb row is compared with: onnxruntime-web on the same backend. */
export function denseCounterpart(id: E2eRowId): E2eRowId | null {
  if (id === 'pqweb-webgpu') return 'ort-webgpu';
  if (id === 'pqweb-wasm') return 'ort-wasm';
  return null;
}

/** Model bytes the page downloaded for each engine: the largest over its rows (pqweb) and the smallest (dense). */
export function modelBytes(run: E2eRun): { compressed: number | null; dense: number | null } {
  const bytes = (engine: 'pqweb' | 'ort') =>
    run.rows.flatMap((row) => (row.engine === engine && row.measured ? [row.measured.bytes.model] : []));
  const compressed = bytes('pqweb');
  const dense = bytes('ort');
  return {
    compressed: compressed.length > 0 ? Math.max(...compressed) : null,
    dense: dense.length > 0 ? Math.min(...dense) : null,
  };
}

const NOT_MEASURED = { measured: 'not measured', status: 'not measured', shortfall: null } as const;

function latencyGoal(run: E2eRun, backend: 'webgpu' | 'wasm'): GoalVerdict {
  const label = backend === 'webgpu' ? 'WebGPU' : 'wasm';
  const goal = `compressed latency ≤ dense, ${label}: pqweb ${label} vs ORT-web ${label} (steady median)`;
  const pqweb = measuredRow(run, `pqweb-${backend}`);
  const dense = measuredRow(run, `ort-${backend}`);
  if (!pqweb || !dense) return { goal, target: '≤ 1×', ...NOT_MEASURED };
  const ratio = pqweb.steady.median / dense.steady.median;
  // The browser's clock is quantized (0.1 ms without cross-origin isolation), so two equal medians can differ by
  // the float error of subtracting its readings (3.9000000060 against 3.8999999985 ms): that is equal, and ≤.
  const noSlower = (pqwebMs: number, denseMs: number) => pqwebMs <= denseMs + CLOCK_FLOAT_ERROR_MS;
  const met = noSlower(pqweb.steady.median, dense.steady.median);
  const spread =
    spreadNote(pqweb.roundMedians, formatMilliseconds, '', 'pqweb') +
    spreadNote(dense.roundMedians, formatMilliseconds, '', 'dense');
  const verdict: GoalVerdict = {
    goal,
    target: '≤ 1×',
    measured: `${formatRatio(ratio)}: ${formatMilliseconds(pqweb.steady.median)} vs ${formatMilliseconds(dense.steady.median)} (p90 ${formatMilliseconds(pqweb.steady.p90)} vs ${formatMilliseconds(dense.steady.p90)})${spread}`,
    status: met ? 'met' : 'missed',
    shortfall: met ? null : `${formatRatio(ratio)} slower than dense`,
  };
  const sides = [pqweb, dense].map((row) => ({ time: row.steady.median, rounds: row.roundMedians }));
  return unlessSomeRoundMisses(verdict, sides, ([pqwebMs, denseMs]) =>
    pqwebMs !== undefined && denseMs !== undefined ? noSlower(pqwebMs, denseMs) : false,
  );
}

/** Far below the browser clock's resolution, far above the float error of its differences (see latencyGoal). */
const CLOCK_FLOAT_ERROR_MS = 1e-6;

function bytesGoal(run: E2eRun): GoalVerdict {
  const goal = 'compressed model downloads ≥ 10× fewer bytes than the dense one';
  const target = `≥ ${MODEL_BYTES_GOAL}×`;
  const { compressed, dense } = modelBytes(run);
  if (compressed === null || dense === null || compressed === 0) return { goal, target, ...NOT_MEASURED };
  const ratio = dense / compressed;
  const met = ratio >= MODEL_BYTES_GOAL;
  return {
    goal,
    target,
    measured: `${formatRatio(ratio)}: ${formatBytes(compressed)} vs ${formatBytes(dense)}`,
    status: met ? 'met' : 'missed',
    shortfall: met ? null : `needs ${formatRatio(MODEL_BYTES_GOAL / ratio)} fewer bytes`,
  };
}

/** The issue's end-to-end goals, judged on one run (on any adapter: they are ratios on the same machine). */
export function judgeE2eGoals(run: E2eRun): GoalVerdict[] {
  return [latencyGoal(run, 'webgpu'), latencyGoal(run, 'wasm'), bytesGoal(run)];
}

function isSwiftShader(run: E2eRun): boolean {
  return run.adapter?.isSwiftShader ?? false;
}

function runTitle(run: E2eRun): string {
  const adapter = run.adapter;
  if (!adapter) return 'no WebGPU adapter';
  if (adapter.isSwiftShader) return 'SwiftShader (CPU Vulkan), dev machine';
  return (
    [adapter.vendor, adapter.device || adapter.architecture].filter(Boolean).join(' ') || adapter.description
  );
}

function rowTable(run: E2eRun): string {
  const rows = run.rows.map((row) => {
    const m = row.measured;
    if (!m) return [row.label, `skipped: ${row.skipped ?? 'not run'}`, ...Array<string>(8).fill('—')];
    const denseId = denseCounterpart(row.id);
    const dense = denseId ? measuredRow(run, denseId) : null;
    const versusDense = dense
      ? [
          formatRatio(m.steady.median / dense.steady.median),
          `${formatRatio(dense.bytes.model / m.bytes.model)} fewer`,
        ]
      : ['(dense)', '(dense)'];
    const check = m.check.passed
      ? `${m.check.images}/${m.check.images}`
      : `**${m.check.images - m.check.mismatches.length}/${m.check.images}**`;
    return [
      row.label,
      formatMilliseconds(m.loadMs),
      formatMilliseconds(m.firstClassifyMs),
      formatMilliseconds(m.steady.median),
      formatMilliseconds(m.steady.p90),
      formatBytes(m.bytes.model),
      formatBytes(m.bytes.ortWasm),
      ...versusDense,
      `${check} (max |Δlogit| ${m.check.maxAbsLogitDiff.toExponential(1)})`,
    ];
  });
  return markdownTable(
    [
      'row',
      'load',
      'first classify',
      'median',
      'p90',
      'model bytes',
      'ORT wasm bytes',
      'median ÷ dense',
      'model bytes vs dense',
      'top-1 = reference',
    ],
    rows,
  );
}

function goalsTable(run: E2eRun): string {
  const verdicts = judgeE2eGoals(run);
  const met = verdicts.filter((verdict) => verdict.status === 'met').length;
  const rows = verdicts.map((verdict) => [
    verdict.goal,
    verdict.target,
    verdict.measured,
    statusCell(verdict),
  ]);
  return `${met} of ${verdicts.length} met.\n\n${markdownTable(['goal', 'target', 'measured', 'status'], rows)}`;
}

function agreementLine(run: E2eRun): string {
  const { agreement } = run;
  const measured = run.rows.filter((row) => row.measured);
  const base = `Top-1: the ${measured.length} rows agree with each other on ${agreement.agreeing} of ${agreement.images} images`;
  if (agreement.disagreements.length === 0) return `${base}.`;
  const list = agreement.disagreements
    .map(
      (d) =>
        `#${d.image} (${Object.entries(d.top1)
          .map(([id, top1]) => `${id} ${top1}`)
          .join(
            ', ',
          )}${d.explainedByModels ? '; the two models differ there in onnxruntime-node too' : '; **not explained by the models**'})`,
    )
    .join('; ');
  return `${base}; they differ on ${list}.`;
}

function totalBytesLine(run: E2eRun): string | null {
  const pqweb = measuredRow(run, 'pqweb-webgpu') ?? measuredRow(run, 'pqweb-wasm');
  const dense = measuredRow(run, 'ort-webgpu') ?? measuredRow(run, 'ort-wasm');
  if (!pqweb || !dense) return null;
  const total = (m: typeof pqweb) => m.bytes.model + m.bytes.ortWasm;
  return `- First visit, model + onnxruntime-web's wasm (both paths need the wasm: pqweb runs its conv backbone on it): ${formatBytes(total(pqweb))} vs ${formatBytes(total(dense))} (${formatRatio(total(dense) / total(pqweb))} fewer). Page scripts are not counted: the dev server serves them unbundled.`;
}

/** Where a pqweb call spends its time, from the runtime's own timings (medians per stage). */
function stagesLine(run: E2eRun): string | null {
  const parts = run.rows.flatMap((row) => {
    const stages = row.measured?.stages;
    if (row.engine !== 'pqweb' || !stages) return [];
    const backbone = row.measured?.engineInfo.backbone === 'webgpu' ? 'WebGPU EP' : 'wasm EP';
    const kernels = row.measured?.engineInfo.kernels ?? [];
    const head =
      row.backend === 'webgpu'
        ? 'LUT kernels and read-back'
        : `CPU executor${kernels.length > 0 ? `, per layer ${kernels.join(' / ')}` : ''}`;
    return [
      `${row.label}: preprocess ${formatMilliseconds(stages.preprocess.median)}, backbone (onnxruntime-web ${backbone}) ${formatMilliseconds(stages.backbone.median)}, head (${head}) ${formatMilliseconds(stages.head.median)}`,
    ];
  });
  if (parts.length === 0) return null;
  return `Where pqweb's time goes (its own per-stage timings, medians over the timed calls; host clocks, so on WebGPU GPU work still queued by the backbone is waited for in the head's read-back): ${parts.join('; ')}.`;
}

function roundsLine(settings: E2eRun['settings']): string {
  const wasm = settings.wasm;
  const wasmCounts = wasm ? ` (the wasm rows: ${wasm.warmup} warm-up, then ${wasm.runs} timed)` : '';
  const perRound = `load, first classify, ${settings.warmup} warm-up call(s), then ${settings.runs} timed calls${wasmCounts}`;
  const rounds = settings.rounds ?? 1;
  if (rounds === 1) return `- Per row: ${perRound} (median, p90); ${settings.imageSource}.`;
  return `- Per row, in each of ${rounds} rounds (every row once per round, each in a fresh browser, the order reversed from one round to the next): ${perRound}. Median and p90 pool the timed calls of all rounds (the medians of single rounds are listed below the table); load and first classify are the rounds' medians. ${settings.imageSource}.`;
}

/** The per-round steady medians, where the run has more than one round. */
function roundMediansLine(run: E2eRun): string | null {
  const parts = run.rows.flatMap((row) => {
    const medians = row.measured?.roundMedians;
    return medians && medians.length > 1
      ? [`${row.label} ${medians.map((value) => formatMilliseconds(value)).join(', ')}`]
      : [];
  });
  return parts.length > 0 ? `Steady median of each round: ${parts.join('; ')}.` : null;
}

function runSection({ file, run }: LoadedE2eRun): string {
  const { machine, browser, adapter, settings, models } = run;
  const lines = [
    `- Data: [\`${file}\`](${file}); command: \`${run.command}\`; ${run.elapsedS.toFixed(0)} s.`,
    `- Machine: ${machine.cpus} × ${machine.cpuCount}, ${formatBytes(machine.memoryBytes)} RAM, ${machine.platform}-${machine.arch}${machine.driver ? `; driver: ${machine.driver}` : ''}.`,
    `- Browser: Chromium ${browser.version} (\`${browser.executable}\`, headless, ${browser.flags.map((flag) => `\`${flag}\``).join(' ')}).`,
    adapter
      ? `- WebGPU adapter: vendor \`${adapter.vendor}\`, architecture \`${adapter.architecture}\`, device \`${adapter.device}\`, description \`${adapter.description}\`; features: ${adapter.features.join(', ') || 'none'}.`
      : `- WebGPU adapter: none (${run.adapterReason ?? 'unknown reason'}); the WebGPU rows are skipped.`,
    roundsLine(settings),
    `- Models: \`${models.compressed.path}\` ${formatBytes(models.compressed.bytes)} (sha256 ${models.compressed.sha256.slice(0, 12)}…), \`${models.dense.path}\` ${formatBytes(models.dense.bytes)} (sha256 ${models.dense.sha256.slice(0, 12)}…).`,
    run.crossOriginIsolated
      ? "- The page is cross-origin isolated, so its clock resolves about 5 µs (an ordinary page's 0.1 ms is a twentieth of a wasm call); onnxruntime-web's wasm is pinned to one thread in both paths, as an ordinary page runs it."
      : "- The page is not cross-origin isolated, so onnxruntime-web's wasm runs on one thread, for both paths, and its clock resolves 0.1 ms.",
    totalBytesLine(run),
  ].filter((line): line is string => line !== null);
  const parts = [`### ${runTitle(run)} — ${run.date.slice(0, 10)}`, lines.join('\n')];
  if (isSwiftShader(run)) {
    parts.push(
      '> **SwiftShader is a CPU implementation of WebGPU (Vulkan on the CPU).** The WebGPU rows here show that both paths run and agree in a real browser; their latencies are those of a 2-core CPU emulating a GPU, not GPU speed, and the WebGPU goal below says nothing about a real GPU.',
    );
  }
  parts.push(rowTable(run));
  const roundMedians = roundMediansLine(run);
  if (roundMedians) parts.push(roundMedians);
  const stages = stagesLine(run);
  if (stages) parts.push(stages);
  parts.push(agreementLine(run));
  parts.push(`#### Goals\n\n${goalsTable(run)}`);
  if (run.notes.length > 0) parts.push(`#### Notes\n\n${run.notes.map((note) => `- ${note}`).join('\n')}`);
  return parts.join('\n\n');
}

const INTRO = `The reference model as a web page gets it: the compressed \`.pqw\` through \`@pqweb/runtime\`'s
\`loadClassifier\` (WebGPU: conv backbone on onnxruntime-web's WebGPU EP and the head's LUT kernels on one device;
wasm: backbone on onnxruntime-web's wasm EP, head on the CPU executor: the WebAssembly SIMD LUT kernel for PQ / RQ
layers with k ≤ 16, JavaScript for the rest) against the dense \`.onnx\` through
onnxruntime-web's \`InferenceSession\` (WebGPU EP, wasm EP), in headless Chromium on the browser-test harness
(\`pnpm bench:e2e\`, bench/e2e.ts). Each row runs in a fresh browser, so no compiled shader, wasm or cached
file carries over. *Load* = fetch of the model + classifier or session creation (onnxruntime-web fetches and
compiles its wasm then, for both paths); *first classify* = the first call after it (shader compilation);
*median*, *p90* = per call, from the same 28×28 ImageData to logits on the CPU, preprocessing included. *Model
bytes* = response bodies of the model file the page fetched; *ORT wasm bytes* are counted apart. Every row's
top-1 is checked against onnxruntime-node in Node (the dense ONNX; the \`.pqw\` as \`pqweb decompress\`
rebuilds it).`;

/** The lines `pnpm bench:e2e` prints last: each row's medians and bytes, then the goals. */
export function formatE2eSummary(run: E2eRun): string {
  const lines = [`== ${runTitle(run)} | Chromium ${run.browser.version} | ${run.elapsedS.toFixed(0)} s`];
  for (const row of run.rows) {
    const m = row.measured;
    lines.push(
      m
        ? `${row.label}: load ${formatMilliseconds(m.loadMs)}, first ${formatMilliseconds(m.firstClassifyMs)}, median ${formatMilliseconds(m.steady.median)}, p90 ${formatMilliseconds(m.steady.p90)}, model ${formatBytes(m.bytes.model)}, top-1 = reference ${m.check.images - m.check.mismatches.length}/${m.check.images}`
        : `${row.label}: skipped (${row.skipped ?? 'not run'})`,
    );
  }
  lines.push(agreementLine(run));
  for (const verdict of judgeE2eGoals(run)) {
    lines.push(
      `${statusWord(verdict)} ${verdict.goal}: ${verdict.measured}${verdict.shortfall ? ` (${verdict.shortfall})` : ''}`,
    );
  }
  return lines.join('\n');
}

/** The whole section; runs on real GPUs first, then SwiftShader, then runs without an adapter. */
export function renderE2eSection(runs: readonly LoadedE2eRun[]): string {
  const rank = ({ run }: LoadedE2eRun) => (!run.adapter ? 2 : run.adapter.isSwiftShader ? 1 : 0);
  const ordered = [...runs].sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file));
  const body =
    ordered.length === 0
      ? '_No results yet: run `pnpm bench:e2e`, then `pnpm bench:report`._'
      : ordered.map(runSection).join('\n\n');
  return `## Browser, end to end\n\n${INTRO}\n\n${body}`;
}
