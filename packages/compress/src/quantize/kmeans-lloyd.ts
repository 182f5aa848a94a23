/**
 * k-means on points of any dimension (the PQ/RQ sub-vectors): k-means++ seeding, Lloyd iterations with
 * empty-cluster repair, stop on a small relative change of the distortion or after maxIterations.
 *
 * Everything is float64 except the centroids, which are rounded to float32 after every update: that is what
 * the .pqw file stores, so the assignment, the reported distortion and the residuals of RQ are all measured
 * against the centroids a runtime will actually see.
 *
 * The cost is the assignment step. It is Hamerly's exact acceleration of Lloyd ("Making k-means even
 * faster", SDM 2010): per point an upper bound on the distance to its centroid and a lower bound on the
 * distance to every other one, moved by how far centroids moved; a point whose upper bound is below
 * max(lower bound, half the gap from its centroid to the nearest other) keeps its centroid without any
 * distance computed. A point that is not skipped scans only the centroids in an annulus of norms around
 * ‖x‖ (Drake & Hamerly's "annular" variant, 2012): the two nearest centroids lie within r = max(distance to
 * its centroid, distance to its previous second-nearest) of x, hence have |‖c‖ − ‖x‖| ≤ r, and centroids are
 * kept sorted by norm. Lower bounds shrink by the largest move among centroids, except that the few that
 * moved most (a re-seeded empty cluster jumps far) are bounded by exact distances instead; seeding skips
 * distance computations by the triangle inequality. The assignment is the one plain Lloyd gives (exact ties aside: they go to the centroid
 * of smaller norm, then lower index). Scans use argmin_c ‖x − c‖² = argmin_c (½‖c‖² − x·c) with ½‖c‖²
 * computed once per iteration, centroids innermost so the codebook (8 KiB for k = 256, d = 4) stays in L1,
 * and kernels unrolled for d = 1, 2, 4, 8.
 */
import { type ScanTables, scanPoints } from './kmeans-scan';
import type { SeededRandom } from './random';

export interface LloydSettings {
  /** Lloyd iterations after seeding; 0 returns the k-means++ seeding. */
  maxIterations: number;
  /** Stop when (previous − current) / previous distortion ≤ tolerance. */
  tolerance: number;
}

export interface LloydFit {
  /** k × dim, float32-representable values. */
  centroids: Float64Array;
  /** Index of the nearest centroid of each point. */
  assignment: Int32Array;
  /** Σ‖x − c(x)‖² against the float32 centroids, summed by direct differences. */
  distortion: number;
  iterations: number;
}

/**
 * Squared distances from the ½‖c‖² − x·c form carry a rounding error of a few ulps of ‖x‖² + ‖c‖²; lower
 * bounds are shrunk by this fraction of that scale so they stay valid bounds (2^-40 ≫ 4·2^-53).
 */
const NORM_FORM_SLACK = 2 ** -40;
/**
 * Centroids whose lower-bound contribution is an exact distance instead of their move (see moveBounds):
 * one per EXPLICIT_MOVER_SHARE centroids, at most MAX_EXPLICIT_MOVERS. Measured (d = 4, 4096 points, one
 * core): k = 256 runs 2× faster with 8 than with none; k = 16 runs 3× slower with 16 than with none.
 */
const MAX_EXPLICIT_MOVERS = 8;
const EXPLICIT_MOVER_SHARE = 32;
/** Annulus radius, in units of the distance to the current centroid, when the second-nearest is unknown. */
const UNKNOWN_SECOND_RADIUS = 2;
/** Relative widening of the annulus against rounding in the norms (any value ≫ 2^-52 is safe; it costs nothing). */
const ANNULUS_SLACK = 2 ** -30;

/**
 * Clusters `count` points of `dim` coordinates (row-major in `points`) into k ≤ count clusters.
 * Deterministic given the state of `random`.
 */
export function fitLloyd(
  points: Float64Array,
  count: number,
  dim: number,
  k: number,
  random: SeededRandom,
  settings: LloydSettings,
): LloydFit {
  const centroids = new Float64Array(k * dim);
  const previousCentroids = new Float64Array(k * dim);
  const assignment = new Int32Array(count);
  const distances = new Float64Array(count);
  const pointNorms = new Float64Array(count);
  const pointNormRoots = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let norm = 0;
    for (let x = 0, p = i * dim; x < dim; x++, p++) norm += points[p] * points[p];
    pointNorms[i] = norm;
    pointNormRoots[i] = Math.sqrt(norm);
  }
  seedPlusPlus(points, count, dim, k, random, centroids, distances, assignment);

  const bounds: Bounds = {
    upper: new Float64Array(count),
    lower: new Float64Array(count),
    secondIndex: new Int32Array(count),
  };
  const scratch = makeScratch(count, k, dim);
  const sums = new Float64Array(k * dim);
  const counts = new Int32Array(k);
  const movement = new Float64Array(k);
  // Seeding leaves each point with its nearest seed and the exact distance: a valid first assignment whose
  // upper bounds are exact. Second-nearest centroids are unknown until a point's first scan.
  for (let i = 0; i < count; i++) {
    bounds.upper[i] = Math.sqrt(distances[i]);
    bounds.secondIndex[i] = assignment[i];
  }
  prepareCentroids(centroids, k, dim, scratch);
  assignWithBounds(points, count, dim, centroids, pointNorms, assignment, bounds, scratch);
  let distortion = squaredDistances(points, count, dim, centroids, assignment, distances);
  let iterations = 0;
  while (iterations < settings.maxIterations && distortion > 0) {
    previousCentroids.set(centroids);
    updateCentroids(points, count, dim, k, assignment, distances, centroids, sums, counts, bounds);
    moveBounds(points, pointNormRoots, previousCentroids, centroids, k, dim, movement, assignment, bounds);
    prepareCentroids(centroids, k, dim, scratch);
    assignWithBounds(points, count, dim, centroids, pointNorms, assignment, bounds, scratch);
    const previous = distortion;
    distortion = squaredDistances(points, count, dim, centroids, assignment, distances);
    iterations++;
    if (previous - distortion <= settings.tolerance * previous) break;
  }
  return { centroids, assignment, distortion, iterations };
}

/** Hamerly's bounds, as Euclidean distances (not squared). */
interface Bounds {
  /** ≥ distance from the point to its assigned centroid. */
  upper: Float64Array;
  /** ≤ distance from the point to any other centroid. */
  lower: Float64Array;
  /** The second-nearest centroid at the point's last scan (equal to its centroid when unknown). */
  secondIndex: Int32Array;
}

/** Per-fit work tables: the scan tables (kmeans-scan.ts) plus what the bounds need. */
interface Scratch extends ScanTables {
  halfNorms: Float64Array;
  /** Half the distance from each centroid to its nearest other centroid. */
  separation: Float64Array;
  /** Centroid indices by ascending norm (ties: index); sortedNorms[t] = ‖c_order[t]‖. */
  order: Int32Array;
  sortedNorms: Float64Array;
  /** Radius of each listed point's annulus: every centroid outside it is farther than this. */
  rangeRadius: Float64Array;
}

function makeScratch(count: number, k: number, dim: number): Scratch {
  const order = new Int32Array(k);
  for (let c = 0; c < k; c++) order[c] = c;
  return {
    halfNorms: new Float64Array(k),
    separation: new Float64Array(k),
    order,
    sortedCentroids: new Float64Array(k * dim),
    sortedHalfNorms: new Float64Array(k),
    sortedNorms: new Float64Array(k),
    list: new Int32Array(count),
    rangeStart: new Int32Array(count),
    rangeEnd: new Int32Array(count),
    rangeRadius: new Float64Array(count),
    bestIndex: new Int32Array(count),
    bestScore: new Float64Array(count),
    secondIndex: new Int32Array(count),
    secondScore: new Float64Array(count),
  };
}

/**
 * k-means++ (Arthur & Vassilvitskii 2007): the first centroid is a uniform pick, each next one a point drawn
 * with probability ∝ its squared distance to the nearest centroid so far. When every point already sits on a
 * centroid (fewer distinct points than k) the pick is uniform, which duplicates a centroid; Lloyd keeps such
 * a cluster empty and the repair cannot help, which is the right answer for that data.
 * A new centroid c can only be nearer to x than x's nearest centroid n when ‖c − n‖ < 2‖x − n‖ (triangle
 * inequality), so each round computes c's distances to the earlier centroids and skips the other points.
 * Leaves each point's nearest centroid and squared distance in `nearestCentroid` and `nearest`.
 */
function seedPlusPlus(
  points: Float64Array,
  count: number,
  dim: number,
  k: number,
  random: SeededRandom,
  centroids: Float64Array,
  nearest: Float64Array,
  nearestCentroid: Int32Array,
): void {
  const centroidGaps = new Float64Array(k); // ‖c_new − c_j‖² for the earlier centroids j
  copyPointToCentroid(points, random.nextInt(count), dim, centroids, 0);
  let total = 0;
  nearestCentroid.fill(0);
  for (let i = 0; i < count; i++) {
    const distance = squaredDistance(points, i, centroids, 0, dim);
    nearest[i] = distance;
    total += distance;
  }
  for (let c = 1; c < k; c++) {
    let pick = -1;
    if (total > 0) {
      const target = random.nextFloat() * total;
      let cumulative = 0;
      for (let i = 0; i < count; i++) {
        if (nearest[i] <= 0) continue;
        cumulative += nearest[i];
        pick = i; // rounding can leave target ≥ the last partial sum: then the last eligible point is it
        if (cumulative > target) break;
      }
    }
    if (pick < 0) pick = random.nextInt(count);
    copyPointToCentroid(points, pick, dim, centroids, c);
    for (let j = 0; j < c; j++) centroidGaps[j] = squaredDistance(centroids, c, centroids, j, dim);
    // The total is recomputed, not updated by differences, so rounding cannot drift over k rounds.
    total = 0;
    for (let i = 0; i < count; i++) {
      const current = nearest[i];
      if (centroidGaps[nearestCentroid[i]] < 4 * current) {
        const distance = squaredDistance(points, i, centroids, c, dim);
        if (distance < current) {
          nearest[i] = distance;
          nearestCentroid[i] = c;
          total += distance;
          continue;
        }
      }
      total += current;
    }
  }
}

function copyPointToCentroid(
  points: Float64Array,
  point: number,
  dim: number,
  centroids: Float64Array,
  c: number,
) {
  for (let x = 0; x < dim; x++) centroids[c * dim + x] = Math.fround(points[point * dim + x]);
}

/** Per-iteration centroid tables: ½‖c‖², separation, and the norm-sorted copy the scans read. */
function prepareCentroids(centroids: Float64Array, k: number, dim: number, scratch: Scratch): void {
  const { halfNorms, order, sortedCentroids, sortedHalfNorms, sortedNorms } = scratch;
  for (let c = 0, q = 0; c < k; c++) {
    let norm = 0;
    for (let x = 0; x < dim; x++, q++) norm += centroids[q] * centroids[q];
    halfNorms[c] = 0.5 * norm;
  }
  // Insertion sort from the previous iteration's order: norms move little between iterations, so this is
  // about O(k), and it avoids TypedArray#sort's comparator calls. Ties: lower index first.
  for (let t = 1; t < k; t++) {
    const c = order[t];
    const key = halfNorms[c];
    let u = t - 1;
    while (u >= 0 && (halfNorms[order[u]] > key || (halfNorms[order[u]] === key && order[u] > c))) {
      order[u + 1] = order[u];
      u--;
    }
    order[u + 1] = c;
  }
  for (let t = 0; t < k; t++) {
    const c = order[t];
    sortedHalfNorms[t] = halfNorms[c];
    sortedNorms[t] = Math.sqrt(2 * halfNorms[c]);
    for (let x = 0; x < dim; x++) sortedCentroids[t * dim + x] = centroids[c * dim + x];
  }
  computeSeparation(k, dim, scratch);
}

/**
 * separation[c] = ½ min_{c' ≠ c} ‖c − c'‖. Walks outwards from c in norm order and stops once the norm gap
 * alone, a lower bound on the distance, reaches the best found: far fewer than k² pairs.
 */
function computeSeparation(k: number, dim: number, scratch: Scratch): void {
  const { order, sortedCentroids, sortedNorms, separation } = scratch;
  for (let t = 0; t < k; t++) {
    let best = Number.POSITIVE_INFINITY;
    for (let u = t + 1; u < k; u++) {
      const gap = sortedNorms[u] - sortedNorms[t];
      if (gap * gap >= best * (1 + ANNULUS_SLACK)) break;
      const squared = squaredDistance(sortedCentroids, t, sortedCentroids, u, dim);
      if (squared < best) best = squared;
    }
    for (let u = t - 1; u >= 0; u--) {
      const gap = sortedNorms[t] - sortedNorms[u];
      if (gap * gap >= best * (1 + ANNULUS_SLACK)) break;
      const squared = squaredDistance(sortedCentroids, t, sortedCentroids, u, dim);
      if (squared < best) best = squared;
    }
    separation[order[t]] = 0.5 * Math.sqrt(best);
  }
}

/**
 * Scans the first `listLength` points of scratch.list over their annuli: new centroid, exact upper bound, and
 * a lower bound min(second-best distance in the annulus, annulus radius), the second-best distance coming
 * from the ½‖c‖² − x·c form and shrunk by NORM_FORM_SLACK (see there).
 */
function scanAndBound(
  listLength: number,
  points: Float64Array,
  dim: number,
  centroids: Float64Array,
  pointNorms: Float64Array,
  assignment: Int32Array,
  bounds: Bounds,
  scratch: Scratch,
): void {
  const { list, order, sortedHalfNorms, rangeRadius } = scratch;
  scanPoints(listLength, points, dim, scratch);
  for (let n = 0; n < listLength; n++) {
    const i = list[n];
    const best = order[scratch.bestIndex[n]];
    assignment[i] = best;
    bounds.upper[i] = Math.sqrt(squaredDistance(points, i, centroids, best, dim));
    const secondSquared = pointNorms[i] + 2 * scratch.secondScore[n];
    if (secondSquared < Number.POSITIVE_INFINITY) {
      const second = scratch.secondIndex[n];
      const scale = pointNorms[i] + 2 * sortedHalfNorms[second];
      const secondDistance = Math.sqrt(Math.max(0, secondSquared - NORM_FORM_SLACK * scale));
      bounds.lower[i] = Math.min(secondDistance, rangeRadius[n]);
      bounds.secondIndex[i] = order[second];
    } else {
      // Only the best centroid lies in the annulus: every other one is farther than the radius.
      bounds.lower[i] = rangeRadius[n];
      bounds.secondIndex[i] = best;
    }
  }
}

function squaredDistance(
  points: Float64Array,
  point: number,
  centroids: Float64Array,
  c: number,
  dim: number,
) {
  let sum = 0;
  for (let x = 0, p = point * dim, q = c * dim; x < dim; x++) {
    const diff = points[p + x] - centroids[q + x];
    sum += diff * diff;
  }
  return sum;
}

function squaredNormOf(values: Float64Array, index: number, dim: number): number {
  let sum = 0;
  for (let x = 0, p = index * dim; x < dim; x++) sum += values[p + x] * values[p + x];
  return sum;
}

/** First t with sorted[t] ≥ value (lower = true) or > value (lower = false). */
function searchSorted(sorted: Float64Array, value: number, lower: boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] < value || (!lower && sorted[middle] === value)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Hamerly's assignment step, with annular scans for the points the bounds cannot settle. The annulus radius
 * is max(distance to the centroid, distance to the previous second-nearest), which holds the two nearest
 * centroids; when the second-nearest is unknown, UNKNOWN_SECOND_RADIUS × the distance to the centroid, with
 * the radius itself as the lower bound if no second centroid falls inside.
 */
function assignWithBounds(
  points: Float64Array,
  count: number,
  dim: number,
  centroids: Float64Array,
  pointNorms: Float64Array,
  assignment: Int32Array,
  bounds: Bounds,
  scratch: Scratch,
): void {
  const { upper, lower, secondIndex } = bounds;
  const { separation, list, rangeStart, rangeEnd, rangeRadius, sortedNorms } = scratch;
  let listLength = 0;
  for (let i = 0; i < count; i++) {
    const a = assignment[i];
    const limit = Math.max(separation[a], lower[i]);
    if (upper[i] <= limit) continue;
    upper[i] = Math.sqrt(squaredDistance(points, i, centroids, a, dim));
    if (upper[i] <= limit) continue;
    const b = secondIndex[i];
    const radius =
      b === a
        ? UNKNOWN_SECOND_RADIUS * upper[i]
        : Math.max(upper[i], Math.sqrt(squaredDistance(points, i, centroids, b, dim)));
    const norm = Math.sqrt(pointNorms[i]);
    const widened = radius + ANNULUS_SLACK * (norm + radius);
    list[listLength] = i;
    rangeRadius[listLength] = radius;
    rangeStart[listLength] = searchSorted(sortedNorms, norm - widened, true);
    rangeEnd[listLength] = searchSorted(sortedNorms, norm + widened, false);
    listLength++;
  }
  scanAndBound(listLength, points, dim, centroids, pointNorms, assignment, bounds, scratch);
}

/**
 * After an update: upper bounds grow by their centroid's move; lower bounds shrink by the largest move among
 * the other centroids, except that the few centroids that moved most (a re-seeded empty cluster
 * jumps far) are left out of that maximum and instead bound by their exact distance. One far jump then no
 * longer wipes out every point's lower bound.
 */
function moveBounds(
  points: Float64Array,
  pointNormRoots: Float64Array,
  previous: Float64Array,
  centroids: Float64Array,
  k: number,
  dim: number,
  movement: Float64Array,
  assignment: Int32Array,
  bounds: Bounds,
): void {
  for (let c = 0; c < k; c++) movement[c] = Math.sqrt(squaredDistance(centroids, c, previous, c, dim));
  // The movers, largest first (ties: lower index), and the two largest moves among the rest.
  const moverCount = Math.min(MAX_EXPLICIT_MOVERS, Math.floor(k / EXPLICIT_MOVER_SHARE));
  const movers = new Int32Array(moverCount).fill(-1);
  for (let c = 0; c < k; c++) {
    let slot = moverCount;
    while (slot > 0 && (movers[slot - 1] < 0 || movement[movers[slot - 1]] < movement[c])) slot--;
    if (slot === moverCount) continue;
    for (let u = moverCount - 1; u > slot; u--) movers[u] = movers[u - 1];
    movers[slot] = c;
  }
  const isMover = new Uint8Array(k);
  for (const c of movers) if (c >= 0) isMover[c] = 1;
  let largest = -1;
  let largestMove = 0;
  let secondMove = 0;
  for (let c = 0; c < k; c++) {
    if (isMover[c]) continue;
    const move = movement[c];
    if (move > largestMove) {
      secondMove = largestMove;
      largestMove = move;
      largest = c;
    } else if (move > secondMove) {
      secondMove = move;
    }
  }
  const moverNorms = new Float64Array(moverCount);
  for (let m = 0; m < moverCount; m++) {
    const c = movers[m];
    if (c >= 0) moverNorms[m] = Math.sqrt(squaredNormOf(centroids, c, dim));
  }
  const { upper, lower } = bounds;
  for (let i = 0; i < assignment.length; i++) {
    const a = assignment[i];
    upper[i] += movement[a];
    let bound = lower[i] - (a === largest ? secondMove : largestMove);
    const norm = pointNormRoots[i];
    for (let m = 0; m < moverCount; m++) {
      const c = movers[m];
      if (c === a || c < 0) continue;
      // |‖x‖ − ‖c‖| ≤ ‖x − c‖: the exact distance is only needed when the norm gap does not settle it.
      if (Math.abs(norm - moverNorms[m]) >= bound) continue;
      const distance = Math.sqrt(squaredDistance(points, i, centroids, c, dim));
      if (distance < bound) bound = distance;
    }
    lower[i] = bound;
  }
}

/**
 * Lloyd update: each centroid becomes the mean of its points (rounded to float32). An empty cluster is
 * re-seeded with the point farthest from its own centroid among clusters of two or more points, which takes
 * that point out of its cluster; a point at distance 0 is never taken (it would only duplicate a centroid).
 * A moved point's bounds are reset to "unknown" so the next assignment looks at it again.
 */
function updateCentroids(
  points: Float64Array,
  count: number,
  dim: number,
  k: number,
  assignment: Int32Array,
  distances: Float64Array,
  centroids: Float64Array,
  sums: Float64Array,
  counts: Int32Array,
  bounds: Bounds,
): void {
  sums.fill(0);
  counts.fill(0);
  for (let i = 0, p = 0; i < count; i++, p += dim) {
    const c = assignment[i];
    counts[c]++;
    const base = c * dim;
    for (let x = 0; x < dim; x++) sums[base + x] += points[p + x];
  }
  for (let c = 0; c < k; c++) {
    if (counts[c] > 0) continue;
    let farthest = -1;
    let farthestDistance = 0;
    for (let i = 0; i < count; i++) {
      if (distances[i] > farthestDistance && counts[assignment[i]] > 1) {
        farthestDistance = distances[i];
        farthest = i;
      }
    }
    if (farthest < 0) continue; // every point sits on a centroid: nothing to gain, keep the duplicate
    const from = assignment[farthest];
    counts[from]--;
    counts[c] = 1;
    assignment[farthest] = c;
    distances[farthest] = 0;
    bounds.upper[farthest] = Number.POSITIVE_INFINITY;
    bounds.lower[farthest] = 0;
    bounds.secondIndex[farthest] = c; // unknown: scan all centroids next time
    for (let x = 0; x < dim; x++) {
      const value = points[farthest * dim + x];
      sums[from * dim + x] -= value;
      sums[c * dim + x] = value;
    }
  }
  for (let c = 0; c < k; c++) {
    const n = counts[c];
    if (n === 0) continue;
    for (let x = 0, q = c * dim; x < dim; x++, q++) centroids[q] = Math.fround(sums[q] / n);
  }
}

/** distances[i] = ‖x_i − c(x_i)‖² by direct differences; returns their sum (free of the norm form's cancellation). */
function squaredDistances(
  points: Float64Array,
  count: number,
  dim: number,
  centroids: Float64Array,
  assignment: Int32Array,
  distances: Float64Array,
): number {
  let total = 0;
  for (let i = 0; i < count; i++) {
    const distance = squaredDistance(points, i, centroids, assignment[i], dim);
    distances[i] = distance;
    total += distance;
  }
  return total;
}
