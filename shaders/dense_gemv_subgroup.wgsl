// Dense layer for a batch of inputs: y[b][r] = relu?(b[r] + sum_c W[r][c] * x[b][c]), reduced with subgroupAdd.
// Compile only on a device with the `subgroups` feature (`enable subgroups;` fails elsewhere); without it
// use shaders/dense_gemv.wgsl, which has the same bindings, entry points and override, and a workgroup-memory
// tree reduction. Keep the two in step.
//
// One workgroup per output row: invocations stride over the row's columns (coalesced W reads), and each W
// element loaded is used for up to BATCH_TILE inputs. Reduction: subgroupAdd within each subgroup, then one
// slot per subgroup in workgroup memory, summed by invocation 0. Slots are claimed with an atomic counter
// because WGSL does not say which invocations form a subgroup (no `local_invocation_index / subgroup_size`).
//
// Entry points: `dense_vec4` reads W and x as vec4<f32> (cols % 4 == 0), `dense_scalar` as f32 (any cols).
// Both views share bindings 1 and 3; an entry point only ever uses one of them.

enable subgroups;

// Invocations per workgroup (any size the device allows; a power of two keeps the twin shader's rule).
override WORKGROUP_SIZE: u32 = 64u;

// Inputs handled per pass over a W row: one per lane of a vec4<f32> accumulator.
const BATCH_TILE: u32 = 4u;

// W loads in flight per invocation in the batch-1 vec4 loop (one vec4 accumulator lane each).
const UNROLL: u32 = 4u;

@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(1) var<storage, read> weight4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> input: array<f32>;
@group(0) @binding(3) var<storage, read> input4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;

// One slot per subgroup; a workgroup never has more subgroups than invocations.
var<workgroup> subgroupSums: array<vec4<f32>, WORKGROUP_SIZE>;
var<workgroup> filledSlots: atomic<u32>;

// Sets the slot counter to zero before the first reduceAndStore (which leaves it zero for the next). WGSL
// zero-fills workgroup memory, so in a browser this store is redundant; the GPU test devices skip that zero-fill
// (Dawn's disable_workgroup_init, packages/runtime/test/gpu-fixture.ts), and every kernel must then write what it
// reads. One store and one barrier per workgroup, before its loads. Call it in uniform control flow.
fn clearSlots(lid: u32) {
  if (lid == 0u) {
    atomicStore(&filledSlots, 0u);
  }
  workgroupBarrier();
}

fn workgroupRow(wid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return wid.x + wid.y * groups.x;
}

// Input index of each accumulator lane; lanes past the batch repeat the last input and are dropped.
fn tileInputs(tile: u32) -> vec4<u32> {
  let last = denseParams().batch - 1u;
  return min(vec4<u32>(tile, tile + 1u, tile + 2u, tile + 3u), vec4<u32>(last));
}

// Sums `acc` (lane l: input tile + l) over the workgroup and stores the lanes inside the batch, for a row inside the
// layer (`rowInLayer`; every invocation calls this, for the barriers, whether or not its row stores).
fn reduceAndStore(acc: vec4<f32>, lid: u32, subgroupLane: u32, row: u32, tile: u32, rowInLayer: bool) {
  let subgroupSum = subgroupAdd(acc);
  if (subgroupLane == 0u) {
    subgroupSums[atomicAdd(&filledSlots, 1u)] = subgroupSum;
  }
  workgroupBarrier();
  if (lid == 0u) {
    let slots = atomicLoad(&filledSlots);
    var total = vec4<f32>(0.0);
    for (var slot = 0u; slot < slots; slot++) {
      total += subgroupSums[slot];
    }
    let lanes = select(0u, min(BATCH_TILE, denseParams().batch - min(tile, denseParams().batch)), rowInLayer);
    for (var lane = 0u; lane < lanes; lane++) {
      let value = total[lane] + bias[row];
      output[(tile + lane) * denseParams().rows + row] = select(value, max(value, 0.0), denseParams().relu != 0u);
    }
    atomicStore(&filledSlots, 0u);
  }
  // The slots and the counter are reused by the next tile.
  workgroupBarrier();
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn dense_vec4(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_invocation_id) subgroupLane: u32,
) {
  let row = workgroupRow(wid, groups);
  if (row >= denseParams().rows) {
    return;
  }
  clearSlots(lid);
  let cols4 = denseParams().cols / 4u;
  let rowStart = row * cols4;
  for (var tile = 0u; tile < denseParams().batch; tile += BATCH_TILE) {
    let inputStart = tileInputs(tile) * cols4;
    var acc = vec4<f32>(0.0);
    // Main loops take UNROLL strides per iteration with independent accumulators, so each invocation keeps
    // UNROLL W loads in flight (memory-level parallelism is what a memory-bound GEMV lives on); the tail
    // loop finishes the last < UNROLL strides.
    var c = lid;
    if (denseParams().batch - tile == 1u) {
      // Batch 1 (the case GEMV exists for): one x load per W load.
      var partial = vec4<f32>(0.0);
      for (; c + (UNROLL - 1u) * WORKGROUP_SIZE < cols4; c += UNROLL * WORKGROUP_SIZE) {
        partial += vec4<f32>(
          dot(weight4[rowStart + c], input4[inputStart.x + c]),
          dot(weight4[rowStart + c + WORKGROUP_SIZE], input4[inputStart.x + c + WORKGROUP_SIZE]),
          dot(weight4[rowStart + c + 2u * WORKGROUP_SIZE], input4[inputStart.x + c + 2u * WORKGROUP_SIZE]),
          dot(weight4[rowStart + c + 3u * WORKGROUP_SIZE], input4[inputStart.x + c + 3u * WORKGROUP_SIZE]),
        );
      }
      for (; c < cols4; c += WORKGROUP_SIZE) {
        partial.x += dot(weight4[rowStart + c], input4[inputStart.x + c]);
      }
      acc.x = (partial.x + partial.y) + (partial.z + partial.w);
    } else {
      for (; c + WORKGROUP_SIZE < cols4; c += 2u * WORKGROUP_SIZE) {
        let w0 = weight4[rowStart + c];
        let w1 = weight4[rowStart + c + WORKGROUP_SIZE];
        let next = c + WORKGROUP_SIZE;
        acc += vec4<f32>(
          dot(w0, input4[inputStart.x + c]) + dot(w1, input4[inputStart.x + next]),
          dot(w0, input4[inputStart.y + c]) + dot(w1, input4[inputStart.y + next]),
          dot(w0, input4[inputStart.z + c]) + dot(w1, input4[inputStart.z + next]),
          dot(w0, input4[inputStart.w + c]) + dot(w1, input4[inputStart.w + next]),
        );
      }
      for (; c < cols4; c += WORKGROUP_SIZE) {
        let w = weight4[rowStart + c];
        acc += vec4<f32>(
          dot(w, input4[inputStart.x + c]),
          dot(w, input4[inputStart.y + c]),
          dot(w, input4[inputStart.z + c]),
          dot(w, input4[inputStart.w + c]),
        );
      }
    }
    reduceAndStore(acc, lid, subgroupLane, row, tile, true);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn dense_scalar(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_invocation_id) subgroupLane: u32,
) {
  let row = workgroupRow(wid, groups);
  if (row >= denseParams().rows) {
    return;
  }
  clearSlots(lid);
  let cols = denseParams().cols;
  let rowStart = row * cols;
  for (var tile = 0u; tile < denseParams().batch; tile += BATCH_TILE) {
    let inputStart = tileInputs(tile) * cols;
    var acc = vec4<f32>(0.0);
    for (var c = lid; c < cols; c += WORKGROUP_SIZE) {
      let x = vec4<f32>(
        input[inputStart.x + c],
        input[inputStart.y + c],
        input[inputStart.z + c],
        input[inputStart.w + c],
      );
      acc += weight[rowStart + c] * x;
    }
    reduceAndStore(acc, lid, subgroupLane, row, tile, true);
  }
}

// Batches above BATCH_TILE (dense_vec4_rows). dense_vec4 reads a W row once per tile of 4 inputs, so batch 8 reads W
// twice. Here a workgroup takes ROW_TILE rows (a pipeline constant, at most MAX_ROW_TILE) and WIDE_BATCH_TILE inputs
// per pass over them, so W is read once up to batch 8. Rows past the layer's end read its last row and are not
// stored; inputs past the batch repeat the last input and are dropped, as in dense_vec4. On the H200 (16384², batch
// 8, docs/kernel-attempts.md step 35) one row per workgroup ran 542 µs against 605 µs for dense_vec4; 2 and 4 rows,
// which load each x vector once for all their rows, ran 734 and 740 µs: fewer workgroups share x through the cache.
// Layers of 8192 rows or more take shaders/dense_gemm_tiled.wgsl instead (step 37). Each row's two vec4 of sums
// (inputs tile..tile+3 and tile+4..tile+7) go through reduceAndStore in turn. Only the subgroup shader has this entry
// point: the host uses it where the device has subgroups (packages/runtime/src/kernels/dense.ts); the tree-reduction
// shader keeps dense_vec4 for every batch.
const MAX_ROW_TILE: u32 = 4u;
override ROW_TILE: u32 = 1u;
const WIDE_BATCH_TILE: u32 = 8u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn dense_vec4_rows(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_invocation_id) subgroupLane: u32,
) {
  let firstRow = workgroupRow(wid, groups) * ROW_TILE;
  if (firstRow >= denseParams().rows) {
    return;
  }
  clearSlots(lid);
  let cols4 = denseParams().cols / 4u;
  var rowStarts = array<u32, MAX_ROW_TILE>();
  for (var r = 0u; r < ROW_TILE; r++) {
    rowStarts[r] = min(firstRow + r, denseParams().rows - 1u) * cols4;
  }
  for (var tile = 0u; tile < denseParams().batch; tile += WIDE_BATCH_TILE) {
    var inputStarts = array<u32, WIDE_BATCH_TILE>();
    for (var b = 0u; b < WIDE_BATCH_TILE; b++) {
      inputStarts[b] = min(tile + b, denseParams().batch - 1u) * cols4;
    }
    // [row][low, high]
    var acc = array<vec4<f32>, 2u * MAX_ROW_TILE>();
    for (var c = lid; c < cols4; c += WORKGROUP_SIZE) {
      var xs = array<vec4<f32>, WIDE_BATCH_TILE>();
      for (var b = 0u; b < WIDE_BATCH_TILE; b++) {
        xs[b] = input4[inputStarts[b] + c];
      }
      for (var r = 0u; r < ROW_TILE; r++) {
        let w = weight4[rowStarts[r] + c];
        acc[2u * r] += vec4<f32>(dot(w, xs[0]), dot(w, xs[1]), dot(w, xs[2]), dot(w, xs[3]));
        acc[2u * r + 1u] += vec4<f32>(dot(w, xs[4]), dot(w, xs[5]), dot(w, xs[6]), dot(w, xs[7]));
      }
    }
    for (var r = 0u; r < ROW_TILE; r++) {
      let row = firstRow + r;
      reduceAndStore(acc[2u * r], lid, subgroupLane, row, tile, row < denseParams().rows);
      reduceAndStore(acc[2u * r + 1u], lid, subgroupLane, row, tile + 4u, row < denseParams().rows);
    }
  }
}
