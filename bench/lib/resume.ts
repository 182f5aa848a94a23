/**
 * `bench:kernels --resume FILE`: a second process finishes a run its time budget cut short. It times again every
 * (shape, batch) cell the earlier run left untimed, each cell whole (every contender, in the new process) so that
 * the ratios within a cell stay measured side by side in one process, and merges them into the earlier run.
 * Which cells, the checks that the two processes measure alike, and the merge are pure functions here.
 */
import { readFileSync } from 'node:fs';
import { adapterSlug } from './machine';
import { OptionsError } from './options';
import {
  type AdapterRecord,
  type BenchRun,
  type GridCell,
  type KernelResult,
  type OrtRecord,
  parseBenchRun,
  ResultsError,
  type ResumedProcess,
  TIME_BUDGET_EXHAUSTED,
} from './results';

/** The earlier run cannot be finished by this process (missing, not a result, or measured otherwise). */
export class ResumeError extends OptionsError {
  override name = 'ResumeError';
}

/** Reads the run `--resume` names; every way the file can be wrong is a ResumeError that names the file. */
export function readEarlierRun(path: string): BenchRun {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ResumeError(`--resume: cannot read ${path} (${reason})`);
  }
  try {
    return parseBenchRun(text, path);
  } catch (error) {
    if (error instanceof ResultsError) throw new ResumeError(`--resume: ${error.message}`);
    throw error;
  }
}

/** What the resumed process measures with; it must match the earlier run's, or a cell would not compare. */
export type ResumeIdentity = Pick<
  BenchRun,
  'adapter' | 'grid' | 'dawnFlags' | 'seed' | 'timer' | 'timing' | 'rotation'
>;

function adapterName(adapter: AdapterRecord): string {
  return `${adapterSlug(adapter)} (${JSON.stringify(adapter.description)})`;
}

/** Throws a ResumeError listing every way `earlier` was measured otherwise than this process would. */
export function checkResumable(earlier: BenchRun, current: ResumeIdentity, path: string): void {
  const problems: string[] = [];
  if (
    adapterSlug(earlier.adapter) !== adapterSlug(current.adapter) ||
    earlier.adapter.description !== current.adapter.description
  ) {
    problems.push(
      `its adapter is ${adapterName(earlier.adapter)}, this one is ${adapterName(current.adapter)}`,
    );
  }
  if (earlier.grid !== current.grid) {
    problems.push(
      `it ran the ${earlier.grid} grid, this process the ${current.grid} grid (--${earlier.grid})`,
    );
  }
  if (JSON.stringify(earlier.dawnFlags) !== JSON.stringify(current.dawnFlags)) {
    problems.push(
      `its Dawn flags are ${JSON.stringify(earlier.dawnFlags)}, this process's ${JSON.stringify(current.dawnFlags)} (--without-robustness)`,
    );
  }
  if (earlier.seed !== current.seed) {
    problems.push(
      `its seed is ${earlier.seed}, this process's ${current.seed} (pass --seed ${earlier.seed})`,
    );
  }
  if (earlier.timer !== current.timer) {
    problems.push(`it was timed with ${earlier.timer}, this process with ${current.timer}`);
  }
  // The grid decides the timing plan: a plan that differs on the same grid means the code changed.
  const fields = earlier.grid === current.grid ? (['timing', 'rotation'] as const) : (['rotation'] as const);
  for (const field of fields) {
    const before = JSON.stringify(earlier[field]);
    const now = JSON.stringify(current[field]);
    if (before !== now) problems.push(`its ${field} plan is ${before}, this code's ${now}`);
  }
  if (problems.length > 0) {
    throw new ResumeError(`--resume: ${path} cannot be finished by this process: ${problems.join('; ')}`);
  }
}

/** Throws a ResumeError unless onnxruntime is measured in this process exactly when it was in the earlier one. */
export function checkResumableOrt(earlier: OrtRecord, current: OrtRecord, path: string): void {
  const ortText = (ort: OrtRecord) =>
    ort.available
      ? `onnxruntime-node ${ort.version ?? '?'}`
      : `no onnxruntime (${ort.reason ?? 'unavailable'})`;
  if (earlier.available !== current.available || (earlier.available && earlier.version !== current.version)) {
    throw new ResumeError(
      `--resume: ${path} was timed with ${ortText(earlier)}, this process has ${ortText(current)}; its cells would have other contenders`,
    );
  }
}

export function cellKey(cell: GridCell): string {
  return `${cell.shape}\u0000${cell.batch}`;
}

function resultCell(result: KernelResult): GridCell {
  return { shape: result.shape.name, batch: result.batch };
}

/** The results of `cell` in `results`, in their order. */
function resultsIn(results: readonly KernelResult[], cell: GridCell): KernelResult[] {
  const key = cellKey(cell);
  return results.filter((result) => cellKey(resultCell(result)) === key);
}

/** The selected grid's cells in the order a run times them: shape by shape, each shape's batches in turn. */
export function gridCells(shapes: readonly { name: string }[], batches: readonly number[]): GridCell[] {
  return shapes.flatMap((shape) => batches.map((batch) => ({ shape: shape.name, batch })));
}

/**
 * The cells of `grid` that `earlier` left untimed: those with no result at all (a shape the budget ran out before)
 * and those with a contender the budget skipped; and the cells `retime` names (--retime), timed again whatever the
 * earlier run has for them. In grid order.
 */
export function cellsToTime(
  earlier: readonly KernelResult[],
  grid: readonly GridCell[],
  retime: readonly GridCell[] = [],
): GridCell[] {
  const again = new Set(retime.map(cellKey));
  const seen = new Set<string>();
  const cut = new Set<string>();
  for (const result of earlier) {
    const key = cellKey(resultCell(result));
    seen.add(key);
    if (result.skipped === TIME_BUDGET_EXHAUSTED) cut.add(key);
  }
  return grid.filter(
    (cell) => !seen.has(cellKey(cell)) || cut.has(cellKey(cell)) || again.has(cellKey(cell)),
  );
}

const BUDGET_NOTE = /^time budget of \d+ s exhausted before (.+)$/;

/** The run's note for a shape the budget ran out before (`budgetNoteShape` reads it back). */
export function budgetExhaustedNote(budgetS: number, shape: string): string {
  return `time budget of ${budgetS} s exhausted before ${shape}`;
}

/** The shape a `budgetExhaustedNote` names; null for any other note. */
export function budgetNoteShape(note: string): string | null {
  return BUDGET_NOTE.exec(note)?.[1] ?? null;
}

/**
 * Every cell of `earlier` and `grid` in one order: the earlier run's cells in the order they appear, with the grid's
 * cells it lacks placed among them by grid order.
 */
function cellRanks(earlier: readonly KernelResult[], grid: readonly GridCell[]): Map<string, number> {
  const earlierKeys = [...new Set(earlier.map((result) => cellKey(resultCell(result))))];
  const ranks = new Map<string, number>();
  const place = (key: string) => {
    if (!ranks.has(key)) ranks.set(key, ranks.size);
  };
  let next = 0;
  for (const cell of grid) {
    const key = cellKey(cell);
    const at = earlierKeys.indexOf(key, next);
    if (at >= 0) {
      for (const earlierKey of earlierKeys.slice(next, at + 1)) place(earlierKey);
      next = at + 1;
    } else {
      place(key);
    }
  }
  for (const key of earlierKeys) place(key);
  return ranks;
}

/** How many contender ids a mismatch note lists on each side. */
const LISTED_IDS = 3;

/**
 * A note when the resumed process timed other contenders on a cell than the earlier run listed for it (its
 * budget-skipped rows name them): the options that decide the contenders (--no-tunings, --only, …) differed.
 */
export function contenderMismatchNote(
  cell: GridCell,
  before: readonly KernelResult[],
  after: readonly KernelResult[],
): string | null {
  if (before.length === 0) return null;
  const beforeIds = new Set(before.map((result) => result.id));
  const afterIds = new Set(after.map((result) => result.id));
  const onlyBefore = [...beforeIds].filter((id) => !afterIds.has(id));
  const onlyAfter = [...afterIds].filter((id) => !beforeIds.has(id));
  if (onlyBefore.length === 0 && onlyAfter.length === 0) return null;
  const list = (ids: string[]) =>
    ids.length === 0
      ? 'none'
      : `${ids.length} (${ids.slice(0, LISTED_IDS).join(', ')}${ids.length > LISTED_IDS ? ', …' : ''})`;
  return `${cell.shape} batch ${cell.batch}: the resumed process timed other contenders than the earlier run listed (only earlier: ${list(onlyBefore)}; only resumed: ${list(onlyAfter)}); were the earlier run's options passed again?`;
}

export interface ResumeMerge {
  /** The run being finished, as read from --resume FILE. */
  earlier: BenchRun;
  /** The resumed process's own run so far (its results hold only cells it timed). */
  current: BenchRun;
  /** The selected grid, in grid order (places cells the earlier run has no result for). */
  grid: readonly GridCell[];
  /** The cells whose results in `current` are complete; only these replace the earlier run's. */
  finished: readonly GridCell[];
}

/**
 * The earlier run with each finished cell's results replaced by the resumed process's, in grid order, and the
 * process recorded in `resumed`. The earlier run's date, command, machine, probes, settings and elapsedS stay; cells
 * the resumed process has not finished keep their earlier results, so a process stopped midway leaves a file that
 * can be resumed again. `truncated` says whether any cell still lacks timings because of a time budget.
 */
export function mergeResumed({ earlier, current, grid, finished }: ResumeMerge): BenchRun {
  const ranks = cellRanks(earlier.results, grid);
  const rank = (cell: GridCell) => ranks.get(cellKey(cell)) ?? ranks.size;
  const replaced = new Set(finished.map(cellKey));
  const order = [...finished].sort((a, b) => rank(a) - rank(b));
  const results = earlier.results.filter((result) => !replaced.has(cellKey(resultCell(result))));
  for (const cell of order) {
    const entries = resultsIn(current.results, cell);
    // After the last result of a cell that comes earlier, so cells stay in grid order.
    let at = 0;
    for (const [index, result] of results.entries()) {
      if (rank(resultCell(result)) < rank(cell)) at = index + 1;
    }
    results.splice(at, 0, ...entries);
  }

  // A shape the earlier budget ran out before is no longer missing once the resumed process finished its cells.
  const batchesOf = (shape: string) =>
    new Set(
      [...earlier.results.map(resultCell), ...grid]
        .filter((cell) => cell.shape === shape)
        .map((cell) => cell.batch),
    );
  const has = new Set(results.map((result) => cellKey(resultCell(result))));
  const notes = earlier.notes.filter((note) => {
    const shape = budgetNoteShape(note);
    return shape === null || ![...batchesOf(shape)].every((batch) => has.has(cellKey({ shape, batch })));
  });
  for (const cell of order) {
    const mismatch = contenderMismatchNote(
      cell,
      resultsIn(earlier.results, cell),
      resultsIn(current.results, cell),
    );
    if (mismatch) notes.push(`(--resume ${current.date}) ${mismatch}`);
  }
  for (const note of current.notes) {
    if (!earlier.notes.includes(note)) notes.push(`(--resume ${current.date}) ${note}`);
  }

  // Earlier resumed processes keep only the cells whose results are still theirs.
  const resumed: ResumedProcess[] = (earlier.resumed ?? [])
    .map((process) => ({ ...process, cells: process.cells.filter((cell) => !replaced.has(cellKey(cell))) }))
    .filter((process) => process.cells.length > 0);
  // The cells it timed; a cell its own budget cut keeps the rows it wrote, for the next --resume to replace.
  const timed = order.filter(
    (cell) => !resultsIn(current.results, cell).some((result) => result.skipped === TIME_BUDGET_EXHAUSTED),
  );
  if (timed.length > 0) {
    resumed.push({
      date: current.date,
      command: current.command,
      elapsedS: current.elapsedS,
      cells: timed,
      machine: current.machine,
      probes: current.probes,
    });
  }

  const truncated =
    current.truncated ||
    results.some((result) => result.skipped === TIME_BUDGET_EXHAUSTED) ||
    notes.some((note) => budgetNoteShape(note) !== null);
  const { resumed: _earlierResumed, ...rest } = earlier;
  return { ...rest, results, truncated, notes, ...(resumed.length > 0 ? { resumed } : {}) };
}
