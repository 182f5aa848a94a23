/**
 * What BENCHMARKS.md says about cells a later process timed (`bench:kernels --resume`, BenchRun.resumed): in the
 * run's header which cells, when and how long, and beside each such cell's heading that it was.
 */
import type { BenchRun, GridCell, ResumedProcess } from '../results';
import { formatBandwidth } from './format';

const ORDINALS = ['second', 'third', 'fourth', 'fifth'] as const;

/** "second" for the first resumed process (the run's first process is the first). */
function ordinal(index: number): string {
  return ORDINALS[index] ?? `${index + 2}th`;
}

/** "A batch 32; B batch 8, 32": the cells grouped by shape, in the order given. */
export function describeCells(cells: readonly GridCell[]): string {
  const byShape = new Map<string, number[]>();
  for (const cell of cells) byShape.set(cell.shape, [...(byShape.get(cell.shape) ?? []), cell.batch]);
  return [...byShape]
    .map(([shape, batches]) => `${shape} batch${batches.length > 1 ? 'es' : ''} ${batches.join(', ')}`)
    .join('; ');
}

function processLine(process: ResumedProcess, index: number): string {
  const verb = process.cells.length > 1 ? 'were' : 'was';
  const copy = process.probes.copy
    ? `; its copy bandwidth ${formatBandwidth(process.probes.copy.bandwidth)} (the bounds use the first process's)`
    : '';
  return `- Resumed: ${describeCells(process.cells)} ${verb} timed in a ${ordinal(index)} process (\`--resume\`) on ${process.date.slice(0, 10)}, ${process.elapsedS.toFixed(0)} s, each cell whole (every contender in that process); command: \`${process.command}\`${copy}.`;
}

/** The header lines of a run some of whose cells later processes timed; none for a run of one process. */
export function resumedLines(run: BenchRun): string[] {
  return (run.resumed ?? []).map(processLine);
}

/** What follows a cell's heading when a later process timed it ('' when the run's first process did). */
export function resumedCellNote(run: BenchRun, cell: GridCell): string {
  for (const [index, process] of (run.resumed ?? []).entries()) {
    if (process.cells.some((timed) => timed.shape === cell.shape && timed.batch === cell.batch)) {
      return ` — ${ordinal(index)} process (\`--resume\`, ${process.date.slice(0, 10)})`;
    }
  }
  return '';
}

/** Whether any run in the report has cells a later process timed. */
export function anyResumed(runs: readonly { run: BenchRun }[]): boolean {
  return runs.some(({ run }) => (run.resumed ?? []).length > 0);
}
