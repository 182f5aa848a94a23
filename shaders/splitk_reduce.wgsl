// Split-K reduction for the gather kernels: y[b][row] = relu?(bias[row] + Σ_slot partial[b][slot][row]).
// A workgroup covers ROWS_PER_GROUP consecutive rows of one input; its SLOT_LANES = WORKGROUP_SIZE / ROWS_PER_GROUP
// invocations per row each sum every SLOT_LANES-th slot into ACCUMULATORS independent sums, then the lanes are
// added through workgroup memory. One invocation per output with a loop over all slots (the first version) kept a
// single load in flight per invocation: with 256 slots the H200 spent most of a 16384-row PQ layer waiting here.
// Loads stay coalesced: the lanes of one slot lane read ROWS_PER_GROUP consecutive floats.
// Grid: x (folded into y past maxComputeWorkgroupsPerDimension, gpu/dispatch.ts) = row group + input · row groups.

struct ReduceParams {
  rows: u32,
  slots: u32,
  outputs: u32,
  has_bias: u32,
  relu: u32,
}

// Rows per workgroup: 32 floats = one 128-byte line per slot.
const ROWS_PER_GROUP = 32u;
// Independent partial sums per invocation, so that several loads are in flight.
const ACCUMULATORS = 4u;

override WORKGROUP_SIZE: u32 = 128u;
override SLOT_LANES: u32 = WORKGROUP_SIZE / ROWS_PER_GROUP;

@group(0) @binding(0) var<uniform> params: ReduceParams;

// The uniform's values as pipeline constants where the host sets SPECIALIZED_PARAMS (as gather_common.wgsl does):
// the slot loop's bound and the row arithmetic become constants.
override SPECIALIZED_PARAMS: bool = false;
override PARAM_ROWS: u32 = 0u;
override PARAM_SLOTS: u32 = 0u;
override PARAM_OUTPUTS: u32 = 0u;
override PARAM_HAS_BIAS: u32 = 0u;
override PARAM_RELU: u32 = 0u;

fn reduce_params() -> ReduceParams {
  if (SPECIALIZED_PARAMS) {
    return ReduceParams(PARAM_ROWS, PARAM_SLOTS, PARAM_OUTPUTS, PARAM_HAS_BIAS, PARAM_RELU);
  }
  return params;
}
// [batch][slots][rows]
@group(0) @binding(1) var<storage, read> partial: array<f32>;
// [rows]; read only when params.has_bias == 1.
@group(0) @binding(2) var<storage, read> bias: array<f32>;
// [batch][rows]
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

var<workgroup> lane_sums: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn reduce_slots(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(num_workgroups) grid: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let row_groups = (reduce_params().rows + ROWS_PER_GROUP - 1u) / ROWS_PER_GROUP;
  let group = workgroup.x + workgroup.y * grid.x;
  let input = group / row_groups;
  let row = (group % row_groups) * ROWS_PER_GROUP + local_index % ROWS_PER_GROUP;
  let lane = local_index / ROWS_PER_GROUP;
  let in_range = row < reduce_params().rows && input * reduce_params().rows < reduce_params().outputs;
  var sums = array<f32, ACCUMULATORS>();
  if (in_range) {
    let base = input * reduce_params().slots * reduce_params().rows + row;
    var slot = lane;
    for (; slot + (ACCUMULATORS - 1u) * SLOT_LANES < reduce_params().slots; slot += ACCUMULATORS * SLOT_LANES) {
      for (var a = 0u; a < ACCUMULATORS; a++) {
        sums[a] += partial[base + (slot + a * SLOT_LANES) * reduce_params().rows];
      }
    }
    for (; slot < reduce_params().slots; slot += SLOT_LANES) {
      sums[0] += partial[base + slot * reduce_params().rows];
    }
  }
  var total = 0.0;
  for (var a = 0u; a < ACCUMULATORS; a++) {
    total += sums[a];
  }
  lane_sums[local_index] = total;
  workgroupBarrier();
  if (lane == 0u && in_range) {
    var sum = 0.0;
    for (var other = 0u; other < SLOT_LANES; other++) {
      sum += lane_sums[other * ROWS_PER_GROUP + local_index];
    }
    if (reduce_params().has_bias == 1u) {
      sum += bias[row];
    }
    if (reduce_params().relu == 1u) {
      sum = max(sum, 0.0);
    }
    y[input * reduce_params().rows + row] = sum;
  }
}
