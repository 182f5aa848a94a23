// Split-K reduction for the gather kernels: y[b][row] = relu?(bias[row] + Σ_slot partial[b][slot][row]).
// One invocation per output element; the grid is 1-D folded into y (gpu/dispatch.ts).

struct ReduceParams {
  rows: u32,
  slots: u32,
  outputs: u32,
  has_bias: u32,
  relu: u32,
}

override WORKGROUP_SIZE: u32 = 128u;

@group(0) @binding(0) var<uniform> params: ReduceParams;
// [batch][slots][rows]
@group(0) @binding(1) var<storage, read> partial: array<f32>;
// [rows]; read only when params.has_bias == 1.
@group(0) @binding(2) var<storage, read> bias: array<f32>;
// [batch][rows]
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn reduce_slots(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(num_workgroups) grid: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let output = (workgroup.x + workgroup.y * grid.x) * WORKGROUP_SIZE + local_index;
  if (output >= params.outputs) {
    return;
  }
  let row = output % params.rows;
  let input = output / params.rows;
  var sum = 0.0;
  for (var slot = 0u; slot < params.slots; slot++) {
    sum += partial[(input * params.slots + slot) * params.rows + row];
  }
  if (params.has_bias == 1u) {
    sum += bias[row];
  }
  if (params.relu == 1u) {
    sum = max(sum, 0.0);
  }
  y[output] = sum;
}
