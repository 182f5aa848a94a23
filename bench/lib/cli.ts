/**
 * How the bench commands end: exit 0 when `main` resolves; 2 with just the message for a usage error (the
 * command line was wrong, the message says how); 1 with the stack for anything else.
 */
export function runCommand(main: () => Promise<void>, isUsageError: (error: unknown) => boolean): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      if (isUsageError(error)) {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(2);
      }
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
