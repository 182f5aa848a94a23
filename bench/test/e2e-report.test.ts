/**
 * The "Browser, end to end" section and its goals on synthetic runs whose times and bytes are chosen here, so
 * every expected ratio is computed from those inputs.
 */
import { describe, expect, it } from 'vitest';
import { E2E_ROWS, type E2eRowResult, type E2eRun, parseE2eRun } from '../e2e/results';
import { formatMilliseconds, judgeE2eGoals, modelBytes, renderE2eSection } from '../lib/report/e2e';
import { summarize } from '../lib/stats';

const COMPRESSED_BYTES = 891_344;
const DENSE_BYTES = 15_232_123;
const WASM_BYTES = 26_781_914;

function row(
  id: E2eRowResult['id'],
  steadyMs: number[],
  modelBytesFetched: number,
  mismatches: number[] = [],
): E2eRowResult {
  const spec = E2E_ROWS.find((candidate) => candidate.id === id);
  if (!spec) throw new Error(id);
  return {
    ...spec,
    measured: {
      loadMs: 1500,
      firstClassifyMs: 800,
      warmupMs: [steadyMs[0] ?? 0],
      steady: summarize(steadyMs),
      steadySamples: steadyMs,
      stages:
        spec.engine === 'pqweb'
          ? {
              preprocess: summarize([0.1]),
              backbone: summarize([steadyMs[0] ?? 0]),
              head: summarize([0.5]),
            }
          : null,
      bytes: {
        model: modelBytesFetched,
        ortWasm: WASM_BYTES,
        other: 0,
        requests: [],
      },
      engineInfo: {
        backend: spec.backend,
        backbone: spec.engine === 'pqweb' ? (spec.backend === 'webgpu' ? 'webgpu' : 'cpu') : null,
        kernels: [],
        fallbackReason: null,
      },
      top1: [0, 1, 2, 3],
      check: {
        reference: 'onnxruntime-node',
        images: 4,
        mismatches,
        maxAbsLogitDiff: 1e-5,
        passed: mismatches.length === 0,
      },
    },
  };
}

function e2eRun(rows: E2eRowResult[], swiftShader: boolean): E2eRun {
  return {
    schema: 1,
    kind: 'e2e',
    date: '2026-11-28T21:00:00.000Z',
    command: 'pnpm bench:e2e',
    machine: {
      hostname: 'h',
      platform: 'linux',
      arch: 'x64',
      cpus: 'cpu',
      cpuCount: 2,
      memoryBytes: 2 ** 34,
      node: 'v20',
      driver: null,
    },
    browser: { executable: '/usr/bin/chromium', version: '156.0.8078.108', userAgent: 'UA', flags: ['--x'] },
    adapter: {
      vendor: swiftShader ? 'google' : 'nvidia',
      architecture: swiftShader ? 'swiftshader' : 'hopper',
      device: swiftShader ? '' : 'nvidia-h200',
      description: '',
      isSwiftShader: swiftShader,
      features: ['subgroups'],
      limits: {},
    },
    adapterReason: null,
    settings: { runs: 3, warmup: 1, images: 4, imageSource: 'Fashion-MNIST test set, images 0–3' },
    models: {
      compressed: { path: 'a.pqw', bytes: COMPRESSED_BYTES, sha256: 'c'.repeat(64) },
      dense: { path: 'a.onnx', bytes: DENSE_BYTES, sha256: 'd'.repeat(64) },
    },
    crossOriginIsolated: false,
    rows,
    agreement: { images: 4, agreeing: 4, disagreements: [], passed: true },
    elapsedS: 60,
    notes: [],
  };
}

describe('end-to-end goals', () => {
  // WebGPU: pqweb 5 ms vs dense 8 ms (met); wasm: pqweb 21 ms vs dense 10 ms (missed by 2.1×).
  const run = e2eRun(
    [
      row('pqweb-webgpu', [4, 5, 6], COMPRESSED_BYTES),
      row('pqweb-wasm', [20, 21, 22], COMPRESSED_BYTES),
      row('ort-webgpu', [7, 8, 9], DENSE_BYTES),
      row('ort-wasm', [9, 10, 11], DENSE_BYTES),
    ],
    false,
  );
  const goals = judgeE2eGoals(run);

  it('judges latency per backend on the steady medians', () => {
    const [webgpu, wasm] = goals;
    expect(webgpu?.status).toBe('met');
    expect(webgpu?.measured).toMatch(new RegExp(`^${(5 / 8).toFixed(2)}×: 5\\.00 ms vs 8\\.00 ms`));
    expect(wasm?.status).toBe('missed');
    expect(wasm?.shortfall).toBe(`${(21 / 10).toFixed(2)}× slower than dense`);
  });

  it('counts medians equal at the clock resolution as equal, and calls a goal met only if every round meets it', () => {
    const withRounds = (id: E2eRowResult['id'], median: number, rounds?: number[]): E2eRowResult => {
      const base = row(id, [median], COMPRESSED_BYTES);
      if (!base.measured) throw new Error('the fixture is measured');
      return { ...base, measured: { ...base.measured, roundMedians: rounds } };
    };
    const wasmGoal = (pqweb: E2eRowResult, dense: E2eRowResult) =>
      judgeE2eGoals(e2eRun([pqweb, dense], false))[1];
    // Two medians read off a 0.1 ms clock: equal up to the float error of subtracting its readings.
    expect(
      wasmGoal(withRounds('pqweb-wasm', 3.9000000059604645), withRounds('ort-wasm', 3.899999998509884))
        ?.status,
    ).toBe('met');
    // A real difference of a tenth of a millisecond is not float error.
    expect(wasmGoal(withRounds('pqweb-wasm', 4.0), withRounds('ort-wasm', 3.9))?.status).toBe('missed');
    // The same equal medians with the rounds of a noisy run (per round 1.29, 1.38, 1.00, 0.90, 0.92×): unstable.
    const verdict = wasmGoal(
      withRounds('pqweb-wasm', 3.9000000059604645, [3.6, 4.0, 4.0, 3.5, 4.05]),
      withRounds('ort-wasm', 3.899999998509884, [2.8, 2.9, 4.0, 3.9, 4.4]),
    );
    expect(verdict?.status).toBe('unstable');
    expect(verdict?.measured).toMatch(
      /; dense round medians 2\.80 ms \/ 2\.90 ms \/ 4\.00 ms \/ 3\.90 ms \/ 4\.40 ms \(spread > 25%\)$/,
    );
    // pqweb's own rounds spread by more than 25%, but every one is faster than every dense round: met.
    const webgpu = judgeE2eGoals(
      e2eRun(
        [
          { ...withRounds('pqweb-wasm', 321, [275, 345, 332, 282, 327]), id: 'pqweb-webgpu' },
          { ...withRounds('ort-wasm', 573, [589, 540, 537, 624, 584]), id: 'ort-webgpu' },
        ],
        false,
      ),
    )[0];
    expect(webgpu?.status).toBe('met');
  });

  it('judges the bytes goal on what the page fetched', () => {
    expect(modelBytes(run)).toEqual({ compressed: COMPRESSED_BYTES, dense: DENSE_BYTES });
    const bytes = goals[2];
    expect(bytes?.status).toBe('met');
    expect(bytes?.measured).toMatch(new RegExp(`^${(DENSE_BYTES / COMPRESSED_BYTES).toFixed(1)}×`));
    // A 2 MB compressed file against the same dense one: 7.6× < 10× → missed, needs 1.31× fewer bytes.
    const fat = e2eRun([row('pqweb-wasm', [1], 2_000_000), row('ort-wasm', [1], DENSE_BYTES)], false);
    const verdict = judgeE2eGoals(fat)[2];
    expect(verdict?.status).toBe('missed');
    expect(verdict?.shortfall).toBe(`needs ${(10 / (DENSE_BYTES / 2_000_000)).toFixed(2)}× fewer bytes`);
  });

  it('says "not measured" for a goal whose rows are missing or skipped', () => {
    const partial = e2eRun(
      [
        { ...row('pqweb-webgpu', [1], 1), measured: undefined, skipped: 'no WebGPU adapter: none' },
        row('pqweb-wasm', [2], COMPRESSED_BYTES),
        row('ort-wasm', [4], DENSE_BYTES),
      ],
      false,
    );
    expect(judgeE2eGoals(partial).map((goal) => goal.status)).toEqual(['not measured', 'met', 'met']);
    const markdown = renderE2eSection([{ file: 'bench/results/e2e-x.json', run: partial }]);
    expect(markdown).toContain('| pqweb, WebGPU | skipped: no WebGPU adapter: none |');
  });

  it('renders the table, the checks and the goals, with the SwiftShader caveat only for SwiftShader', () => {
    const markdown = renderE2eSection([{ file: 'bench/results/e2e-nvidia-h200.json', run }]);
    expect(markdown).toMatch(/^## Browser, end to end/);
    expect(markdown).toContain('### nvidia nvidia-h200 — 2026-11-28');
    expect(markdown).toContain('Chromium 156.0.8078.108');
    expect(markdown).toContain(
      `| pqweb, WebGPU | 1.50 s | 800 ms | 5.00 ms | ${formatMilliseconds(summarize([4, 5, 6]).p90)} | 870 KiB | 25.5 MiB | ${(5 / 8).toFixed(2)}× | ${(DENSE_BYTES / COMPRESSED_BYTES).toFixed(1)}× fewer |`,
    );
    expect(markdown).toContain('| ORT-web wasm, dense | 1.50 s | 800 ms | 10.0 ms |');
    expect(markdown).toContain('2 of 3 met.');
    expect(markdown).toMatch(/\*\*missed\*\* \(2\.10× slower than dense\)/);
    expect(markdown).toContain('agree with each other on 4 of 4 images.');
    expect(markdown).toContain('one thread, for both paths');
    expect(markdown).not.toContain('SwiftShader is a CPU implementation');
    const local = renderE2eSection([
      { file: 'bench/results/e2e-swiftshader.json', run: e2eRun(run.rows, true) },
    ]);
    expect(local).toContain('SwiftShader is a CPU implementation of WebGPU');
    expect(local).toContain('not GPU speed');
  });

  it("describes rounds and lists each round's median when a run has several", () => {
    const rounds = e2eRun(
      run.rows.map((r) => (r.measured ? { ...r, measured: { ...r.measured, roundMedians: [5, 6, 4] } } : r)),
      true,
    );
    rounds.settings = { ...rounds.settings, rounds: 3 };
    const markdown = renderE2eSection([{ file: 'bench/results/e2e-swiftshader.json', run: rounds }]);
    expect(markdown).toContain('in each of 3 rounds');
    expect(markdown).toContain('Steady median of each round: pqweb, WebGPU 5.00 ms, 6.00 ms, 4.00 ms');
    // One round (or a run from before rounds): the plain line, no per-round list.
    expect(renderE2eSection([{ file: 'f.json', run }])).not.toContain('Steady median of each round');
    expect(renderE2eSection([{ file: 'f.json', run }])).not.toContain('the wasm rows:');
    // Runs whose wasm rows took more calls say so.
    rounds.settings = { ...rounds.settings, wasm: { runs: 100, warmup: 10 } };
    const withWasm = renderE2eSection([{ file: 'bench/results/e2e-swiftshader.json', run: rounds }]);
    expect(withWasm).toContain('(the wasm rows: 10 warm-up, then 100 timed)');
  });

  it('marks a row whose top-1 left its reference, and rows that disagree', () => {
    const bad = e2eRun(
      [row('pqweb-wasm', [2], COMPRESSED_BYTES, [3]), row('ort-wasm', [4], DENSE_BYTES)],
      true,
    );
    bad.agreement = {
      images: 4,
      agreeing: 3,
      disagreements: [{ image: 3, top1: { 'pqweb-wasm': 9, 'ort-wasm': 3 }, explainedByModels: false }],
      passed: false,
    };
    const markdown = renderE2eSection([{ file: 'f.json', run: bad }]);
    expect(markdown).toContain('**3/4**');
    expect(markdown).toContain('#3 (pqweb-wasm 9, ort-wasm 3; **not explained by the models**)');
  });

  it('lists real GPUs before SwiftShader, and says how to get results when there are none', () => {
    const markdown = renderE2eSection([
      { file: 'bench/results/e2e-swiftshader.json', run: e2eRun(run.rows, true) },
      { file: 'bench/results/e2e-nvidia-h200.json', run },
    ]);
    expect(markdown.indexOf('### nvidia')).toBeLessThan(markdown.indexOf('### SwiftShader'));
    expect(renderE2eSection([])).toContain('_No results yet: run `pnpm bench:e2e`');
  });
});

describe('reading e2e result files', () => {
  it('accepts its own schema and refuses others with the reason', () => {
    const run = e2eRun([], true);
    expect(parseE2eRun(JSON.stringify(run), 'a.json').kind).toBe('e2e');
    expect(() => parseE2eRun('{"schema":1}', 'b.json')).toThrow(/b\.json is not an end-to-end/);
    expect(() => parseE2eRun(JSON.stringify({ ...run, kind: 'kernels' }), 'c.json')).toThrow(
      /kind "kernels"/,
    );
    expect(() => parseE2eRun(JSON.stringify({ ...run, schema: 2 }), 'd.json')).toThrow(
      /re-run pnpm bench:e2e/,
    );
  });
});
