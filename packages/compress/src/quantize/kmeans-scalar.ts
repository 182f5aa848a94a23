/**
 * k-means on scalars (weight sharing over all m·n weights of a layer). In one dimension every cluster of an
 * optimal-assignment step is an interval of the sorted values, cut at the midpoints between neighbouring
 * centroids, so after one sort each Lloyd iteration costs k binary searches and prefix-sum look-ups,
 * O(k log N) instead of O(N k): 3.2 M weights at k = 256 take about a second, most of it the sort.
 *
 * Seeding is k-means++ on at most SEEDING_REPRESENTATIVES weighted representatives (the means of equal-count
 * runs of the sorted values; the values themselves when there are few enough), which keeps it O(k · 65 536).
 * Centroids are kept sorted and rounded to float32, as the file stores them.
 */
import type { LloydSettings } from './kmeans-lloyd';
import type { SeededRandom } from './random';

/** Representatives for k-means++ seeding: 2^16 keeps seeding near 20 ms at k = 256 and resolves 1/65 536 quantiles. */
const SEEDING_REPRESENTATIVES = 65_536;

/** Sorted values and their prefix sums: computed once per layer and shared by every k tried on it. */
export interface SortedScalars {
  values: Float32Array;
  sorted: Float64Array;
  /** prefixSum[i] = Σ sorted[0..i), prefixSquares likewise for squares; both of length N + 1. */
  prefixSum: Float64Array;
  prefixSquares: Float64Array;
}

export function sortScalars(values: Float32Array): SortedScalars {
  const sorted = Float64Array.from(values).sort();
  const count = sorted.length;
  const prefixSum = new Float64Array(count + 1);
  const prefixSquares = new Float64Array(count + 1);
  for (let i = 0; i < count; i++) {
    const value = sorted[i];
    prefixSum[i + 1] = prefixSum[i] + value;
    prefixSquares[i + 1] = prefixSquares[i] + value * value;
  }
  return { values, sorted, prefixSum, prefixSquares };
}

export interface ScalarFit {
  /** k centroids, ascending, float32-representable. */
  centroids: Float64Array;
  /** Code of each input value (in input order): index of its nearest centroid. */
  codes: Uint8Array | Uint16Array;
  /** Σ (x − c(x))² over all values, summed directly. */
  distortion: number;
  iterations: number;
}

/** Largest k with 8-bit codes; above it codes are 16-bit. */
const MAX_K_FOR_BYTE_CODES = 256;

export function fitScalarKmeans(
  scalars: SortedScalars,
  k: number,
  random: SeededRandom,
  settings: LloydSettings,
  onIteration?: (iteration: number) => void,
): ScalarFit {
  const { sorted } = scalars;
  const centroids = seedScalars(sorted, k, random);
  // ends[c] = one past the last sorted index of cluster c (clusters are consecutive runs).
  const ends = new Int32Array(k);
  assignRuns(sorted, centroids, ends);
  let distortion = runDistortion(scalars, centroids, ends);
  let iterations = 0;
  while (iterations < settings.maxIterations && distortion > 0) {
    updateScalarCentroids(scalars, centroids, ends);
    assignRuns(sorted, centroids, ends);
    const previous = distortion;
    distortion = runDistortion(scalars, centroids, ends);
    iterations++;
    onIteration?.(iterations);
    if (previous - distortion <= settings.tolerance * previous) break;
  }
  const codes =
    k <= MAX_K_FOR_BYTE_CODES
      ? new Uint8Array(scalars.values.length)
      : new Uint16Array(scalars.values.length);
  const exact = encodeScalars(scalars.values, centroids, codes);
  return { centroids, codes, distortion: exact, iterations };
}

/** Weighted k-means++ on representatives of the sorted values; returns ascending float32 centroids. */
function seedScalars(sorted: Float64Array, k: number, random: SeededRandom): Float64Array {
  const count = sorted.length;
  const groups = Math.min(count, SEEDING_REPRESENTATIVES);
  const representatives = new Float64Array(groups);
  const weights = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    const start = Math.floor((g * count) / groups);
    const end = Math.floor(((g + 1) * count) / groups);
    let sum = 0;
    for (let i = start; i < end; i++) sum += sorted[i];
    representatives[g] = sum / (end - start);
    weights[g] = end - start;
  }
  const centroids = new Float64Array(k);
  const nearest = new Float64Array(groups).fill(Number.POSITIVE_INFINITY);
  let pick = pickWeighted(weights, random, count);
  for (let c = 0; ; c++) {
    const centre = Math.fround(representatives[pick]);
    centroids[c] = centre;
    if (c + 1 === k) break;
    let total = 0;
    for (let g = 0; g < groups; g++) {
      const diff = representatives[g] - centre;
      const mass = weights[g] * diff * diff;
      if (mass < nearest[g]) nearest[g] = mass;
      total += nearest[g];
    }
    pick = total > 0 ? pickWeighted(nearest, random, total) : random.nextInt(groups);
  }
  return centroids.sort();
}

/** Index drawn with probability ∝ mass[index]; `total` = Σ mass. Only indices with mass > 0 are returned. */
function pickWeighted(mass: Float64Array, random: SeededRandom, total: number): number {
  const target = random.nextFloat() * total;
  let cumulative = 0;
  let pick = 0;
  for (let i = 0; i < mass.length; i++) {
    if (mass[i] <= 0) continue;
    cumulative += mass[i];
    pick = i;
    if (cumulative > target) break;
  }
  return pick;
}

/** First index in sorted[] whose value is > bound. */
function upperBound(sorted: Float64Array, bound: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] <= bound) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Nearest-centroid runs for ascending centroids: cluster c ends after the last value ≤ the midpoint between
 * c and c + 1 (a value exactly on a midpoint goes to the lower centroid, as encodeScalars does).
 */
function assignRuns(sorted: Float64Array, centroids: Float64Array, ends: Int32Array): void {
  const k = centroids.length;
  for (let c = 0; c + 1 < k; c++) ends[c] = upperBound(sorted, 0.5 * (centroids[c] + centroids[c + 1]));
  ends[k - 1] = sorted.length;
}

/** Σ over runs of Σ(x − c)² = S2 − 2c·S1 + n·c², from prefix sums (used for the stopping test only). */
function runDistortion(scalars: SortedScalars, centroids: Float64Array, ends: Int32Array): number {
  const { prefixSum, prefixSquares } = scalars;
  let total = 0;
  let start = 0;
  for (let c = 0; c < centroids.length; c++) {
    const end = ends[c];
    const n = end - start;
    if (n > 0) {
      const centre = centroids[c];
      const sum = prefixSum[end] - prefixSum[start];
      const squares = prefixSquares[end] - prefixSquares[start];
      total += Math.max(0, squares - 2 * centre * sum + n * centre * centre);
    }
    start = end;
  }
  return total;
}

/**
 * Means of the runs; an empty run's centroid moves to the value farthest from its own centroid (always the
 * first or last value of a run of two or more), each such value used once; the centroids are then re-sorted.
 */
function updateScalarCentroids(scalars: SortedScalars, centroids: Float64Array, ends: Int32Array): void {
  const { sorted, prefixSum } = scalars;
  const k = centroids.length;
  const empty: number[] = [];
  const candidates: Array<{ value: number; distance: number }> = [];
  let start = 0;
  for (let c = 0; c < k; c++) {
    const end = ends[c];
    const n = end - start;
    if (n === 0) {
      empty.push(c);
    } else {
      const centre = centroids[c];
      if (n >= 2) {
        candidates.push({ value: sorted[start], distance: Math.abs(sorted[start] - centre) });
        candidates.push({ value: sorted[end - 1], distance: Math.abs(sorted[end - 1] - centre) });
      }
      centroids[c] = Math.fround((prefixSum[end] - prefixSum[start]) / n);
    }
    start = end;
  }
  if (empty.length === 0) return;
  // Stable sort: equal distances keep ascending value order, so the choice is deterministic.
  candidates.sort((a, b) => b.distance - a.distance);
  const taken = new Set<number>(centroids);
  let next = 0;
  for (const c of empty) {
    while (next < candidates.length) {
      const candidate = candidates[next++];
      if (candidate === undefined || candidate.distance === 0) break;
      const value = Math.fround(candidate.value);
      if (taken.has(value)) continue;
      taken.add(value);
      centroids[c] = value;
      break;
    }
  }
  centroids.sort();
}

/** Codes for values in input order (binary search over the midpoints); returns Σ (x − c)² exactly. */
function encodeScalars(
  values: Float32Array,
  centroids: Float64Array,
  codes: Uint8Array | Uint16Array,
): number {
  const k = centroids.length;
  const midpoints = new Float64Array(k - 1);
  for (let c = 0; c + 1 < k; c++) midpoints[c] = 0.5 * (centroids[c] + centroids[c + 1]);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    // Number of midpoints strictly below the value = index of the nearest centroid (ties to the lower one).
    let low = 0;
    let high = k - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (midpoints[middle] < value) low = middle + 1;
      else high = middle;
    }
    codes[i] = low;
    const diff = value - centroids[low];
    total += diff * diff;
  }
  return total;
}
