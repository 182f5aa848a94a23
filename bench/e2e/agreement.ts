/**
 * The top-1 checks: each row against its own model's reference logits (onnxruntime-node in Node), and the rows
 * against each other image by image (the compressed model against the dense one).
 */
import type { E2eAgreement, E2eReferenceCheck, E2eRowId } from './results';

/** Index of the largest value (the first one on ties), as a top-1 is read. */
export function argmax(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError('argmax of an empty list');
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] ?? 0) > (values[best] ?? 0)) best = i;
  return best;
}

/** Compares a row's logits per image with the reference's (same image order). */
export function checkAgainstReference(
  logits: readonly (readonly number[])[],
  reference: readonly (readonly number[])[],
  description: string,
): E2eReferenceCheck {
  if (logits.length !== reference.length) {
    throw new RangeError(`${logits.length} images classified, ${reference.length} in the reference`);
  }
  const mismatches: number[] = [];
  let maxAbsLogitDiff = 0;
  logits.forEach((row, image) => {
    const expected = reference[image] ?? [];
    if (row.length !== expected.length) {
      throw new RangeError(`image ${image}: ${row.length} logits, the reference has ${expected.length}`);
    }
    if (argmax(row) !== argmax(expected)) mismatches.push(image);
    row.forEach((value, c) => {
      maxAbsLogitDiff = Math.max(maxAbsLogitDiff, Math.abs(value - (expected[c] ?? 0)));
    });
  });
  return {
    reference: description,
    images: logits.length,
    mismatches,
    maxAbsLogitDiff,
    passed: mismatches.length === 0,
  };
}

/**
 * checkAgainstReference over several rounds of one row (each round classified every image): an image is a
 * mismatch when any round's top-1 left the reference there, and the logit difference is the largest of any round.
 */
export function checkRoundsAgainstReference(
  rounds: readonly (readonly (readonly number[])[])[],
  reference: readonly (readonly number[])[],
  description: string,
): E2eReferenceCheck {
  if (rounds.length === 0) throw new RangeError('no round to check');
  const checks = rounds.map((logits) => checkAgainstReference(logits, reference, description));
  const mismatches = [...new Set(checks.flatMap((check) => check.mismatches))].sort((a, b) => a - b);
  return {
    reference: description,
    images: reference.length,
    mismatches,
    maxAbsLogitDiff: Math.max(...checks.map((check) => check.maxAbsLogitDiff)),
    passed: mismatches.length === 0,
  };
}

/**
 * Image by image, do all rows give the same top-1? A disagreement the two models' own references show too
 * (compressed ≠ dense in onnxruntime-node) is the compression's doing and is reported, not failed.
 */
export function crossAgreement(
  top1ByRow: Partial<Record<E2eRowId, readonly number[]>>,
  referenceTop1: { compressed: readonly number[]; dense: readonly number[] },
): E2eAgreement {
  const rows = Object.entries(top1ByRow) as [E2eRowId, readonly number[]][];
  const images = referenceTop1.dense.length;
  const disagreements: E2eAgreement['disagreements'] = [];
  for (let image = 0; image < images; image++) {
    const answers = rows.map(([, top1]) => top1[image]);
    if (answers.every((answer) => answer === answers[0])) continue;
    disagreements.push({
      image,
      top1: Object.fromEntries(rows.map(([id, top1]) => [id, top1[image] ?? -1])),
      explainedByModels: referenceTop1.compressed[image] !== referenceTop1.dense[image],
    });
  }
  return {
    images,
    agreeing: images - disagreements.length,
    disagreements,
    passed: disagreements.every((disagreement) => disagreement.explainedByModels),
  };
}
