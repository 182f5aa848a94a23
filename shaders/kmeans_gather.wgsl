// Gather for scalar k-means layers: y_i = Σ_j codebook[code[i][j]]·x_j over this workgroup's column chunk,
// for up to BATCH_TILE inputs per code read. The k centroids and the chunk of x sit in workgroup memory, so
// each weight costs one table read and one multiply-add, and each quad of x one (broadcast) read per input.
// This is the PQ lookup-table method with d = 1 and one codebook shared by all columns, the table entry
// codebook[c]·x_j formed on the fly: storing that table would take cols·k floats per input, k times the input
// itself. (The CPU twin instead sums x into k bins per row, which saves multiplies; on the GPU it would need k
// accumulators per invocation.)
// Grid, output, code layout, bindings 1 and 3–5, the x chunk and the row loop: gather_common.wgsl and
// scalar_gather_common.wgsl, which sources.ts puts in front of this file.

override K: u32;
override CODE_MASK: u32 = (1u << BITS) - 1u;

// [K]
@group(0) @binding(2) var<storage, read> codebook: array<f32>;

// Copies of the centroid table, interleaved: centroid c of copy r at c·CENTROID_COPIES + r, and lane l of a
// subgroup reads copy l mod CENTROID_COPIES. The 32 lanes (32 rows) look up random codes at once; with one copy of
// a 256-entry table that is about 3.5 lanes per memory bank at worst, so 3.5 serialized reads per lookup. With 32
// copies each lane has a bank of its own; with 16, at most two lanes share one. 16 entries (k ≤ 16) sit in
// distinct banks already. The host's executor option centroidCopies; they take K·CENTROID_COPIES of the tile.
override CENTROID_COPIES: u32 = 1u;

var<workgroup> centroids: array<f32, K * CENTROID_COPIES>;
// This invocation's copy.
var<private> centroid_copy: u32;

// Centroid of code i of `word`. A code ≥ K is malformed data (the format rejects it): it is clamped so the read
// stays inside the table. Where K fills the code width the select is constant and the clamp compiles away.
fn centroid(word: u32, i: u32) -> f32 {
  let code = (word >> (i * BITS)) & CODE_MASK;
  return centroids[select(min(code, K - 1u), code, K > CODE_MASK) * CENTROID_COPIES + centroid_copy];
}

fn add_word(sums: ptr<function, array<f32, BATCH_TILE>>, word: u32, first_quad: u32) {
  let chunk_quads = layer_params().chunk_segments / 4u;
  for (var q = 0u; q < QUADS_PER_WORD; q++) {
    let weights = vec4f(
      centroid(word, 4u * q),
      centroid(word, 4u * q + 1u),
      centroid(word, 4u * q + 2u),
      centroid(word, 4u * q + 3u),
    );
    for (var b = 0u; b < TILE_INPUTS; b++) {
      (*sums)[b] += dot(weights, x_tile[b * chunk_quads + first_quad + q]);
    }
  }
}

fn row_scale(row: u32) -> f32 {
  return 1.0;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_kmeans(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  for (var entry = local_index; entry < K * CENTROID_COPIES; entry += WORKGROUP_SIZE) {
    centroids[entry] = codebook[entry / CENTROID_COPIES];
  }
  centroid_copy = local_index % CENTROID_COPIES;
  stage_x_tile(work, local_index);
  workgroupBarrier();
  gather_rows(work, local_index);
}
