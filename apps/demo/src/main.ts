/**
 * pqweb demo: classify clothes with a compressed CNN in the browser. Boot: build the views, load the model
 * (`?model=<url>`, else the bundled one; a failed ?model= falls back to the bundled file; `?backend=wasm` and
 * `?tables=8` choose how it runs), then register the service worker so the next visit works offline.
 */
import './styles.css';
import { backendFromQuery, DemoApp, tableBitsFromQuery } from './app/app';
import { mountShell } from './app/shell';
import { bundledOrigin, queryOrigin } from './model/model-source';
import { registerServiceWorker } from './sw/register';
import { required } from './ui/dom';
import { accuracyView } from './views/accuracy-view';
import { benchView } from './views/bench-view';
import { classifyView } from './views/classify-view';
import { compareView } from './views/compare-view';
import { modelView } from './views/model-view';

const baseUrl = document.baseURI;
const app = new DemoApp(baseUrl, backendFromQuery(location.search), tableBitsFromQuery(location.search));
document.body.dataset.state = 'loading';

mountShell(app, required(document, '#app', HTMLDivElement), [
  { id: 'classify', label: 'Classify', view: classifyView(app) },
  { id: 'compare', label: 'Compare', view: compareView(app) },
  { id: 'bench', label: 'Bench', view: benchView(app) },
  { id: 'accuracy', label: 'Accuracy', view: accuracyView(app) },
  { id: 'model', label: 'Model', view: modelView(app) },
]);

const bundled = bundledOrigin(baseUrl);
const requested = queryOrigin(location.search, baseUrl);
void app.loadModel(requested ?? bundled, requested ? bundled : null).then(() => {
  if (import.meta.env.PROD) registerServiceWorker(baseUrl);
});
