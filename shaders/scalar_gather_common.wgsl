// Shared by the scalar gathers (kmeans_gather.wgsl, binary_gather.wgsl), after gather_common.wgsl: their
// common bindings (binding 2, the centroids or the per-row scales, is each kernel's own), the chunk of x in
// workgroup memory and the loop that fills it. params.segments is the number of columns and
// params.chunk_segments the columns per chunk.

// Floats of workgroup memory for the chunk of x: BATCH_TILE used × chunk_segments.
override X_TILE_FLOATS: u32;

// [row tiles of the block][words_per_row][ROW_TILE], starting code_word_offset words into the binding.
@group(0) @binding(1) var<storage, read> codes: array<u32>;
// [batch][cols]
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
// y [batch][rows] or partial [batch][slots][rows]
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

// [input in tile][column in chunk]
var<workgroup> x_tile: array<f32, X_TILE_FLOATS>;

// Copies this workgroup's chunk of x (every input of its batch tile) into x_tile, zero past the last column;
// the caller puts a workgroupBarrier() after it.
fn stage_x_tile(work: Work, local_index: u32) {
  let entries = min(work.inputs * params.chunk_segments, X_TILE_FLOATS);
  for (var entry = local_index; entry < entries; entry += WORKGROUP_SIZE) {
    let col = work.first_segment + entry % params.chunk_segments;
    var value = 0.0;
    if (col < work.end_segment) {
      value = x[(work.first_input + entry / params.chunk_segments) * params.cols + col];
    }
    x_tile[entry] = value;
  }
}
