/** How numbers read in the UI. */

const KIB = 1024;
const MIB = KIB * 1024;

/** Switch to the next unit from 1000 of the current one, so a number never needs four digits before the point. */
const NEXT_UNIT_AT = 1000;

/** Three significant digits, never in exponent notation. */
function threeDigits(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

/** Bytes as B / KiB / MiB with three significant digits. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  if (bytes < NEXT_UNIT_AT) return `${bytes} B`;
  if (bytes < NEXT_UNIT_AT * KIB) return `${threeDigits(bytes / KIB)} KiB`;
  return `${threeDigits(bytes / MIB)} MiB`;
}

const MS_PER_SECOND = 1000;

/** Milliseconds: one decimal below 100 ms, whole above (latencies always read in ms, to compare them). */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms < 100 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** A duration that may run to seconds (a model load): ms below a second, else seconds with one decimal. */
export function formatDuration(ms: number): string {
  return ms >= MS_PER_SECOND ? `${(ms / MS_PER_SECOND).toFixed(1)} s` : formatMs(ms);
}

export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** A compression rate: `12.3×`. */
export function formatRate(rate: number): string {
  return `${rate.toFixed(rate < 10 ? 2 : 1)}×`;
}
