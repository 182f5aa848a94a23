/**
 * `pnpm bench:report`: regenerates BENCHMARKS.md from every bench/results/*.json (see bench/kernels.ts).
 * Usage: node --import tsx bench/report.ts [--results DIR] [--out FILE]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LoadedRun, renderBenchmarks } from './lib/report/markdown';
import { type BenchRun, RESULTS_SCHEMA_VERSION } from './lib/results';

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

function loadRun(path: string): BenchRun {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || !('schema' in parsed)) {
    throw new ReportError(`${path} is not a kernel benchmark result (no "schema" field)`);
  }
  if (parsed.schema !== RESULTS_SCHEMA_VERSION) {
    throw new ReportError(
      `${path} has schema ${String(parsed.schema)}, this report reads ${RESULTS_SCHEMA_VERSION}; re-run pnpm bench:kernels`,
    );
  }
  return parsed as BenchRun;
}

const resultsDir = argument('--results', DEFAULT_RESULTS_DIR);
const output = argument('--out', DEFAULT_OUTPUT);
const runs: LoadedRun[] = readdirSync(resultsDir)
  .filter((name) => name.startsWith('kernels-') && name.endsWith('.json'))
  .sort()
  .map((name) => {
    const file = join(resultsDir, name);
    return { file, run: loadRun(file) };
  });
writeFileSync(output, renderBenchmarks(runs));
process.stdout.write(`wrote ${output} from ${runs.length} result file(s)\n`);
