// Gather-accumulate for PQ / RQ layers: for each row i of this workgroup's row group and each input b of its
// batch tile, sum LUT[t][j][code[t][i][j]] over the stages of this dispatch and the segments j of this
// workgroup's chunk. Codes are decoded once per batch tile (BATCH_TILE inputs share every code read).
//
// Four entry points; the host (packages/runtime/src/kernels/plan.ts) picks one by a shape rule:
//   gather_global: LUT read straight from storage (pq_lut_build.wgsl), one chunk spanning all segments.
//   gather_tiled:  the chunk's slice of the storage LUT is staged in workgroup memory, then gathered (split-K).
//   gather_banked: as gather_tiled, with the tile laid out so that the lanes of a subgroup never read the same
//                  memory bank at once (below, "Banked tile").
//   gather_fused:  the chunk's slice of the LUT is computed in workgroup memory from codebook and x, so there
//                  is no LUT buffer round trip (split-K as well).
// Grid, output and code layout: gather_common.wgsl, which sources.ts puts in front of this file.

// Code words an invocation loads before decoding any (≤ MAX_WORDS_IN_FLIGHT, the register array's size):
// independent loads in flight hide the memory latency. A pipeline constant, so the host can tune it.
const MAX_WORDS_IN_FLIGHT = 8u;
override WORDS_IN_FLIGHT: u32 = 8u;

// Centroids per codebook.
override K: u32;
// Bits per code: 1, 2, 4 or 8.
override BITS: u32;
override CODES_PER_WORD: u32 = WORD_BITS / BITS;
override CODE_MASK: u32 = (1u << BITS) - 1u;
// Sub-vector length d (the fused variants, which build their tables from codebook and x).
override D: u32;
// Pairs of 4-bit codes (gather_banked_fused, gather_banked_fused_vec4; k = 16). A byte of a code word holds the
// codes of segments 2j and 2j + 1, so the gather reads it as one 8-bit code of pair segment j, looked up in a
// 256-entry table T[j][c] = T_2j[c mod 16] + T_2j+1[c div 16] built in the workgroup: half the lookups, for 16×
// the table entries of a segment pair. K and BITS are then the pair tables' (256, 8) and params.segments counts
// pair segments; CODEBOOK_K is the codebook's k (16), and the codebook's segments are ceil(cols / D).
override PAIRED_CODES: bool = false;
override CODEBOOK_K: u32 = K;
// Floats of workgroup memory for the LUT chunk (gather_tiled, gather_fused); sized by the host from
// device.limits.maxComputeWorkgroupStorageSize. gather_global leaves the one-float default.
override LUT_TILE_FLOATS: u32 = 1u;

// Measuring only (bench:kernels --ablations; the results are wrong by design): 0 runs the kernel as it is; 1 skips
// the code loads (each code word is made from the row and word index in registers); 2 skips the table lookups
// (each table index is added as a number, index_as_float, with no workgroup-memory read); 3 skips building or
// staging the tile (it keeps WGSL's zero initialisation); 4 skips all three, leaving the kernel's skeleton (grid,
// loops, decode arithmetic, barrier, partial-sum stores). The time a variant loses without a stage is what that
// stage costs.
override ABLATION: u32 = 0u;
const ABLATE_CODE_LOADS = 1u;
const ABLATE_LOOKUPS = 2u;
const ABLATE_TABLE_BUILD = 3u;
const ABLATE_ALL = 4u;

fn skips(stage: u32) -> bool {
  return ABLATION == stage || ABLATION == ABLATE_ALL;
}

// What ABLATE_LOOKUPS adds instead of a table entry: the index's bits as a float in [1, 2), one bitwise or. (f32()
// of the index, used until docs/kernel-attempts.md step 23, is an integer-to-float conversion that runs at a
// quarter of the full rate on NVIDIA GPUs: it cost about what the lookup it replaced did.)
fn index_as_float(index: u32) -> f32 {
  return bitcast<f32>(index | 0x3F800000u);
}

// A code word made in registers (ABLATE_CODE_LOADS): varied bytes, so the lookups still hit random entries.
fn synthetic_word(row: u32, word: u32) -> u32 {
  return (row * 0x9E3779B9u) ^ (word * 0x85EBCA6Bu);
}

// [stage_count][row tiles of the block][words_per_row][ROW_TILE], starting code_word_offset words into the binding.
@group(0) @binding(1) var<storage, read> codes: array<u32>;
// [batch][stages_total][segments][K] (gather_global, gather_tiled); gather_fused gets a placeholder, since
// every entry point shares gather_rows and so statically uses this binding.
@group(0) @binding(2) var<storage, read> lut: array<f32>;
// The codebooks [stages_total][segments][K][D] (the fused gathers) are binding 3, read through codebook_value and
// codebook_quad: the module is joined with codebook_float32.wgsl or codebook_float16.wgsl (sources.ts).
// [batch][cols] (gather_fused).
@group(0) @binding(4) var<storage, read> x: array<f32>;
// [rows]; read only when params.has_bias == 1.
@group(0) @binding(5) var<storage, read> bias: array<f32>;
// y [batch][rows] or partial [batch][slots][rows].
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

// [BATCH_TILE used][stage_count][chunk_segments][K]
var<workgroup> lut_tile: array<f32, LUT_TILE_FLOATS>;

// A code ≥ K is malformed data (the format rejects it); clamp so the read stays inside the table. With K = 2^BITS
// every bit pattern is a code, and the pipeline-constant condition drops the clamp.
fn clamp_code(code: u32) -> u32 {
  if (K <= CODE_MASK) {
    return min(code, K - 1u);
  }
  return code;
}

// Code of segment `segment` from `word`, the packed word that holds it (word index `word_index`).
fn unpack_code(word: u32, word_index: u32, segment: u32) -> u32 {
  return clamp_code((word >> ((segment - word_index * CODES_PER_WORD) * BITS)) & CODE_MASK);
}

fn storage_lut_index(input: u32, stage: u32, segment: u32, code: u32) -> u32 {
  return ((input * layer_params().stages_total + layer_params().stage_begin + stage) * layer_params().segments + segment) * K + code;
}

fn tile_index(input_in_tile: u32, stage: u32, segment_in_chunk: u32, code: u32) -> u32 {
  return ((input_in_tile * layer_params().stage_count + stage) * layer_params().chunk_segments + segment_in_chunk) * K + code;
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
    if (skips(ABLATE_LOOKUPS)) {
      (*sums)[b] += index_as_float(code);
    } else if (from_tile) {
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
    for (var stage = 0u; stage < layer_params().stage_count; stage++) {
      let word_base = row_word_base(row, stage);
      for (var w = first_word; w < end_word; w += WORDS_IN_FLIGHT) {
        var words = array<u32, MAX_WORDS_IN_FLIGHT>();
        for (var u = 0u; u < WORDS_IN_FLIGHT; u++) {
          if (skips(ABLATE_CODE_LOADS)) {
            words[u] = synthetic_word(row, w + u);
          } else if (w + u < end_word) {
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
  return work.inputs * layer_params().stage_count;
}

fn filled_floats(work: Work) -> u32 {
  return (work.end_segment - work.first_segment) * K;
}

// Copies `floats` consecutive storage-LUT entries from `source` to the tile at `destination`, the workgroup's
// invocations striding over them (gather_tiled, gather_banked).
fn copy_to_tile(source: u32, destination: u32, floats: u32, local_index: u32) {
  for (var entry = local_index; entry < floats; entry += WORKGROUP_SIZE) {
    lut_tile[destination + entry] = lut[source + entry];
  }
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
  for (var table = 0u; table < tile_tables(work) && !skips(ABLATE_TABLE_BUILD); table++) {
    let source = storage_lut_index(work.first_input + table / layer_params().stage_count, table % layer_params().stage_count,
      work.first_segment, 0u);
    copy_to_tile(source, table * layer_params().chunk_segments * K, filled, local_index);
  }
  workgroupBarrier();
  gather_rows(work, local_index, true);
}

// Binary layers (a sign bit per weight, a scale per row) as PQ codes (gather_banked_fused): a byte of sign bits is
// an 8-bit code of D = 8 columns whose centroid is the corner of ±1 its bits name (bit u set: +1 for column u, as
// packages/runtime's binaryForward reads them). So a table entry is Σ_u ±x[8·segment + u], built from x alone: the
// codebook binding is not read. The host binds the row scales where the bias goes (binding 5) and always lets the
// split-K reduce add the bias (params.finalize is 0), so the gather stores scale · sum (store_banked_rows). One
// lookup then adds 8 signed columns, where binary_gather.wgsl spends about 3 operations on each.
override SIGN_TABLES: bool = false;

// Coordinate u of centroid `centroid` for SIGN_TABLES: +1 where its bit u is set, −1 where not.
fn sign_corner_coordinate(centroid: u32, u: u32) -> f32 {
  return select(-1.0, 1.0, ((centroid >> u) & 1u) == 1u);
}

// One LUT entry computed in the workgroup (gather_fused, gather_banked_fused): ⟨codebook[stage][segment][centroid],
// x[input][segment·D ..]⟩ for tile table `table` (input of the batch tile × stage of this dispatch), with x zero
// past cols (the last segment may be partial); with SIGN_TABLES the centroid is the corner of ±1.
fn fused_lut_entry(work: Work, table: u32, segment: u32, centroid: u32) -> f32 {
  let stage = layer_params().stage_begin + table % layer_params().stage_count;
  let x_base = (work.first_input + table / layer_params().stage_count) * layer_params().cols;
  let centroid_base = ((stage * codebook_segments() + segment) * CODEBOOK_K + centroid) * D;
  let first_col = segment * D;
  var dot = 0.0;
  for (var u = 0u; u < D; u++) {
    if (first_col + u < layer_params().cols) {
      if (SIGN_TABLES) {
        dot += sign_corner_coordinate(centroid, u) * x[x_base + first_col + u];
      } else {
        dot += codebook_value(centroid_base + u) * x[x_base + first_col + u];
      }
    }
  }
  return dot;
}

// Segments of the codebook: params.segments, but with PAIRED_CODES those count pairs.
fn codebook_segments() -> u32 {
  if (PAIRED_CODES) {
    return (layer_params().cols + D - 1u) / D;
  }
  return layer_params().segments;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_fused(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  let filled = filled_floats(work);
  for (var table = 0u; table < tile_tables(work) && !skips(ABLATE_TABLE_BUILD); table++) {
    let destination = table * layer_params().chunk_segments * K;
    for (var entry = local_index; entry < filled; entry += WORKGROUP_SIZE) {
      lut_tile[destination + entry] = fused_lut_entry(work, table, work.first_segment + entry / K, entry % K);
    }
  }
  workgroupBarrier();
  gather_rows(work, local_index, true);
}

// Banked tile (gather_banked). In gather_tiled all 32 lanes of a subgroup (32 rows) look up the same segment's
// table at once; with k = 256 the 32 random codes land on ~3.5 entries per bank at worst, and workgroup memory
// serves one entry per bank per cycle, so each lookup costs about four. Here a chunk is one group of
// GROUP_SEGMENTS segments (a power of two, whole code words), the tile is [table][K][GROUP_SEGMENTS] (segment j
// of the group in bank j mod 32, pq_lut_build.wgsl writes the storage LUT that way), and lane l of a row tile
// visits the group's segments in its own rotated order: word (u + l / CODES_PER_WORD) of the group, code
// (i + l) of the word, at step (u, i). With 32 or more segments per group the 32 lanes read 32 different banks
// at every step, whatever the codes; with fewer, lanes share a segment's banks (k = 256 with a 16 KiB tile:
// pairs). The rotation is a load address and a shift amount per lane: no register is indexed dynamically.
//
// Each invocation takes ROWS_PER_INVOCATION rows of its row group at a time (every WORKGROUP_SIZE-th row), loading
// their code words together: more independent loads in flight per invocation at the same occupancy.
override GROUP_SEGMENTS: u32 = 32u;
override GROUP_WORDS: u32 = GROUP_SEGMENTS / CODES_PER_WORD;
const MAX_ROWS_PER_INVOCATION = 4u;
override ROWS_PER_INVOCATION: u32 = 1u;

// Stages whose tables the tile holds (params.stage_count; the host sets both). With CONSTANT_TABLE_OFFSETS the
// banked lookups take it from here: each table's offset in the tile is then a constant of the unrolled loops over
// inputs and stages, and the entry inside a table is (code · GROUP_SEGMENTS) | segment, whose bits show it below
// the table's size. Dawn clamps every workgroup-memory index it cannot prove in range; with the offsets constant
// the lookup is written so that it can (banked_table_value; docs/kernel-attempts.md steps 19 and 91). false keeps
// the runtime offsets (the bench's " runtime table offsets" row).
override STAGE_COUNT: u32 = 1u;
override CONSTANT_TABLE_OFFSETS: bool = true;
// Whether K is a power of two: then an entry modulo the table's size is a mask the driver folds (banked_table_value).
override POWER_OF_TWO_K: bool = (K & (K - 1u)) == 0u;

fn banked_stage_count() -> u32 {
  if (CONSTANT_TABLE_OFFSETS) {
    return STAGE_COUNT;
  }
  return layer_params().stage_count;
}

// With ROTATED_CODE_WORDS, 8-bit codes (k = 256, and k = 16 read in pairs) take gather_banked_byte_rows, which
// spends fewer integer operations per lookup: at batch tiles above 1 that paid (docs/kernel-attempts.md, step 26),
// though step 29 found the batch-1 gather not bound by instructions.
override ROTATED_CODE_WORDS: bool = true;

// [row of the invocation][input of the tile]: the sums a banked invocation keeps for its rows.
alias BankedSums = array<f32, MAX_ROWS_PER_INVOCATION * BATCH_TILE>;

// A banked lookup: table entry `entry` (code · GROUP_SEGMENTS | segment in group) of stage `stage` for input `b` of the
// tile. A value the caller adds to its own sums rather than an update through a pointer to them: with the sums behind a
// pointer the driver left the per-code path's loop over code words rolled up (4-bit codes at batch 8 ran 2.8× slower,
// docs/kernel-attempts.md step 29).
fn banked_table_value(b: u32, stage: u32, entry: u32) -> f32 {
  if (skips(ABLATE_LOOKUPS)) {
    return index_as_float(entry);
  }
  if (CONSTANT_TABLE_OFFSETS && POWER_OF_TWO_K) {
    // Each term reduced modulo its extent, so that Tint's range analysis (on in Chrome and in Dawn's npm build)
    // proves the index inside the tile and Dawn adds no clamp; with b and stage loop constants and the entry made of
    // masked bits, the driver folds the reductions (docs/kernel-attempts.md step 91).
    let table = (b % TILE_INPUTS) * STAGE_COUNT + stage % STAGE_COUNT;
    return lut_tile[table * GROUP_SEGMENTS * K + entry % (GROUP_SEGMENTS * K)];
  }
  return lut_tile[(b * banked_stage_count() + stage) * GROUP_SEGMENTS * K + entry];
}

// Stores the sums of the invocation's rows from `first_row` (every WORKGROUP_SIZE-th row) that are in the row group.
fn store_banked_rows(first_row: u32, work: Work, sums: BankedSums) {
  for (var r = 0u; r < ROWS_PER_INVOCATION; r++) {
    let row = first_row + r * WORKGROUP_SIZE;
    if (row < work.end_row) {
      var row_sums = array<f32, BATCH_TILE>();
      for (var b = 0u; b < BATCH_TILE; b++) {
        row_sums[b] = sums[r * BATCH_TILE + b];
        if (SIGN_TABLES) {
          // Binding 5 holds the row scales (see SIGN_TABLES).
          row_sums[b] *= bias[row];
        }
      }
      store(row, work, row_sums);
    }
  }
}

// The rows of a banked gather, once the workgroup's tile holds its group (see gather_banked).
fn gather_banked_rows(work: Work, local_index: u32, group: u32) {
  if (ROTATED_CODE_WORDS && BITS == 8u && CONSTANT_TABLE_OFFSETS) {
    gather_banked_byte_rows(work, local_index, group);
    return;
  }
  let lane = local_index % ROW_TILE;
  let word_rotation = (lane / CODES_PER_WORD) & (GROUP_WORDS - 1u);
  let code_rotation = lane & (CODES_PER_WORD - 1u);
  let first_word = group * GROUP_WORDS;
  let stage_count = banked_stage_count();
  let row_step = WORKGROUP_SIZE * ROWS_PER_INVOCATION;
  for (var first_row = work.first_row + local_index; first_row < work.end_row; first_row += row_step) {
    var sums = BankedSums();
    for (var stage = 0u; stage < stage_count; stage++) {
      var word_bases = array<u32, MAX_ROWS_PER_INVOCATION>();
      for (var r = 0u; r < ROWS_PER_INVOCATION; r++) {
        word_bases[r] = row_word_base(first_row + r * WORKGROUP_SIZE, stage);
      }
      for (var u0 = 0u; u0 < GROUP_WORDS; u0 += WORDS_IN_FLIGHT) {
        // Words past the row's end (the last group) stay zero: their codes point at zero padding entries. Rows
        // past the row group's end load nothing and are not stored.
        var words = array<u32, MAX_ROWS_PER_INVOCATION * MAX_WORDS_IN_FLIGHT>();
        for (var r = 0u; r < ROWS_PER_INVOCATION; r++) {
          let row_in_range = first_row + r * WORKGROUP_SIZE < work.end_row;
          for (var v = 0u; v < WORDS_IN_FLIGHT; v++) {
            let w = first_word + ((u0 + v + word_rotation) & (GROUP_WORDS - 1u));
            if (skips(ABLATE_CODE_LOADS)) {
              words[r * MAX_WORDS_IN_FLIGHT + v] = synthetic_word(first_row + r * WORKGROUP_SIZE, w);
            } else if (row_in_range && u0 + v < GROUP_WORDS && w < layer_params().words_per_row) {
              words[r * MAX_WORDS_IN_FLIGHT + v] = codes[word_bases[r] + w * ROW_TILE];
            }
          }
        }
        for (var v = 0u; v < WORDS_IN_FLIGHT; v++) {
          if (u0 + v < GROUP_WORDS) {
            let segment_base = ((u0 + v + word_rotation) & (GROUP_WORDS - 1u)) * CODES_PER_WORD;
            for (var i = 0u; i < CODES_PER_WORD; i++) {
              let position = (i + code_rotation) & (CODES_PER_WORD - 1u);
              for (var r = 0u; r < ROWS_PER_INVOCATION; r++) {
                let code = clamp_code((words[r * MAX_WORDS_IN_FLIGHT + v] >> (position * BITS)) & CODE_MASK);
                // segment_base + position < GROUP_SEGMENTS, a power of two: `|` is `+` here, and says so to the
                // driver's bit analysis.
                let entry = (code * GROUP_SEGMENTS) | (segment_base + position);
                for (var b = 0u; b < TILE_INPUTS; b++) {
                  sums[r * BATCH_TILE + b] += banked_table_value(b, stage, entry);
                }
              }
            }
          }
        }
      }
    }
    store_banked_rows(first_row, work, sums);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_banked(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  // Each table's group is one contiguous run of the storage LUT [batch][stages][groups][K][GROUP_SEGMENTS].
  let groups = (layer_params().segments + GROUP_SEGMENTS - 1u) / GROUP_SEGMENTS;
  let table_floats = GROUP_SEGMENTS * K;
  for (var table = 0u; table < tile_tables(work) && !skips(ABLATE_TABLE_BUILD); table++) {
    let input = work.first_input + table / layer_params().stage_count;
    let stage = layer_params().stage_begin + table % layer_params().stage_count;
    let source = ((input * layer_params().stages_total + stage) * groups + workgroup_chunk(workgroup)) * table_floats;
    copy_to_tile(source, table * table_floats, table_floats, local_index);
  }
  workgroupBarrier();
  gather_banked_rows(work, local_index, workgroup_chunk(workgroup));
}

// gather_banked with the group's tables computed in workgroup memory from codebook and x, as gather_fused does:
// no LUT build pass and no LUT buffer. Entries are computed centroid-fastest (neighbouring invocations read
// neighbouring centroids) and stored at their banked place; padding segments of the last group get zeros.
@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_banked_fused(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  if (NIBBLE_TABLES && !skips(ABLATE_TABLE_BUILD)) {
    for (var half_index = local_index; half_index < nibble_table_floats(work); half_index += WORKGROUP_SIZE) {
      let place = nibble_place(workgroup_chunk(workgroup), half_index);
      lut_tile[half_index] = nibble_entry(work, place);
    }
    expand_nibble_tables(work, local_index);
  }
  let table_floats = GROUP_SEGMENTS * K;
  for (var table = 0u; table < tile_tables(work) && !NIBBLE_TABLES && !skips(ABLATE_TABLE_BUILD); table++) {
    for (var entry = local_index; entry < table_floats; entry += WORKGROUP_SIZE) {
      let terms = table_terms(workgroup_chunk(workgroup), entry);
      var value = 0.0;
      for (var term = 0u; term < terms.count; term++) {
        value += fused_lut_entry(work, table, terms.segments[term], terms.centroids[term]);
      }
      lut_tile[banked_tile_index(table, entry)] = value;
    }
  }
  workgroupBarrier();
  gather_banked_rows(work, local_index, workgroup_chunk(workgroup));
}

// The codebook entries (segment, centroid) that entry `entry` (centroid-fastest) of group `group`'s banked table
// sums: none for a padding segment past the last, the entry itself, or with PAIRED_CODES the pair's two (the second
// segment of an odd count's last pair is missing and adds nothing).
struct TableTerms {
  count: u32,
  segments: vec2u,
  centroids: vec2u,
}

fn table_terms(group: u32, entry: u32) -> TableTerms {
  let segment = group * GROUP_SEGMENTS + entry / K;
  let centroid = entry % K;
  if (segment >= layer_params().segments) {
    return TableTerms(0u, vec2u(0u), vec2u(0u));
  }
  if (!PAIRED_CODES) {
    return TableTerms(1u, vec2u(segment, 0u), vec2u(centroid, 0u));
  }
  let first = 2u * segment;
  let count = select(1u, 2u, first + 1u < codebook_segments());
  return TableTerms(count, vec2u(first, first + 1u), vec2u(centroid % CODEBOOK_K, centroid / CODEBOOK_K));
}

// Where entry `entry` (centroid-fastest within the group: entry = segment in group · K + centroid) of tile table
// `table` sits in the banked tile [table][K][GROUP_SEGMENTS].
fn banked_tile_index(table: u32, entry: u32) -> u32 {
  return table * GROUP_SEGMENTS * K + (entry % K) * GROUP_SEGMENTS + entry / K;
}

// Pair tables from their halves (NIBBLE_TABLES). The two 256-entry tables the banked builds make from two halves —
// k = 16 codes read in pairs (PAIRED_CODES: T[j][c] = T_2j[c mod 16] + T_2j+1[c div 16]) and binary sign tables
// (SIGN_TABLES: the low nibble of a byte signs columns 0–3 of its 8, the high nibble columns 4–7) — repeat each
// half's 16 values 16 times. Built entry by entry, each of the 256 entries computes both halves again: two
// codebook dot products, or 8 sign selects. Here the workgroup first computes the 32 half values of each
// segment of the tile into the start of the tile itself ([table][segment in group][half][16]), then every entry is
// one add of two of them: each invocation reads its entries' halves into registers, waits at a barrier (its
// writes overwrite halves others still read), and stores them at their banked place. The host sets it where an
// invocation's share of the tile fits EXPANDED_ENTRIES registers (plan.ts nibbleExpandEntries).
override NIBBLE_TABLES: bool = false;
const NIBBLE_K = 16u;
const MAX_EXPANDED_ENTRIES = 16u;
// Tile entries per invocation: ceil(LUT_TILE_FLOATS / WORKGROUP_SIZE) ≤ MAX_EXPANDED_ENTRIES (set by the host).
override EXPANDED_ENTRIES: u32 = 1u;

// Half tables of the tile: 2 × 16 floats per segment of each of its tables.
fn nibble_table_floats(work: Work) -> u32 {
  return tile_tables(work) * GROUP_SEGMENTS * 2u * NIBBLE_K;
}

// Where half value `half_index` of group `group`'s tile ([table][segment in group][part][value]) belongs: which table,
// which of the gather's segments, which half (0: the low nibble), which of its 16 values.
struct NibblePlace {
  table: u32,
  segment: u32,
  part: u32,
  value: u32,
}

fn nibble_place(group: u32, half_index: u32) -> NibblePlace {
  let pair = half_index / (2u * NIBBLE_K);
  return NibblePlace(
    pair / GROUP_SEGMENTS,
    group * GROUP_SEGMENTS + pair % GROUP_SEGMENTS,
    (half_index / NIBBLE_K) % 2u,
    half_index % NIBBLE_K,
  );
}

// Σ_u ±x over the D / 2 columns of a sign-table half (SIGN_TABLES), bit u of `value` giving the sign of column u;
// x is zero past cols.
fn sign_half_entry(work: Work, place: NibblePlace) -> f32 {
  let x_base = (work.first_input + place.table / layer_params().stage_count) * layer_params().cols;
  let first_col = place.segment * D + place.part * (D / 2u);
  var sum = 0.0;
  for (var u = 0u; u < D / 2u; u++) {
    if (first_col + u < layer_params().cols) {
      sum += sign_corner_coordinate(place.value, u) * x[x_base + first_col + u];
    }
  }
  return sum;
}

// A half value for gather_banked_fused: zero for a padding segment and for the missing second half of an odd count's
// last pair, else the half's own table entry.
fn nibble_entry(work: Work, place: NibblePlace) -> f32 {
  if (place.segment >= layer_params().segments) {
    return 0.0;
  }
  if (SIGN_TABLES) {
    return sign_half_entry(work, place);
  }
  let segment = 2u * place.segment + place.part;
  if (segment >= codebook_segments()) {
    return 0.0;
  }
  return fused_lut_entry(work, place.table, segment, place.value);
}

// Every entry of the tile's tables as the sum of its two halves, stored at its banked place (see NIBBLE_TABLES).
// Called once the workgroup has written its halves: it waits for all of them first.
fn expand_nibble_tables(work: Work, local_index: u32) {
  workgroupBarrier();
  let entries = tile_tables(work) * GROUP_SEGMENTS * K;
  var values: array<f32, MAX_EXPANDED_ENTRIES>;
  for (var i = 0u; i < EXPANDED_ENTRIES; i++) {
    let entry = local_index + i * WORKGROUP_SIZE;
    if (entry < entries) {
      let halves = (entry / K) * 2u * NIBBLE_K;
      let code = entry % K;
      values[i] = lut_tile[halves + code % NIBBLE_K] + lut_tile[halves + NIBBLE_K + code / NIBBLE_K];
    }
  }
  workgroupBarrier();
  let table_floats = GROUP_SEGMENTS * K;
  for (var i = 0u; i < EXPANDED_ENTRIES; i++) {
    let entry = local_index + i * WORKGROUP_SIZE;
    if (entry < entries) {
      lut_tile[banked_tile_index(entry / table_floats, entry % table_floats)] = values[i];
    }
  }
}

// The same two operands as 16-byte vectors (gather_banked_fused_vec4): one load per 4 floats instead of four. The
// host uses it when D is a multiple of 4 and cols a multiple of D, so every sub-vector of x is whole and aligned.
// Other entry points do not use these, so sharing binding 4 with `x` is allowed (and binding 3's quad view with its
// scalar one: the codebook preludes).
@group(0) @binding(4) var<storage, read> x4: array<vec4<f32>>;

fn fused_lut_entry_vec4(work: Work, table: u32, segment: u32, centroid: u32) -> f32 {
  let stage = layer_params().stage_begin + table % layer_params().stage_count;
  let x_base = ((work.first_input + table / layer_params().stage_count) * layer_params().cols + segment * D) / 4u;
  let centroid_base = (((stage * codebook_segments() + segment) * CODEBOOK_K + centroid) * D) / 4u;
  var sum = 0.0;
  for (var q = 0u; q < D / 4u; q++) {
    if (SIGN_TABLES) {
      let u = 4u * q;
      let corner = vec4f(
        sign_corner_coordinate(centroid, u),
        sign_corner_coordinate(centroid, u + 1u),
        sign_corner_coordinate(centroid, u + 2u),
        sign_corner_coordinate(centroid, u + 3u),
      );
      sum += dot(corner, x4[x_base + q]);
    } else {
      sum += dot(codebook_quad(centroid_base + q), x4[x_base + q]);
    }
  }
  return sum;
}

// nibble_entry with the vec4 loads: a sign half is one 16-byte quad of x (D = 8), a pair half the entry's own
// fused_lut_entry_vec4.
fn nibble_entry_vec4(work: Work, place: NibblePlace) -> f32 {
  if (place.segment >= layer_params().segments) {
    return 0.0;
  }
  if (SIGN_TABLES) {
    let x_quad = ((work.first_input + place.table / layer_params().stage_count) * layer_params().cols + place.segment * D) / 4u;
    let corner = vec4f(
      sign_corner_coordinate(place.value, 0u),
      sign_corner_coordinate(place.value, 1u),
      sign_corner_coordinate(place.value, 2u),
      sign_corner_coordinate(place.value, 3u),
    );
    return dot(corner, x4[x_quad + place.part]);
  }
  let segment = 2u * place.segment + place.part;
  if (segment >= codebook_segments()) {
    return 0.0;
  }
  return fused_lut_entry_vec4(work, place.table, segment, place.value);
}

// gather_banked_fused with the vec4 loads. A twin rather than a shared loop: WGSL passes no functions as values,
// and one entry point reaching both codebook views would use binding 3 twice.
@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_banked_fused_vec4(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  if (NIBBLE_TABLES && !skips(ABLATE_TABLE_BUILD)) {
    for (var half_index = local_index; half_index < nibble_table_floats(work); half_index += WORKGROUP_SIZE) {
      let place = nibble_place(workgroup_chunk(workgroup), half_index);
      lut_tile[half_index] = nibble_entry_vec4(work, place);
    }
    expand_nibble_tables(work, local_index);
  }
  let table_floats = GROUP_SEGMENTS * K;
  for (var table = 0u; table < tile_tables(work) && !NIBBLE_TABLES && !skips(ABLATE_TABLE_BUILD); table++) {
    for (var entry = local_index; entry < table_floats; entry += WORKGROUP_SIZE) {
      let terms = table_terms(workgroup_chunk(workgroup), entry);
      var value = 0.0;
      for (var term = 0u; term < terms.count; term++) {
        value += fused_lut_entry_vec4(work, table, terms.segments[term], terms.centroids[term]);
      }
      lut_tile[banked_tile_index(table, entry)] = value;
    }
  }
  workgroupBarrier();
  gather_banked_rows(work, local_index, workgroup_chunk(workgroup));
}

// word rotated right by `bits` (0, 8, 16 or 24): byte i of the result is byte (i + bits / 8) mod 4 of word. A funnel
// shift, one instruction on NVIDIA GPUs. The second shift's amount is masked so that bits = 0 gives word | word.
fn rotate_right(word: u32, bits: u32) -> u32 {
  return (word >> bits) | (word << ((WORD_BITS - bits) & (WORD_BITS - 1u)));
}

// The code words of the group for the invocation's rows from `first_row` ([row of the invocation][word], in the
// lane's word order; not rotated yet).
fn group_code_words(
  first_row: u32,
  stage: u32,
  word_offsets: array<u32, MAX_WORDS_IN_FLIGHT>,
) -> array<u32, MAX_ROWS_PER_INVOCATION * MAX_WORDS_IN_FLIGHT> {
  var words = array<u32, MAX_ROWS_PER_INVOCATION * MAX_WORDS_IN_FLIGHT>();
  for (var r = 0u; r < ROWS_PER_INVOCATION; r++) {
    let word_base = row_word_base(first_row + r * WORKGROUP_SIZE, stage);
    for (var v = 0u; v < GROUP_WORDS; v++) {
      if (skips(ABLATE_CODE_LOADS)) {
        words[r * MAX_WORDS_IN_FLIGHT + v] = synthetic_word(first_row + r * WORKGROUP_SIZE, v);
      } else {
        words[r * MAX_WORDS_IN_FLIGHT + v] = codes[word_base + word_offsets[v]];
      }
    }
  }
  return words;
}

// gather_banked_rows for 8-bit codes, with the same lane order (lane l visits word (v + l / 4) mod GROUP_WORDS of
// the group and byte (i + l) mod 4 of it at step (v, i)) and so the same banks, but fewer integer operations per
// lookup: each code word is rotated once by the lane's byte rotation (one funnel shift per 4 codes), so byte i of
// the rotated word is the code of step (v, i) and takes a constant shift; a lookup is then a shift, a mask-or and
// the read. The segment a step reads is computed per step, two operations shared by the invocation's rows (a
// register array of one segment per step, 16 at batch 1, ran no faster at batch 8: docs/kernel-attempts.md, step
// 31). The host uses it at batch tiles above 1 (plan.ts usesRotatedCodeWords). The loads skip the row and word range
// checks: a word past the row's end (the last group) holds codes of padding segments, whose table entries are all
// zero whatever the code, and a row past the row group's end is loaded but never stored (Dawn clamps every load into
// the binding).
fn gather_banked_byte_rows(work: Work, local_index: u32, group: u32) {
  let lane = local_index % ROW_TILE;
  let word_rotation = (lane / CODES_PER_WORD) & (GROUP_WORDS - 1u);
  let code_rotation = lane & (CODES_PER_WORD - 1u);
  let rotation_bits = code_rotation * BITS;
  var word_offsets = array<u32, MAX_WORDS_IN_FLIGHT>();
  for (var v = 0u; v < GROUP_WORDS; v++) {
    word_offsets[v] = (group * GROUP_WORDS + ((v + word_rotation) & (GROUP_WORDS - 1u))) * ROW_TILE;
  }
  let row_step = WORKGROUP_SIZE * ROWS_PER_INVOCATION;
  for (var first_row = work.first_row + local_index; first_row < work.end_row; first_row += row_step) {
    var sums = BankedSums();
    for (var stage = 0u; stage < STAGE_COUNT; stage++) {
      let words = group_code_words(first_row, stage, word_offsets);
      for (var v = 0u; v < GROUP_WORDS; v++) {
        var rotated = array<u32, MAX_ROWS_PER_INVOCATION>();
        for (var r = 0u; r < ROWS_PER_INVOCATION; r++) {
          rotated[r] = rotate_right(words[r * MAX_WORDS_IN_FLIGHT + v], rotation_bits);
        }
        let segment_base = ((v + word_rotation) & (GROUP_WORDS - 1u)) * CODES_PER_WORD;
        for (var i = 0u; i < CODES_PER_WORD; i++) {
          let segment = segment_base | ((i + code_rotation) & (CODES_PER_WORD - 1u));
          for (var r = 0u; r < ROWS_PER_INVOCATION; r++) {
            let code = clamp_code((rotated[r] >> (i * BITS)) & CODE_MASK);
            // segment < GROUP_SEGMENTS, a power of two: `|` is `+` here.
            let entry = (code * GROUP_SEGMENTS) | segment;
            for (var b = 0u; b < TILE_INPUTS; b++) {
              sums[r * BATCH_TILE + b] += banked_table_value(b, stage, entry);
            }
          }
        }
      }
    }
    store_banked_rows(first_row, work, sums);
  }
}
