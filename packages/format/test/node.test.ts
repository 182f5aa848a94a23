import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FormatError } from '../src/index';
import { readPqwFile, writeFileAtomic, writePqwFile } from '../src/node';
import { encodeFixture } from './fixtures';

describe('writePqwFile / readPqwFile', () => {
  let directory = '';
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pqw-node-test-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('writes, overwrites and reads back, leaving no temp file', async () => {
    const path = join(directory, 'model.pqw');
    const first = encodeFixture(10).bytes;
    const second = encodeFixture(11).bytes;
    await writePqwFile(path, first);
    await writePqwFile(path, second);
    expect(await readdir(directory)).toEqual(['model.pqw']);
    expect(new Uint8Array(await readFile(path))).toEqual(second);
    const file = await readPqwFile(path);
    expect(file.byteLength).toBe(second.length);
    expect(file.manifest.layers.length).toBe(7);
  });

  it('removes the temp file and rethrows when the rename fails', async () => {
    const path = join(directory, 'occupied');
    await mkdir(path);
    await mkdir(join(path, 'child'));
    await expect(writeFileAtomic(path, Uint8Array.of(1, 2, 3))).rejects.toThrow();
    expect(await readdir(directory)).toEqual(['occupied']);
  });

  it('rethrows when the directory does not exist', async () => {
    await expect(writeFileAtomic(join(directory, 'missing', 'x.pqw'), Uint8Array.of(1))).rejects.toThrow(
      /ENOENT/,
    );
  });

  it('reports a corrupt file as FormatError', async () => {
    const path = join(directory, 'bad.pqw');
    await writeFileAtomic(path, new TextEncoder().encode('not a model'));
    await expect(readPqwFile(path)).rejects.toBeInstanceOf(FormatError);
  });
});
