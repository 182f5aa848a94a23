import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ROUNDS,
  E2eOptionsError,
  GPU_DEFAULTS,
  parseE2eOptions,
  resolveCounts,
  SWIFTSHADER_DEFAULTS,
  WASM_DEFAULTS,
} from '../e2e/options';

describe('bench:e2e options', () => {
  it('parses counts, rows and output folders', () => {
    const options = parseE2eOptions([
      '--runs',
      '12',
      '--warmup',
      '0',
      '--rows',
      'ort-wasm,pqweb-wasm',
      '--out-dir',
      'a',
      '--out-dir',
      'b',
    ]);
    expect(options).toMatchObject({ runs: 12, warmup: 0, images: null, outDirs: ['a', 'b'] });
    expect(options.rows).toEqual(['ort-wasm', 'pqweb-wasm']);
    expect(options.command).toBe(
      'pnpm bench:e2e --runs 12 --warmup 0 --rows ort-wasm,pqweb-wasm --out-dir a --out-dir b',
    );
  });

  it('takes rounds, three unless told, at least one', () => {
    expect(parseE2eOptions([]).rounds).toBe(DEFAULT_ROUNDS);
    expect(parseE2eOptions(['--rounds', '5']).rounds).toBe(5);
    expect(() => parseE2eOptions(['--rounds', '0'])).toThrow(/--rounds takes an integer ≥ 1, got "0"/);
  });

  it('skips a leading "--" that pnpm hands on', () => {
    expect(parseE2eOptions(['--', '--runs', '5']).runs).toBe(5);
  });

  it('defaults to every row and bench/results', () => {
    const options = parseE2eOptions([]);
    expect(options.rows).toEqual(['pqweb-webgpu', 'pqweb-wasm', 'ort-webgpu', 'ort-wasm']);
    expect(options.outDirs).toEqual(['bench/results']);
  });

  it('refuses what it cannot use, naming it', () => {
    expect(() => parseE2eOptions(['--runs', '0'])).toThrow(/--runs takes an integer ≥ 1, got "0"/);
    expect(() => parseE2eOptions(['--warmup', '-1'])).toThrow(E2eOptionsError);
    expect(() => parseE2eOptions(['--images', '2.5'])).toThrow(/--images/);
    expect(() => parseE2eOptions(['--rows', 'pqweb-webgl'])).toThrow(/unknown row "pqweb-webgl"/);
    expect(() => parseE2eOptions(['--rows', ','])).toThrow(/names no row/);
    expect(() => parseE2eOptions(['--runs'])).toThrow(/--runs.*argument missing/);
    expect(() => parseE2eOptions(['--fast'])).toThrow(/Unknown option '--fast'/);
    expect(() => parseE2eOptions(['extra'])).toThrow(E2eOptionsError);
  });

  it('takes small defaults on SwiftShader and one image per call unless told', () => {
    const none = { runs: null, warmup: null, images: null };
    const swift = resolveCounts(none, true);
    expect(swift).toEqual({
      runs: SWIFTSHADER_DEFAULTS.runs,
      warmup: SWIFTSHADER_DEFAULTS.warmup,
      images: 1 + SWIFTSHADER_DEFAULTS.warmup + SWIFTSHADER_DEFAULTS.runs,
    });
    expect(resolveCounts(none, false).runs).toBe(GPU_DEFAULTS.runs);
    expect(SWIFTSHADER_DEFAULTS.runs).toBeLessThan(GPU_DEFAULTS.runs);
    expect(resolveCounts({ runs: 4, warmup: 1, images: null }, false)).toEqual({
      runs: 4,
      warmup: 1,
      images: 6,
    });
    expect(resolveCounts({ runs: 4, warmup: 1, images: 100 }, true).images).toBe(100);
  });

  it('gives the wasm rows more calls on any adapter, unless told', () => {
    const none = { runs: null, warmup: null, images: null };
    for (const swift of [true, false]) {
      expect(resolveCounts(none, swift, 'wasm')).toEqual({
        runs: WASM_DEFAULTS.runs,
        warmup: WASM_DEFAULTS.warmup,
        images: 1 + WASM_DEFAULTS.warmup + WASM_DEFAULTS.runs,
      });
    }
    expect(resolveCounts({ runs: 4, warmup: 1, images: null }, true, 'wasm')).toEqual({
      runs: 4,
      warmup: 1,
      images: 6,
    });
  });
});
