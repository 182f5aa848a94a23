/** Parsing of flag values shared by the commands; every failure is a UsageError naming the flag. */
import { readFile } from 'node:fs/promises';
import { UsageError } from './errors';

export function parseNumberList(flag: string, text: string): number[] {
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw new UsageError(
      `${flag} takes a number or comma-separated numbers (one per channel), got "${text}"`,
    );
  }
  return values;
}

export function parseInteger(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} takes an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

export function parsePositive(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`${flag} takes a positive number, got "${text}"`);
  return value;
}

/** A labels file: a JSON array of strings, or one label per line (blank lines ignored). */
export async function readLabels(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read --labels ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new UsageError(`--labels ${path} looks like JSON but does not parse: ${(err as Error).message}`);
    }
    if (!Array.isArray(parsed) || parsed.some((l) => typeof l !== 'string')) {
      throw new UsageError(`--labels ${path} must be a JSON array of strings`);
    }
    return parsed as string[];
  }
  return trimmed
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

export async function readInputFile(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(err))}`,
    );
  }
}
