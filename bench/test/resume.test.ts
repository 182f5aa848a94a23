/**
 * bench:kernels --resume on synthetic runs: which cells a second process times, the checks that it measures as
 * the first did, and the merge of its cells into the earlier run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OptionsError, parseOptions } from '../lib/options';
import {
  type BenchRun,
  type ContenderSpec,
  type DeviceProbes,
  type KernelResult,
  parseBenchRun,
  TIME_BUDGET_EXHAUSTED,
} from '../lib/results';
import {
  budgetExhaustedNote,
  budgetNoteShape,
  cellsToTime,
  checkResumable,
  checkResumableOrt,
  contenderMismatchNote,
  gridCells,
  mergeResumed,
  ResumeError,
  readEarlierRun,
} from '../lib/resume';
import { summarize } from '../lib/stats';

const DENSE: ContenderSpec = { engine: 'pqweb', method: 'dense' };
const PQ: ContenderSpec = { engine: 'pqweb', method: 'pq', d: 4, k: 16, variant: 'fused', isAuto: true };
const KMEANS: ContenderSpec = { engine: 'pqweb', method: 'kmeans', k: 16, bits: 4 };

/** A contender's result on one cell; `us` gives it a timing, a string skips it for that reason. */
function entry(shape: string, batch: number, spec: ContenderSpec, outcome: number | string): KernelResult {
  const [rows, cols] = shape.split('x').map(Number) as [number, number];
  return {
    shape: { name: shape, rows, cols },
    batch,
    id: `${spec.method} ${shape} b${batch}`,
    contender: spec,
    bytes: { weights: 1, activations: 1, lut: 0 },
    rotation: { weightCopies: 1, inputSets: 8, workingSetBytes: 2 },
    ...(typeof outcome === 'number'
      ? {
          timing: {
            wall: summarize([outcome]),
            gpuPerRun: summarize([outcome]),
            runsPerSeries: 10,
            roundMedians: [outcome],
          },
        }
      : { skipped: outcome }),
  };
}

/** Both timed contenders of a cell (PQ, dense), each `us` (or skipped). */
function cell(shape: string, batch: number, outcome: number | string): KernelResult[] {
  return [entry(shape, batch, PQ, outcome), entry(shape, batch, DENSE, outcome)];
}

function probes(copyBandwidth: number): DeviceProbes {
  const time = summarize([100]);
  return {
    copy: { bytes: 2 ** 28, time, bandwidth: copyBandwidth, timer: 'gpu' },
    emptyDispatch: time,
    emptyDispatchBackToBack: time,
    pqwebFixed: null,
    ortFixed: null,
    notes: [],
  };
}

function run(results: KernelResult[], overrides: Partial<BenchRun> = {}): BenchRun {
  return {
    schema: 1,
    date: '2026-12-01T06:35:17.865Z',
    command: 'bash scripts/gpu-host/run.sh --full --no-tunings --budget-s 580',
    grid: 'full',
    machine: {
      hostname: 'vm',
      platform: 'linux',
      arch: 'x64',
      cpus: 'cpu',
      cpuCount: 16,
      memoryBytes: 2 ** 37,
      node: 'v20',
      driver: 'NVRM 580',
    },
    adapter: {
      vendor: 'nvidia',
      architecture: '',
      device: 'nvidia-h200',
      description: 'NVIDIA: 580.159.04 580.159.4.0',
      isSwiftShader: false,
      features: ['timestamp-query'],
      limits: {},
    },
    dawnFlags: ['disable-dawn-features=timestamp_quantization'],
    timer: 'gpu-timestamps',
    timing: { warmupMs: 150, cellWarmupMs: 1000, seriesTargetMs: 10, gpuSeries: 8, wallSeries: 6, rounds: 2 },
    rotation: { l2Bytes: 60e6, targetBytes: 120e6, maxWeightCopies: 64, inputSets: 8 },
    seed: 2014,
    ort: { available: true, version: '1.30.0', reason: null },
    probes: probes(4e12),
    results,
    elapsedS: 580,
    truncated: false,
    notes: [],
    ...overrides,
  };
}

const A = '4096x4096';
const B = '1024x3136';
const C = '512x1024';
const SHAPES = [{ name: A }, { name: B }, { name: C }];
const GRID = gridCells(SHAPES, [1, 8]);

describe('the cells --resume times', () => {
  it('takes every cell with a contender the budget skipped, and every cell with no result, in grid order', () => {
    const earlier = [
      ...cell(A, 1, 10),
      // Partly timed: the budget ran out between the rounds of its contenders.
      entry(A, 8, PQ, 10),
      entry(A, 8, DENSE, TIME_BUDGET_EXHAUSTED),
      // Skipped for another reason: timing it again would skip it again.
      ...cell(B, 1, 'failed its correctness check'),
      ...cell(B, 8, TIME_BUDGET_EXHAUSTED),
      // C: "time budget of … exhausted before 512x1024", no result at all.
    ];
    expect(cellsToTime(earlier, GRID)).toEqual([
      { shape: A, batch: 8 },
      { shape: B, batch: 8 },
      { shape: C, batch: 1 },
      { shape: C, batch: 8 },
    ]);
  });

  it('keeps to the selected shapes and batches, and finds nothing in a whole run', () => {
    const earlier = [...cell(A, 1, 10), ...cell(A, 8, TIME_BUDGET_EXHAUSTED)];
    expect(cellsToTime(earlier, gridCells([{ name: A }], [1]))).toEqual([]);
    expect(cellsToTime(earlier, gridCells([{ name: A }], [8, 32]))).toEqual([
      { shape: A, batch: 8 },
      { shape: A, batch: 32 },
    ]);
    const whole = GRID.flatMap(({ shape, batch }) => cell(shape, batch, 10));
    expect(cellsToTime(whole, GRID)).toEqual([]);
  });

  it('times the cells --retime names again, timed or not, beside the untimed ones, in grid order', () => {
    const earlier = [
      ...cell(A, 1, 10),
      ...cell(A, 8, 10),
      ...cell(B, 1, 10),
      ...cell(B, 8, TIME_BUDGET_EXHAUSTED),
    ];
    expect(
      cellsToTime(earlier, GRID, [
        { shape: B, batch: 1 },
        { shape: A, batch: 8 },
      ]),
    ).toEqual([
      { shape: A, batch: 8 },
      { shape: B, batch: 1 },
      { shape: B, batch: 8 },
      { shape: C, batch: 1 },
      { shape: C, batch: 8 },
    ]);
    // A cell outside the selected grid is not added (bench:kernels refuses it before timing).
    expect(cellsToTime(earlier, gridCells([{ name: A }], [1]), [{ shape: B, batch: 1 }])).toEqual([]);
  });
});

describe('merging a resumed process into the earlier run', () => {
  // The earlier run: A whole (a contender that could not be built is listed for every batch at the top of its
  // shape, as bench:kernels does), B batch 1 timed, B batch 8 cut by the budget, C never reached.
  const buildFailure = (batch: number) => entry(A, batch, KMEANS, 'could not be built: too big');
  const earlier = run(
    [
      buildFailure(1),
      buildFailure(8),
      ...cell(A, 1, 10),
      ...cell(A, 8, 11),
      ...cell(B, 1, 12),
      ...cell(B, 8, TIME_BUDGET_EXHAUSTED),
    ],
    {
      truncated: true,
      notes: [budgetExhaustedNote(580, C), 'uncaptured GPU error: something'],
    },
  );
  const toTime = cellsToTime(earlier.results, GRID);
  const current = run([...cell(B, 8, 20), ...cell(C, 1, 21), ...cell(C, 8, 22)], {
    date: '2026-12-02T10:00:00.000Z',
    command: 'bash scripts/gpu-host/run.sh --full --no-tunings --budget-s 580 --resume bench/results/x.json',
    probes: probes(3.9e12),
    elapsedS: 75,
    notes: ['uncaptured GPU error: something', 'device lost (unknown): gone'],
  });
  const key = (result: KernelResult) => `${result.shape.name} b${result.batch} ${result.id}`;

  it('replaces exactly the cells it timed, in grid order, and keeps every other result as it was', () => {
    expect(toTime).toEqual([
      { shape: B, batch: 8 },
      { shape: C, batch: 1 },
      { shape: C, batch: 8 },
    ]);
    const merged = mergeResumed({ earlier, current, grid: GRID, finished: toTime });
    expect(merged.results.map(key)).toEqual(
      [...earlier.results.slice(0, 8), ...cell(B, 8, 20), ...cell(C, 1, 21), ...cell(C, 8, 22)].map(key),
    );
    // Kept results are the earlier objects themselves; the new cells are the resumed process's.
    expect(merged.results.slice(0, 8)).toEqual(earlier.results.slice(0, 8));
    expect(merged.results.filter((result) => result.shape.name === B && result.batch === 8)).toEqual(
      cell(B, 8, 20),
    );
  });

  it("keeps the first process's date, command, probes, seed and elapsed time, and records the second", () => {
    const merged = mergeResumed({ earlier, current, grid: GRID, finished: toTime });
    expect(merged).toMatchObject({
      date: earlier.date,
      command: earlier.command,
      probes: earlier.probes,
      seed: earlier.seed,
      elapsedS: 580,
      machine: earlier.machine,
      truncated: false,
    });
    expect(merged.resumed).toEqual([
      {
        date: current.date,
        command: current.command,
        elapsedS: 75,
        cells: toTime,
        machine: current.machine,
        probes: current.probes,
      },
    ]);
    // The budget note on C is answered; the process's own notes follow, once each, marked as its.
    expect(merged.notes).toEqual([
      'uncaptured GPU error: something',
      '(--resume 2026-12-02T10:00:00.000Z) device lost (unknown): gone',
    ]);
    // What is written reads back as a result file.
    expect(parseBenchRun(JSON.stringify(merged), 'merged.json')).toEqual(merged);
  });

  it('keeps the earlier results of cells it has not finished, so a stopped process leaves a resumable file', () => {
    const partial = { ...current, results: [...cell(B, 8, 20), ...cell(C, 1, 21)] };
    // C batch 1 has results, but the process had not finished the cell when it wrote.
    const merged = mergeResumed({
      earlier,
      current: partial,
      grid: GRID,
      finished: [{ shape: B, batch: 8 }],
    });
    expect(merged.truncated).toBe(true);
    expect(merged.notes).toContain(budgetExhaustedNote(580, C));
    expect(merged.results.some((result) => result.shape.name === C)).toBe(false);
    expect(cellsToTime(merged.results, GRID)).toEqual([
      { shape: C, batch: 1 },
      { shape: C, batch: 8 },
    ]);
    expect(merged.resumed?.[0]?.cells).toEqual([{ shape: B, batch: 8 }]);
    // Before it finished any cell, the file is the earlier run.
    const none = mergeResumed({ earlier, current: { ...partial, notes: [] }, grid: GRID, finished: [] });
    expect(none).toEqual(earlier);
  });

  it('stays truncated when the resumed process runs out of budget too', () => {
    const cut = {
      ...current,
      truncated: true,
      results: [
        ...cell(B, 8, 20),
        ...cell(C, 1, TIME_BUDGET_EXHAUSTED),
        ...cell(C, 8, TIME_BUDGET_EXHAUSTED),
      ],
    };
    const merged = mergeResumed({ earlier, current: cut, grid: GRID, finished: toTime });
    expect(merged.truncated).toBe(true);
    // Only the cell it timed is its; the rows it skipped wait for the next --resume.
    expect(merged.resumed?.[0]?.cells).toEqual([{ shape: B, batch: 8 }]);
    expect(cellsToTime(merged.results, GRID)).toEqual([
      { shape: C, batch: 1 },
      { shape: C, batch: 8 },
    ]);
  });

  it('places a cell the earlier run never reached between the cells around it in grid order', () => {
    // The earlier run timed A and C (say with --shapes A,C); the resumed one adds B with --shapes A,B,C.
    const sparse = run([...cell(A, 1, 10), ...cell(C, 1, 12)]);
    const grid = gridCells(SHAPES, [1]);
    const cells = cellsToTime(sparse.results, grid);
    expect(cells).toEqual([{ shape: B, batch: 1 }]);
    const merged = mergeResumed({
      earlier: sparse,
      current: run(cell(B, 1, 11)),
      grid,
      finished: cells,
    });
    expect(merged.results.map((result) => result.shape.name)).toEqual([A, A, B, B, C, C]);
  });

  it("puts a cell timed again after its shape's earlier cells, even where build failures head the shape", () => {
    const cutA = run([
      buildFailure(1),
      buildFailure(8),
      ...cell(A, 1, 10),
      ...cell(A, 8, TIME_BUDGET_EXHAUSTED),
    ]);
    const grid = gridCells([{ name: A }], [1, 8]);
    const cells = cellsToTime(cutA.results, grid);
    expect(cells).toEqual([{ shape: A, batch: 8 }]);
    const merged = mergeResumed({
      earlier: cutA,
      current: run([buildFailure(8), ...cell(A, 8, 20)]),
      grid,
      finished: cells,
    });
    expect(merged.results.map(key)).toEqual(
      [buildFailure(1), ...cell(A, 1, 10), buildFailure(8), ...cell(A, 8, 20)].map(key),
    );
    expect(merged.results.filter((result) => result.batch === 8).map((result) => result.skipped)).toEqual([
      'could not be built: too big',
      undefined,
      undefined,
    ]);
  });

  it('notes a cell whose contenders differ from those the earlier run listed (other options passed)', () => {
    const withTunings = {
      ...current,
      notes: [],
      results: [...cell(B, 8, 20), entry(B, 8, KMEANS, 21), ...cell(C, 1, 21), ...cell(C, 8, 22)],
    };
    const merged = mergeResumed({ earlier, current: withTunings, grid: GRID, finished: toTime });
    expect(merged.notes).toEqual([
      'uncaptured GPU error: something',
      `(--resume ${current.date}) ${B} batch 8: the resumed process timed other contenders than the earlier run listed (only earlier: none; only resumed: 1 (kmeans ${B} b8)); were the earlier run's options passed again?`,
    ]);
    const ids = Array.from({ length: 5 }, (_, i) => ({ ...entry(B, 8, PQ, 1), id: `row ${i}` }));
    expect(contenderMismatchNote({ shape: B, batch: 8 }, ids, ids.slice(0, 1))).toContain(
      'only earlier: 4 (row 1, row 2, row 3, …); only resumed: none',
    );
    // A cell the earlier run never reached lists nothing to compare with.
    expect(contenderMismatchNote({ shape: C, batch: 1 }, [], cell(C, 1, 21))).toBeNull();
  });

  it('a third process takes its cells from the second', () => {
    const second = mergeResumed({
      earlier,
      current: {
        ...current,
        results: [...cell(B, 8, 20), ...cell(C, 1, 21), ...cell(C, 8, TIME_BUDGET_EXHAUSTED)],
      },
      grid: GRID,
      finished: toTime,
    });
    const third = run(cell(C, 8, 30), { date: '2026-12-03T00:00:00.000Z', elapsedS: 40 });
    const merged = mergeResumed({
      earlier: second,
      current: third,
      grid: GRID,
      finished: cellsToTime(second.results, GRID),
    });
    expect(merged.truncated).toBe(false);
    expect(merged.resumed?.map((process) => [process.date, process.cells])).toEqual([
      [
        current.date,
        [
          { shape: B, batch: 8 },
          { shape: C, batch: 1 },
        ],
      ],
      [third.date, [{ shape: C, batch: 8 }]],
    ]);
  });
});

describe('what --resume refuses', () => {
  const earlier = run([...cell(A, 1, 10)]);
  const identity = {
    adapter: earlier.adapter,
    grid: earlier.grid,
    dawnFlags: earlier.dawnFlags,
    seed: earlier.seed,
    timer: earlier.timer,
    timing: earlier.timing,
    rotation: earlier.rotation,
  };

  it('accepts a run measured as this process measures', () => {
    expect(() => checkResumable(earlier, identity, 'x.json')).not.toThrow();
    expect(() => checkResumableOrt(earlier.ort, { ...earlier.ort }, 'x.json')).not.toThrow();
  });

  it('refuses another adapter, grid, seed, flags or timing plan, saying which', () => {
    const other = (changes: Partial<typeof identity>) => () =>
      checkResumable(earlier, { ...identity, ...changes }, 'x.json');
    expect(other({ adapter: { ...identity.adapter, isSwiftShader: true } })).toThrow(
      /adapter is nvidia-h200 .* this one is swiftshader/,
    );
    // Same device, another driver.
    expect(other({ adapter: { ...identity.adapter, description: 'NVIDIA: 590' } })).toThrow(ResumeError);
    expect(other({ grid: 'quick' })).toThrow(/ran the full grid, this process the quick grid/);
    expect(other({ seed: 7 })).toThrow(/pass --seed 2014/);
    expect(other({ dawnFlags: [] })).toThrow(/Dawn flags/);
    expect(other({ timing: { ...identity.timing, rounds: 3 } })).toThrow(/timing plan/);
    // A usage error: bench:kernels prints the message alone and exits 2.
    expect(other({ grid: 'quick' })).toThrow(OptionsError);
    expect(() =>
      checkResumableOrt(
        earlier.ort,
        { available: false, version: null, reason: 'skipped (--no-ort)' },
        'x.json',
      ),
    ).toThrow(/onnxruntime-node 1\.30\.0, this process has no onnxruntime \(skipped \(--no-ort\)\)/);
  });

  describe('files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pqweb-resume-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };

    it('reads a result file back', () => {
      expect(readEarlierRun(file('ok.json', JSON.stringify(earlier)))).toEqual(earlier);
    });

    it('says what is wrong with a missing, broken or foreign file', () => {
      expect(() => readEarlierRun(join(dir, 'missing.json'))).toThrow(
        /--resume: cannot read .*missing\.json/,
      );
      expect(() => readEarlierRun(file('broken.json', '{"schema": 1,'))).toThrow(/broken\.json is not JSON/);
      expect(() => readEarlierRun(file('e2e.json', '{"kind": "e2e"}'))).toThrow(/no "schema" field/);
      expect(() => readEarlierRun(file('v2.json', JSON.stringify({ ...earlier, schema: 2 })))).toThrow(
        /has schema 2, this code reads 1/,
      );
      expect(() => readEarlierRun(file('empty.json', '{"schema": 1}'))).toThrow(ResumeError);
    });
  });
});

describe('the budget note', () => {
  it('reads back the shape it names, and nothing from other notes', () => {
    expect(budgetNoteShape(budgetExhaustedNote(580, 'fashion-vgg fc2 512x1024'))).toBe(
      'fashion-vgg fc2 512x1024',
    );
    expect(budgetNoteShape('uncaptured GPU error: time budget of 5 s exhausted before x')).toBeNull();
  });
});

describe('--resume on the command line', () => {
  it('takes the file relative to the current folder', () => {
    expect(parseOptions([]).resume).toBeNull();
    expect(parseOptions(['--resume', 'bench/results/kernels-nvidia-h200.json']).resume).toBe(
      join(process.cwd(), 'bench/results/kernels-nvidia-h200.json'),
    );
    expect(parseOptions(['--resume', '/tmp/a.json']).resume).toBe('/tmp/a.json');
    expect(() => parseOptions(['--resume'])).toThrow(/--resume needs a value/);
  });
});
