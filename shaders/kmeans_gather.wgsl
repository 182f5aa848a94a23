// Gather for scalar k-means layers: y_i = Σ_j codebook[code[i][j]]·x_j over this workgroup's column chunk,
// for up to BATCH_TILE inputs per code read. The k centroids and the chunk of x sit in workgroup memory, so
// each weight costs one table read and one multiply-add. This is the PQ lookup-table method with d = 1 and
// one codebook shared by all columns, the table entry codebook[c]·x_j formed on the fly: storing that table
// would take cols·k floats per input, k times the input itself. (The CPU twin instead sums x into k bins per
// row, which saves multiplies; on the GPU it would need k accumulators per invocation.)
// Grid, output, code layout, bindings 1 and 3–5 and the x chunk: gather_common.wgsl and
// scalar_gather_common.wgsl, which sources.ts puts in front of this file.

override K: u32;
override BITS: u32;
override CODES_PER_WORD: u32 = WORD_BITS / BITS;
override CODE_MASK: u32 = (1u << BITS) - 1u;

// [K]
@group(0) @binding(2) var<storage, read> codebook: array<f32>;

var<workgroup> centroids: array<f32, K>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_kmeans(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  for (var c = local_index; c < K; c += WORKGROUP_SIZE) {
    centroids[c] = codebook[c];
  }
  stage_x_tile(work, local_index);
  workgroupBarrier();

  let first_word = (work.first_segment * BITS) / WORD_BITS;
  let last_word = ((work.end_segment - 1u) * BITS) / WORD_BITS;
  for (var row = work.first_row + local_index; row < work.end_row; row += WORKGROUP_SIZE) {
    // Explicit zero initializer: with a bare `var sums: array<f32, BATCH_TILE>;` the compiled loop kept the
    // previous row's sums (Dawn on SwiftShader and on NVIDIA Vulkan), though WGSL zero-initialises it.
    var sums = array<f32, BATCH_TILE>();
    let word_base = row_word_base(row, 0u);
    for (var w = first_word; w <= last_word; w++) {
      let word = codes[word_base + w * ROW_TILE];
      let col_end = min(work.end_segment, (w + 1u) * CODES_PER_WORD);
      for (var col = max(work.first_segment, w * CODES_PER_WORD); col < col_end; col++) {
        // A code ≥ K is malformed data (the format rejects it); clamp so the read stays inside the table.
        let code = min((word >> ((col - w * CODES_PER_WORD) * BITS)) & CODE_MASK, K - 1u);
        let weight = centroids[code];
        let col_in_chunk = col - work.first_segment;
        for (var b = 0u; b < TILE_INPUTS; b++) {
          sums[b] += weight * x_tile[b * params.chunk_segments + col_in_chunk];
        }
      }
    }
    store(row, work, sums);
  }
}
