import { describe, expect, it } from 'vitest';
import { contendersAtBatch, LUT_TUNING_LABELS } from '../lib/pqweb-layers';

describe('LUT_TUNING_LABELS', () => {
  it('lists each tuning row once, without its leading space, as --tunings takes them', () => {
    expect(LUT_TUNING_LABELS).toContain('runtime table offsets');
    expect(LUT_TUNING_LABELS).toContain('target 128 wg');
    expect(LUT_TUNING_LABELS).not.toContain('');
    expect(new Set(LUT_TUNING_LABELS).size).toBe(LUT_TUNING_LABELS.length);
    for (const label of LUT_TUNING_LABELS) expect(label).toBe(label.trim());
  });
});

describe('contendersAtBatch', () => {
  it('leaves out tunings below their smallest batch, keeping the order', () => {
    const contenders = [
      { id: 'default' },
      { id: 'batch tile 1', minBatch: 2 },
      { id: 'wg 256' },
      { id: 'batch tile 4', minBatch: 3 },
    ];
    const ids = (batch: number) => contendersAtBatch(contenders, batch).map((contender) => contender.id);
    expect(ids(1)).toEqual(['default', 'wg 256']);
    expect(ids(2)).toEqual(['default', 'batch tile 1', 'wg 256']);
    expect(ids(8)).toEqual(['default', 'batch tile 1', 'wg 256', 'batch tile 4']);
  });
});
