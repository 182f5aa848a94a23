// Gather-accumulate for PQ / RQ layers: for each row i of this workgroup's row group and each input b of its
// batch tile, sum LUT[t][j][code[t][i][j]] over the stages of this dispatch and the segments j of this
// workgroup's chunk. Codes are decoded once per batch tile (BATCH_TILE inputs share every code read).
//
// Three entry points; the host (packages/runtime/src/kernels/plan.ts) picks one by a shape rule:
//   gather_global: LUT read straight from storage (pq_lut_build.wgsl), one chunk spanning all segments.
//   gather_tiled:  the chunk's slice of the storage LUT is staged in workgroup memory, then gathered (split-K).
//   gather_fused:  the chunk's slice of the LUT is computed in workgroup memory from codebook and x, so there
//                  is no LUT buffer round trip (split-K as well).
// Grid: x = row group, y = segment chunk, z = batch tile.
// Output: with params.finalize == 1 (a single slot) out = y[b][row] = relu?(bias[row] + sum); otherwise
// out = partial[b][slot][row] = sum, reduced by splitk_reduce.wgsl.
// Codes are in the GPU layout of packages/runtime/src/kernels/code-layout.ts: the words of ROW_TILE consecutive
// rows interleaved, so the lanes of a subgroup (consecutive rows) read one contiguous line per load.

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
// Code words an invocation loads before decoding any (≤ MAX_WORDS_IN_FLIGHT, the register array's size):
// independent loads in flight hide the memory latency. A pipeline constant, so the host can tune it.
const MAX_WORDS_IN_FLIGHT = 8u;
override WORDS_IN_FLIGHT: u32 = 8u;

override WORKGROUP_SIZE: u32 = 128u;
// Centroids per codebook.
override K: u32;
// Bits per code: 1, 2, 4 or 8.
override BITS: u32;
override CODES_PER_WORD: u32 = WORD_BITS / BITS;
override CODE_MASK: u32 = (1u << BITS) - 1u;
// Sub-vector length d (gather_fused only).
override D: u32;
// Floats of workgroup memory for the LUT chunk (gather_tiled, gather_fused); sized by the host from
// device.limits.maxComputeWorkgroupStorageSize. gather_global leaves the one-float default.
override LUT_TILE_FLOATS: u32 = 1u;

@group(0) @binding(0) var<uniform> params: GatherParams;
// [stage_count][row tiles of the block][words_per_row][ROW_TILE], starting code_word_offset words into the binding.
@group(0) @binding(1) var<storage, read> codes: array<u32>;
// [batch][stages_total][segments][K] (gather_global, gather_tiled); gather_fused gets a placeholder, since
// every entry point shares gather_rows and so statically uses this binding.
@group(0) @binding(2) var<storage, read> lut: array<f32>;
// [stages_total][segments][K][D] (gather_fused).
@group(0) @binding(3) var<storage, read> codebook: array<f32>;
// [batch][cols] (gather_fused).
@group(0) @binding(4) var<storage, read> x: array<f32>;
// [rows]; read only when params.has_bias == 1.
@group(0) @binding(5) var<storage, read> bias: array<f32>;
// y [batch][rows] or partial [batch][slots][rows].
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

// [BATCH_TILE used][stage_count][chunk_segments][K]
var<workgroup> lut_tile: array<f32, LUT_TILE_FLOATS>;

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

// Code of segment `segment` from `word`, the packed word that holds it (word index `word_index`).
fn unpack_code(word: u32, word_index: u32, segment: u32) -> u32 {
  let code = (word >> ((segment - word_index * CODES_PER_WORD) * BITS)) & CODE_MASK;
  // A code ≥ K is malformed data (the format rejects it); clamp so the read stays inside the table. With
  // K = 2^BITS every bit pattern is a code, and the pipeline-constant condition drops the clamp.
  if (K <= CODE_MASK) {
    return min(code, K - 1u);
  }
  return code;
}

fn storage_lut_index(input: u32, stage: u32, segment: u32, code: u32) -> u32 {
  return ((input * params.stages_total + params.stage_begin + stage) * params.segments + segment) * K + code;
}

fn tile_index(input_in_tile: u32, stage: u32, segment_in_chunk: u32, code: u32) -> u32 {
  return ((input_in_tile * params.stage_count + stage) * params.chunk_segments + segment_in_chunk) * K + code;
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

// Adds the table entries of `code` at `segment` for every input of the tile; `from_tile` is a constant at each
// call site, so the branch folds away.
fn add_entry(
  sums: ptr<function, array<f32, BATCH_TILE>>,
  work: Work,
  stage: u32,
  segment: u32,
  code: u32,
  from_tile: bool,
) {
  for (var b = 0u; b < TILE_INPUTS; b++) {
    if (from_tile) {
      (*sums)[b] += lut_tile[tile_index(b, stage, segment - work.first_segment, code)];
    } else {
      (*sums)[b] += lut[storage_lut_index(work.first_input + b, stage, segment, code)];
    }
  }
}

// Decodes packed word `w` of a row and adds its codes' entries. A word wholly inside the chunk (all but the ends)
// takes the fixed-count loop, which the compiler unrolls (CODES_PER_WORD is a pipeline constant).
fn add_word(
  sums: ptr<function, array<f32, BATCH_TILE>>,
  work: Work,
  stage: u32,
  word: u32,
  w: u32,
  from_tile: bool,
) {
  let word_first = w * CODES_PER_WORD;
  if (word_first >= work.first_segment && word_first + CODES_PER_WORD <= work.end_segment) {
    for (var i = 0u; i < CODES_PER_WORD; i++) {
      add_entry(sums, work, stage, word_first + i, unpack_code(word, w, word_first + i), from_tile);
    }
  } else {
    let segment_end = min(work.end_segment, word_first + CODES_PER_WORD);
    for (var segment = max(work.first_segment, word_first); segment < segment_end; segment++) {
      add_entry(sums, work, stage, segment, unpack_code(word, w, segment), from_tile);
    }
  }
}

fn gather_rows(work: Work, local_index: u32, from_tile: bool) {
  let first_word = (work.first_segment * BITS) / WORD_BITS;
  let end_word = ((work.end_segment - 1u) * BITS) / WORD_BITS + 1u;
  for (var row = work.first_row + local_index; row < work.end_row; row += WORKGROUP_SIZE) {
    // Explicit zero initializer: with a bare `var sums: array<f32, BATCH_TILE>;` the compiled loop kept the
    // previous row's sums (Dawn on SwiftShader and on NVIDIA Vulkan), though WGSL zero-initialises it.
    var sums = array<f32, BATCH_TILE>();
    for (var stage = 0u; stage < params.stage_count; stage++) {
      let word_base = row_word_base(row, stage);
      for (var w = first_word; w < end_word; w += WORDS_IN_FLIGHT) {
        var words = array<u32, MAX_WORDS_IN_FLIGHT>();
        for (var u = 0u; u < WORDS_IN_FLIGHT; u++) {
          if (w + u < end_word) {
            words[u] = codes[word_base + (w + u) * ROW_TILE];
          }
        }
        for (var u = 0u; u < WORDS_IN_FLIGHT; u++) {
          if (w + u < end_word) {
            add_word(&sums, work, stage, words[u], w + u, from_tile);
          }
        }
      }
    }
    store(row, work, sums);
  }
}

// Tables (input in tile × stage) the workgroup's tile holds, and the floats of each that its chunk fills
// (segments past end_segment stay unfilled: no code points there).
fn tile_tables(work: Work) -> u32 {
  return work.inputs * params.stage_count;
}

fn filled_floats(work: Work) -> u32 {
  return (work.end_segment - work.first_segment) * K;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_global(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  gather_rows(work, local_index, false);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_tiled(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  // Each table's chunk is one contiguous run of the storage LUT: a plain copy, no index decomposition.
  let filled = filled_floats(work);
  for (var table = 0u; table < tile_tables(work); table++) {
    let source = storage_lut_index(work.first_input + table / params.stage_count, table % params.stage_count,
      work.first_segment, 0u);
    let destination = table * params.chunk_segments * K;
    for (var entry = local_index; entry < filled; entry += WORKGROUP_SIZE) {
      lut_tile[destination + entry] = lut[source + entry];
    }
  }
  workgroupBarrier();
  gather_rows(work, local_index, true);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_fused(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  let filled = filled_floats(work);
  for (var table = 0u; table < tile_tables(work); table++) {
    let stage = table % params.stage_count;
    let x_base = (work.first_input + table / params.stage_count) * params.cols;
    let destination = table * params.chunk_segments * K;
    for (var entry = local_index; entry < filled; entry += WORKGROUP_SIZE) {
      let segment = work.first_segment + entry / K;
      let centroid_base = (((params.stage_begin + stage) * params.segments + segment) * K + entry % K) * D;
      let first_col = segment * D;
      var dot = 0.0;
      for (var u = 0u; u < D; u++) {
        if (first_col + u < params.cols) {
          dot += codebook[centroid_base + u] * x[x_base + first_col + u];
        }
      }
      lut_tile[destination + entry] = dot;
    }
  }
  workgroupBarrier();
  gather_rows(work, local_index, true);
}
