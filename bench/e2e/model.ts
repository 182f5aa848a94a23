/**
 * The compressed reference model the demo ships (apps/demo/public/models/fashion-vgg.pqw). When it is missing,
 * it is made with the very command scripts/start.sh runs, read from that script, so the two never drift apart.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export const START_SCRIPT = 'scripts/start.sh';

export class ModelSetupError extends Error {
  override name = 'ModelSetupError';
}

/** Shell lines with their `\` continuations joined. */
function logicalLines(script: string): string[] {
  return script.replace(/\\\r?\n\s*/g, ' ').split(/\r?\n/);
}

/**
 * The `pqweb compress` command of scripts/start.sh as an argument list, with `$model` replaced by the model
 * path the script assigns. Refuses shell syntax it does not understand rather than guessing.
 */
export function compressCommandFromStartScript(script: string): { modelPath: string; argv: string[] } {
  const lines = logicalLines(script);
  const assignment = lines.map((line) => /^\s*model=(\S+)\s*$/.exec(line)).find((match) => match !== null);
  const modelPath = assignment?.[1]?.replace(/^"(.*)"$/, '$1');
  const command = lines.find((line) => /\bpqweb compress\b/.test(line));
  if (!modelPath || !command) {
    throw new ModelSetupError(
      `${START_SCRIPT} no longer has a "model=…" line and a "pqweb compress" command; make the model with bash ${START_SCRIPT}`,
    );
  }
  const argv = command
    .trim()
    .split(/\s+/)
    .map((token) => token.replace(/^"(.*)"$/, '$1').replace(/^\$\{?model\}?$/, modelPath));
  const unsupported = argv.find((token) => /[$`'"|;&<>()]/.test(token));
  if (unsupported !== undefined) {
    throw new ModelSetupError(
      `${START_SCRIPT}'s compress command has shell syntax this reader does not expand (${unsupported}); make the model with bash ${START_SCRIPT}`,
    );
  }
  return { modelPath, argv };
}

/** Makes the compressed model with scripts/start.sh's command if it is not there; returns its path. */
export function ensureCompressedModel(expectedPath: string, log: (message: string) => void): string {
  if (existsSync(expectedPath)) return expectedPath;
  const { modelPath, argv } = compressCommandFromStartScript(readFileSync(START_SCRIPT, 'utf8'));
  if (modelPath !== expectedPath) {
    throw new ModelSetupError(
      `${START_SCRIPT} writes the model to ${modelPath}, the benchmark reads ${expectedPath}; update bench/e2e.ts`,
    );
  }
  const [program, ...args] = argv;
  if (!program) throw new ModelSetupError(`${START_SCRIPT}'s compress command is empty`);
  log(`${expectedPath} is missing; making it as ${START_SCRIPT} does: ${argv.join(' ')}`);
  const result = spawnSync(program, args, { stdio: 'inherit' });
  if (result.status !== 0 || !existsSync(expectedPath)) {
    throw new ModelSetupError(`${argv.join(' ')} failed (exit ${result.status}); see its output above`);
  }
  return expectedPath;
}
