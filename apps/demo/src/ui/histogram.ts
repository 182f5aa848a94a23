/** A latency histogram as SVG, by hand: two series side by side per bin, an axis in ms, a legend. */
import type { Histogram } from '../stats';

const SVG_NS = 'http://www.w3.org/2000/svg';
/** viewBox units; the SVG scales to its container's width. */
const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = { top: 12, right: 12, bottom: 36, left: 36 };
const AXIS_TICKS = 5;
/** Share of a bin's width the bars fill; the rest is the gap between bins. */
const BAR_FILL = 0.9;

export interface HistogramSeries {
  name: string;
  /** A CSS colour (custom properties work). */
  color: string;
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  return element;
}

function text(x: number, y: number, content: string, anchor: 'start' | 'middle' | 'end'): SVGTextElement {
  const element = svg('text', { x, y, 'text-anchor': anchor, class: 'axis-label' });
  element.textContent = content;
  return element;
}

export function histogramSvg(histogram: Histogram, series: readonly HistogramSeries[]): SVGSVGElement {
  const root = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: 'histogram',
    role: 'img',
    'aria-label': `latency histogram of ${series.map((s) => s.name).join(' and ')}`,
  });
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const bins = histogram.edges.length - 1;
  const maxCount = Math.max(1, ...histogram.counts.flat());
  const binWidth = plotWidth / bins;
  const barWidth = (binWidth * BAR_FILL) / Math.max(1, histogram.counts.length);

  histogram.counts.forEach((counts, s) => {
    counts.forEach((count, bin) => {
      if (count === 0) return;
      const barHeight = (count / maxCount) * plotHeight;
      const rect = svg('rect', {
        x: MARGIN.left + bin * binWidth + (binWidth * (1 - BAR_FILL)) / 2 + s * barWidth,
        y: MARGIN.top + plotHeight - barHeight,
        width: barWidth,
        height: barHeight,
        fill: series[s]?.color ?? 'currentColor',
        rx: 1.5,
      });
      const title = svg('title', {});
      title.textContent = `${series[s]?.name ?? ''}: ${count} runs`;
      rect.append(title);
      root.append(rect);
    });
  });

  root.append(
    svg('line', {
      x1: MARGIN.left,
      x2: WIDTH - MARGIN.right,
      y1: MARGIN.top + plotHeight,
      y2: MARGIN.top + plotHeight,
      class: 'axis',
    }),
  );
  const low = histogram.edges[0] ?? 0;
  const high = histogram.edges[bins] ?? 1;
  for (let tick = 0; tick <= AXIS_TICKS; tick++) {
    const value = low + ((high - low) * tick) / AXIS_TICKS;
    const x = MARGIN.left + (plotWidth * tick) / AXIS_TICKS;
    root.append(
      svg('line', {
        x1: x,
        x2: x,
        y1: MARGIN.top + plotHeight,
        y2: MARGIN.top + plotHeight + 4,
        class: 'axis',
      }),
    );
    const anchor = tick === 0 ? 'start' : tick === AXIS_TICKS ? 'end' : 'middle';
    root.append(text(x, HEIGHT - 18, value < 10 ? value.toFixed(1) : value.toFixed(0), anchor));
  }
  root.append(text(MARGIN.left + plotWidth / 2, HEIGHT - 2, 'latency per call, ms', 'middle'));
  root.append(text(MARGIN.left - 6, MARGIN.top + 10, String(maxCount), 'end'));
  root.append(text(MARGIN.left - 6, MARGIN.top + plotHeight / 2, 'runs', 'end'));
  root.append(text(MARGIN.left - 6, MARGIN.top + plotHeight, '0', 'end'));
  return root;
}
