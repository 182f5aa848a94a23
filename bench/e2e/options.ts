/** Command-line options of `pnpm bench:e2e`. */
import { parseArgs } from 'node:util';
import { E2E_ROWS, type E2eRowId } from './results';

/** Timed calls and warm-up on a real GPU, where a call takes milliseconds: enough for a steady p90. */
export const GPU_DEFAULTS = { runs: 50, warmup: 10 } as const;
/**
 * On SwiftShader a WebGPU classify takes 0.3–0.7 s (the backbone's convolutions on a CPU emulating the GPU;
 * measured here), so fewer calls keep the whole run near a minute.
 */
export const SWIFTSHADER_DEFAULTS = { runs: 20, warmup: 3 } as const;
/**
 * The wasm rows on any adapter: a call takes a few milliseconds, so many calls cost little, and the verdict
 * between two rows near 4 ms needs them (with 20 calls, one round's median moved between 2.7 and 5.9 ms).
 */
export const WASM_DEFAULTS = { runs: 100, warmup: 10 } as const;
/**
 * Rounds over the rows: each round measures every row once (a fresh browser each), in the opposite order to the
 * round before, and a row's timed calls pool over the rounds. On the 2-core dev machine one row's wasm median
 * moved 3.2–6.5 ms between back-to-back runs; rounds interleave the rows so that such drifts hit them alike.
 */
export const DEFAULT_ROUNDS = 3;
export const DEFAULT_OUT_DIR = 'bench/results';

export const E2E_USAGE = `pnpm bench:e2e [options]
  --runs N        timed calls per row after the warm-up (default ${GPU_DEFAULTS.runs}; ${SWIFTSHADER_DEFAULTS.runs} on SwiftShader;
                  ${WASM_DEFAULTS.runs} for the wasm rows)
  --warmup N      untimed calls after the first classify (default ${GPU_DEFAULTS.warmup}; ${SWIFTSHADER_DEFAULTS.warmup} on SwiftShader;
                  ${WASM_DEFAULTS.warmup} for the wasm rows)
  --images N      Fashion-MNIST test images, the first N (default: one per call, 1 + warm-up + runs);
                  calls cycle through them, and each is classified at least once for the top-1 check
  --rows A,B      only these rows (${E2E_ROWS.map((row) => row.id).join(', ')})
  --rounds N      rounds over the rows, alternating their order; timed calls pool over rounds (default ${DEFAULT_ROUNDS})
  --out-dir DIR   where e2e-<adapter>.json goes (repeatable; default ${DEFAULT_OUT_DIR})
  --command TEXT  the command recorded in the JSON (default: pnpm bench:e2e + these arguments)
  --help`;

export interface E2eOptions {
  /** Null: the default for the adapter (see resolveCounts). */
  runs: number | null;
  warmup: number | null;
  images: number | null;
  rows: E2eRowId[];
  rounds: number;
  outDirs: string[];
  command: string;
  help: boolean;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    // `pnpm bench:e2e -- --runs 5` may hand the separator on.
    args: argv[0] === '--' ? argv.slice(1) : [...argv],
    options: {
      runs: { type: 'string' },
      warmup: { type: 'string' },
      images: { type: 'string' },
      rows: { type: 'string' },
      rounds: { type: 'string' },
      'out-dir': { type: 'string', multiple: true },
      command: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}

export class E2eOptionsError extends Error {
  override name = 'E2eOptionsError';
}

function count(flag: string, text: string, minimum: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) {
    throw new E2eOptionsError(`${flag} takes an integer ≥ ${minimum}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function rowIds(text: string): E2eRowId[] {
  return text
    .split(',')
    .filter((part) => part.length > 0)
    .map((part) => {
      const row = E2E_ROWS.find((candidate) => candidate.id === part);
      if (!row) {
        throw new E2eOptionsError(
          `--rows: unknown row ${JSON.stringify(part)}; the rows are ${E2E_ROWS.map((r) => r.id).join(', ')}`,
        );
      }
      return row.id;
    });
}

export function parseE2eOptions(argv: readonly string[]): E2eOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new E2eOptionsError(`${error instanceof Error ? error.message : String(error)}\n${E2E_USAGE}`);
  }
  const rows = values.rows === undefined ? E2E_ROWS.map((row) => row.id) : rowIds(values.rows);
  if (rows.length === 0) throw new E2eOptionsError('--rows names no row');
  return {
    runs: values.runs === undefined ? null : count('--runs', values.runs, 1),
    warmup: values.warmup === undefined ? null : count('--warmup', values.warmup, 0),
    images: values.images === undefined ? null : count('--images', values.images, 1),
    rows,
    rounds: values.rounds === undefined ? DEFAULT_ROUNDS : count('--rounds', values.rounds, 1),
    outDirs: values['out-dir'] ?? [DEFAULT_OUT_DIR],
    command: values.command ?? ['pnpm bench:e2e', ...argv].join(' '),
    help: values.help ?? false,
  };
}

/**
 * Runs, warm-up and images of a row once the adapter is known: the options', else the defaults of the row's
 * backend (wasm rows: WASM_DEFAULTS) and the adapter.
 */
export function resolveCounts(
  options: Pick<E2eOptions, 'runs' | 'warmup' | 'images'>,
  isSwiftShader: boolean,
  backend: 'webgpu' | 'wasm' = 'webgpu',
): { runs: number; warmup: number; images: number } {
  const defaults = backend === 'wasm' ? WASM_DEFAULTS : isSwiftShader ? SWIFTSHADER_DEFAULTS : GPU_DEFAULTS;
  const runs = options.runs ?? defaults.runs;
  const warmup = options.warmup ?? defaults.warmup;
  return { runs, warmup, images: options.images ?? 1 + warmup + runs };
}
