import { describe, expect, it } from 'vitest';
import { usesGroupedFloatTables } from '../../packages/runtime/src/kernels/plan';
import { OptionsError } from '../lib/options';
import {
  checkTuningLabels,
  contendersAtBatch,
  lastGroupedBatch,
  lutTuningRows,
  TUNING_LABELS,
} from '../lib/pqweb-layers';

describe('TUNING_LABELS', () => {
  it('lists each tuning row once, without its leading space, as --tunings takes them', () => {
    expect(TUNING_LABELS).toContain('runtime table offsets');
    expect(TUNING_LABELS).toContain('target 128 wg');
    expect(TUNING_LABELS).toContain('4 inputs per pass');
    expect(TUNING_LABELS).not.toContain('');
    expect(new Set(TUNING_LABELS).size).toBe(TUNING_LABELS.length);
    for (const label of TUNING_LABELS) expect(label).toBe(label.trim());
  });

  it('--tunings takes only those labels, and names the rows when one is unknown', () => {
    expect(() => checkTuningLabels(null)).not.toThrow();
    expect(() => checkTuningLabels(['wg 256', 'target 128 wg'])).not.toThrow();
    expect(() => checkTuningLabels(['wg 256', 'wg 257'])).toThrow(OptionsError);
    expect(() => checkTuningLabels(['wg 257'])).toThrow(/no tuning row "wg 257"; the rows are "wg 256", /);
  });
});

describe('contendersAtBatch', () => {
  it('leaves out tunings below their smallest batch or above their largest, keeping the order', () => {
    const contenders = [
      { id: 'default' },
      { id: 'batch tile 1', minBatch: 2 },
      { id: 'wg 256' },
      { id: 'batch tile 4', minBatch: 3 },
      { id: 'rotated code words', maxBatch: 1 },
    ];
    const ids = (batch: number) => contendersAtBatch(contenders, batch).map((contender) => contender.id);
    expect(ids(1)).toEqual(['default', 'wg 256', 'rotated code words']);
    expect(ids(2)).toEqual(['default', 'batch tile 1', 'wg 256']);
    expect(ids(8)).toEqual(['default', 'batch tile 1', 'wg 256', 'batch tile 4']);
  });
});

describe('lastGroupedBatch', () => {
  // What 'auto' runs per batch under plan.ts's rule, on layers the rule gives the grouped tables (takesGroupedFloatTables
  // also asks the device, which the rule alone does not).
  const autoOn =
    (shape: { rows: number; cols: number; d: number; k: number; stages: number }) => (batch: number) =>
      usesGroupedFloatTables(shape, batch) ? 'grouped-float32' : 'fused-banked';

  it("is the last batch 'auto' runs grouped tables at (step 98's rule), 0 where none", () => {
    // 8-bit codes: 4 at d = 4, 1 at d = 8; 4-bit codes: 16 at d = 4, 32 at d = 8.
    expect(lastGroupedBatch(autoOn({ rows: 16384, cols: 16384, d: 4, k: 256, stages: 1 }))).toBe(4);
    expect(lastGroupedBatch(autoOn({ rows: 16384, cols: 16384, d: 8, k: 256, stages: 1 }))).toBe(1);
    expect(lastGroupedBatch(autoOn({ rows: 16384, cols: 16384, d: 4, k: 16, stages: 1 }))).toBe(16);
    expect(lastGroupedBatch(autoOn({ rows: 16384, cols: 16384, d: 8, k: 16, stages: 1 }))).toBe(32);
    // The reference model's fc2 keeps its kernels.
    expect(lastGroupedBatch(autoOn({ rows: 512, cols: 1024, d: 4, k: 16, stages: 1 }))).toBe(0);
    expect(lastGroupedBatch(autoOn({ rows: 512, cols: 1024, d: 4, k: 256, stages: 1 }))).toBe(0);
  });
});

describe('lutTuningRows', () => {
  const labels = (rows: ReturnType<typeof lutTuningRows>) => rows.map((row) => row.label);

  it('adds one row per ablation to the defaults, and no skeleton rows without named tunings', () => {
    expect(labels(lutTuningRows(false, true, null))).toEqual([
      '',
      ' ablate no-code-loads',
      ' ablate no-lookups',
      ' ablate no-table-build',
      ' ablate no-work',
    ]);
    expect(labels(lutTuningRows(false, false, null))).toEqual(['']);
  });

  it('times the skeleton of every named tuning, on the variants the tuning applies to', () => {
    const rows = lutTuningRows(true, true, ['wg 256', 'target 512 wg', 'batch tile 1']);
    const byLabel = new Map(rows.map((row) => [row.label, row]));
    expect(labels(rows).slice(0, 4)).toEqual(['', ' wg 256', ' target 512 wg', ' batch tile 1']);
    const wg = byLabel.get(' wg 256 ablate no-work');
    expect(wg?.options).toEqual({ workgroupSize: 256, ablation: 'no-work' });
    expect(wg?.variants).toEqual(['lut-tiled-splitk', 'fused', 'lut-banked', 'fused-banked']);
    expect(wg?.unchecked).toMatch(/wrong result by design/);
    expect(byLabel.get(' target 512 wg ablate no-work')?.variants).toEqual(['lut-banked', 'fused-banked']);
    // A tuning that only differs at larger batches keeps its smallest batch.
    expect(byLabel.get(' batch tile 1 ablate no-work')?.minBatch).toBe(2);
    expect(byLabel.has(' ablate no-work')).toBe(true);
    // Without --ablations the named tunings come alone.
    expect(labels(lutTuningRows(true, false, ['wg 256']))).toEqual(['', ' wg 256']);
  });
});
