// Gather for binary layers: y_i = scale_i·(Σ_{bit=1} x_j − Σ_{bit=0} x_j) over this workgroup's column chunk,
// for up to BATCH_TILE inputs per word read: additions only, with the chunk of x in workgroup memory and the
// per-row scale applied to the chunk's sum (so split-K partials add up to the scaled total).
// Grid, output and code layout: gather_common.wgsl, which sources.ts puts in front of this file;
// params.segments is the number of columns and params.chunk_segments the columns per chunk.

// Floats of workgroup memory for the chunk of x: BATCH_TILE used × chunk_segments.
override X_TILE_FLOATS: u32;

// [row tiles of the block][words_per_row][ROW_TILE] sign bits, starting code_word_offset words into the binding.
@group(0) @binding(1) var<storage, read> codes: array<u32>;
// [rows]
@group(0) @binding(2) var<storage, read> scales: array<f32>;
// [batch][cols]
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
// y [batch][rows] or partial [batch][slots][rows]
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

// [input in tile][column in chunk]
var<workgroup> x_tile: array<f32, X_TILE_FLOATS>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_binary(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  let entries = min(work.inputs * params.chunk_segments, X_TILE_FLOATS);
  for (var entry = local_index; entry < entries; entry += WORKGROUP_SIZE) {
    let col = work.first_segment + entry % params.chunk_segments;
    var value = 0.0;
    if (col < work.end_segment) {
      value = x[(work.first_input + entry / params.chunk_segments) * params.cols + col];
    }
    x_tile[entry] = value;
  }
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
