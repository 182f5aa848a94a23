/**
 * Benchmark: N classify calls of each model on one image, one after the other, after one warm-up call each
 * (not counted: it compiles pipelines and shaders). Histogram and table of the page-side wall time; the
 * worker-side split (backbone / head) as medians.
 *
 * Kernel time: `timings.headMs` is wall time in the worker around the head (dispatch, kernels and the read-back
 * of the logits). After the timed calls, PROFILED_CALLS more run with `profile: true`, whose
 * `timings.headLayers` give each head layer's GPU time from timestamp queries (not during the timed calls: the
 * timestamps add passes). Where the device has no `timestamp-query` (or the head runs on the CPU) the page says so.
 */
import type { DemoApp } from '../app/app';
import { pixelsForWorker } from '../preprocess/prepare';
import { histogram, type LatencySummary, summarize } from '../stats';
import { h, replaceChildren } from '../ui/dom';
import { formatMs } from '../ui/format';
import { histogramSvg } from '../ui/histogram';
import { backendLabel } from './backend-label';
import { firstGalleryInput } from './gallery';
import { measureView } from './measure-view';
import type { View } from './view';

const RUN_CHOICES = [10, 30, 100] as const;
/** Profiled calls after the timed ones, for the per-layer GPU medians. */
const PROFILED_CALLS = 5;
const DEFAULT_RUNS = 30;
/** Enough bins to show a shape at 100 runs, few enough to read on a phone. */
const HISTOGRAM_BINS = 16;
const PQWEB_COLOR = 'var(--accent)';
const ONNX_COLOR = 'var(--reference)';

interface ModelRuns {
  name: string;
  backend: string;
  wall: number[];
  /** Worker-side parts: name → samples. */
  parts: Record<string, number[]>;
}

function summaryRow(testid: string, runs: ModelRuns, summary: LatencySummary): HTMLTableRowElement {
  return h(
    'tr',
    { testid },
    h(
      'th',
      { attrs: { scope: 'row' } },
      runs.name,
      h('br'),
      h('small', { class: 'muted', text: runs.backend }),
    ),
    h('td', { testid: `${testid}-median`, text: formatMs(summary.median) }),
    h('td', { text: formatMs(summary.p90) }),
    h('td', { text: formatMs(summary.mean) }),
    h('td', { text: formatMs(summary.min) }),
  );
}

/** The head layers' GPU medians, or why there are none. */
function layerGpuTable(samples: Map<string, { kernel: string; gpuMs: number[] }>): HTMLElement {
  if (samples.size === 0) {
    return h('p', {
      class: 'note',
      testid: 'bench-layer-gpu',
      text: 'No per-layer GPU time: the head runs on the CPU, or this device offers no timestamp-query.',
    });
  }
  return h(
    'div',
    { class: 'table-scroll', testid: 'bench-layer-gpu' },
    h(
      'table',
      { class: 'table' },
      h('caption', {
        text: `GPU time per head layer (timestamp queries, median of ${PROFILED_CALLS} calls; browsers may round to 0.1 ms)`,
      }),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['layer', 'kernel', 'GPU'].map((name) => h('th', { text: name, attrs: { scope: 'col' } })),
        ),
      ),
      h(
        'tbody',
        {},
        ...[...samples.entries()].map(([name, { kernel, gpuMs }]) =>
          h(
            'tr',
            {},
            h('td', { text: name }),
            h('td', { text: kernel }),
            h('td', { text: formatMs(summarize(gpuMs).median) }),
          ),
        ),
      ),
    ),
  );
}

function partsLine(runs: ModelRuns): string {
  return Object.entries(runs.parts)
    .map(([part, samples]) => `${part} ${formatMs(summarize(samples).median)}`)
    .join(' · ');
}

export function benchView(app: DemoApp): View {
  return measureView(app, {
    name: 'bench',
    title: 'Benchmark',
    blurb:
      'Each model classifies the current image (or the first gallery image) N times in a row, after one warm-up call.',
    choices: RUN_CHOICES,
    defaultChoice: DEFAULT_RUNS,
    choiceLabel: (runs) => `${runs} runs`,
    choiceAriaLabel: 'runs per model',
    selectTestid: 'bench-runs',
    runTestid: 'bench-run',
    runText: 'Run benchmark',
    progressTestid: 'bench-progress',
    resultsTestid: 'bench-results',
    resultsClass: 'bench-results',
    resultsPlaceholder: 'Results appear here: a latency histogram and a table (median, p90).',
    failurePrefix: 'Benchmark',
    async measure(model, count, { progress, status, results }) {
      const input = app.input ?? (await firstGalleryInput(app));
      status.textContent = 'Loading the uncompressed model…';
      const reference = await app.reference();
      status.textContent = `Running ${count} calls of each model on ${input.name}…`;
      const pqweb: ModelRuns = {
        name: 'pqweb',
        backend: backendLabel(model.info.backend, model.info.adapter),
        wall: [],
        parts: { backbone: [], head: [] },
      };
      const onnx: ModelRuns = {
        name: 'ONNX',
        backend: backendLabel(reference.info.backend, null),
        wall: [],
        parts: { run: [] },
      };
      const total = 2 * (count + 1);
      let done = 0;
      const step = () => {
        done++;
        progress.value = done / total;
      };
      for (let i = 0; i <= count; i++) {
        const started = performance.now();
        const result = await model.classifier.classify(pixelsForWorker(input));
        const wall = performance.now() - started;
        step();
        if (i === 0) continue; // warm-up
        pqweb.wall.push(wall);
        pqweb.parts.backbone?.push(result.timings.backboneMs);
        pqweb.parts.head?.push(result.timings.headMs);
      }
      for (let i = 0; i <= count; i++) {
        const started = performance.now();
        const [result] = await reference.classifyBatch([pixelsForWorker(input)], 1);
        const wall = performance.now() - started;
        step();
        if (i === 0 || !result) continue;
        onnx.wall.push(wall);
        onnx.parts.run?.push(result.timings.runMs);
      }
      // Per-layer GPU time (timestamp queries), from a few profiled calls after the timed ones.
      const layerSamples = new Map<string, { kernel: string; gpuMs: number[] }>();
      for (let i = 0; i < PROFILED_CALLS; i++) {
        const result = await model.classifier.classify(pixelsForWorker(input), { profile: true });
        for (const layer of result.timings.headLayers ?? []) {
          const entry = layerSamples.get(layer.name) ?? { kernel: layer.kernel, gpuMs: [] };
          entry.gpuMs.push(layer.gpuMs);
          layerSamples.set(layer.name, entry);
        }
      }
      const pqwebSummary = summarize(pqweb.wall);
      const onnxSummary = summarize(onnx.wall);
      replaceChildren(
        results,
        histogramSvg(histogram([pqweb.wall, onnx.wall], HISTOGRAM_BINS), [
          { name: 'pqweb', color: PQWEB_COLOR },
          { name: 'ONNX', color: ONNX_COLOR },
        ]),
        h(
          'p',
          { class: 'legend' },
          h('span', { class: 'swatch swatch-pqweb' }),
          ' pqweb ',
          h('span', { class: 'swatch swatch-onnx' }),
          ' ONNX (uncompressed)',
        ),
        h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'table' },
            h('caption', { text: `${count} calls each, page-side wall time` }),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['model', 'median', 'p90', 'mean', 'min'].map((name) =>
                  h('th', { text: name, attrs: { scope: 'col' } }),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              summaryRow('bench-pqweb', pqweb, pqwebSummary),
              summaryRow('bench-onnx', onnx, onnxSummary),
            ),
          ),
        ),
        h('p', {
          class: 'note',
          text: `In the worker (medians): pqweb ${partsLine(pqweb)}; ONNX ${partsLine(onnx)}.`,
        }),
        h('p', {
          class: 'note',
          text: 'The head time is wall time in the worker around the dense head (dispatch, kernels, reading the logits back).',
        }),
        layerGpuTable(layerSamples),
      );
    },
  });
}
