// Shared by the gather kernels (pq_gather.wgsl, kmeans_gather.wgsl, binary_gather.wgsl): packages/runtime's
// kernels/sources.ts puts this file in front of each of them, so the uniform block, the workgroup's share of
// the work, the code layout and the output store are written once. Each kernel declares its own bindings `codes`,
// `bias` and `out`; WGSL module-scope names may be used before they are declared.
//
// Grid: x = row group, y = segment (or column) chunk, z = batch tile.
// Output: with params.finalize == 1 (a single slot) out = y[b][row] = relu?(bias[row] + sum); otherwise
// out = partial[b][slot][row] = sum, reduced by splitk_reduce.wgsl.
// Codes are in the GPU layout of packages/runtime/src/kernels/code-layout.ts: the words of ROW_TILE consecutive
// rows interleaved, so the lanes of a subgroup (consecutive rows) read one contiguous line per load. For the
// scalar kernels params.segments is the number of columns and the stage is always 0.

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

// Inputs per workgroup. A const because private arrays cannot be sized by an override; the host mirrors it
// as GATHER_BATCH_TILE (kernels/params.ts) and a test checks the two agree.
const BATCH_TILE = 4u;
// Inputs summed per code read: the dispatch's batch tile (≤ BATCH_TILE), a pipeline constant so that the loops
// over inputs unroll and the sums stay in registers. With the runtime bound `b < work.inputs` the sums lived in
// local memory and every lookup paid a load and a store (the H200 ran PQ 16384² at ~0.3 TB/s). Past the batch
// (the last tile), the extra sums read harmless table entries and are never stored.
override TILE_INPUTS: u32 = BATCH_TILE;
const WORD_BITS = 32u;
// Rows whose code words are interleaved (CODE_ROW_TILE in code-layout.ts).
const ROW_TILE = 32u;


override WORKGROUP_SIZE: u32 = 128u;

@group(0) @binding(0) var<uniform> params: GatherParams;

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

// Index of word 0 of `row`'s codes for stage `stage` (relative to this dispatch); word w is ROW_TILE·w further.
fn row_word_base(row: u32, stage: u32) -> u32 {
  let relative = row - params.row_begin;
  return params.code_word_offset + stage * params.stage_words + (relative / ROW_TILE) * params.words_per_row * ROW_TILE +
    relative % ROW_TILE;
}

// Stores the sums of the tile's inputs for `row`. The loop runs to TILE_INPUTS, a pipeline constant, not to
// BATCH_TILE: at a tile of 1 the driver then emits one store per row instead of four, each behind a branch on
// work.inputs, and that store code cost the H200's batch-1 gather about 4 µs of 49 (docs/kernel-attempts.md, step 31).
fn store(row: u32, work: Work, sums: array<f32, BATCH_TILE>) {
  for (var b = 0u; b < TILE_INPUTS; b++) {
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
