/**
 * The shell the Benchmark and Accuracy pages share: a choice of how many (runs, images), a run button, progress,
 * a status line and a results area. A run disables the button, runs `measure` under `app.busy`, marks the results
 * `data-done="true"` when it finishes, and shows a failure in the status line; the button comes back either way.
 */
import type { DemoApp } from '../app/app';
import type { LoadedModel } from '../model/loaded-model';
import { h } from '../ui/dom';
import type { View } from './view';

/** What `measure` writes to while it runs. */
export interface MeasureParts {
  progress: HTMLProgressElement;
  status: HTMLElement;
  results: HTMLElement;
}

export interface MeasureViewSpec {
  /** Page name: the view's class `view-<name>` and test id `view-<name>`. */
  name: string;
  title: string;
  blurb: string;
  choices: readonly number[];
  defaultChoice: number;
  choiceLabel(choice: number): string;
  choiceAriaLabel: string;
  selectTestid: string;
  runTestid: string;
  runText: string;
  progressTestid?: string;
  resultsTestid: string;
  resultsClass?: string;
  resultsPlaceholder: string;
  /** "Benchmark" → "Benchmark failed: …". */
  failurePrefix: string;
  measure(model: LoadedModel, choice: number, parts: MeasureParts): Promise<void>;
}

export function measureView(app: DemoApp, spec: MeasureViewSpec): View {
  const select = h(
    'select',
    { testid: spec.selectTestid, attrs: { 'aria-label': spec.choiceAriaLabel } },
    ...spec.choices.map((choice) => {
      const option = h('option', { text: spec.choiceLabel(choice), attrs: { value: String(choice) } });
      option.selected = choice === spec.defaultChoice;
      return option;
    }),
  );
  const runButton = h('button', {
    class: 'button primary',
    testid: spec.runTestid,
    text: spec.runText,
    attrs: { type: 'button' },
  });
  const progress = h('progress', { testid: spec.progressTestid, attrs: { max: '1', value: '0' } });
  const status = h('p', { class: 'status', attrs: { role: 'status' } });
  const results = h(
    'div',
    { class: spec.resultsClass, testid: spec.resultsTestid },
    h('p', { class: 'muted', text: spec.resultsPlaceholder }),
  );

  const run = async () => {
    const model = app.model;
    if (!model) return;
    const choice = Number(select.value);
    runButton.disabled = true;
    results.dataset.done = '';
    try {
      await app.busy(async () => {
        await spec.measure(model, choice, { progress, status, results });
        results.dataset.done = 'true';
        status.textContent = '';
      });
    } catch (error) {
      status.textContent = `${spec.failurePrefix} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    } finally {
      runButton.disabled = false;
    }
  };
  runButton.addEventListener('click', () => void run());

  const element = h(
    'div',
    { class: `view view-${spec.name}`, testid: `view-${spec.name}` },
    h(
      'section',
      { class: 'card' },
      h('h2', { text: spec.title }),
      h('p', { class: 'muted', text: spec.blurb }),
      h('div', { class: 'row' }, select, runButton),
      progress,
      status,
    ),
    h('section', { class: 'card' }, results),
  );
  return { element, onShow: () => undefined, onHide: () => undefined };
}
