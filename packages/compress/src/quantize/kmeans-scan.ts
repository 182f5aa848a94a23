/**
 * The k-means scan kernels: for each listed point, the best and second-best centroid over a contiguous range
 * of the norm-sorted centroid table (kmeans-lloyd.ts says where the ranges come from). Best and second-best
 * centroid (positions in the norm-sorted tables) of each listed point over its range,
 * by score ½‖c‖² − x·c (the squared distance minus ‖x‖², halved). Ties keep the earlier position (strict <).
 * The kernels differ only in how the dot product is unrolled.
 */
export interface ScanTables {
  /** Centroids and ½‖c‖² in ascending-norm order (k × dim and k). */
  sortedCentroids: Float64Array;
  sortedHalfNorms: Float64Array;
  /** Points to scan, each over sorted positions rangeStart[n] ≤ t < rangeEnd[n]. */
  list: Int32Array;
  rangeStart: Int32Array;
  rangeEnd: Int32Array;
  /** Outputs per listed point: sorted positions and scores of the best and second-best centroid. */
  bestIndex: Int32Array;
  bestScore: Float64Array;
  secondIndex: Int32Array;
  secondScore: Float64Array;
}

export function scanPoints(listLength: number, points: Float64Array, dim: number, scratch: ScanTables): void {
  switch (dim) {
    case 1:
      scan1(listLength, points, scratch);
      return;
    case 2:
      scan2(listLength, points, scratch);
      return;
    case 4:
      scan4(listLength, points, scratch);
      return;
    case 8:
      scan8(listLength, points, scratch);
      return;
    default:
      scanAnyDim(listLength, points, dim, scratch);
      return;
  }
}

function scan1(listLength: number, points: Float64Array, scratch: ScanTables): void {
  const { list, rangeStart, rangeEnd, sortedCentroids: centroids, sortedHalfNorms: halfNorms } = scratch;
  for (let n = 0; n < listLength; n++) {
    const p = list[n] * 1;
    const x0 = points[p];
    let best = Number.POSITIVE_INFINITY;
    let second = Number.POSITIVE_INFINITY;
    let bestIndex = 0;
    let secondIndex = 0;
    const end = rangeEnd[n];
    for (let t = rangeStart[n], q = t * 1; t < end; t++, q += 1) {
      const score = halfNorms[t] - x0 * centroids[q];
      if (score < second) {
        if (score < best) {
          second = best;
          secondIndex = bestIndex;
          best = score;
          bestIndex = t;
        } else {
          second = score;
          secondIndex = t;
        }
      }
    }
    scratch.bestIndex[n] = bestIndex;
    scratch.bestScore[n] = best;
    scratch.secondIndex[n] = secondIndex;
    scratch.secondScore[n] = second;
  }
}

function scan2(listLength: number, points: Float64Array, scratch: ScanTables): void {
  const { list, rangeStart, rangeEnd, sortedCentroids: centroids, sortedHalfNorms: halfNorms } = scratch;
  for (let n = 0; n < listLength; n++) {
    const p = list[n] * 2;
    const x0 = points[p];
    const x1 = points[p + 1];
    let best = Number.POSITIVE_INFINITY;
    let second = Number.POSITIVE_INFINITY;
    let bestIndex = 0;
    let secondIndex = 0;
    const end = rangeEnd[n];
    for (let t = rangeStart[n], q = t * 2; t < end; t++, q += 2) {
      const score = halfNorms[t] - (x0 * centroids[q] + x1 * centroids[q + 1]);
      if (score < second) {
        if (score < best) {
          second = best;
          secondIndex = bestIndex;
          best = score;
          bestIndex = t;
        } else {
          second = score;
          secondIndex = t;
        }
      }
    }
    scratch.bestIndex[n] = bestIndex;
    scratch.bestScore[n] = best;
    scratch.secondIndex[n] = secondIndex;
    scratch.secondScore[n] = second;
  }
}

function scan4(listLength: number, points: Float64Array, scratch: ScanTables): void {
  const { list, rangeStart, rangeEnd, sortedCentroids: centroids, sortedHalfNorms: halfNorms } = scratch;
  for (let n = 0; n < listLength; n++) {
    const p = list[n] * 4;
    const x0 = points[p];
    const x1 = points[p + 1];
    const x2 = points[p + 2];
    const x3 = points[p + 3];
    let best = Number.POSITIVE_INFINITY;
    let second = Number.POSITIVE_INFINITY;
    let bestIndex = 0;
    let secondIndex = 0;
    const end = rangeEnd[n];
    for (let t = rangeStart[n], q = t * 4; t < end; t++, q += 4) {
      const score =
        halfNorms[t] -
        (x0 * centroids[q] + x1 * centroids[q + 1] + x2 * centroids[q + 2] + x3 * centroids[q + 3]);
      if (score < second) {
        if (score < best) {
          second = best;
          secondIndex = bestIndex;
          best = score;
          bestIndex = t;
        } else {
          second = score;
          secondIndex = t;
        }
      }
    }
    scratch.bestIndex[n] = bestIndex;
    scratch.bestScore[n] = best;
    scratch.secondIndex[n] = secondIndex;
    scratch.secondScore[n] = second;
  }
}

function scan8(listLength: number, points: Float64Array, scratch: ScanTables): void {
  const { list, rangeStart, rangeEnd, sortedCentroids: centroids, sortedHalfNorms: halfNorms } = scratch;
  for (let n = 0; n < listLength; n++) {
    const p = list[n] * 8;
    const x0 = points[p];
    const x1 = points[p + 1];
    const x2 = points[p + 2];
    const x3 = points[p + 3];
    const x4 = points[p + 4];
    const x5 = points[p + 5];
    const x6 = points[p + 6];
    const x7 = points[p + 7];
    let best = Number.POSITIVE_INFINITY;
    let second = Number.POSITIVE_INFINITY;
    let bestIndex = 0;
    let secondIndex = 0;
    const end = rangeEnd[n];
    for (let t = rangeStart[n], q = t * 8; t < end; t++, q += 8) {
      const dot =
        x0 * centroids[q] +
        x1 * centroids[q + 1] +
        x2 * centroids[q + 2] +
        x3 * centroids[q + 3] +
        x4 * centroids[q + 4] +
        x5 * centroids[q + 5] +
        x6 * centroids[q + 6] +
        x7 * centroids[q + 7];
      const score = halfNorms[t] - dot;
      if (score < second) {
        if (score < best) {
          second = best;
          secondIndex = bestIndex;
          best = score;
          bestIndex = t;
        } else {
          second = score;
          secondIndex = t;
        }
      }
    }
    scratch.bestIndex[n] = bestIndex;
    scratch.bestScore[n] = best;
    scratch.secondIndex[n] = secondIndex;
    scratch.secondScore[n] = second;
  }
}

function scanAnyDim(listLength: number, points: Float64Array, dim: number, scratch: ScanTables): void {
  const { list, rangeStart, rangeEnd, sortedCentroids: centroids, sortedHalfNorms: halfNorms } = scratch;
  for (let n = 0; n < listLength; n++) {
    const p = list[n] * dim;

    let best = Number.POSITIVE_INFINITY;
    let second = Number.POSITIVE_INFINITY;
    let bestIndex = 0;
    let secondIndex = 0;
    const end = rangeEnd[n];
    for (let t = rangeStart[n], q = t * dim; t < end; t++, q += dim) {
      let dot = 0;
      for (let x = 0; x < dim; x++) dot += points[p + x] * centroids[q + x];
      const score = halfNorms[t] - dot;
      if (score < second) {
        if (score < best) {
          second = best;
          secondIndex = bestIndex;
          best = score;
          bestIndex = t;
        } else {
          second = score;
          secondIndex = t;
        }
      }
    }
    scratch.bestIndex[n] = bestIndex;
    scratch.bestScore[n] = best;
    scratch.secondIndex[n] = secondIndex;
    scratch.secondScore[n] = second;
  }
}
