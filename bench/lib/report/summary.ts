/**
 * The few lines a benchmark run prints last (the device tool returns only the end of the output): per
 * (shape, batch) the auto PQ configs, k-means, dense and ORT medians, then the goals on an H200.
 */
import type { BenchRun, KernelResult } from '../results';
import {
  bandwidthBoundUs,
  isDefaultRow,
  isH200,
  judgeGoals,
  representativeTime,
  statusWord,
} from './analysis';
import { formatBandwidth, formatMicroseconds, formatRatio } from './format';
import { describeCells } from './resumed';

function shortName(result: KernelResult): string {
  const spec = result.contender;
  switch (spec.method) {
    case 'pq':
      return `PQ${spec.d}/${spec.k}`;
    case 'kmeans':
      return `km${spec.bits}`;
    case 'binary':
      return 'bin';
    case 'dense':
      return 'dense';
    case 'matmul':
      return 'ortMM';
    case 'matmulnbits':
      return spec.accuracyLevel === 0 ? 'ortNB' : `ortNB${spec.accuracyLevel}`;
  }
}

export function formatRunSummary(run: BenchRun): string {
  const lines: string[] = [];
  const copy = run.probes.copy;
  lines.push(
    `== ${run.adapter.vendor} ${run.adapter.device} | copy ${copy ? formatBandwidth(copy.bandwidth) : '—'} | empty dispatch ${formatMicroseconds(run.probes.emptyDispatch?.median)} | ORT fixed ${formatMicroseconds(run.probes.ortFixed?.wall.median)} | ${run.elapsedS.toFixed(0)} s${run.truncated ? ' TRUNCATED' : ''}`,
  );
  for (const process of run.resumed ?? []) {
    lines.push(
      `(--resume ${process.date}: ${describeCells(process.cells)} timed in ${process.elapsedS.toFixed(0)} s)`,
    );
  }
  lines.push('(pqweb: GPU median [×bandwidth bound]; ORT: wall median; PQ = auto variant)');
  const cells = new Map<string, KernelResult[]>();
  for (const result of run.results) {
    const key = `${result.shape.name} b${result.batch}`;
    cells.set(key, [...(cells.get(key) ?? []), result]);
  }
  for (const [key, cell] of cells) {
    const parts = cell
      .filter((result) => isDefaultRow(result.contender))
      .map((result) => {
        const time = representativeTime(result);
        if (!time) return `${shortName(result)} ${result.check && !result.check.passed ? 'FAIL' : 'skip'}`;
        const bound = bandwidthBoundUs(run, result);
        const boundNote =
          result.contender.engine === 'pqweb' && bound ? ` [${formatRatio(time.us / bound)}]` : '';
        return `${shortName(result)} ${formatMicroseconds(time.us)}${boundNote}`;
      });
    lines.push(`${key}: ${parts.join(' | ')}`);
  }
  const failed = run.results.filter((result) => result.check && !result.check.passed);
  if (failed.length > 0) {
    lines.push(`FAILED CHECKS: ${failed.map((r) => `${r.shape.name} b${r.batch} ${r.id}`).join('; ')}`);
  }
  if (isH200(run)) {
    lines.push('Goals:');
    for (const verdict of judgeGoals(run)) {
      lines.push(
        `  ${statusWord(verdict)} ${verdict.goal}: ${verdict.measured} (target ${verdict.target}${verdict.shortfall ? `; ${verdict.shortfall}` : ''}${verdict.outOfReach ? '; out of reach on this host' : ''})`,
      );
    }
  }
  for (const note of run.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
