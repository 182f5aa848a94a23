// Dense layer for a batch of inputs: y[b][r] = relu?(b[r] + sum_c W[r][c] * x[b][c]).
// W is rows×cols row-major f32, x is batch×cols, y is batch×rows.
//
// One workgroup per output row: the workgroup's invocations stride over the row's columns, so consecutive
// invocations read consecutive W elements (coalesced), and each W element loaded is used for up to
// BATCH_TILE inputs before the next is read. Partial sums are reduced in workgroup memory (binary tree).
// The subgroupAdd variant of this kernel is shaders/dense_gemv_subgroup.wgsl; keep the two in step.
//
// Entry points: `dense_vec4` reads W and x as vec4<f32> (valid when cols % 4 == 0, so every row starts on a
// 16-byte boundary), `dense_scalar` reads them as f32 (any cols). Both views share bindings 1 and 3; an entry
// point only ever uses one of them, and 'auto' layouts take only what an entry point uses.

// Invocations per workgroup. Must be a power of two: the tree reduction halves it each step.
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

var<workgroup> partials: array<vec4<f32>, WORKGROUP_SIZE>;

// Row handled by this workgroup; dispatches wider than maxComputeWorkgroupsPerDimension fold into y.
fn workgroupRow(wid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return wid.x + wid.y * groups.x;
}

// Input index of each accumulator lane. Lanes past the batch repeat the last input (valid memory, no
// branch in the inner loop); their sums are computed and dropped.
fn tileInputs(tile: u32) -> vec4<u32> {
  let last = denseParams().batch - 1u;
  return min(vec4<u32>(tile, tile + 1u, tile + 2u, tile + 3u), vec4<u32>(last));
}

// Sum `acc` over the workgroup, add the bias, apply ReLU and write the tile's outputs (lane l → input tile+l).
fn reduceAndStore(acc: vec4<f32>, lid: u32, row: u32, tile: u32) {
  partials[lid] = acc;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      partials[lid] = partials[lid] + partials[lid + stride];
    }
    workgroupBarrier();
  }
  // Lane l is written by invocation l; the loop covers workgroups smaller than the tile.
  let lanes = min(BATCH_TILE, denseParams().batch - tile);
  for (var lane = lid; lane < lanes; lane += WORKGROUP_SIZE) {
    let value = partials[0][lane] + bias[row];
    output[(tile + lane) * denseParams().rows + row] = select(value, max(value, 0.0), denseParams().relu != 0u);
  }
  // partials[0] is read above; the next tile must not overwrite it first.
  workgroupBarrier();
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn dense_vec4(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = workgroupRow(wid, groups);
  if (row >= denseParams().rows) {
    return;
  }
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
    reduceAndStore(acc, lid, row, tile);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn dense_scalar(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = workgroupRow(wid, groups);
  if (row >= denseParams().rows) {
    return;
  }
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
    reduceAndStore(acc, lid, row, tile);
  }
}
