// Gather for binary layers: y_i = scale_i·(Σ_{bit=1} x_j − Σ_{bit=0} x_j) over this workgroup's column chunk,
// for up to BATCH_TILE inputs per word read: additions only, with the chunk of x in workgroup memory and the
// per-row scale applied to the chunk's sum (so split-K partials add up to the scaled total).
// Grid, output, code layout, bindings 1 and 3–5 and the x chunk: gather_common.wgsl and
// scalar_gather_common.wgsl, which sources.ts puts in front of this file.

// [rows]
@group(0) @binding(2) var<storage, read> scales: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_binary(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  stage_x_tile(work, local_index);
  workgroupBarrier();

  let first_word = work.first_segment / WORD_BITS;
  let last_word = (work.end_segment - 1u) / WORD_BITS;
  for (var row = work.first_row + local_index; row < work.end_row; row += WORKGROUP_SIZE) {
    // Explicit zero initializer: with a bare `var sums: array<f32, BATCH_TILE>;` the compiled loop kept the
    // previous row's sums (Dawn on SwiftShader and on NVIDIA Vulkan), though WGSL zero-initialises it.
    var sums = array<f32, BATCH_TILE>();
    let word_base = row_word_base(row, 0u);
    for (var w = first_word; w <= last_word; w++) {
      let word = codes[word_base + w * ROW_TILE];
      let col_end = min(work.end_segment, (w + 1u) * WORD_BITS);
      for (var col = max(work.first_segment, w * WORD_BITS); col < col_end; col++) {
        let positive = ((word >> (col - w * WORD_BITS)) & 1u) == 1u;
        let col_in_chunk = col - work.first_segment;
        for (var b = 0u; b < TILE_INPUTS; b++) {
          let value = x_tile[b * params.chunk_segments + col_in_chunk];
          sums[b] += select(-value, value, positive);
        }
      }
    }
    let scale = scales[row];
    for (var b = 0u; b < TILE_INPUTS; b++) {
      sums[b] *= scale;
    }
    store(row, work, sums);
  }
}
