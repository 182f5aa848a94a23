/**
 * The frame around the views: header (model and backend chips, the main-thread heartbeat), notices (load
 * progress, model errors, the WebGPU fallback), tabs, and a hash router (#classify, #compare, #bench,
 * #accuracy, #model) that keeps `?model=` in the query.
 */

import { originLabel } from '../model/model-source';
import { h, replaceChildren } from '../ui/dom';
import { formatBytes, formatRate } from '../ui/format';
import { heartbeat } from '../ui/heartbeat';
import { adapterName, backendLabel } from '../views/backend-label';
import type { View } from '../views/view';
import type { DemoApp } from './app';

export interface Route {
  id: string;
  label: string;
  view: View;
}

function progressText(loaded: number, total: number | null): string {
  return total ? `${formatBytes(loaded)} of ${formatBytes(total)}` : formatBytes(loaded);
}

export function mountShell(app: DemoApp, root: HTMLElement, routes: Route[]): void {
  const modelChip = h('span', { class: 'chip', testid: 'model-chip' });
  const backendChip = h('span', { class: 'chip chip-backend', testid: 'backend' });
  const progressBar = h('progress', { attrs: { max: '1' } });
  const progressLabel = h('span', {});
  const progress = h(
    'div',
    { class: 'notice notice-progress', testid: 'model-progress', attrs: { role: 'status' } },
    progressLabel,
    progressBar,
  );
  const errorText = h('span', {});
  const modelError = h(
    'div',
    { class: 'notice notice-error', testid: 'model-error', attrs: { role: 'alert' } },
    errorText,
    h('button', {
      class: 'link',
      text: 'Dismiss',
      attrs: { type: 'button' },
      on: { click: () => app.dismissError() },
    }),
  );
  const fallback = h('div', {
    class: 'notice notice-warning',
    testid: 'webgpu-fallback',
    attrs: { role: 'status' },
  });

  const tabs = h(
    'nav',
    { class: 'tabs', attrs: { 'aria-label': 'pages' } },
    ...routes.map((route) =>
      h('a', { class: 'tab', testid: `tab-${route.id}`, text: route.label, attrs: { href: `#${route.id}` } }),
    ),
  );
  const main = h('main', { class: 'views' }, ...routes.map((route) => route.view.element));

  replaceChildren(
    root,
    h(
      'header',
      { class: 'topbar' },
      h(
        'div',
        { class: 'brand' },
        h('span', { class: 'logo', text: 'pq' }),
        h('span', { text: 'web' }),
        heartbeat(),
      ),
      h('div', { class: 'chips' }, modelChip, backendChip),
    ),
    h('div', { class: 'notices' }, progress, modelError, fallback),
    tabs,
    main,
    h(
      'footer',
      { class: 'footer' },
      h('p', {
        text: 'pqweb runs a CNN whose dense layers are product-quantized (Gong et al. 2014) straight from their codes, with WebGPU lookup-table kernels, in a Web Worker.',
      }),
    ),
  );

  const renderChrome = () => {
    const model = app.model;
    const loading = app.loading;
    progress.hidden = loading === null;
    if (loading) {
      const { progress: p } = loading;
      const downloaded = p !== null && p.total !== null && p.loaded >= p.total;
      const detail =
        p === null
          ? 'starting'
          : downloaded
            ? 'starting the model and compiling its kernels…'
            : progressText(p.loaded, p.total);
      progressLabel.textContent = `Loading ${originLabel(loading.origin, location.origin)} — ${detail}`;
      if (p?.total) progressBar.value = p.loaded / p.total;
      else progressBar.removeAttribute('value');
    }
    modelError.hidden = app.modelError === null;
    errorText.textContent = app.modelError ?? '';
    modelChip.textContent = model
      ? `${originLabel(model.origin, location.origin)} · ${model.fileBytes === null ? '' : `${formatBytes(model.fileBytes)} · `}head ${formatRate(model.summary.storage.rate)}`
      : loading
        ? 'loading model…'
        : 'no model';
    backendChip.textContent = model
      ? `${backendLabel(model.info.backend, model.info.adapter)}${model.tableBits === 8 ? ' · 8-bit tables' : ''}`
      : '…';
    backendChip.dataset.backend = model?.info.backend ?? '';
    backendChip.title = model?.info.adapter ? adapterName(model.info.adapter) : '';
    const reason = model?.info.backend === 'wasm' ? model.info.fallbackReason : null;
    fallback.hidden = reason === null;
    fallback.textContent = reason
      ? `WebGPU is not in use here, so pqweb runs the same model on the CPU (wasm): the same answers, only slower. Why: ${reason}.`
      : '';
  };

  let shown: Route | null = null;
  const route = () => {
    const id = location.hash.replace(/^#\/?/, '');
    const next = routes.find((candidate) => candidate.id === id) ?? routes[0];
    if (!next || next === shown) return;
    shown?.view.onHide();
    for (const candidate of routes) candidate.view.element.hidden = candidate !== next;
    for (const tab of tabs.querySelectorAll('a')) {
      if (tab.getAttribute('href') === `#${next.id}`) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    }
    shown = next;
    next.view.onShow();
  };
  window.addEventListener('hashchange', route);
  app.onChange(renderChrome);
  renderChrome();
  route();
}
