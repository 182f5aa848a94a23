import { describe, expect, it } from 'vitest';
import { argmax, checkAgainstReference, checkRoundsAgainstReference, crossAgreement } from '../e2e/agreement';
import { summarizeStages } from '../e2e/stages';

describe('bench:e2e top-1 checks', () => {
  it('reads a top-1 as the first largest logit', () => {
    expect(argmax([0.1, 3, -2, 3])).toBe(1);
    expect(argmax([-5])).toBe(0);
    expect(() => argmax([])).toThrow(/empty/);
  });

  it('checks every round of a row: a mismatch in any round counts, the largest difference is kept', () => {
    const reference = [
      [1, 0],
      [0, 1],
    ];
    const clean = [
      [1, 0],
      [0, 1],
    ];
    const flipped = [
      [1, 0.5],
      [2, 1],
    ];
    const check = checkRoundsAgainstReference([clean, flipped, clean], reference, 'ref');
    expect(check).toEqual({
      reference: 'ref',
      images: 2,
      mismatches: [1],
      maxAbsLogitDiff: 2,
      passed: false,
    });
    expect(checkRoundsAgainstReference([clean, clean], reference, 'ref').passed).toBe(true);
    expect(() => checkRoundsAgainstReference([], reference, 'ref')).toThrow(/no round/);
  });

  it('compares a row with its reference image by image', () => {
    const reference = [
      [1, 2, 0],
      [5, 0, 0],
      [0, 0, 1],
    ];
    const same = checkAgainstReference(
      [
        [1.0001, 2, 0],
        [5, 0, 0],
        [0, 0, 0.9995],
      ],
      reference,
      'ref',
    );
    expect(same.passed).toBe(true);
    expect(same.mismatches).toEqual([]);
    expect(same.maxAbsLogitDiff).toBeCloseTo(0.0005, 12);
    const off = checkAgainstReference(
      [
        [1, 2, 0],
        [0, 6, 0],
        [0, 0, 1],
      ],
      reference,
      'ref',
    );
    expect(off.passed).toBe(false);
    expect(off.mismatches).toEqual([1]);
    expect(off.maxAbsLogitDiff).toBe(6);
    expect(() => checkAgainstReference([[1, 2]], reference, 'ref')).toThrow(/1 images classified, 3/);
    expect(() => checkAgainstReference([[1, 2]], [[1, 2, 3]], 'ref')).toThrow(/2 logits/);
  });

  it('fails only disagreements the two models do not show themselves', () => {
    const references = { compressed: [0, 1, 2, 3], dense: [0, 1, 4, 3] };
    const agreeing = crossAgreement({ 'pqweb-webgpu': [0, 1, 2, 3], 'ort-wasm': [0, 1, 4, 3] }, references);
    // Image 2: pqweb says 2, dense says 4, and so do the models in onnxruntime-node.
    expect(agreeing.agreeing).toBe(3);
    expect(agreeing.disagreements).toEqual([
      { image: 2, top1: { 'pqweb-webgpu': 2, 'ort-wasm': 4 }, explainedByModels: true },
    ]);
    expect(agreeing.passed).toBe(true);
    // Image 1: one pqweb backend says 7 where both models say 1 — a runtime fault, not the compression.
    const broken = crossAgreement(
      { 'pqweb-webgpu': [0, 7, 2, 3], 'pqweb-wasm': [0, 1, 2, 3], 'ort-webgpu': [0, 1, 4, 3] },
      references,
    );
    expect(broken.disagreements.map((d) => [d.image, d.explainedByModels])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(broken.passed).toBe(false);
  });

  it('summarizes pqweb stage times per stage, and none for onnxruntime-web', () => {
    const summary = summarizeStages([
      { preprocessMs: 1, backboneMs: 10, headMs: 4 },
      { preprocessMs: 3, backboneMs: 30, headMs: 2 },
    ]);
    expect(summary?.preprocess.median).toBe(2);
    expect(summary?.backbone.median).toBe(20);
    expect(summary?.head.min).toBe(2);
    expect(summarizeStages([])).toBeNull();
  });
});
