/** Command-line options of `pnpm bench:kernels`. */
import { resolve } from 'node:path';
import { FULL_BATCHES, FULL_SHAPES, type LayerShape, QUICK_BATCHES, QUICK_SHAPES } from './grid';

export const USAGE = `pnpm bench:kernels [options]
  --quick            small grid (${QUICK_SHAPES.map((s) => s.name).join(', ')}; batch ${QUICK_BATCHES.join(', ')});
                     the default when the adapter is SwiftShader
  --full             the full grid even on SwiftShader
  --shapes A,B       only these shapes: a name from the grid or ROWSxCOLS (any ROWSxCOLS is allowed)
  --batches 1,8      only these batch sizes
  --out-dir DIR      where kernels-<adapter>.json goes (repeatable; default bench/results)
  --budget-s N       stop timing after N seconds and write what was measured
  --resume FILE      finish a run its time budget cut short: FILE is an earlier kernels-<adapter>.json of this
                     adapter and grid; every selected (shape, batch) it left untimed is timed again, whole, the
                     rest is kept, and the merged run is written as usual (bench/README.md). Pass the earlier run's
                     options again. A relative FILE is taken from the current folder (the repository root under
                     pnpm and scripts/gpu-host/run.sh)
  --retime A:1,B:8   with --resume: also time these (shape, batch) cells again, whole, and replace the earlier
                     run's results for them (a cell whose kernels changed since; shape as in --shapes)
  --seed N           base seed of the synthetic weights and inputs (default 2014)
  --no-ort           skip onnxruntime-node
  --no-tunings       time the LUT variants with the executor's defaults only (no tuning rows)
  --tunings A,B      time only these tuning rows (their labels, e.g. "wg 256,target 128 wg") beside the defaults
  --ablations        also time each LUT gather with one stage left out (code loads, lookups, table build) and
                     with all three left out (its skeleton), and with --tunings each named row's skeleton too:
                     measuring only, their results are wrong by design and not checked
  --without-robustness
                     measuring only: Dawn's disable_robustness toggle, so no kernel's indices are clamped (what
                     WebGPU's bounds checks cost; browsers keep them); the JSON is kernels-<adapter>-without-robustness.json,
                     which bench:report leaves out
  --only A|B         time only the contenders whose id contains one of these texts (e.g. "dense fp32", or
                     "grouped|decoded"); for runs that test one kernel's rows, not for the committed results;
                     a text that matches no contender of a shape is noted (tuning rows need the tuning rows on)
  --command TEXT     the command recorded in the JSON (default: pnpm bench:kernels + these arguments)
  --help`;

export type GridChoice = 'auto' | 'quick' | 'full';

/** A cell `--retime` names: a shape as `--shapes` takes it (grid name or ROWSxCOLS) and a batch size. */
export interface RetimeCell {
  shape: string;
  batch: number;
}

export interface BenchOptions {
  grid: GridChoice;
  shapes: string[] | null;
  batches: number[] | null;
  outDirs: string[];
  budgetS: number | null;
  /** Absolute path of an earlier run to finish (--resume); null: a run of its own. */
  resume: string | null;
  /** With `resume`: cells to time again though the earlier run has them (--retime), shapes as --shapes names them. */
  retime: RetimeCell[];
  seed: number;
  ort: boolean;
  /** Time the LUT tuning rows (full grid only). */
  tunings: boolean;
  /** With `tunings`: only the tuning rows of these labels (--tunings); null: all of them. */
  tuningLabels: string[] | null;
  /** Time the ablation rows (LayerExecutorOptions.ablation), unchecked. */
  ablations: boolean;
  /** Dawn's disable_robustness toggle (measuring only). */
  withoutRobustness: boolean;
  /** Time only the contenders whose id contains one of these texts (--only A|B); null: all. */
  only: readonly string[] | null;
  command: string;
  help: boolean;
}

/** The paper's year: any fixed seed would do. */
export const DEFAULT_SEED = 2014;
export const DEFAULT_OUT_DIR = 'bench/results';

export class OptionsError extends Error {
  override name = 'OptionsError';
}

function positiveIntegers(flag: string, value: string): number[] {
  return value.split(',').map((part) => {
    const number = Number(part);
    if (!Number.isInteger(number) || number < 1) {
      throw new OptionsError(
        `${flag} takes positive integers separated by commas, got ${JSON.stringify(part)}`,
      );
    }
    return number;
  });
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    grid: 'auto',
    shapes: null,
    batches: null,
    outDirs: [],
    budgetS: null,
    resume: null,
    retime: [],
    seed: DEFAULT_SEED,
    ort: true,
    tunings: true,
    tuningLabels: null,
    ablations: false,
    withoutRobustness: false,
    only: null,
    command: ['pnpm bench:kernels', ...argv.map((arg) => (/\s/.test(arg) ? JSON.stringify(arg) : arg))].join(
      ' ',
    ),
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[i + 1];
      if (next === undefined) throw new OptionsError(`${flag} needs a value`);
      i++;
      return next;
    };
    switch (flag) {
      case '--quick':
        options.grid = 'quick';
        break;
      case '--full':
        options.grid = 'full';
        break;
      case '--shapes':
        options.shapes = value()
          .split(',')
          .filter((name) => name.length > 0);
        break;
      case '--batches':
        options.batches = positiveIntegers(flag, value());
        break;
      case '--out-dir':
        options.outDirs.push(value());
        break;
      case '--budget-s':
        options.budgetS = positiveIntegers(flag, value())[0] ?? null;
        break;
      case '--resume':
        options.resume = resolve(value());
        break;
      case '--retime':
        options.retime = retimeCells(value());
        break;
      case '--seed':
        options.seed = positiveIntegers(flag, value())[0] ?? DEFAULT_SEED;
        break;
      case '--no-ort':
        options.ort = false;
        break;
      case '--no-tunings':
        options.tunings = false;
        break;
      case '--tunings':
        options.tunings = true;
        options.tuningLabels = value()
          .split(',')
          .map((label) => label.trim())
          .filter((label) => label.length > 0);
        break;
      case '--ablations':
        options.ablations = true;
        break;
      case '--without-robustness':
        options.withoutRobustness = true;
        break;
      case '--only': {
        const texts = value()
          .split('|')
          .map((text) => text.trim())
          .filter((text) => text.length > 0);
        if (texts.length === 0) throw new Error('--only needs at least one text to match, e.g. "dense fp32"');
        options.only = texts;
        break;
      }
      case '--command':
        options.command = value();
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      case '--':
        break;
      default:
        throw new OptionsError(`unknown option ${JSON.stringify(flag)}\n${USAGE}`);
    }
  }
  if (options.outDirs.length === 0) options.outDirs.push(DEFAULT_OUT_DIR);
  if (options.retime.length > 0 && options.resume === null) {
    throw new OptionsError('--retime replaces cells of an earlier run: pass that run with --resume FILE');
  }
  return options;
}

/** `--retime`'s SHAPE:BATCH list; the shapes are checked against the grid when the run starts (selectShapes). */
function retimeCells(value: string): RetimeCell[] {
  return value
    .split(',')
    .filter((part) => part.length > 0)
    .map((part) => {
      const colon = part.lastIndexOf(':');
      const batch = Number(part.slice(colon + 1));
      if (colon <= 0 || !Number.isInteger(batch) || batch < 1) {
        throw new OptionsError(
          `--retime takes SHAPE:BATCH cells separated by commas, got ${JSON.stringify(part)}`,
        );
      }
      return { shape: part.slice(0, colon), batch };
    });
}

const SHAPE_PATTERN = /^(\d+)x(\d+)$/;

/** The shapes to run: the grid's, filtered by `--shapes` (a grid name, or any ROWSxCOLS). */
export function selectShapes(quick: boolean, filter: readonly string[] | null): LayerShape[] {
  const grid = quick ? QUICK_SHAPES : FULL_SHAPES;
  if (!filter) return [...grid];
  const known = [...FULL_SHAPES, ...QUICK_SHAPES];
  return filter.map((wanted) => {
    const match = known.find((shape) => shape.name === wanted || `${shape.rows}x${shape.cols}` === wanted);
    if (match) return match;
    const parsed = SHAPE_PATTERN.exec(wanted);
    if (!parsed) {
      throw new OptionsError(
        `--shapes: ${JSON.stringify(wanted)} is neither a grid shape (${known.map((s) => s.name).join(', ')}) nor ROWSxCOLS`,
      );
    }
    return { name: wanted, rows: Number(parsed[1]), cols: Number(parsed[2]) };
  });
}

export function selectBatches(quick: boolean, filter: readonly number[] | null): number[] {
  return filter ? [...filter] : [...(quick ? QUICK_BATCHES : FULL_BATCHES)];
}

/** What --only keeps of a shape's contenders, and its texts that matched none of them. */
export interface OnlySelection<T> {
  kept: T[];
  unmatched: string[];
}

/**
 * The contenders whose id contains one of the --only texts (all of them without --only), and each text that matched
 * none. An unmatched text is worth saying: a forced row such as "grouped float32 tables 32-segment groups" is a
 * tuning row, which --no-tunings leaves out, so `--only grouped --no-tunings` times nothing grouped at batch 5.
 */
export function selectOnly<T extends { id: string }>(
  contenders: readonly T[],
  only: readonly string[] | null,
): OnlySelection<T> {
  if (only === null) return { kept: [...contenders], unmatched: [] };
  const kept = contenders.filter((contender) => only.some((text) => contender.id.includes(text)));
  const unmatched = only.filter((text) => !contenders.some((contender) => contender.id.includes(text)));
  return { kept, unmatched };
}
