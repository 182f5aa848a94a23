/**
 * Accuracy: the first K Fashion-MNIST test images (bundled slice) through both models in the browser, top-1
 * of each and how often they agree. The images are fed as they are (no photo pipeline), as in the CLI's eval.
 */
import type { PixelInput } from '@pqweb/runtime/api';
import type { DemoApp } from '../app/app';
import type { TestSlice } from '../data/gallery-index';
import { loadTestSlice } from '../data/load-data';
import { grayToRgba } from '../preprocess/photo';
import { REFERENCE_CARD } from '../reference/reference-client';
import { h, replaceChildren } from '../ui/dom';
import { formatMs, formatPercent } from '../ui/format';
import { backendLabel } from './backend-label';
import { measureView } from './measure-view';
import type { View } from './view';

const COUNT_CHOICES = [100, 250, 500] as const;
const DEFAULT_COUNT = 100;
/** Images per classifyBatch call: big enough to amortise the worker round trip, small enough to show progress. */
const BATCH = 50;
/** Fashion-MNIST images are 28×28 (the slice's side). */
const SIDE = 28;

interface Tally {
  correct: number;
  ms: number;
  predictions: number[];
}

function slicePixels(slice: TestSlice, index: number): PixelInput {
  const pixels = slice.side * slice.side;
  return {
    data: grayToRgba(slice.images.subarray(index * pixels, (index + 1) * pixels)),
    width: slice.side,
    height: slice.side,
  };
}

export function accuracyView(app: DemoApp): View {
  return measureView(app, {
    name: 'accuracy',
    title: 'Accuracy in your browser',
    blurb: 'The first K images of the Fashion-MNIST test set (bundled with the app) through both models.',
    choices: COUNT_CHOICES,
    defaultChoice: DEFAULT_COUNT,
    choiceLabel: (count) => `first ${count} images`,
    choiceAriaLabel: 'number of test images',
    selectTestid: 'accuracy-count',
    runTestid: 'accuracy-run',
    runText: 'Measure',
    resultsTestid: 'accuracy-results',
    resultsPlaceholder: 'Top-1 accuracy of both models appears here.',
    failurePrefix: 'Accuracy run',
    async measure(model, count, { progress, status, results }) {
      status.textContent = 'Loading the test images and the uncompressed model…';
      const [slice, reference] = await Promise.all([loadTestSlice(app.baseUrl, SIDE), app.reference()]);
      const total = Math.min(count, slice.count);
      const pqweb: Tally = { correct: 0, ms: 0, predictions: [] };
      const onnx: Tally = { correct: 0, ms: 0, predictions: [] };
      for (let start = 0; start < total; start += BATCH) {
        const indices = Array.from({ length: Math.min(BATCH, total - start) }, (_, i) => start + i);
        let started = performance.now();
        const pqwebResults = await model.classifier.classifyBatch(
          indices.map((i) => slicePixels(slice, i)),
          { topK: 1 },
        );
        pqweb.ms += performance.now() - started;
        started = performance.now();
        const onnxResults = await reference.classifyBatch(
          indices.map((i) => slicePixels(slice, i)),
          1,
        );
        onnx.ms += performance.now() - started;
        indices.forEach((imageIndex, i) => {
          const label = slice.labels[imageIndex];
          const p = pqwebResults[i]?.top[0]?.index ?? -1;
          const o = onnxResults[i]?.top[0]?.index ?? -1;
          pqweb.predictions.push(p);
          onnx.predictions.push(o);
          if (p === label) pqweb.correct++;
          if (o === label) onnx.correct++;
        });
        progress.value = (start + indices.length) / total;
        status.textContent = `${start + indices.length} of ${total} images…`;
      }
      const agree = pqweb.predictions.filter((p, i) => p === onnx.predictions[i]).length;
      const row = (testid: string, name: string, backend: string, tally: Tally) =>
        h(
          'tr',
          { testid },
          h('th', { attrs: { scope: 'row' } }, name, h('br'), h('small', { class: 'muted', text: backend })),
          h('td', {
            testid: `${testid}-top1`,
            dataset: { correct: String(tally.correct) },
            text: formatPercent(tally.correct / total),
          }),
          h('td', { text: `${tally.correct} / ${total}` }),
          h('td', { text: formatMs(tally.ms / total) }),
        );
      replaceChildren(
        results,
        h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'table' },
            h('caption', { text: `first ${total} Fashion-MNIST test images` }),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['model', 'top-1', 'correct', 'per image'].map((name) =>
                  h('th', { text: name, attrs: { scope: 'col' } }),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              row('accuracy-pqweb', 'pqweb', backendLabel(model.info.backend, model.info.adapter), pqweb),
              row('accuracy-onnx', 'ONNX (uncompressed)', backendLabel(reference.info.backend, null), onnx),
            ),
          ),
        ),
        h('p', {
          testid: 'accuracy-agreement',
          dataset: { agree: String(agree) },
          text: `The two models agree on ${agree} of ${total} images (${formatPercent(agree / total)}).`,
        }),
        h('p', {
          class: 'note',
          text: `For scale: the model card measures the uncompressed model at ${formatPercent(REFERENCE_CARD.testAccuracy.top1, 2)} on all ${REFERENCE_CARD.testAccuracy.images.toLocaleString('en')} test images; the first few hundred are a small sample (±1–2 points).`,
        }),
      );
      results.dataset.count = String(total);
    },
  });
}
