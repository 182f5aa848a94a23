/**
 * Harness page: starts the GPU worker, hands it the dense problems, and shows the worker's report as JSON
 * in #result. `document.body.dataset.state` goes 'running' → 'done' | 'failed' for the spec to wait on.
 */
import type { DenseCaseSpec, GpuWorkerMessage, GpuWorkerRequest } from './protocol';

/** Shapes that hit both entry points (cols % 4), partial batch tiles, and rows longer than a workgroup is wide. */
const CASES: DenseCaseSpec[] = [
  { rows: 1, cols: 1, batch: 2, relu: false, seed: 11 },
  { rows: 7, cols: 257, batch: 5, relu: true, seed: 12 },
  { rows: 33, cols: 3, batch: 33, relu: false, seed: 13 },
  { rows: 130, cols: 1000, batch: 1, relu: true, seed: 14 },
  { rows: 64, cols: 1024, batch: 4, relu: false, seed: 15 },
];

const output = document.querySelector<HTMLPreElement>('#result');

function show(message: GpuWorkerMessage): void {
  if (output) output.textContent = JSON.stringify(message, null, 2);
  document.body.dataset.state = message.ok ? 'done' : 'failed';
}

const worker = new Worker(new URL('./gpu-worker.ts', import.meta.url), { type: 'module' });
worker.addEventListener('message', (event: MessageEvent<GpuWorkerMessage>) => {
  show(event.data);
  worker.terminate();
});
worker.addEventListener('error', (event) => {
  show({ ok: false, name: 'WorkerError', message: event.message || 'the worker failed to load' });
});
document.body.dataset.state = 'running';
worker.postMessage({ cases: CASES } satisfies GpuWorkerRequest);
