/** A command-line usage problem (bad flag value, unreadable input): printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit codes: 1 for a failure of the work (bad model, bad file), 2 for bad usage. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** One clear line for any error: its class name (unless generic) and message, never a stack. */
export function errorLine(err: unknown): string {
  if (err instanceof Error) {
    const kind = err.name && err.name !== 'Error' ? `${err.name}: ` : '';
    return `pqweb: ${kind}${err.message}`;
  }
  return `pqweb: ${String(err)}`;
}
