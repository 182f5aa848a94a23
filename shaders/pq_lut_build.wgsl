// Lookup-table build for PQ / RQ layers (shared/paper.md, "Why LUT kernels win"):
//   lut[b][t][j][c] = <codebook[t][j][c][0..D], x[b][j*D .. j*D + D]>
// with x zero-padded past `cols` (the last segment may be partial). One invocation per table entry; the
// grid is 1-D folded into y when it exceeds maxComputeWorkgroupsPerDimension (gpu/dispatch.ts).
// PQ is the one-stage case. The gather kernels (pq_gather.wgsl) consume the table.

struct LutBuildParams {
  batch: u32,
  cols: u32,
  segments: u32,
  stages: u32,
  entries: u32,
}

override WORKGROUP_SIZE: u32 = 128u;
// Sub-vector length d.
override D: u32;
// Centroids per segment codebook.
override K: u32;

@group(0) @binding(0) var<uniform> params: LutBuildParams;
// [stages][segments][K][D]
@group(0) @binding(1) var<storage, read> codebook: array<f32>;
// [batch][cols]
@group(0) @binding(2) var<storage, read> x: array<f32>;
// [batch][stages][segments][K]
@group(0) @binding(3) var<storage, read_write> lut: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn build_lut(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(num_workgroups) grid: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let entry = (workgroup.x + workgroup.y * grid.x) * WORKGROUP_SIZE + local_index;
  if (entry >= params.entries) {
    return;
  }
  let centroid = entry % K;
  let table = entry / K;
  let segment = table % params.segments;
  let stage = (table / params.segments) % params.stages;
  let batch_index = table / (params.segments * params.stages);
  let centroid_base = ((stage * params.segments + segment) * K + centroid) * D;
  let first_col = segment * D;
  let x_base = batch_index * params.cols;
  var dot = 0.0;
  for (var u = 0u; u < D; u++) {
    if (first_col + u < params.cols) {
      dot += codebook[centroid_base + u] * x[x_base + first_col + u];
    }
  }
  lut[entry] = dot;
}
