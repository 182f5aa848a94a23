/** `@pqweb/worker/host`: for a custom worker entry that does its own setup before serving the classifier. */
export { createClassifierHost, exposeClassifier } from './worker-host';
