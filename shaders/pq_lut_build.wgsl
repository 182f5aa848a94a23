// Lookup-table build for PQ / RQ layers (shared/paper.md, "Why LUT kernels win"):
//   lut[b][t][j][c] = <codebook[t][j][c][0..D], x[b][j*D .. j*D + D]>
// with x zero-padded past `cols` (the last segment may be partial). One invocation per table entry; the
// grid is 1-D folded into y when it exceeds maxComputeWorkgroupsPerDimension (gpu/dispatch.ts).
// PQ is the one-stage case. The gather kernels (pq_gather.wgsl) consume the table.
// Layout: segments in groups of LUT_GROUP, [batch][stages][groups][K][LUT_GROUP]: with LUT_GROUP = 1 this is
// [batch][stages][segments][K] (gather_global, gather_tiled); gather_banked wants a group's entries for one
// centroid side by side (its tile puts segment j of a group in memory bank j). Entries of the padding segments
// of the last group are zero, so codes pointing there add nothing.

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
// Segments per group of the LUT layout (1, or gather_banked's GROUP_SEGMENTS).
override LUT_GROUP: u32 = 1u;

@group(0) @binding(0) var<uniform> params: LutBuildParams;
// The codebooks [stages][segments][K][D] are binding 3, read through codebook_value: the module is joined with
// codebook_float32.wgsl or codebook_float16.wgsl (sources.ts).
// [batch][stages][groups][K][LUT_GROUP]
@group(0) @binding(1) var<storage, read_write> lut: array<f32>;
// [batch][cols]
@group(0) @binding(2) var<storage, read> x: array<f32>;

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
  // Entries are numbered with the centroid fastest, so that neighbouring invocations read neighbouring
  // centroids (coalesced codebook loads); each is stored at its place in the grouped layout.
  let groups = (params.segments + LUT_GROUP - 1u) / LUT_GROUP;
  let centroid = entry % K;
  let segment_in_group = (entry / K) % LUT_GROUP;
  let group_table = entry / (K * LUT_GROUP);
  let destination = (group_table * K + centroid) * LUT_GROUP + segment_in_group;
  let segment = (group_table % groups) * LUT_GROUP + segment_in_group;
  let stage = (group_table / groups) % params.stages;
  let batch_index = group_table / (groups * params.stages);
  if (segment >= params.segments) {
    lut[destination] = 0.0;
    return;
  }
  let centroid_base = ((stage * params.segments + segment) * K + centroid) * D;
  let first_col = segment * D;
  let x_base = batch_index * params.cols;
  var dot = 0.0;
  for (var u = 0u; u < D; u++) {
    if (first_col + u < params.cols) {
      dot += codebook_value(centroid_base + u) * x[x_base + first_col + u];
    }
  }
  lut[destination] = dot;
}
