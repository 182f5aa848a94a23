/**
 * Node-only file helpers (`@pqweb/format/node`). Kept out of the main entry so the browser bundle never pulls
 * in `node:fs`.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type DecodeOptions, decodePqw, type PqwFile } from './decode';

/** Random bytes in a temp file's name, so concurrent writers never pick the same one. */
const TEMP_NAME_RANDOM_BYTES = 6;

/**
 * Writes `bytes` to `path` atomically: into a temp file in the same directory (same filesystem, so the rename
 * is atomic), fsync'd, then renamed over `path`. Readers see the old file or the complete new one, never a
 * partial write. On failure the temp file is removed and the error rethrown.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tempPath = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(TEMP_NAME_RANDOM_BYTES).toString('hex')}.tmp`,
  );
  try {
    const handle = await open(tempPath, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, path);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
}

/** Writes an encoded .pqw file atomically (see writeFileAtomic). */
export async function writePqwFile(path: string, bytes: Uint8Array): Promise<void> {
  await writeFileAtomic(path, bytes);
}

/** Reads and decodes a .pqw file; throws FormatError for invalid content, the fs error if it cannot be read. */
export async function readPqwFile(path: string, options: DecodeOptions = {}): Promise<PqwFile> {
  const bytes = await readFile(path);
  return decodePqw(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), options);
}
