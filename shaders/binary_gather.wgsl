// Gather for binary layers: y_i = scale_i·(Σ_{bit=1} x_j − Σ_{bit=0} x_j) over this workgroup's column chunk,
// for up to BATCH_TILE inputs per word read: additions only, with the chunk of x in workgroup memory and the
// per-row scale applied to the chunk's sum (so split-K partials add up to the scaled total).
// Grid and output as pq_gather.wgsl: x = row group, y = column chunk, z = batch tile; params.segments is the
// number of columns and params.chunk_segments the columns per chunk.

struct GatherParams {
  batch: u32,
  batch_tile: u32,
  rows: u32,
  row_begin: u32,
  row_end: u32,
  rows_per_group: u32,
  segments: u32,
  chunk_segments: u32,
  words_per_row: u32,
  code_word_offset: u32,
  stage_begin: u32,
  stage_count: u32,
  stage_words: u32,
  stages_total: u32,
  slot_begin: u32,
  slots: u32,
  cols: u32,
  finalize: u32,
  has_bias: u32,
  relu: u32,
}

// Inputs per workgroup; see pq_gather.wgsl.
const BATCH_TILE = 4u;
// Inputs summed per code read: the dispatch's batch tile (≤ BATCH_TILE), a pipeline constant so that the loops
// over inputs unroll and the sums stay in registers. With the runtime bound `b < work.inputs` the sums lived in
// local memory and every lookup paid a load and a store (the H200 ran PQ 16384² at ~0.3 TB/s). Past the batch
// (the last tile), the extra sums read harmless table entries and are never stored.
override TILE_INPUTS: u32 = BATCH_TILE;
const WORD_BITS = 32u;
// Rows whose code words are interleaved (CODE_ROW_TILE in kernels/code-layout.ts).
const ROW_TILE = 32u;

override WORKGROUP_SIZE: u32 = 128u;
// Floats of workgroup memory for the chunk of x: BATCH_TILE used × chunk_segments.
override X_TILE_FLOATS: u32;

@group(0) @binding(0) var<uniform> params: GatherParams;
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

struct Work {
  // First input of the batch tile and how many inputs it holds (0 for a workgroup past the batch).
  first_input: u32,
  inputs: u32,
  // Segment chunk [first_segment, end_segment).
  first_segment: u32,
  end_segment: u32,
  // Row group [first_row, end_row).
  first_row: u32,
  end_row: u32,
  slot: u32,
}

fn workgroup_work(workgroup: vec3u) -> Work {
  var work: Work;
  work.first_input = workgroup.z * params.batch_tile;
  work.inputs = min(params.batch_tile, params.batch - min(work.first_input, params.batch));
  work.first_segment = workgroup.y * params.chunk_segments;
  work.end_segment = min(work.first_segment + params.chunk_segments, params.segments);
  work.first_row = params.row_begin + workgroup.x * params.rows_per_group;
  work.end_row = min(work.first_row + params.rows_per_group, params.row_end);
  work.slot = params.slot_begin + workgroup.y;
  return work;
}

fn has_work(work: Work) -> bool {
  return work.inputs > 0u && work.first_segment < work.end_segment;
}

fn store(row: u32, work: Work, sums: array<f32, BATCH_TILE>) {
  for (var b = 0u; b < BATCH_TILE; b++) {
    if (b < work.inputs) {
      var value = sums[b];
      if (params.finalize == 1u) {
        if (params.has_bias == 1u) {
          value += bias[row];
        }
        if (params.relu == 1u) {
          value = max(value, 0.0);
        }
      }
      out[((work.first_input + b) * params.slots + work.slot) * params.rows + row] = value;
    }
  }
}

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
    // Codes in the GPU layout (kernels/code-layout.ts): word w of this row is ROW_TILE·w past word 0.
    let relative = row - params.row_begin;
    let word_base = params.code_word_offset + (relative / ROW_TILE) * params.words_per_row * ROW_TILE + relative % ROW_TILE;
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
