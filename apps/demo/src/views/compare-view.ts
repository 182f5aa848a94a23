/**
 * Compare: one image through the uncompressed .onnx (onnxruntime-web, in its own worker) and through pqweb
 * (the .pqw in @pqweb/worker), side by side: predictions, latency, bytes downloaded.
 */
import type { ClassifyResult } from '@pqweb/runtime/api';
import type { DemoApp } from '../app/app';
import type { PreparedInput } from '../preprocess/prepare';
import { pixelsForWorker } from '../preprocess/prepare';
import type { ReferenceResult } from '../reference/protocol';
import type { ReferenceClassifier } from '../reference/reference-client';
import { predictionBars } from '../ui/bars';
import { h, replaceChildren } from '../ui/dom';
import { formatBytes, formatMs, formatPercent } from '../ui/format';
import { pixelCanvas } from '../ui/pixels';
import { backendLabel } from './backend-label';
import { firstGalleryInput, galleryGrid } from './gallery';
import type { View } from './view';

interface Side {
  result: ClassifyResult | ReferenceResult;
  latencyMs: number;
}

function sideCard(
  testid: string,
  title: string,
  subtitle: string,
  bytes: string,
  backend: string,
  side: Side | null,
  trueLabel: string | null,
): HTMLElement {
  const top1 = side?.result.top[0];
  return h(
    'section',
    { class: 'card compare-side', testid },
    h('h3', { text: title }),
    h('p', { class: 'muted', text: subtitle }),
    h(
      'dl',
      { class: 'facts facts-stacked' },
      h('dt', { text: 'download' }),
      h('dd', { testid: `${testid}-bytes`, text: bytes }),
      h('dt', { text: 'runs on' }),
      h('dd', { text: backend }),
      h('dt', { text: 'latency' }),
      h('dd', { testid: `${testid}-latency`, text: side ? formatMs(side.latencyMs) : '—' }),
    ),
    top1
      ? h(
          'p',
          { class: 'top1' },
          h('span', { class: 'top1-label', testid: `${testid}-top1`, text: top1.label }),
          h('span', { class: 'top1-score', text: formatPercent(top1.score) }),
        )
      : h('p', { class: 'top1 muted', text: 'not run yet' }),
    side ? predictionBars(side.result.top, trueLabel) : null,
  );
}

function referenceBackend(reference: ReferenceClassifier): string {
  return reference.info.backend === 'webgpu'
    ? 'WebGPU (onnxruntime-web’s own device)'
    : `wasm · CPU${reference.info.fallbackReason ? ` (${reference.info.fallbackReason})` : ''}`;
}

export function compareView(app: DemoApp): View {
  const inputBox = h('div', { class: 'compare-input' });
  const status = h('p', { class: 'status', testid: 'compare-status', attrs: { role: 'status' } });
  const sides = h('div', { class: 'compare-grid' });
  const runButton = h('button', {
    class: 'button primary',
    testid: 'compare-run',
    text: 'Run both models',
    attrs: { type: 'button' },
  });
  let pqweb: Side | null = null;
  let onnx: Side | null = null;
  let reference: ReferenceClassifier | null = null;
  let comparedInput: PreparedInput | null = null;

  const render = () => {
    const input = app.input;
    replaceChildren(
      inputBox,
      input ? pixelCanvas(input.pixels, 'the input as both models see it') : null,
      h('span', {
        class: 'muted',
        text: input ? input.name : 'no image yet: the first gallery image is used',
      }),
    );
    const model = app.model;
    const fresh = comparedInput === input;
    const progress = app.referenceProgress;
    const referenceBytes = reference
      ? formatBytes(reference.info.fileBytes)
      : progress
        ? `${formatBytes(progress.loaded)}${progress.total ? ` of ${formatBytes(progress.total)}` : ''}…`
        : 'on first run';
    sides.dataset.input = fresh && input ? input.name : '';
    replaceChildren(
      sides,
      sideCard(
        'compare-pqweb',
        'pqweb (compressed)',
        model
          ? `${model.summary.name}: dense head on its codes, ${model.summary.storage.rate.toFixed(1)}× smaller`
          : 'loading…',
        model?.fileBytes ? formatBytes(model.fileBytes) : '—',
        model ? backendLabel(model.info.backend, model.info.adapter) : '—',
        fresh ? pqweb : null,
        input?.trueLabel ?? null,
      ),
      sideCard(
        'compare-onnx',
        'ONNX (uncompressed)',
        'the reference model, float32, on onnxruntime-web',
        referenceBytes,
        reference ? referenceBackend(reference) : '—',
        fresh ? onnx : null,
        input?.trueLabel ?? null,
      ),
    );
  };

  const run = async () => {
    const model = app.model;
    if (!model) {
      status.textContent = 'The pqweb model is still loading.';
      return;
    }
    runButton.disabled = true;
    status.textContent = '';
    try {
      await app.busy(async () => {
        const input = app.input ?? (await firstGalleryInput(app));
        if (!app.input) app.setInput(input);
        status.textContent = reference ? '' : 'Downloading the uncompressed model…';
        reference = await app.reference();
        status.textContent = '';
        // One after the other, so neither worker competes with the other for the GPU or the cores.
        let started = performance.now();
        const pqwebResult = await model.classifier.classify(pixelsForWorker(input));
        pqweb = { result: pqwebResult, latencyMs: performance.now() - started };
        started = performance.now();
        const [onnxResult] = await reference.classifyBatch([pixelsForWorker(input)], pqwebResult.top.length);
        if (!onnxResult) throw new Error('the reference worker returned no result');
        onnx = { result: onnxResult, latencyMs: performance.now() - started };
        comparedInput = input;
      });
    } catch (error) {
      status.textContent = `Compare failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    } finally {
      runButton.disabled = false;
      render();
    }
  };
  runButton.addEventListener('click', () => void run());

  const element = h(
    'div',
    { class: 'view view-compare', testid: 'view-compare' },
    h(
      'section',
      { class: 'card' },
      h('h2', { text: 'Compressed vs uncompressed' }),
      h('p', {
        class: 'muted',
        text: 'The same image through the original float32 ONNX model and through pqweb’s compressed file. Both run in Web Workers; the latency is the page’s wall time per call.',
      }),
      h('div', { class: 'row compare-controls' }, inputBox, runButton),
      status,
      galleryGrid(
        app,
        (input) => {
          app.setInput(input);
          void run();
        },
        'strip',
      ),
    ),
    sides,
    h('p', {
      class: 'note',
      text: 'Both models also need onnxruntime-web’s wasm (≈27 MB, shared, cached after the first visit): pqweb runs the small conv backbone on it.',
    }),
  );
  app.onChange((kind) => {
    if (kind === 'input' || kind === 'model' || kind === 'reference') render();
  });
  render();
  return { element, onShow: render, onHide: () => undefined };
}
