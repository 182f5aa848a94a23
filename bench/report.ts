/**
 * `pnpm bench:report`: regenerates BENCHMARKS.md from every bench/results/*.json: kernels-*.json
 * (bench/kernels.ts) and e2e-*.json (bench/e2e.ts).
 * Usage: node --import tsx bench/report.ts [--results DIR] [--out FILE]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2E_RESULT_PREFIX, parseE2eRun } from './e2e/results';
import type { LoadedE2eRun } from './lib/report/e2e';
import { type LoadedRun, renderBenchmarks } from './lib/report/markdown';
import { parseBenchRun } from './lib/results';

const DEFAULT_RESULTS_DIR = 'bench/results';
const DEFAULT_OUTPUT = 'BENCHMARKS.md';

class ReportError extends Error {
  override name = 'ReportError';
}

function argument(flag: string, fallback: string): string {
  const index = process.argv.indexOf(flag);
  if (index < 0) return fallback;
  const value = process.argv[index + 1];
  if (value === undefined) throw new ReportError(`${flag} needs a value`);
  return value;
}

const resultsDir = argument('--results', DEFAULT_RESULTS_DIR);
const output = argument('--out', DEFAULT_OUTPUT);
const runs: LoadedRun[] = readdirSync(resultsDir)
  // Runs with Dawn's robustness off (bench:kernels --without-robustness) measure what bounds checks cost; no browser
  // runs that way, so they are not results.
  .filter(
    (name) => name.startsWith('kernels-') && name.endsWith('.json') && !name.includes('-without-robustness'),
  )
  .sort()
  .map((name) => {
    const file = join(resultsDir, name);
    return { file, run: parseBenchRun(readFileSync(file, 'utf8'), file) };
  });
const e2eRuns: LoadedE2eRun[] = readdirSync(resultsDir)
  .filter((name) => name.startsWith(E2E_RESULT_PREFIX) && name.endsWith('.json'))
  .sort()
  .map((name) => {
    const file = join(resultsDir, name);
    return { file, run: parseE2eRun(readFileSync(file, 'utf8'), file) };
  });
writeFileSync(output, renderBenchmarks(runs, e2eRuns));
process.stdout.write(`wrote ${output} from ${runs.length + e2eRuns.length} result file(s)\n`);
