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
const WORD_BITS = 32u;

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
// device.limits.maxComputeWorkgroupStorageSize.
override LUT_TILE_FLOATS: u32;

@group(0) @binding(0) var<uniform> params: GatherParams;
// [stage_count][rows of the block][words_per_row], starting code_word_offset words into the binding.
@group(0) @binding(1) var<storage, read> codes: array<u32>;
// [batch][stages_total][segments][K] (gather_global, gather_tiled).
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

// Word index of `row`'s codes for stage `stage` (relative to this dispatch) in the codes binding.
fn row_word_base(row: u32, stage: u32) -> u32 {
  return params.code_word_offset + stage * params.stage_words + (row - params.row_begin) * params.words_per_row;
}

// Code of segment `segment` from `word`, the packed word that holds it (word index `word_index`).
fn unpack_code(word: u32, word_index: u32, segment: u32) -> u32 {
  let code = (word >> ((segment - word_index * CODES_PER_WORD) * BITS)) & CODE_MASK;
  // A code ≥ K is malformed data (the format rejects it); clamp so the read stays inside the table.
  return min(code, K - 1u);
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

fn gather_from_storage(work: Work, local_index: u32) {
  let first_word = (work.first_segment * BITS) / WORD_BITS;
  let last_word = ((work.end_segment - 1u) * BITS) / WORD_BITS;
  for (var row = work.first_row + local_index; row < work.end_row; row += WORKGROUP_SIZE) {
    // Explicit zero initializer: with a bare `var sums: array<f32, BATCH_TILE>;` the compiled loop kept the
    // previous row's sums (Dawn on SwiftShader and on NVIDIA Vulkan), though WGSL zero-initialises it.
    var sums = array<f32, BATCH_TILE>();
    for (var stage = 0u; stage < params.stage_count; stage++) {
      let word_base = row_word_base(row, stage);
      for (var w = first_word; w <= last_word; w++) {
        let word = codes[word_base + w];
        let segment_end = min(work.end_segment, (w + 1u) * CODES_PER_WORD);
        for (var segment = max(work.first_segment, w * CODES_PER_WORD); segment < segment_end; segment++) {
          let code = unpack_code(word, w, segment);
          for (var b = 0u; b < BATCH_TILE; b++) {
            if (b < work.inputs) {
              sums[b] += lut[storage_lut_index(work.first_input + b, stage, segment, code)];
            }
          }
        }
      }
    }
    store(row, work, sums);
  }
}

fn gather_from_tile(work: Work, local_index: u32) {
  let first_word = (work.first_segment * BITS) / WORD_BITS;
  let last_word = ((work.end_segment - 1u) * BITS) / WORD_BITS;
  for (var row = work.first_row + local_index; row < work.end_row; row += WORKGROUP_SIZE) {
    // Explicit zero initializer: with a bare `var sums: array<f32, BATCH_TILE>;` the compiled loop kept the
    // previous row's sums (Dawn on SwiftShader and on NVIDIA Vulkan), though WGSL zero-initialises it.
    var sums = array<f32, BATCH_TILE>();
    for (var stage = 0u; stage < params.stage_count; stage++) {
      let word_base = row_word_base(row, stage);
      for (var w = first_word; w <= last_word; w++) {
        let word = codes[word_base + w];
        let segment_end = min(work.end_segment, (w + 1u) * CODES_PER_WORD);
        for (var segment = max(work.first_segment, w * CODES_PER_WORD); segment < segment_end; segment++) {
          let code = unpack_code(word, w, segment);
          for (var b = 0u; b < BATCH_TILE; b++) {
            if (b < work.inputs) {
              sums[b] += lut_tile[tile_index(b, stage, segment - work.first_segment, code)];
            }
          }
        }
      }
    }
    store(row, work, sums);
  }
}

// Decomposes a tile entry into (input in tile, stage, segment in chunk, code), per tile_index's layout.
struct TileEntry {
  input_in_tile: u32,
  stage: u32,
  segment_in_chunk: u32,
  code: u32,
}

fn tile_entry(entry: u32) -> TileEntry {
  var parts: TileEntry;
  parts.code = entry % K;
  parts.segment_in_chunk = (entry / K) % params.chunk_segments;
  let table = entry / (K * params.chunk_segments);
  parts.stage = table % params.stage_count;
  parts.input_in_tile = table / params.stage_count;
  return parts;
}

fn tile_entries(work: Work) -> u32 {
  return min(work.inputs * params.stage_count * params.chunk_segments * K, LUT_TILE_FLOATS);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_global(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  gather_from_storage(work, local_index);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_tiled(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  let entries = tile_entries(work);
  for (var entry = local_index; entry < entries; entry += WORKGROUP_SIZE) {
    let parts = tile_entry(entry);
    let segment = work.first_segment + parts.segment_in_chunk;
    var value = 0.0;
    if (segment < work.end_segment) {
      value = lut[storage_lut_index(work.first_input + parts.input_in_tile, parts.stage, segment, parts.code)];
    }
    lut_tile[entry] = value;
  }
  workgroupBarrier();
  gather_from_tile(work, local_index);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_fused(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  let entries = tile_entries(work);
  for (var entry = local_index; entry < entries; entry += WORKGROUP_SIZE) {
    let parts = tile_entry(entry);
    let segment = work.first_segment + parts.segment_in_chunk;
    var dot = 0.0;
    if (segment < work.end_segment) {
      let centroid_base = (((params.stage_begin + parts.stage) * params.segments + segment) * K + parts.code) * D;
      let first_col = segment * D;
      let x_base = (work.first_input + parts.input_in_tile) * params.cols;
      for (var u = 0u; u < D; u++) {
        if (first_col + u < params.cols) {
          dot += codebook[centroid_base + u] * x[x_base + first_col + u];
        }
      }
    }
    lut_tile[entry] = dot;
  }
  workgroupBarrier();
  gather_from_tile(work, local_index);
}
