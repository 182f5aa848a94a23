/**
 * Worker thread entry: takes segments of a product-quantization job from a shared counter until none are
 * left. Which worker gets which segment does not matter: every segment's result depends only on the job and
 * the segment index (see product-segment.ts).
 */
import { parentPort } from 'node:worker_threads';
import { quantizeSegment } from './product-segment';
import type { ProductJobMessage, WorkerReply } from './worker-protocol';

const port = parentPort;
if (port === null) throw new Error('kmeans-worker.ts must run as a worker thread (new Worker(...))');

const reply = (message: WorkerReply): void => port.postMessage(message);

port.on('message', (message: ProductJobMessage) => {
  const { jobId, spec, buffers, segmentList, nextIndex } = message;
  try {
    for (;;) {
      const index = Atomics.add(nextIndex, 0, 1);
      if (index >= segmentList.length) break;
      quantizeSegment(spec, buffers, segmentList[index]);
      reply({ type: 'segment-done', jobId });
    }
    reply({ type: 'job-done', jobId });
  } catch (error: unknown) {
    const failure = error instanceof Error ? error : new Error(String(error));
    reply({ type: 'job-failed', jobId, name: failure.name, message: failure.message, stack: failure.stack });
  }
});
reply({ type: 'ready' });
