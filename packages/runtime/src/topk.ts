import type { Prediction } from './api';

/** Softmax over one row of logits (max-subtracted for stability) and the k most likely classes. */
export function topPredictions(logits: Float32Array, labels: string[], k: number): Prediction[] {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  const exp = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) {
    exp[i] = Math.exp((logits[i] ?? 0) - max);
    sum += exp[i] ?? 0;
  }
  const order = Array.from(logits.keys()).sort((a, b) => (logits[b] ?? 0) - (logits[a] ?? 0) || a - b);
  return order.slice(0, Math.max(1, Math.min(k, logits.length))).map((index) => ({
    index,
    label: labels[index] ?? `class ${index}`,
    score: (exp[index] ?? 0) / sum,
  }));
}
