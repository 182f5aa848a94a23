/** Top-k predictions as labelled horizontal bars (plain HTML: they reflow on a phone and read in a screen reader). */
import type { Prediction } from '@pqweb/runtime/api';
import { h } from './dom';
import { formatPercent } from './format';

export function predictionBars(
  top: readonly Prediction[],
  trueLabel: string | null = null,
): HTMLOListElement {
  return h(
    'ol',
    { class: 'bars' },
    ...top.map((prediction, rank) =>
      h(
        'li',
        {
          class: `bar${rank === 0 ? ' bar-top' : ''}${prediction.label === trueLabel ? ' bar-true' : ''}`,
          attrs: { style: `--value: ${Math.max(0, Math.min(1, prediction.score))}` },
        },
        h('span', { class: 'bar-label', text: prediction.label }),
        h('span', { class: 'bar-value', text: formatPercent(prediction.score) }),
      ),
    ),
  );
}
