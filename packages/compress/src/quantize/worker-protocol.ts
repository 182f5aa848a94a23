/** Messages between the main thread and the k-means workers (kmeans-worker.ts). Plain structured-clone data. */
import type { ProductJobBuffers, ProductJobSpec } from './product-segment';

export interface ProductJobMessage {
  type: 'job';
  jobId: number;
  spec: ProductJobSpec;
  /** Views on SharedArrayBuffers. */
  buffers: ProductJobBuffers;
  /** Segments to quantize, in order of hand-out. */
  segmentList: Int32Array;
  /** One Int32 on a SharedArrayBuffer: the next index of segmentList to hand out (Atomics.add). */
  nextIndex: Int32Array;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'segment-done'; jobId: number }
  | { type: 'job-done'; jobId: number }
  | { type: 'job-failed'; jobId: number; name: string; message: string; stack?: string };
