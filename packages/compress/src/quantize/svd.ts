/**
 * Truncated SVD W ≈ U·V for the low-rank baseline, in float64, deterministic given the seed.
 *
 * Method: randomized block subspace iteration (Halko, Martinsson & Tropp 2011, Alg. 4.4) with a Rayleigh–Ritz
 * step. A block of l = r + p columns is iterated Q ← orth(A·orth(Aᵀ·Q)); each round B = Qᵀ·A (l×n) and the
 * eigen-decomposition of B·Bᵀ (l×l, Householder + QL) give the Ritz vectors. The rank-r result is the
 * projection of W onto the top r Ritz vectors: U = Q·E_r (orthonormal columns), V = E_rᵀ·B, so
 * ‖W − U·V‖²_F = ‖W‖²_F − Σ_{i≤r} λ_i and nothing is divided by a small singular value.
 * It stops when Σ_{i≤r} λ_i, the energy captured, grows by less than SVD_TOLERANCE × the remaining tail
 * energy in a round, or after SVD_MAX_ITERATIONS. ‖W − U·V‖² is then within ~1e-5 relative of the
 * optimum when convergence is linear with ratio ≤ 0.9 (measured on Gaussian matrices, the slowest case for
 * this method: 2.4e-6). With l = min(rows, cols) the subspace is the whole row or column space and one
 * round is exact; that is used whenever its cost estimate is below that of ~40 rounds of iteration.
 */
import { deriveSeed, SeededRandom } from './random';
import { type SymmetricEigen, symmetricEigen } from './symmetric-eigen';

/** Oversampling p = max(10, r/2) (Halko et al. §4.2 use 5–10; more columns shrink σ_{l+1}/σ_r, the rate). */
const SVD_MIN_OVERSAMPLING = 10;
const SVD_OVERSAMPLING_FRACTION = 0.5;
const SVD_MAX_ITERATIONS = 60;
/** Rounds subspace iteration may need (measured 17–53 on Gaussian matrices, its slowest case). */
const SVD_EXPECTED_ITERATIONS = 40;
const SVD_TOLERANCE = 1e-6;
/** Tail energy floor relative to ‖W‖²: float32 weights carry ~1e-14 relative noise energy anyway. */
const SVD_ENERGY_FLOOR = 1e-13;
/** Stream index of the SVD's start block (PQ streams are (segment, stage); this one is apart from them). */
const SVD_RANDOM_STREAM = 0x53_56_44; // "SVD"
/** A column keeping less than this fraction of its norm after orthogonalization is (numerically) dependent. */
const DEPENDENT_COLUMN_RATIO = 1e-10;
/** Column block of the matrix products: l × 256 doubles (≤ 1 MiB for l ≤ 512) stay in L2. */
const COLUMN_BLOCK = 256;

export interface TruncatedSvd {
  rows: number;
  cols: number;
  rank: number;
  /** rows × rank, column-major (column j at j·rows), orthonormal columns. */
  u: Float64Array;
  /** rank × cols, row-major. */
  v: Float64Array;
  /** Ritz values λ_i ≈ σ_i², descending, for i < l (the block size). */
  energies: Float64Array;
  /** ‖W‖²_F. */
  totalEnergy: number;
  iterations: number;
}

export function truncatedSvd(
  weight: Float32Array,
  rows: number,
  cols: number,
  rank: number,
  seed: number,
  onProgress?: (done: number, total: number) => void,
): TruncatedSvd {
  const minDim = Math.min(rows, cols);
  const oversampled = Math.min(
    minDim,
    rank + Math.max(SVD_MIN_OVERSAMPLING, Math.ceil(rank * SVD_OVERSAMPLING_FRACTION)),
  );
  // The whole space (one exact round) costs ~3·m·n·min(m, n) + 5·min³ multiply-adds: a Gram or
  // orthogonalization pass and the eigensolver. Subspace iteration costs two products and two
  // orthogonalizations per round. Take whichever is cheaper.
  const exactCost = 3 * rows * cols * minDim + 5 * minDim ** 3;
  const iterationCost = 2 * rows * cols * oversampled + 4 * Math.max(rows, cols) * oversampled ** 2;
  const block = exactCost <= SVD_EXPECTED_ITERATIONS * iterationCost ? minDim : oversampled;
  const random = new SeededRandom(deriveSeed(seed, SVD_RANDOM_STREAM));
  let totalEnergy = 0;
  for (let i = 0; i < weight.length; i++) totalEnergy += weight[i] * weight[i];

  const basis = new Float64Array(rows * block); // Q, rows × block, column-major
  const exact = block === rows || block === cols;
  if (block === rows) {
    for (let j = 0; j < rows; j++) basis[j * rows + j] = 1;
  } else {
    const start = new Float64Array(cols * block);
    if (block === cols) for (let j = 0; j < cols; j++) start[j * cols + j] = 1;
    else for (let i = 0; i < start.length; i++) start[i] = random.nextGaussian();
    multiplyRight(weight, rows, cols, start, block, basis);
    orthonormalizeColumns(basis, rows, block, random);
  }

  const projected = new Float64Array(block * cols); // B = Qᵀ W, block × cols row-major
  const totalSteps = SVD_MAX_ITERATIONS + 1;
  let previousCaptured = Number.NEGATIVE_INFINITY;
  let iterations = 0;
  let eigen: SymmetricEigen;
  for (;;) {
    multiplyLeftTransposed(weight, rows, cols, basis, block, projected);
    eigen = symmetricEigen(gramOfRows(projected, block, cols), block);
    let captured = 0;
    for (let i = 0; i < rank; i++) captured += eigen.values[i];
    const tail = Math.max(totalEnergy - captured, SVD_ENERGY_FLOOR * totalEnergy);
    const converged = exact || captured - previousCaptured <= SVD_TOLERANCE * tail;
    onProgress?.(iterations + 1, totalSteps);
    if (converged || iterations >= SVD_MAX_ITERATIONS) break;
    previousCaptured = captured;
    // B row-major (block × cols) is Bᵀ column-major: orthonormalize it in place to get the next right block.
    orthonormalizeColumns(projected, cols, block, random);
    multiplyRight(weight, rows, cols, projected, block, basis);
    orthonormalizeColumns(basis, rows, block, random);
    iterations++;
  }
  onProgress?.(totalSteps, totalSteps);

  const u = new Float64Array(rows * rank);
  const v = new Float64Array(rank * cols);
  for (let j = 0; j < rank; j++) {
    for (let t = 0; t < block; t++) {
      const coefficient = eigen.vectors[t * block + j];
      if (coefficient === 0) continue;
      for (let i = 0; i < rows; i++) u[j * rows + i] += coefficient * basis[t * rows + i];
      for (let c = 0; c < cols; c++) v[j * cols + c] += coefficient * projected[t * cols + c];
    }
  }
  const energies = eigen.values.map((value) => Math.max(0, value));
  return { rows, cols, rank, u, v, energies, totalEnergy, iterations };
}

/** Y (rows × l, column-major) = W (rows × cols, row-major) · Z (cols × l, column-major). */
function multiplyRight(
  weight: Float32Array,
  rows: number,
  cols: number,
  z: Float64Array,
  l: number,
  y: Float64Array,
): void {
  y.fill(0);
  for (let c0 = 0; c0 < cols; c0 += COLUMN_BLOCK) {
    const c1 = Math.min(cols, c0 + COLUMN_BLOCK);
    for (let i = 0; i < rows; i++) {
      const rowBase = i * cols;
      for (let j = 0; j < l; j++) {
        const zBase = j * cols;
        let sum = 0;
        for (let c = c0; c < c1; c++) sum += weight[rowBase + c] * z[zBase + c];
        y[j * rows + i] += sum;
      }
    }
  }
}

/** B (l × cols, row-major) = Qᵀ · W for Q (rows × l, column-major). */
function multiplyLeftTransposed(
  weight: Float32Array,
  rows: number,
  cols: number,
  q: Float64Array,
  l: number,
  b: Float64Array,
): void {
  b.fill(0);
  for (let c0 = 0; c0 < cols; c0 += COLUMN_BLOCK) {
    const c1 = Math.min(cols, c0 + COLUMN_BLOCK);
    for (let i = 0; i < rows; i++) {
      const rowBase = i * cols;
      for (let j = 0; j < l; j++) {
        const coefficient = q[j * rows + i];
        if (coefficient === 0) continue;
        const bBase = j * cols;
        for (let c = c0; c < c1; c++) b[bBase + c] += coefficient * weight[rowBase + c];
      }
    }
  }
}

/**
 * Modified Gram–Schmidt, each column projected twice ("twice is enough", Giraud et al. 2005). A column that
 * turns out dependent on the previous ones is replaced by a random one, so the block stays orthonormal even
 * for a rank-deficient W.
 */
function orthonormalizeColumns(
  columns: Float64Array,
  length: number,
  count: number,
  random: SeededRandom,
): void {
  for (let j = 0; j < count; j++) {
    const column = columns.subarray(j * length, (j + 1) * length);
    let before = norm(column);
    projectOut(columns, length, j, column);
    let after = norm(column);
    while (!(after > DEPENDENT_COLUMN_RATIO * before)) {
      for (let i = 0; i < length; i++) column[i] = random.nextGaussian();
      before = norm(column);
      projectOut(columns, length, j, column);
      after = norm(column);
    }
    const scale = 1 / after;
    for (let i = 0; i < length; i++) column[i] *= scale;
  }
}

function projectOut(columns: Float64Array, length: number, count: number, column: Float64Array): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let previous = 0; previous < count; previous++) {
      const base = previous * length;
      let dot = 0;
      for (let i = 0; i < length; i++) dot += columns[base + i] * column[i];
      if (dot === 0) continue;
      for (let i = 0; i < length; i++) column[i] -= dot * columns[base + i];
    }
  }
}

function norm(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  return Math.sqrt(sum);
}

/** G = B·Bᵀ (l × l, row-major) for B (l × cols, row-major). */
function gramOfRows(b: Float64Array, l: number, cols: number): Float64Array {
  const gram = new Float64Array(l * l);
  for (let p = 0; p < l; p++) {
    for (let q = p; q < l; q++) {
      let dot = 0;
      for (let c = 0, pb = p * cols, qb = q * cols; c < cols; c++) dot += b[pb + c] * b[qb + c];
      gram[p * l + q] = dot;
      gram[q * l + p] = dot;
    }
  }
  return gram;
}
