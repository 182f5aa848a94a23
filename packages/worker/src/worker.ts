/**
 * The ready worker entry: `new Worker(new URL('@pqweb/worker/worker', import.meta.url), { type: 'module' })`.
 * createWorkerClassifier starts this one when no `worker` option is given.
 */
import { exposeClassifier } from './worker-host';

exposeClassifier();
