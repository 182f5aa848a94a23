/**
 * A dot that circles once a second, moved by requestAnimationFrame from the main thread (not by CSS, which the
 * compositor would keep running even if the page froze): while it turns smoothly, the page is responsive —
 * the classifier works in a worker.
 */
import { h } from './dom';

const TURN_MS = 1000;

export function heartbeat(): HTMLElement {
  const dot = h('span', { class: 'heartbeat-dot' });
  const element = h(
    'span',
    {
      class: 'heartbeat',
      testid: 'heartbeat',
      attrs: { title: 'main thread: this turns while the page is responsive', 'aria-hidden': 'true' },
    },
    dot,
  );
  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  const frame = (now: number) => {
    const angle = ((now % TURN_MS) / TURN_MS) * 360;
    dot.style.transform = reduceMotion ? '' : `rotate(${angle}deg) translateX(7px)`;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  return element;
}
