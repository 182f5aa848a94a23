/**
 * Classify: pick a source (photo, live camera, file, drag and drop, the gallery), see the input as the model
 * sees it, the top-5 classes, the latency and the backend. A new model re-classifies the current input.
 */
import type { ClassifyResult } from '@pqweb/runtime/api';
import type { DemoApp } from '../app/app';
import type { LoadedModel } from '../model/loaded-model';
import { originLabel } from '../model/model-source';
import { type PreparedInput, pixelsForWorker, prepareFile, preparePhoto } from '../preprocess/prepare';
import { predictionBars } from '../ui/bars';
import { h, replaceChildren } from '../ui/dom';
import { formatMs, formatPercent } from '../ui/format';
import { icon } from '../ui/icons';
import { photoCanvas, pixelCanvas } from '../ui/pixels';
import { cameraPanel } from './camera';
import { galleryGrid } from './gallery';
import type { View } from './view';

interface Outcome {
  input: PreparedInput;
  model: LoadedModel;
  result: ClassifyResult;
  /** Page-side wall time of classify(): posting the pixels, the worker's work, the reply. */
  latencyMs: number;
}

function pipelineNote(input: PreparedInput): string {
  if (input.kind === 'gallery') return 'Fashion-MNIST test image: fed as it is.';
  if (input.kind === 'as-is') return 'Already the model’s size: fed as it is.';
  const steps = input.photo?.steps;
  if (!steps) return 'Resized to the model’s input.';
  const parts = [
    steps.inverted ? 'light background inverted' : 'dark background kept',
    steps.box ? 'cropped to the object' : 'no object found: whole image used',
    'centred, 28×28',
  ];
  return `Photo pipeline: ${parts.join(' · ')}.`;
}

export function classifyView(app: DemoApp): View {
  const status = h('p', { class: 'status', testid: 'classify-status', attrs: { role: 'status' } });
  const result = h('section', { class: 'card result', testid: 'result', attrs: { 'aria-live': 'polite' } });
  let outcome: Outcome | null = null;
  let running = 0;

  const renderResult = () => {
    const input = app.input;
    if (!input) {
      replaceChildren(
        result,
        h('h2', { text: 'Result' }),
        h('p', { class: 'muted', text: 'Pick an image from the gallery, take a photo, or drop a file.' }),
      );
      return;
    }
    const current = outcome?.input === input ? outcome : null;
    result.dataset.input = current ? input.name : '';
    result.dataset.model = current ? originLabel(current.model.origin, location.origin) : '';
    const top1 = current?.result.top[0];
    const correct = input.trueLabel && top1 ? top1.label === input.trueLabel : null;
    replaceChildren(
      result,
      h('h2', { text: 'Result' }),
      h(
        'div',
        { class: 'result-body' },
        h(
          'div',
          { class: 'result-inputs' },
          input.photo
            ? h(
                'figure',
                {},
                photoCanvas(input.photo.image, input.photo.box),
                h('figcaption', { text: 'your photo' }),
              )
            : null,
          h(
            'figure',
            { testid: 'model-input-view' },
            pixelCanvas(input.pixels, 'the input as the model sees it'),
            h('figcaption', { text: `what the model sees (${input.pixels.width}×${input.pixels.height})` }),
          ),
        ),
        h(
          'div',
          { class: 'result-prediction' },
          top1
            ? h(
                'p',
                { class: 'top1' },
                h('span', { class: 'top1-label', testid: 'top1-label', text: top1.label }),
                h('span', {
                  class: 'top1-score',
                  testid: 'top1-score',
                  dataset: { value: String(top1.score) },
                  text: formatPercent(top1.score),
                }),
              )
            : h('p', {
                class: 'top1 muted',
                text: running > 0 || app.loading ? 'Classifying…' : 'Waiting for the model…',
              }),
          input.trueLabel
            ? h('p', {
                class: `truth ${correct === true ? 'ok' : correct === false ? 'wrong' : ''}`,
                testid: 'true-label',
                text: `true class: ${input.trueLabel}${correct === true ? ' ✓' : correct === false ? ' ✗' : ''}`,
              })
            : null,
          current ? predictionBars(current.result.top, input.trueLabel) : null,
        ),
      ),
      h('p', { class: 'note', text: pipelineNote(input) }),
      current
        ? h(
            'dl',
            { class: 'timings' },
            h('dt', { text: 'latency' }),
            h('dd', {
              testid: 'latency-ms',
              dataset: { value: current.latencyMs.toFixed(3) },
              text: formatMs(current.latencyMs),
            }),
            h('dt', { text: 'in the worker' }),
            h('dd', {
              text: `${formatMs(current.result.timings.backboneMs)} backbone · ${formatMs(current.result.timings.headMs)} head (${current.model.info.backend})`,
            }),
          )
        : null,
    );
  };

  const classify = async (input: PreparedInput) => {
    app.setInput(input);
    const model = app.model;
    if (!model) return; // classified when the model arrives (see onChange)
    running++;
    renderResult();
    try {
      await app.busy(async () => {
        const started = performance.now();
        const classified = await model.classifier.classify(pixelsForWorker(input));
        const latencyMs = performance.now() - started;
        if (app.input === input) outcome = { input, model, result: classified, latencyMs };
      });
      status.textContent = '';
    } catch (error) {
      status.textContent = `Classification failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    } finally {
      running--;
      renderResult();
    }
  };

  const fromFiles = async (files: FileList | null | undefined) => {
    const file = files?.[0];
    const model = app.model;
    if (!file) return;
    if (!model) {
      status.textContent = 'The model is still loading; try again in a moment.';
      return;
    }
    try {
      await classify(await prepareFile(file, file.name, model.info.manifest.preprocessing));
    } catch (error) {
      status.textContent = error instanceof Error ? error.message : String(error);
    }
  };

  const fileInput = (testid: string, capture: boolean) => {
    const input = h('input', {
      class: 'visually-hidden',
      testid,
      attrs: { type: 'file', accept: 'image/*', ...(capture ? { capture: 'environment' } : {}) },
    });
    input.addEventListener('change', () => {
      void fromFiles(input.files).finally(() => {
        input.value = '';
      });
    });
    return input;
  };

  const camera = cameraPanel(
    (video) => {
      const model = app.model;
      if (!model || video.videoWidth === 0) return;
      const size = { width: video.videoWidth, height: video.videoHeight };
      void classify(preparePhoto(video, size, 'camera', 'camera', model.info.manifest.preprocessing));
    },
    (message) => {
      status.textContent = message;
    },
  );

  const sources = h(
    'section',
    { class: 'card sources' },
    h('h2', { text: 'Classify a garment' }),
    h(
      'div',
      { class: 'source-buttons' },
      h('label', { class: 'button primary' }, icon('camera'), 'Take photo', fileInput('image-input', true)),
      h('label', { class: 'button' }, icon('image'), 'Upload', fileInput('image-pick-input', false)),
      h(
        'button',
        {
          class: 'button',
          testid: 'camera-open',
          attrs: { type: 'button' },
          on: { click: () => void camera.open() },
        },
        icon('video'),
        'Live camera',
      ),
    ),
    camera.element,
    h('p', { class: 'dropzone-hint', text: 'or drop an image anywhere on this page' }),
    status,
    h('h3', { text: 'Fashion-MNIST test images' }),
    galleryGrid(app, (input) => void classify(input), 'grid'),
  );

  const element = h('div', { class: 'view view-classify', testid: 'view-classify' }, sources, result);

  element.addEventListener('dragover', (event) => {
    event.preventDefault();
    element.classList.add('dragging');
  });
  element.addEventListener('dragleave', () => element.classList.remove('dragging'));
  element.addEventListener('drop', (event) => {
    event.preventDefault();
    element.classList.remove('dragging');
    void fromFiles(event.dataTransfer?.files);
  });

  app.onChange((kind) => {
    if (kind === 'model' && app.input) void classify(app.input);
    else if (kind === 'loading' || kind === 'input') renderResult();
  });
  renderResult();

  return {
    element,
    onShow: () => undefined,
    onHide: () => camera.close(),
  };
}
