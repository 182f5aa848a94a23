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

// The uniform's values as pipeline constants, where the host sets SPECIALIZED_PARAMS (one pipeline per layer, batch
// and code block): the driver then folds the index arithmetic, row bounds and store branches into constants, as in
// step 31's lean twin (docs/kernel-attempts.md), instead of loading and combining uniforms in every loop.
override SPECIALIZED_PARAMS: bool = false;
override PARAM_BATCH: u32 = 0u;
override PARAM_BATCH_TILE: u32 = 0u;
override PARAM_ROWS: u32 = 0u;
override PARAM_ROW_BEGIN: u32 = 0u;
override PARAM_ROW_END: u32 = 0u;
override PARAM_ROWS_PER_GROUP: u32 = 0u;
override PARAM_SEGMENTS: u32 = 0u;
override PARAM_CHUNK_SEGMENTS: u32 = 0u;
override PARAM_WORDS_PER_ROW: u32 = 0u;
override PARAM_CODE_WORD_OFFSET: u32 = 0u;
override PARAM_STAGE_BEGIN: u32 = 0u;
override PARAM_STAGE_COUNT: u32 = 0u;
override PARAM_STAGE_WORDS: u32 = 0u;
override PARAM_STAGES_TOTAL: u32 = 0u;
override PARAM_SLOT_BEGIN: u32 = 0u;
override PARAM_SLOTS: u32 = 0u;
override PARAM_COLS: u32 = 0u;
override PARAM_FINALIZE: u32 = 0u;
override PARAM_HAS_BIAS: u32 = 0u;
override PARAM_RELU: u32 = 0u;

// The layer's GatherParams: the pipeline constants or the uniform. Every read of a parameter goes through here.
fn layer_params() -> GatherParams {
  if (SPECIALIZED_PARAMS) {
    return GatherParams(
      PARAM_BATCH, PARAM_BATCH_TILE, PARAM_ROWS, PARAM_ROW_BEGIN, PARAM_ROW_END, PARAM_ROWS_PER_GROUP, PARAM_SEGMENTS,
      PARAM_CHUNK_SEGMENTS, PARAM_WORDS_PER_ROW, PARAM_CODE_WORD_OFFSET, PARAM_STAGE_BEGIN, PARAM_STAGE_COUNT,
      PARAM_STAGE_WORDS, PARAM_STAGES_TOTAL, PARAM_SLOT_BEGIN, PARAM_SLOTS, PARAM_COLS, PARAM_FINALIZE, PARAM_HAS_BIAS,
      PARAM_RELU,
    );
  }
  return params;
}

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

// Where a workgroup's batch tile, row group and segment chunk sit in the grid. By default x = row group, y = chunk,
// z = batch tile: the GPU starts workgroups in x-fastest order, so each batch tile's workgroups read all of the codes
// before the next batch tile starts, and codes larger than L2 come from memory once per batch tile. With
// GROUP_BATCH_TILES (the host then dispatches x = batch tile, y = row group, z = chunk) the batch tiles of one row
// group and chunk are neighbours: they run together and read the same code words, the first from memory and the
// others from L2, as the dense kernel's input tiles do (dense_gemm_tiled.wgsl GROUP_INPUT_TILES; docs/kernel-attempts.md,
// step 73).
override GROUP_BATCH_TILES: bool = false;

fn workgroup_batch_tile(workgroup: vec3u) -> u32 {
  return select(workgroup.z, workgroup.x, GROUP_BATCH_TILES);
}

fn workgroup_row_group(workgroup: vec3u) -> u32 {
  return select(workgroup.x, workgroup.y, GROUP_BATCH_TILES);
}

// The segment chunk, which is also the split-K slot within the stage group and the banked gathers' segment group.
fn workgroup_chunk(workgroup: vec3u) -> u32 {
  return select(workgroup.y, workgroup.z, GROUP_BATCH_TILES);
}

fn workgroup_work(workgroup: vec3u) -> Work {
  var work: Work;
  work.first_input = workgroup_batch_tile(workgroup) * layer_params().batch_tile;
  work.inputs = min(layer_params().batch_tile, layer_params().batch - min(work.first_input, layer_params().batch));
  work.first_segment = workgroup_chunk(workgroup) * layer_params().chunk_segments;
  work.end_segment = min(work.first_segment + layer_params().chunk_segments, layer_params().segments);
  work.first_row = layer_params().row_begin + workgroup_row_group(workgroup) * layer_params().rows_per_group;
  work.end_row = min(work.first_row + layer_params().rows_per_group, layer_params().row_end);
  work.slot = layer_params().slot_begin + workgroup_chunk(workgroup);
  return work;
}

fn has_work(work: Work) -> bool {
  return work.inputs > 0u && work.first_segment < work.end_segment;
}

// Index of word 0 of `row`'s codes for stage `stage` (relative to this dispatch); word w is ROW_TILE·w further.
fn row_word_base(row: u32, stage: u32) -> u32 {
  let relative = row - layer_params().row_begin;
  return layer_params().code_word_offset + stage * layer_params().stage_words + (relative / ROW_TILE) * layer_params().words_per_row * ROW_TILE +
    relative % ROW_TILE;
}

// Stores the sums of the tile's inputs for `row`. The loop runs to TILE_INPUTS, a pipeline constant, not to
// BATCH_TILE: at a tile of 1 the driver then emits one store per row instead of four, each behind a branch on
// work.inputs, and that store code cost the H200's batch-1 gather about 4 µs of 49 (docs/kernel-attempts.md, step 31).
fn store(row: u32, work: Work, sums: array<f32, BATCH_TILE>) {
  for (var b = 0u; b < TILE_INPUTS; b++) {
    if (b < work.inputs) {
      store_sum(row, work, b, sums[b]);
    }
  }
}

// Writes `row`'s sum for input `b` of the tile: y (bias and ReLU applied) where one slot writes y itself, else the
// slot's partial sum.
fn store_sum(row: u32, work: Work, b: u32, sum: f32) {
  var value = sum;
  if (layer_params().finalize == 1u) {
    if (layer_params().has_bias == 1u) {
      value += bias[row];
    }
    if (layer_params().relu == 1u) {
      value = max(value, 0.0);
    }
  }
  out[((work.first_input + b) * layer_params().slots + work.slot) * layer_params().rows + row] = value;
}
