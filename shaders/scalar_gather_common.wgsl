// Shared by the scalar gathers (kmeans_gather.wgsl, binary_gather.wgsl), after gather_common.wgsl: their
// common bindings (binding 2, the centroids or the per-row scales, is each kernel's own), the chunk of x in
// workgroup memory and the loop over rows and code words. params.segments is the number of columns and
// params.chunk_segments the columns per chunk: a multiple of CODES_PER_WORD and of 4 (plan.ts scalarChunkAlign),
// so every chunk starts on a code word and on a 16-byte quad of x. Each kernel defines
//   fn add_word(sums: ptr<function, array<f32, BATCH_TILE>>, word: u32, first_quad: u32)
// (the CODES_PER_WORD columns of one code word, whose x starts at quad `first_quad` of each input's chunk) and
//   fn row_scale(row: u32) -> f32
// (what a row's chunk sum is multiplied by before it is stored).

// Bits per code: 1 (binary), or 2, 4 or 8 (k-means).
override BITS: u32;
override CODES_PER_WORD: u32 = WORD_BITS / BITS;
override QUADS_PER_WORD: u32 = CODES_PER_WORD / 4u;
// Quads (vec4) of workgroup memory for the chunk of x: BATCH_TILE used × chunk_segments / 4.
override X_TILE_QUADS: u32;
// Code words an invocation loads before decoding any (≤ MAX_WORDS_IN_FLIGHT, the register array's size):
// independent loads in flight hide the memory latency. With one word at a time the H200 ran k-means 4-bit at
// 16384² in 432 µs, 12× the time its bytes need (docs/kernel-attempts.md, step 38).
const MAX_WORDS_IN_FLIGHT = 8u;
override WORDS_IN_FLIGHT: u32 = 4u;

// [row tiles of the block][words_per_row][ROW_TILE], starting code_word_offset words into the binding.
@group(0) @binding(1) var<storage, read> codes: array<u32>;
// [batch][cols]
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
// y [batch][rows] or partial [batch][slots][rows]
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

// [input in tile][quad of the chunk]: column first_segment + 4q + i of input b is x_tile[b·chunk/4 + q][i].
var<workgroup> x_tile: array<vec4f, X_TILE_QUADS>;

// Copies this workgroup's chunk of x (every input of its batch tile) into x_tile, zero past the last column
// (so the padding codes of a row's last word add nothing); the caller puts a workgroupBarrier() after it.
fn stage_x_tile(work: Work, local_index: u32) {
  let chunk_quads = layer_params().chunk_segments / 4u;
  let quads = min(work.inputs * chunk_quads, X_TILE_QUADS);
  for (var quad = local_index; quad < quads; quad += WORKGROUP_SIZE) {
    let input = work.first_input + quad / chunk_quads;
    let first_col = work.first_segment + (quad % chunk_quads) * 4u;
    var value = vec4f();
    for (var i = 0u; i < 4u; i++) {
      if (first_col + i < work.end_segment) {
        value[i] = x[input * layer_params().cols + first_col + i];
      }
    }
    x_tile[quad] = value;
  }
}

// Every row of the workgroup's row group over its chunk: WORDS_IN_FLIGHT code words loaded, then decoded by
// the kernel's add_word, then the row's sums stored.
fn gather_rows(work: Work, local_index: u32) {
  let first_word = work.first_segment / CODES_PER_WORD;
  let words = (work.end_segment - work.first_segment + CODES_PER_WORD - 1u) / CODES_PER_WORD;
  let full_steps_end = words - words % WORDS_IN_FLIGHT;
  for (var row = work.first_row + local_index; row < work.end_row; row += WORKGROUP_SIZE) {
    // Explicit zero initializer: with a bare `var sums: array<f32, BATCH_TILE>;` the compiled loop kept the
    // previous row's sums (Dawn on SwiftShader and on NVIDIA Vulkan), though WGSL zero-initialises it.
    var sums = array<f32, BATCH_TILE>();
    let word_base = row_word_base(row, 0u) + first_word * ROW_TILE;
    for (var w = 0u; w < full_steps_end; w += WORDS_IN_FLIGHT) {
      var loaded = array<u32, MAX_WORDS_IN_FLIGHT>();
      for (var u = 0u; u < WORDS_IN_FLIGHT; u++) {
        loaded[u] = codes[word_base + (w + u) * ROW_TILE];
      }
      for (var u = 0u; u < WORDS_IN_FLIGHT; u++) {
        add_word(&sums, loaded[u], (w + u) * QUADS_PER_WORD);
      }
    }
    for (var w = full_steps_end; w < words; w++) {
      add_word(&sums, codes[word_base + w * ROW_TILE], w * QUADS_PER_WORD);
    }
    let scale = row_scale(row);
    for (var b = 0u; b < TILE_INPUTS; b++) {
      sums[b] *= scale;
    }
    store(row, work, sums);
  }
}
