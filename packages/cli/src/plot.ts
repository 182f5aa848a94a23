/** A clean SVG line chart: top-1 accuracy against log compression rate, one line per method. */
import type { SweepPoint } from './commands/sweep';

const WIDTH = 720;
const HEIGHT = 440;
const MARGIN = { left: 64, right: 150, top: 30, bottom: 52 };
/** Points of accuracy below the uncompressed model that the y axis shows. */
const ACCURACY_BAND_PT = 10;
const COLORS: Record<string, string> = {
  binary: '#d62728',
  kmeans: '#1f77b4',
  pq: '#2ca02c',
  rq: '#9467bd',
  svd: '#ff7f0e',
  'pq-f16': '#17becf',
  'pq-target': '#8c564b',
};

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function sweepPlot(points: SweepPoint[], baselineTop1: number): string {
  const rates = points.map((p) => p.rate);
  const accs = points.map((p) => p.top1 * 100).concat([baselineTop1 * 100]);
  const logMin = Math.floor(Math.log2(Math.max(1, Math.min(...rates))));
  const logMax = Math.ceil(Math.log2(Math.max(...rates, 2)));
  // The interesting band is within a few points of the uncompressed model; points far below it are drawn on the
  // bottom edge as hollow markers (their value in the tooltip and in the table).
  const accMin = Math.max(0, Math.floor(baselineTop1 * 100 - ACCURACY_BAND_PT));
  const accMax = Math.min(100, Math.ceil(Math.max(...accs)) + 1);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (rate: number) =>
    MARGIN.left + ((Math.log2(rate) - logMin) / Math.max(1, logMax - logMin)) * plotW;
  const y = (acc: number) => MARGIN.top + (1 - (acc - accMin) / Math.max(1, accMax - accMin)) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
  );
  for (let e = logMin; e <= logMax; e++) {
    const px = x(2 ** e);
    parts.push(
      `<line x1="${px}" y1="${MARGIN.top}" x2="${px}" y2="${MARGIN.top + plotH}" stroke="#eee"/>`,
      `<text x="${px}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${2 ** e}×</text>`,
    );
  }
  const accStep = accMax - accMin > 20 ? 10 : accMax - accMin > 8 ? 2 : 1;
  parts.push(
    `<text x="${MARGIN.left + 6}" y="${MARGIN.top + plotH - 6}" fill="#777">hollow: below ${accMin}% (see the table)</text>`,
  );
  for (let a = accMin; a <= accMax; a += accStep) {
    const py = y(a);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${py}" x2="${MARGIN.left + plotW}" y2="${py}" stroke="#eee"/>`,
      `<text x="${MARGIN.left - 8}" y="${py + 4}" text-anchor="end">${a}%</text>`,
    );
  }
  const by = y(baselineTop1 * 100);
  parts.push(
    `<line x1="${MARGIN.left}" y1="${by}" x2="${MARGIN.left + plotW}" y2="${by}" stroke="#555" stroke-dasharray="4 4"/>`,
    `<text x="${MARGIN.left + plotW - 4}" y="${by - 6}" text-anchor="end" fill="#555">uncompressed ${(baselineTop1 * 100).toFixed(2)}%</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">compression rate of the dense layers (log scale, every byte counted)</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">top-1 accuracy</text>`,
  );
  const methods = [...new Set(points.map((p) => p.method))];
  methods.forEach((method, index) => {
    const color = COLORS[method] ?? '#333';
    const series = points.filter((p) => p.method === method).sort((a, b) => a.rate - b.rate);
    // PQ's grid holds several settings per rate; draw its upper envelope as the line, every point as a dot.
    const envelope = series.filter((p) => !series.some((q) => q.rate >= p.rate && q.top1 > p.top1));
    const clampedY = (p: SweepPoint) => y(Math.max(accMin, p.top1 * 100));
    const path = envelope
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.rate).toFixed(1)},${clampedY(p).toFixed(1)}`)
      .join(' ');
    if (envelope.length > 1) parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of series) {
      parts.push(
        `<circle cx="${x(p.rate).toFixed(1)}" cy="${clampedY(p).toFixed(1)}" r="3.5" ${p.top1 * 100 < accMin ? `fill="white" stroke="${color}" stroke-width="1.5"` : `fill="${color}"`}><title>${escapeXml(`${method} ${p.setting}: ${p.rate.toFixed(1)}×, top-1 ${(p.top1 * 100).toFixed(2)}%`)}</title></circle>`,
      );
    }
    const ly = MARGIN.top + 14 + index * 20;
    const lx = MARGIN.left + plotW + 16;
    parts.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`,
      `<circle cx="${lx + 10}" cy="${ly - 4}" r="3.5" fill="${color}"/>`,
      `<text x="${lx + 28}" y="${ly}">${escapeXml(method)}</text>`,
    );
  });
  parts.push('</svg>\n');
  return parts.join('\n');
}
