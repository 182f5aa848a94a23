/**
 * A quantizer was asked for something it cannot do: a d that is not a power of two, k > rows, bits outside
 * 1..8, a rank beyond min(rows, cols), NaN/Inf in the weights, an unreachable target rate. The message says
 * the value and what to pass instead; `option` names the offending option (`d`, `k`, `weight`, `targetRate`,
 * …) so callers and tests can tell failures apart without parsing the message.
 */
export class QuantizerOptionError extends Error {
  readonly option: string;

  constructor(message: string, option = 'options') {
    super(message);
    this.name = 'QuantizerOptionError';
    this.option = option;
  }
}

/**
 * A k-means worker thread failed while quantizing (not an option problem: a bug or the thread died).
 * Carries the worker's own error name, message and stack, so the failure reads as if it happened in-thread.
 */
export class QuantizerWorkerError extends Error {
  constructor(message: string, workerStack?: string) {
    super(message);
    this.name = 'QuantizerWorkerError';
    if (workerStack !== undefined) this.stack = `${this.name}: ${message}\n--- in worker ---\n${workerStack}`;
  }
}
