/** Errors of the worker layer: the model bytes failed their pinned hash, or the worker died under pending calls. */

/** The model's bytes do not hash to `options.sha256` (the server's file changed, or it was corrupted on the way). */
export class IntegrityError extends Error {
  override name = 'IntegrityError';

  constructor(
    /** Where the bytes came from (the model URL, or `blob` / `bytes` for in-memory sources). */
    readonly url: string,
    /** The sha256 the caller pinned, lowercase hex. */
    readonly expected: string,
    /** The sha256 of the bytes received, lowercase hex. */
    readonly actual: string,
  ) {
    super(
      `model bytes from ${url} have sha256 ${actual}, expected ${expected}: the file changed or was corrupted; ` +
        'update options.sha256 to the new file’s hash or restore the file',
    );
  }
}

/**
 * The worker stopped while calls were pending: it was terminated, its script failed to load, or code in it threw
 * an uncaught error. Every pending call rejects with this; the next call starts a fresh worker and loads the
 * model again (from the cache for URL sources).
 */
export class WorkerCrashedError extends Error {
  override name = 'WorkerCrashedError';
}
