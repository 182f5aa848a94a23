/**
 * Model: what is loaded (file size, rate, per-layer storage from the manifest, kernels), and loading another
 * .pqw from a file or a URL (`?model=<url>` does the same at start-up). Labels come from the file's manifest.
 */
import type { DemoApp } from '../app/app';
import type { LoadedModel } from '../model/loaded-model';
import { bundledOrigin, originLabel } from '../model/model-source';
import { REFERENCE_CARD } from '../reference/reference-client';
import { h, replaceChildren } from '../ui/dom';
import { formatBytes, formatDuration, formatRate } from '../ui/format';
import { backendLabel } from './backend-label';
import type { View } from './view';

/** fp32 bytes of the reference model's dense head, from its card (4 bytes per parameter). */
const FLOAT32_BYTES = 4;

function layerTable(model: LoadedModel): HTMLElement {
  const { summary } = model;
  const header = ['layer', 'method', 'm×n', 'float32', 'stored', 'rate', 'kernel'];
  const cell = (column: number, text: string) => h('td', { text, dataset: { label: header[column] ?? '' } });
  return h(
    'div',
    {},
    h('h3', { text: 'Dense layers, as the file stores them (codes + codebooks + bias + scales)' }),
    h(
      'table',
      { class: 'table layer-table', testid: 'layer-table' },
      h('thead', {}, h('tr', {}, ...header.map((name) => h('th', { text: name, attrs: { scope: 'col' } })))),
      h(
        'tbody',
        {},
        ...summary.layers.map((layer) =>
          h(
            'tr',
            { testid: 'layer-row' },
            h('th', { text: layer.name, attrs: { scope: 'row' } }),
            cell(1, layer.method),
            cell(2, layer.shape),
            cell(3, formatBytes(layer.denseBytes)),
            cell(4, formatBytes(layer.storedBytes)),
            cell(5, formatRate(layer.rate)),
            cell(6, layer.kernel ?? '—'),
          ),
        ),
      ),
      h(
        'tfoot',
        {},
        h(
          'tr',
          {},
          h('th', { text: 'dense head', attrs: { scope: 'row' } }),
          h('td', { class: 'empty' }),
          h('td', { class: 'empty' }),
          cell(3, formatBytes(summary.storage.denseBytes)),
          cell(4, formatBytes(summary.storage.totalBytes)),
          h('td', {
            testid: 'model-rate',
            dataset: { label: 'rate' },
            text: formatRate(summary.storage.rate),
          }),
          h('td', { class: 'empty' }),
        ),
      ),
    ),
  );
}

function facts(model: LoadedModel): HTMLElement {
  const { summary, info } = model;
  const referenceHeadBytes = REFERENCE_CARD.parameters.dense * FLOAT32_BYTES;
  const rows: [string, string, string?][] = [
    ['model', summary.name],
    ['source', originLabel(model.origin, location.origin)],
    ['file size', model.fileBytes === null ? '—' : formatBytes(model.fileBytes), 'model-file-size'],
    [
      'dense head',
      `${formatBytes(summary.storage.totalBytes)} instead of ${formatBytes(summary.storage.denseBytes)} (${formatRate(summary.storage.rate)})`,
    ],
    [
      'conv backbone',
      summary.storage.backboneBytes > 0
        ? `${formatBytes(summary.storage.backboneBytes)} ONNX, float32`
        : 'none',
    ],
    ['input', summary.input],
    ['classes', summary.labels.join(', ')],
    ['runs on', `${backendLabel(info.backend, info.adapter)}; backbone on ${info.backbone}`],
    [
      'lookup tables',
      model.tableBits === 8
        ? '8-bit (an opt-in accuracy level, ?tables=8: each entry within half a step of its float32 value)'
        : 'float32 (exact sums; ?tables=8 runs them on 8-bit tables)',
      'table-bits',
    ],
    ['GPU memory', info.gpuBytes > 0 ? formatBytes(info.gpuBytes) : '—'],
    ['loaded in', `${formatDuration(model.loadMs)} (download, start, kernel compile)`],
    ['written by', summary.producer],
  ];
  return h(
    'div',
    {},
    h(
      'dl',
      { class: 'facts' },
      ...rows.flatMap(([term, value, testid]) => [
        h('dt', { text: term }),
        h('dd', { text: value, ...(testid ? { testid } : {}) }),
      ]),
    ),
    h('p', {
      class: 'note',
      text: `The uncompressed reference head is ${formatBytes(referenceHeadBytes)} of float32 weights (${REFERENCE_CARD.parameters.dense.toLocaleString('en')} parameters).`,
    }),
  );
}

export function modelView(app: DemoApp): View {
  const current = h('section', { class: 'card', testid: 'model-info' });
  const fileInput = h('input', {
    class: 'visually-hidden',
    testid: 'model-input',
    attrs: { type: 'file', accept: '.pqw,application/octet-stream' },
  });
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (file) void app.loadModel({ kind: 'file', file });
  });
  const urlInput = h('input', {
    testid: 'model-url',
    attrs: { type: 'url', placeholder: 'https://…/model.pqw', 'aria-label': 'model URL', inputmode: 'url' },
  });
  const urlForm = h(
    'form',
    { class: 'row url-form' },
    urlInput,
    h('button', { class: 'button', text: 'Load URL', attrs: { type: 'submit' } }),
  );
  urlForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = urlInput.value.trim();
    if (!value) return;
    const url = new URL(value, app.baseUrl).href;
    void app.loadModel({ kind: 'url', url });
  });

  const render = () => {
    const model = app.model;
    replaceChildren(
      current,
      h('h2', { text: 'The model' }),
      model ? facts(model) : h('p', { class: 'muted', text: app.loading ? 'Loading…' : 'No model loaded.' }),
      model ? layerTable(model) : null,
    );
  };

  const element = h(
    'div',
    { class: 'view view-model', testid: 'view-model' },
    current,
    h(
      'section',
      { class: 'card' },
      h('h2', { text: 'Try another model' }),
      h('p', {
        class: 'muted',
        text: 'Any .pqw made with `pqweb compress` works; its labels come from its manifest. A file that fails to load leaves the current model in place.',
      }),
      h(
        'div',
        { class: 'row' },
        h('label', { class: 'button' }, 'Open .pqw file', fileInput),
        h('button', {
          class: 'button',
          text: 'Back to the bundled model',
          attrs: { type: 'button' },
          on: { click: () => void app.loadModel(bundledOrigin(app.baseUrl)) },
        }),
      ),
      urlForm,
      h('p', {
        class: 'note',
        text: 'Or open the app with ?model=<url>; the server must allow cross-origin GET and HEAD (CORS) for other sites.',
      }),
    ),
  );
  app.onChange((kind) => {
    if (kind === 'model' || kind === 'loading') render();
  });
  render();
  return { element, onShow: render, onHide: () => undefined };
}
