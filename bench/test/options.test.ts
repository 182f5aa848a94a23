import { describe, expect, it } from 'vitest';
import { OptionsError, parseOptions, selectBatches, selectOnly, selectShapes } from '../lib/options';

describe('bench:kernels options', () => {
  it('parses filters and repeated output folders', () => {
    const options = parseOptions([
      '--quick',
      '--shapes',
      '4096x4096,512x1024',
      '--batches',
      '1,8',
      '--out-dir',
      'a',
      '--out-dir',
      'b',
    ]);
    expect(options.grid).toBe('quick');
    expect(options.outDirs).toEqual(['a', 'b']);
    expect(selectBatches(true, options.batches)).toEqual([1, 8]);
    const shapes = selectShapes(true, options.shapes);
    expect(shapes.map((shape) => [shape.rows, shape.cols])).toEqual([
      [4096, 4096],
      [512, 1024],
    ]);
    // A grid shape keeps its name; any other ROWSxCOLS is allowed.
    expect(shapes[1]?.name).toBe('fashion-vgg fc2 512x1024');
    expect(selectShapes(false, ['300x7'])).toEqual([{ name: '300x7', rows: 300, cols: 7 }]);
  });

  it('defaults to bench/results and the grid of the mode', () => {
    const options = parseOptions([]);
    expect(options.outDirs).toEqual(['bench/results']);
    expect(selectBatches(false, null)).toEqual([1, 8, 32]);
    expect(selectShapes(false, null).map((shape) => shape.name)).toContain('16384x16384');
    expect(selectShapes(true, null).map((shape) => shape.name)).not.toContain('16384x16384');
  });

  it('times the ablation rows only when asked', () => {
    expect(parseOptions([]).ablations).toBe(false);
    expect(parseOptions(['--ablations', '--no-tunings'])).toMatchObject({ ablations: true, tunings: false });
    expect(parseOptions([]).withoutRobustness).toBe(false);
    expect(parseOptions(['--without-robustness']).withoutRobustness).toBe(true);
  });

  it('times every contender unless --only names some', () => {
    expect(parseOptions([]).only).toBeNull();
    expect(parseOptions(['--only', 'dense fp32']).only).toEqual(['dense fp32']);
    expect(parseOptions(['--only', 'grouped | decoded|']).only).toEqual(['grouped', 'decoded']);
    expect(() => parseOptions(['--only'])).toThrow(/--only needs a value/);
    expect(() => parseOptions(['--only', ' | '])).toThrow(/at least one text/);
  });

  it('keeps the tuning rows --tunings names, trimmed', () => {
    expect(parseOptions([]).tuningLabels).toBeNull();
    expect(parseOptions(['--no-tunings', '--tunings', 'wg 256, target 128 wg,'])).toMatchObject({
      tunings: true,
      tuningLabels: ['wg 256', 'target 128 wg'],
    });
  });

  it('keeps the contenders --only names and says which texts matched none', () => {
    const contenders = [
      { id: 'pqweb PQ d=4 k=256 decoded' },
      { id: 'pqweb PQ d=4 k=256 grouped-float32' },
      { id: 'pqweb dense fp32 subgroup' },
    ];
    expect(selectOnly(contenders, null)).toEqual({ kept: contenders, unmatched: [] });
    const selection = selectOnly(contenders, [
      'k=256 grouped',
      'decoded',
      'grouped float32 tables 32-segment',
    ]);
    expect(selection.kept.map((contender) => contender.id)).toEqual([
      'pqweb PQ d=4 k=256 decoded',
      'pqweb PQ d=4 k=256 grouped-float32',
    ]);
    expect(selection.unmatched).toEqual(['grouped float32 tables 32-segment']);
    expect(selectOnly(contenders, ['MatMulNBits'])).toEqual({ kept: [], unmatched: ['MatMulNBits'] });
  });

  it('takes --retime cells with --resume only', () => {
    expect(parseOptions([]).retime).toEqual([]);
    expect(
      parseOptions(['--resume', 'a.json', '--retime', '16384x16384:1,fashion-vgg fc2 512x1024:8']).retime,
    ).toEqual([
      { shape: '16384x16384', batch: 1 },
      { shape: 'fashion-vgg fc2 512x1024', batch: 8 },
    ]);
    expect(() => parseOptions(['--retime', '16384x16384:1'])).toThrow(/pass that run with --resume FILE/);
    for (const bad of ['16384x16384', '16384x16384:0', ':8', '4096x4096:b']) {
      expect(() => parseOptions(['--resume', 'a.json', '--retime', bad])).toThrow(/SHAPE:BATCH cells/);
    }
  });

  it('says what is wrong with a bad option', () => {
    expect(() => parseOptions(['--batches', '1,x'])).toThrow(OptionsError);
    expect(() => parseOptions(['--frobnicate'])).toThrow(/unknown option "--frobnicate"/);
    expect(() => parseOptions(['--shapes'])).toThrow(/needs a value/);
    expect(() => selectShapes(true, ['big'])).toThrow(/neither a grid shape/);
  });
});
