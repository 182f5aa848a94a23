/**
 * The pqweb command line as a user runs it: real files in a temp folder, exit codes, one-line errors and no
 * partial output files. Commands run in-process through main() (stdout/stderr captured); one test runs the
 * package bin as a subprocess.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDenseOnnx, splitDenseHead } from '@pqweb/compress';
import { decodePqw } from '@pqweb/format';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/program';

const repo = join(import.meta.dirname, '../../..');
const referenceModel = join(repo, 'models/reference/fashion-vgg.onnx');
const tinyModel = join(repo, 'fixtures/onnx/tiny-classic.onnx');
const labelsFile = join(repo, 'models/reference/labels.txt');

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(...argv: string[]): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pqweb-cli-'));
});
afterAll(() => {
  // Leave nothing behind that a failed atomic write might have created.
  expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
});

describe('pqweb compress / inspect / decompress on the reference model', () => {
  it('reaches ≥16× on the dense layers with ≤1 pt top-1 loss on 1,000 test images', async () => {
    const output = join(dir, 'ref.pqw');
    const compressed = await run(
      'compress',
      referenceModel,
      '-o',
      output,
      '--method',
      'pq',
      '--bits',
      '4',
      '--dim',
      '4',
      '--mean',
      '0.286041',
      '--std',
      '0.353024',
      '--labels',
      labelsFile,
      '--json',
    );
    expect(compressed.stderr).toBe('');
    expect(compressed.code).toBe(0);
    const report = JSON.parse(compressed.stdout) as { rate: number; fileBytes: number; layers: unknown[] };
    expect(report.rate).toBeGreaterThanOrEqual(16);
    expect(report.layers).toHaveLength(3);
    const file = decodePqw(new Uint8Array(readFileSync(output)));
    expect(file.manifest.labels[9]).toBe('Ankle boot');
    expect(file.manifest.preprocessing.mean).toEqual([0.286041]);

    const pqw = await run('eval', output, '--limit', '1000', '--json');
    const onnx = await run('eval', referenceModel, '--limit', '1000', '--json');
    expect(pqw.code).toBe(0);
    const compressedTop1 = (JSON.parse(pqw.stdout) as { top1: number }).top1;
    const originalTop1 = (JSON.parse(onnx.stdout) as { top1: number }).top1;
    expect(originalTop1 - compressedTop1).toBeLessThanOrEqual(0.01);
    // 8-bit lookup tables (an accuracy level): close to the float32 tables' top-1, and said so in the JSON.
    const eightBit = await run('eval', output, '--limit', '1000', '--json', '--table-bits', '8');
    expect(eightBit.code).toBe(0);
    const eightBitReport = JSON.parse(eightBit.stdout) as { top1: number; tableBits: number };
    expect(eightBitReport.tableBits).toBe(8);
    expect(Math.abs(eightBitReport.top1 - compressedTop1)).toBeLessThanOrEqual(0.005);

    const inspected = await run('inspect', output, '--json');
    expect(inspected.code).toBe(0);
    expect((JSON.parse(inspected.stdout) as { rate: number }).rate).toBeCloseTo(report.rate, 6);

    // decompress gives a standard ONNX whose top-1 matches the head on codes.
    const decompressed = join(dir, 'ref-decompressed.onnx');
    expect((await run('decompress', output, '-o', decompressed)).code).toBe(0);
    const viaOnnx = await run(
      'eval',
      decompressed,
      '--limit',
      '1000',
      '--json',
      '--mean',
      '0.286041',
      '--std',
      '0.353024',
    );
    expect((JSON.parse(viaOnnx.stdout) as { top1: number }).top1).toBe(compressedTop1);
  });
});

describe('pqweb compress on a tiny model', () => {
  it('every method writes a file that decompresses to a runnable ONNX', async () => {
    for (const method of ['pq', 'kmeans', 'binary', 'rq', 'svd']) {
      const output = join(dir, `tiny-${method}.pqw`);
      const args = ['compress', tinyModel, '-o', output, '--method', method, '--min-params', '0', '--quiet'];
      const extra: Record<string, string[]> = {
        // d = 16 does not divide the second layer's 24 inputs: its last segment is zero-padded.
        pq: ['--bits', '2', '--dim', '16'],
        kmeans: ['--bits', '3'],
        binary: [],
        rq: ['--bits', '2', '--dim', '4', '--stages', '2'],
        svd: ['--rank', '2'],
      };
      const result = await run(...args, ...(extra[method] ?? []));
      expect(result.stderr, method).toBe('');
      expect(result.code, method).toBe(0);
      const onnxPath = join(dir, `tiny-${method}.onnx`);
      expect((await run('decompress', output, '-o', onnxPath)).code).toBe(0);
      const session = await ort.InferenceSession.create(onnxPath);
      const x = new ort.Tensor('float32', new Float32Array(2 * 64).fill(0.25), [2, 1, 8, 8]);
      const y = (await session.run({ input: x })).logits;
      expect(y?.dims).toEqual([2, 5]);
      await session.release();
    }
  });
});

describe('pqweb errors: one clear line, exit code ≠ 0, no partial file', () => {
  async function expectFailure(args: string[], pattern: RegExp, output?: string): Promise<void> {
    const result = await run(...args, ...(args[0] === 'compress' ? ['--quiet'] : []));
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(pattern);
    if (output) expect(existsSync(output)).toBe(false);
  }

  it('rejects a file that is not ONNX', async () => {
    const bogus = join(dir, 'bogus.onnx');
    writeFileSync(bogus, 'this is not a protobuf model at all, just text\n'.repeat(20));
    const output = join(dir, 'bogus.pqw');
    await expectFailure(['compress', bogus, '-o', output], /OnnxParseError/, output);
  });

  it('rejects a truncated ONNX', async () => {
    const truncated = join(dir, 'truncated.onnx');
    writeFileSync(truncated, readFileSync(tinyModel).subarray(0, 3000));
    const output = join(dir, 'truncated.pqw');
    await expectFailure(['compress', truncated, '-o', output], /OnnxParseError/, output);
  });

  it('rejects NaN weights, naming where they are', async () => {
    const split = splitDenseHead(new Uint8Array(readFileSync(tinyModel)));
    const layers = split.layers.map((l) => ({ ...l, weight: new Float32Array(l.weight) }));
    const first = layers[0];
    if (!first) throw new Error('tiny model has no dense layer');
    first.weight[7] = Number.NaN;
    const poisoned = join(dir, 'nan.onnx');
    writeFileSync(poisoned, buildDenseOnnx({ ...split, layers }));
    const output = join(dir, 'nan.pqw');
    await expectFailure(['compress', poisoned, '-o', output, '--min-params', '0'], /NaN|finite/i, output);
  });

  it('rejects k larger than the rows', async () => {
    const output = join(dir, 'k.pqw');
    // The tiny model's last layer has 5 rows; 4 bits means k = 16 centroids.
    await expectFailure(
      ['compress', tinyModel, '-o', output, '--min-params', '0', '--bits', '4'],
      /QuantizerOptionError: k = 16 .* only 5 \(rows/,
      output,
    );
  });

  it('rejects an unwritable output', async () => {
    const output = join(dir, 'no/such/folder/out.pqw');
    await expectFailure(
      ['compress', tinyModel, '-o', output, '--min-params', '0', '--bits', '1'],
      /ENOENT|folder|directory/i,
    );
  });

  it('inspect fails on a corrupted .pqw with one line naming the field', async () => {
    const good = join(dir, 'good.pqw');
    expect(
      (await run('compress', tinyModel, '-o', good, '--min-params', '0', '--bits', '1', '--quiet')).code,
    ).toBe(0);
    const bytes = new Uint8Array(readFileSync(good));
    bytes[bytes.length - 40] = (bytes[bytes.length - 40] ?? 0) ^ 0xff;
    const corrupted = join(dir, 'corrupted.pqw');
    writeFileSync(corrupted, bytes);
    await expectFailure(['inspect', corrupted], /FormatError.*crc32/);
  });

  it('rejects bad flag values as usage errors (exit 2)', async () => {
    const result = await run('compress', tinyModel, '-o', join(dir, 'x.pqw'), '--method', 'zip');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--method must be one of/);
    const bits = await run('eval', join(dir, 'x.pqw'), '--table-bits', '16');
    expect(bits.code).toBe(2);
    expect(bits.stderr).toMatch(/--table-bits takes 32 \(float32 tables\) or 8/);
    const onnx = await run('eval', tinyModel, '--table-bits', '8', '--mean', '0', '--std', '1');
    expect(onnx.code).toBe(2);
    expect(onnx.stderr).toMatch(/--table-bits applies to a \.pqw model/);
  });
});

describe('the package bin', () => {
  it('runs as `pqweb` and exits non-zero on a missing file', () => {
    const bin = join(repo, 'packages/cli/bin/pqweb.js');
    const help = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help).toMatch(/compress/);
    const missing = spawnSync(process.execPath, [bin, 'inspect', join(dir, 'missing.pqw')], {
      encoding: 'utf8',
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);
  });
});
