// PQ / RQ layers on 8-bit lookup tables (executor option tableBits: 8; docs/kernel-attempts.md step 75, as Bolt and
// Quick ADC quantize tables on CPUs). packages/runtime/src/cpu/lut8.ts is the CPU twin and states the arithmetic:
// per input and segment the table's lowest entry becomes 0; each group of TILE_SEGMENTS segments of a stage shares one
// scale, its widest range / 255; entries are rounded to 0…255, half to even. Two entry points:
//
//   gather_table8: one workgroup per (row block, slot, batch tile), where a slot is one segment group of one stage.
//     It builds the group's 8-bit tables for the tile's TABLE_INPUTS inputs in workgroup memory, the entries of one
//     code side by side (table8_entry4.wgsl / table8_entry8.wgsl), so one read serves every input of the tile, then
//     sums each row's 16 entries in 16-bit lanes of u32 words and stores those integer sums (split-K partial sums).
//     A tile of one input (table8_entry1.wgsl, batch 1) keeps an entry and a sum in a u32 each.
//   gather_table32: the same workgroups on float32 entries (table32_entry1.wgsl, variant 'grouped-float32'): the
//     group's exact tables of one input, then each row's float sum. Its workgroup memory is the tile alone (none of
//     the 8-bit scales' keys), 16 KiB at k = 256, or 32 KiB in groups of 32 segments.
//   reduce_table8: y[b][row] = relu?(bias[row] + Σ_slots (scale · sum + Σ lows)).
//
// Codes: [slots][TILE_SEGMENTS / 16][rows] × 16 bytes (kernels/table8-layout.ts), each row's TILE_SEGMENTS codes
// rotated by row mod TILE_SEGMENTS, so byte t holds segment (row + t) mod TILE_SEGMENTS's code (with XOR_LANES, in
// groups of 32, segment (row mod 32) ^ t's; with WRAPPED_LANES, as rotated, one code less where the sum wraps). The
// lanes of a subgroup (consecutive rows) then look up 16 (32) different segments at every step: with entries at
// code · TILE_SEGMENTS + segment, their reads fall in different memory banks whatever the codes (at 16 segments lanes
// i and i + 16 share a segment and may share a bank; at 32 every lane has a bank of its own), and every shift is a
// constant. Codebooks: [slots][K][TILE_SEGMENTS][D] (the same file), entry by
// entry as the tile holds them, so that the lanes building consecutive entries read consecutive sub-vectors (in the
// file's [segments][K][D] order they were K · D floats apart, a cache line each: the build took 1.6× as long).
//
// Paired codes (PAIRED_CODES, k ≤ 16: cpu/lut8.ts tableShape): segments 2p and 2p + 1 make one table of K² entries,
// entry c + K·c' = LUT[2p][c] + LUT[2p + 1][c'], and a row's byte for the pair is its two codes c + K·c', so a row
// reads one byte and makes one lookup per two segments (half the code bytes of one byte per 4-bit code; step 93). A
// slot is then a group of TILE_SEGMENTS pairs, built from the BUILD_SEGMENTS = 2 · TILE_SEGMENTS segments' codebooks
// ([slots][K][BUILD_SEGMENTS][D]): their K-entry halves first (half_tables), then the tile's pair entries as sums.
// Everything past the build sees a tile of TABLE_K = K² codes, as for 8-bit codes.
//
// The module is this file joined after a codebook prelude (codebook_float32.wgsl / codebook_float16.wgsl) and a tile
// prelude (table8_entry1.wgsl / table8_entry4.wgsl / table8_entry8.wgsl: TableEntry, TableSums, table_entry, add_entry
// and input_sum, a row's integer sum of input b; table32_entry1.wgsl, float32 entries for gather_table32): sources.ts.

// Segments per group (slot): 16, on which the 8-bit tables' arithmetic is defined (one scale per group); float32
// entries may take 32 (a 32 KiB tile at k = 256, docs/kernel-attempts.md step 83).
override TILE_SEGMENTS: u32 = 16u;
// 16-byte code vectors per (slot, row): 1, or 2 in groups of 32 segments (RowCodes).
override CODE_VECTORS: u32 = TILE_SEGMENTS / 16u;
// Whether a row's code bytes are in the xor lane order (byte t holds segment (row mod 32) ^ t), set by the host in
// groups of 32 on wide layers (table8-layout.ts unwrappedLaneOrder): the byte's segment is then one xor where the
// rotation takes an add and a mask.
override XOR_LANES: bool = false;
// Whether the code bytes are in the wrapped lane order (table8-layout.ts TableLaneOrder): byte t holds segment
// (row + t) mod TILE_SEGMENTS's code, less one (mod K) where row mod TILE_SEGMENTS + t ≥ TILE_SEGMENTS. The entry's
// index is then code · TILE_SEGMENTS + row mod TILE_SEGMENTS + t with no reduction modulo the group, t becomes the
// load's constant offset (docs/kernel-attempts.md step 92), and code K − 1 + 1 reads WRAP_ENTRIES entries past the
// tile's K rows, copies of code 0's entries of segments 0 … TILE_SEGMENTS − 2. Set by the host where the device's
// workgroup memory holds them (table8-program.ts tableCodeLayout).
override WRAPPED_LANES: bool = false;
override WRAP_ENTRIES: u32 = select(0u, TILE_SEGMENTS - 1u, WRAPPED_LANES);
// Whether a code byte holds two segments' codes (above): set by the host for K ≤ 16 (table8-program.ts).
override PAIRED_CODES: bool = false;
const TABLE_LEVELS = 255.0;
// Adding 2^23 to a float in [0, 2^23) rounds it to an integer, half to even; its low mantissa bits are that integer.
const ROUNDING_BIAS = 8388608.0;
const ROUNDING_BIAS_BITS = 0x4b000000u;
const LARGEST_FLOAT = 3.4e38;
// Values the build keeps in registers between its two passes (KEEP_VALUES): ENTRIES_PER_INVOCATION × TABLE_INPUTS.
const MAX_KEPT_VALUES = 32u;
// Codebook quads the build keeps in registers (CACHED_QUADS): one per entry of the invocation. gather_table32 takes up
// to 8 (groups of 32 at k = 256 with 1024 invocations); gather_table8 up to MAX_KEPT_VALUES / its 8 inputs = 4, which
// the host holds it to (CACHED_QUADS there implies KEEP_VALUES).
const MAX_CACHED_QUADS = 8u;

// Invocations per gather workgroup, a multiple of TILE_SEGMENTS so that every entry an invocation builds belongs to
// the same segment (entry e = j · WORKGROUP_SIZE + local index, segment e mod TILE_SEGMENTS).
override WORKGROUP_SIZE: u32 = 256u;
// Centroids per segment (the codebook's); the tile's codes number TABLE_K, K² where PAIRED_CODES.
override K: u32;
override TABLE_K: u32 = select(K, K * K, PAIRED_CODES);
// Whether TABLE_K is a power of two: then code % TABLE_K is a mask the driver folds (sum_rows).
override POWER_OF_TWO_K: bool = (TABLE_K & (TABLE_K - 1u)) == 0u;
override D: u32;
override COLS: u32;
// Segments per stage, ceil(COLS / D).
override SEGMENTS: u32;
override STAGES: u32 = 1u;
override ROWS: u32;
// Rows of one gather workgroup: a multiple of WORKGROUP_SIZE (the last block ends at ROWS).
override ROWS_PER_WORKGROUP: u32;
// Inputs of the batch: the last batch tile's inputs past it build zero tables and are never stored.
override BATCH: u32;
// Whether the build keeps its dot products in registers for the quantizing pass instead of computing them again
// (the host sets it where ENTRIES_PER_INVOCATION × TABLE_INPUTS ≤ MAX_KEPT_VALUES).
override KEEP_VALUES: bool = false;
// Whether D is a multiple of 4 and COLS too, so that codebook and x are read four values at a time.
override QUAD_READS: bool = false;
// Whether D is 4 (with QUAD_READS) and ENTRIES_PER_INVOCATION is at most the gather's cached quads (above): each
// entry's codebook quad is then read once into registers for all the tile's inputs, not once per input, and all of an
// invocation's quads are loaded before its first dot product.
override CACHED_QUADS: bool = false;

// The layer's segments per slot whose codebooks the build reads: TILE_SEGMENTS, or both halves of its pairs.
override BUILD_SEGMENTS: u32 = select(TILE_SEGMENTS, 2u * TILE_SEGMENTS, PAIRED_CODES);
override GROUPS_PER_STAGE: u32 = (SEGMENTS + BUILD_SEGMENTS - 1u) / BUILD_SEGMENTS;
override SLOTS: u32 = STAGES * GROUPS_PER_STAGE;
override TILE_ENTRIES: u32 = TILE_SEGMENTS * TABLE_K;
override ENTRIES_PER_INVOCATION: u32 = (TILE_ENTRIES + WORKGROUP_SIZE - 1u) / WORKGROUP_SIZE;
// Codebook sub-vectors per slot ([K][BUILD_SEGMENTS]): the tile's entries, or with paired codes its halves' entries.
override BUILD_ENTRIES: u32 = BUILD_SEGMENTS * K;
override HALF_ENTRIES_PER_INVOCATION: u32 = (BUILD_ENTRIES + WORKGROUP_SIZE - 1u) / WORKGROUP_SIZE;
override ROW_STEPS: u32 = ROWS_PER_WORKGROUP / WORKGROUP_SIZE;
// Guards the compiler cannot drop by itself (it does not know local_invocation_index < WORKGROUP_SIZE), made constant
// where the shape needs none: every invocation builds ENTRIES_PER_INVOCATION entries; every row block is full; every
// segment has D columns and every group TILE_SEGMENTS segments.
override EXACT_ENTRIES: bool = TILE_ENTRIES % WORKGROUP_SIZE == 0u;
override EXACT_HALF_ENTRIES: bool = BUILD_ENTRIES % WORKGROUP_SIZE == 0u;
override EXACT_ROWS: bool = ROWS % ROWS_PER_WORKGROUP == 0u;
override EXACT_COLUMNS: bool = COLS % D == 0u && SEGMENTS % BUILD_SEGMENTS == 0u;

// Reduce: REDUCE_ROW_WARPS × 32 consecutive rows per workgroup, their slots split over REDUCE_SLICES invocations.
const REDUCE_WARP_ROWS = 32u;
override REDUCE_SLICES: u32 = 8u;
override REDUCE_ROW_WARPS: u32 = 1u;
override REDUCE_ROWS: u32 = REDUCE_WARP_ROWS * REDUCE_ROW_WARPS;
override REDUCE_WORKGROUP_SIZE: u32 = REDUCE_ROWS * REDUCE_SLICES;
override HAS_BIAS: bool = false;
override RELU: bool = false;

// [slots][CODE_VECTORS][ROWS] × 16 bytes (above).
@group(0) @binding(1) var<storage, read> codes: array<vec4<u32>>;
// The codebooks [SLOTS][K][BUILD_SEGMENTS][D] are binding 3, read as quads through the codebook prelude
// (codebook_quad); a group's padding segments hold zeros.
// x [BATCH][COLS].
@group(0) @binding(4) var<storage, read> x: array<f32>;
// [ROWS]; read only where HAS_BIAS.
@group(0) @binding(5) var<storage, read> bias: array<f32>;
// [batch tiles][SLOTS][ROWS]: each row's integer sums per input.
@group(0) @binding(6) var<storage, read_write> partial_sums: array<TableSums>;
@group(0) @binding(6) var<storage, read> partial_sums_in: array<TableSums>;
// [batch tiles][SLOTS][TABLE_INPUTS]: (scale, Σ of the group's lows) per slot and input.
@group(0) @binding(7) var<storage, read_write> group_scales: array<vec2<f32>>;
@group(0) @binding(7) var<storage, read> group_scales_in: array<vec2<f32>>;
// y [BATCH][ROWS].
@group(0) @binding(8) var<storage, read_write> y: array<f32>;

// With PAIRED_CODES, the float32 tables of the slot's BUILD_SEGMENTS segments per input, [TABLE_INPUTS][K]
// [BUILD_SEGMENTS], sit in the tile (HALVES_PER_ENTRY to an entry: the tile prelude's half_store and half_load), so
// that layers of wider codes declare no memory for them: past its entries, or over them where HALVES_OVER_ENTRIES.
override HALF_VALUES: u32 = select(0u, BUILD_ENTRIES * TABLE_INPUTS, PAIRED_CODES);
// Set by the host for gather_table8 where it keeps every value in registers (KEEP_VALUES): the halves are read in
// pass 1 only, and pass 2 writes the entries over them after two barriers. So a tile of 8 inputs at K 16 takes
// 34 KiB, not 50, and fits the 48 KiB of the H200 (table8-program.ts table8GatherStorageBytes).
override HALVES_OVER_ENTRIES: bool = false;
override HALF_BASE: u32 = select(TILE_ENTRIES + WRAP_ENTRIES, 0u, HALVES_OVER_ENTRIES);
override HALF_ENTRIES: u32 = (HALF_VALUES + HALVES_PER_ENTRY - 1u) / HALVES_PER_ENTRY;
var<workgroup> tile: array<TableEntry, max(TILE_ENTRIES + WRAP_ENTRIES, HALF_BASE + HALF_ENTRIES)>;
// Lowest and highest entry per (segment, input), as order-preserving keys (float_key) so that integer atomics order
// them.
var<workgroup> key_low: array<atomic<u32>, TILE_SEGMENTS * TABLE_INPUTS>;
var<workgroup> key_high: array<atomic<u32>, TILE_SEGMENTS * TABLE_INPUTS>;
var<workgroup> segment_low: array<f32, TILE_SEGMENTS * TABLE_INPUTS>;
// Widest range per input: ranges are ≥ 0, so their float bits order as integers.
var<workgroup> group_range: array<atomic<u32>, TABLE_INPUTS>;
var<workgroup> group_inverse: array<f32, TABLE_INPUTS>;
var<workgroup> slice_sums: array<f32, REDUCE_WORKGROUP_SIZE * TABLE_INPUTS>;

// The TILE_SEGMENTS code bytes of one (slot, row): bytes 0–15 and, in groups of 32, bytes 16–31. Two named vectors,
// not an array, so that they stay in registers: with an array of vectors filled in a loop, the gather at 16384²,
// d = 8, k = 256 (one workgroup per SM) took 38.0 against 31.8 µs (docs/kernel-attempts.md step 83).
struct RowCodes {
  low: vec4<u32>,
  high: vec4<u32>,
}

// Each vector is read by consecutive lanes for consecutive rows ([slots][CODE_VECTORS][ROWS]).
fn row_codes(slot: u32, row: u32) -> RowCodes {
  var words = RowCodes();
  words.low = codes[slot * CODE_VECTORS * ROWS + row];
  if (CODE_VECTORS > 1u) {
    words.high = codes[(slot * CODE_VECTORS + 1u) * ROWS + row];
  }
  return words;
}

// Byte t of the row's codes (t a constant once the lookups' loop is unrolled).
fn code_byte(words: RowCodes, t: u32) -> u32 {
  let vector = select(words.low, words.high, t >= 16u);
  return (vector[(t / 4u) % 4u] >> (8u * (t % 4u))) & 0xffu;
}

// A key whose unsigned order is the float order: negative floats have their bits flipped, others their sign set.
fn float_key(value: f32) -> u32 {
  let bits = bitcast<u32>(value);
  return select(bits | 0x80000000u, ~bits, (bits & 0x80000000u) != 0u);
}

fn key_float(key: u32) -> f32 {
  return bitcast<f32>(select(~key, key & 0x7fffffffu, (key & 0x80000000u) != 0u));
}

// round((value − low) · inverse) clamped to 0…255, with one rounding as in the CPU twin: fma adds the product onto
// 2^23 exactly and rounds once, half to even.
fn quantize(value: f32, low: f32, inverse: f32) -> u32 {
  return min(bitcast<u32>(fma(value - low, inverse, ROUNDING_BIAS)) - ROUNDING_BIAS_BITS, u32(TABLE_LEVELS));
}

// Four consecutive values of x from `index` (QUAD_READS: COLS and D are multiples of 4).
fn x_quad_at(index: u32) -> vec4<f32> {
  return vec4<f32>(x[index], x[index + 1u], x[index + 2u], x[index + 3u]);
}

// ⟨the codebook's sub-vector at codebook_base, x[input][segment · D …]⟩. `valid` is the columns of the segment that
// exist: 0 past the stage's segments (a group's padding), fewer than D for a last segment that overhangs COLS (the
// twin reads those columns as 0).
fn table_value(codebook_base: u32, x_base: u32, valid: u32) -> f32 {
  var sum = 0.0;
  if (QUAD_READS) {
    for (var j = 0u; j < D; j += 4u) {
      if (EXACT_COLUMNS || j < valid) {
        sum += dot(codebook_quad((codebook_base + j) / 4u), x_quad_at(x_base + j));
      }
    }
  } else {
    // An entry point binds one view of the codebook: the quads, whole (the host binds whole 16-byte vectors).
    for (var j = 0u; j < D; j++) {
      if (EXACT_COLUMNS || j < valid) {
        let index = codebook_base + j;
        sum = fma(codebook_quad(index / 4u)[index % 4u], x[x_base + j], sum);
      }
    }
  }
  return sum;
}

// In the wrapped order, the copy of tile entry `entry` among the extra entries where it is one of code 0's first
// WRAP_ENTRIES (entries 0 … WRAP_ENTRIES − 1). The caller stores the entry itself: there its index is a loop index
// plus local_invocation_index, which range analysis proves in the tile, and a parameter would not be. The modulo keeps
// the copy's index provably inside the tile.
fn store_wrap_copy(entry: u32, value: TableEntry) {
  if (WRAPPED_LANES && entry < WRAP_ENTRIES) {
    tile[TILE_ENTRIES + entry % max(WRAP_ENTRIES, 1u)] = value;
  }
}

// The codes of the workgroup's first row, loaded before the build so that their latency hides behind it.
fn first_row_codes(slot: u32, row: u32) -> RowCodes {
  if (EXACT_ROWS || row < ROWS) {
    return row_codes(slot, row);
  }
  return RowCodes();
}

// The rows of the workgroup's block, once the tile is built: TILE_SEGMENTS lookups each, one per segment of the group,
// in the row's rotated order, and each row's sums stored (split-K partial sums). `first_words` are first_row_codes.
fn sum_rows(slot: u32, batch_tile: u32, first_row: u32, first_words: RowCodes) {
  var next_row = first_row;
  var next_words = first_words;
  for (var step = 0u; step < ROW_STEPS; step++) {
    let row = next_row;
    let words = next_words;
    next_row = row + WORKGROUP_SIZE;
    if (step + 1u < ROW_STEPS && (EXACT_ROWS || next_row < ROWS)) {
      next_words = row_codes(slot, next_row);
    }
    if (EXACT_ROWS || row < ROWS) {
      let rotation = row % TILE_SEGMENTS;
      var sums = TableSums();
      for (var t = 0u; t < TILE_SEGMENTS; t++) {
        // The entry's index as a sum of terms each reduced modulo its extent (the byte's segment in the lane order,
        // and the code: modulo K where K is a power of two, else min), so that Tint's range analysis (on in Chrome
        // and in Dawn's npm build) proves it inside the tile and Dawn adds no clamp; the driver folds the
        // reductions into the masks that extract the byte (docs/kernel-attempts.md step 91: 16384², d = 4, k = 256
        // 38.0 against 40.0 µs on the H200). Wrapped, the segment term is rotation + t, below TILE_SEGMENTS +
        // WRAP_ENTRIES. Branches, not select: the analysis does not see through select.
        let code = code_byte(words, t);
        if (WRAPPED_LANES && POWER_OF_TWO_K) {
          add_entry(&sums, tile[(code % TABLE_K) * TILE_SEGMENTS + rotation + t]);
        } else if (WRAPPED_LANES) {
          add_entry(&sums, tile[min(code, TABLE_K - 1u) * TILE_SEGMENTS + rotation + t]);
        } else {
          let segment = select(rotation + t, rotation ^ t, XOR_LANES) % TILE_SEGMENTS;
          if (POWER_OF_TWO_K) {
            add_entry(&sums, tile[(code % TABLE_K) * TILE_SEGMENTS + segment]);
          } else {
            add_entry(&sums, tile[min(code, TABLE_K - 1u) * TILE_SEGMENTS + segment]);
          }
        }
      }
      partial_sums[(batch_tile * SLOTS + slot) * ROWS + row] = sums;
    }
  }
}

// What a gather invocation works on: workgroup (row block, slot, batch tile); the invocation builds entries of one
// segment of the group (its local index mod BUILD_SEGMENTS: the tile's, or with PAIRED_CODES a half's) and sums rows
// from `first_row`, whose codes `first_words` it loads before the build.
struct GatherPlace {
  slot: u32,
  batch_tile: u32,
  first_row: u32,
  first_words: RowCodes,
  // Columns of the segment that exist: 0 past the stage's segments (a group's padding), fewer than D for a last
  // segment that overhangs COLS.
  valid: u32,
  // x[first input of the tile][segment · D].
  x_base: u32,
}

fn gather_place(workgroup: vec3u, local_index: u32) -> GatherPlace {
  let slot = workgroup.y;
  let batch_tile = workgroup.z;
  let segment = (slot % GROUPS_PER_STAGE) * BUILD_SEGMENTS + local_index % BUILD_SEGMENTS;
  let first_row = workgroup.x * ROWS_PER_WORKGROUP + local_index;
  return GatherPlace(
    slot,
    batch_tile,
    first_row,
    first_row_codes(slot, first_row),
    select(0u, min(D, COLS - min(COLS, segment * D)), segment < SEGMENTS),
    batch_tile * TABLE_INPUTS * COLS + segment * D,
  );
}

// With PAIRED_CODES, the float32 tables of the slot's BUILD_SEGMENTS segments for each input of the tile, into the
// tile past its entries (half_store); the caller's barrier follows. Entry e is the invocation's segment's (e mod BUILD_SEGMENTS: the host
// makes WORKGROUP_SIZE a multiple of BUILD_SEGMENTS).
fn build_half_tables(place: GatherPlace, local_index: u32) {
  let codebook_slot = place.slot * BUILD_ENTRIES;
  for (var j = 0u; j < HALF_ENTRIES_PER_INVOCATION; j++) {
    let entry = j * WORKGROUP_SIZE + local_index;
    if (EXACT_HALF_ENTRIES || entry < BUILD_ENTRIES) {
      for (var b = 0u; b < TABLE_INPUTS; b++) {
        let value = table_value((codebook_slot + entry) * D, place.x_base + b * COLS, place.valid);
        half_store(b * BUILD_ENTRIES + entry, value);
      }
    }
  }
}

// Tile entry `entry` (code c + K·c' of pair entry mod TILE_SEGMENTS) of input b from the half tables: the first
// half's entry c plus the second's c', in float32 as the twin adds them (cpu/lut8.ts pairTables).
fn pair_value(entry: u32, b: u32) -> f32 {
  let code = entry / TILE_SEGMENTS;
  let first = b * BUILD_ENTRIES + 2u * (entry % TILE_SEGMENTS);
  return half_load(first + (code % K) * BUILD_SEGMENTS) + half_load(first + (code / K) * BUILD_SEGMENTS + 1u);
}

// Input b's entry `entry` of the tile: from the codebook and x, or with PAIRED_CODES from the half tables.
fn entry_value(entry: u32, b: u32, codebook_slot: u32, x_base: u32, valid: u32) -> f32 {
  if (PAIRED_CODES) {
    return pair_value(entry, b);
  }
  return table_value((codebook_slot + entry) * D, x_base + b * COLS, valid);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_table8(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let place = gather_place(workgroup, local_index);
  let slot = place.slot;
  let batch_tile = place.batch_tile;
  let tile_segment = local_index % TILE_SEGMENTS;

  if (PAIRED_CODES) {
    build_half_tables(place, local_index);
  }
  if (local_index < TILE_SEGMENTS * TABLE_INPUTS) {
    atomicStore(&key_low[local_index], 0xffffffffu);
    atomicStore(&key_high[local_index], 0u);
  }
  if (local_index < TABLE_INPUTS) {
    atomicStore(&group_range[local_index], 0u);
  }
  workgroupBarrier();

  // Pass 1: each (segment, input)'s lowest and highest entry. An input past the batch builds tables from whatever x
  // reads there (bounds-clamped): its bytes and sums stay in its own lanes and are never stored. Scalars, not arrays
  // per input: a 1024-invocation workgroup leaves each invocation 64 registers, and per-input arrays of lows and
  // highs spilled (the gather took 11% longer).
  let codebook_slot = slot * BUILD_ENTRIES;
  let valid = place.valid;
  let x_base = place.x_base;
  var kept: array<f32, MAX_KEPT_VALUES>;
  var quads: array<vec4<f32>, MAX_CACHED_QUADS>;
  if (CACHED_QUADS) {
    for (var j = 0u; j < ENTRIES_PER_INVOCATION; j++) {
      quads[j] = codebook_quad(codebook_slot + j * WORKGROUP_SIZE + local_index);
    }
  }
  for (var b = 0u; b < TABLE_INPUTS; b++) {
    var low = LARGEST_FLOAT;
    var high = -LARGEST_FLOAT;
    let x_quad = select(vec4<f32>(), x_quad_at(x_base + b * COLS), CACHED_QUADS && valid > 0u);
    for (var j = 0u; j < ENTRIES_PER_INVOCATION; j++) {
      let entry = j * WORKGROUP_SIZE + local_index;
      if (EXACT_ENTRIES || entry < TILE_ENTRIES) {
        var value: f32;
        if (CACHED_QUADS) {
          value = dot(quads[j], x_quad);
        } else {
          value = entry_value(entry, b, codebook_slot, x_base, valid);
        }
        low = min(low, value);
        high = max(high, value);
        if (KEEP_VALUES) {
          kept[j * TABLE_INPUTS + b] = value;
        }
      }
    }
    atomicMin(&key_low[tile_segment * TABLE_INPUTS + b], float_key(low));
    atomicMax(&key_high[tile_segment * TABLE_INPUTS + b], float_key(high));
  }
  workgroupBarrier();
  if (local_index < TILE_SEGMENTS * TABLE_INPUTS) {
    let low = key_float(atomicLoad(&key_low[local_index]));
    segment_low[local_index] = low;
    let range = key_float(atomicLoad(&key_high[local_index])) - low;
    atomicMax(&group_range[local_index % TABLE_INPUTS], bitcast<u32>(range));
  }
  workgroupBarrier();
  if (local_index < TABLE_INPUTS) {
    let range = bitcast<f32>(atomicLoad(&group_range[local_index]));
    group_inverse[local_index] = select(0.0, TABLE_LEVELS / range, range > 0.0);
    if (workgroup.x == 0u) {
      // The lows are added in segment order, as the twin adds them (a group's padding adds zeros).
      var offset = 0.0;
      for (var t = 0u; t < TILE_SEGMENTS; t++) {
        offset += segment_low[t * TABLE_INPUTS + local_index];
      }
      group_scales[(batch_tile * SLOTS + slot) * TABLE_INPUTS + local_index] = vec2<f32>(range / TABLE_LEVELS, offset);
    }
  }
  workgroupBarrier();

  // Pass 2: the entries, quantized and packed, input b in byte b % 4 of word b / 4.
  for (var j = 0u; j < ENTRIES_PER_INVOCATION; j++) {
    let entry = j * WORKGROUP_SIZE + local_index;
    if (EXACT_ENTRIES || entry < TILE_ENTRIES) {
      var words = vec2<u32>();
      var value: f32;
      for (var b = 0u; b < TABLE_INPUTS; b++) {
        // CACHED_QUADS implies KEEP_VALUES here (the host's 4 cached quads × 8 inputs = MAX_KEPT_VALUES).
        if (KEEP_VALUES) {
          value = kept[j * TABLE_INPUTS + b];
        } else {
          value = entry_value(entry, b, codebook_slot, x_base, valid);
        }
        let level = quantize(value, segment_low[tile_segment * TABLE_INPUTS + b], group_inverse[b]);
        words[b / 4u] |= level << (8u * (b % 4u));
      }
      let built = table_entry(words, value);
      tile[entry] = built;
      store_wrap_copy(entry, built);
    }
  }
  workgroupBarrier();

  sum_rows(slot, batch_tile, place.first_row, place.first_words);
}

// Float32 entries (table32_entry1.wgsl): the group's exact tables of the tile's one input, one pass, then sum_rows.
// The reduce takes each slot's (scale, offset) as (1, 0) and so adds the float sums as they are.
@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_table32(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let place = gather_place(workgroup, local_index);
  let codebook_slot = place.slot * BUILD_ENTRIES;
  let valid = place.valid;
  // An input past the batch builds tables from whatever x reads there (bounds-clamped); its sums are never stored.
  let x_base = place.x_base;
  // CACHED_QUADS: every entry's codebook quad is loaded before the first dot product, as gather_table8 loads them, so
  // that the loads are in flight together (docs/kernel-attempts.md step 83).
  var quads: array<vec4<f32>, MAX_CACHED_QUADS>;
  if (CACHED_QUADS) {
    for (var j = 0u; j < ENTRIES_PER_INVOCATION; j++) {
      quads[j] = codebook_quad(codebook_slot + j * WORKGROUP_SIZE + local_index);
    }
  }
  let x_quad = select(vec4<f32>(), x_quad_at(x_base), CACHED_QUADS && valid > 0u);
  if (PAIRED_CODES) {
    build_half_tables(place, local_index);
    workgroupBarrier();
  }
  for (var j = 0u; j < ENTRIES_PER_INVOCATION; j++) {
    let entry = j * WORKGROUP_SIZE + local_index;
    if (EXACT_ENTRIES || entry < TILE_ENTRIES) {
      var value: f32;
      if (CACHED_QUADS) {
        value = dot(quads[j], x_quad);
      } else {
        value = entry_value(entry, 0u, codebook_slot, x_base, valid);
      }
      let built = table_entry(vec2<u32>(), value);
      tile[entry] = built;
      store_wrap_copy(entry, built);
    }
  }
  if (local_index == 0u && workgroup.x == 0u) {
    group_scales[(place.batch_tile * SLOTS + place.slot) * TABLE_INPUTS] = vec2<f32>(1.0, 0.0);
  }
  workgroupBarrier();
  sum_rows(place.slot, place.batch_tile, place.first_row, place.first_words);
}

// Slots whose integer sums a reduce invocation loads at once (8 was slower on the H200).
const REDUCE_LOADS = 4u;

// Adds one slot's sums, scaled and offset, into the row's totals per input.
fn add_slot(totals: ptr<function, array<f32, TABLE_INPUTS>>, sums: TableSums, scales_base: u32) {
  for (var b = 0u; b < TABLE_INPUTS; b++) {
    let scale = group_scales_in[scales_base + b];
    (*totals)[b] += fma(scale.x, f32(input_sum(sums, b)), scale.y);
  }
}

@compute @workgroup_size(REDUCE_WORKGROUP_SIZE)
fn reduce_table8(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let lane = local_index % REDUCE_ROWS;
  let slice = local_index / REDUCE_ROWS;
  let row = workgroup.x * REDUCE_ROWS + lane;
  let batch_tile = workgroup.y;
  var totals: array<f32, TABLE_INPUTS>;
  if (row < ROWS) {
    // REDUCE_LOADS slots per pass, their loads issued together (one at a time, the reduce waited on each: step 75).
    var slot = slice;
    for (; slot + (REDUCE_LOADS - 1u) * REDUCE_SLICES < SLOTS; slot += REDUCE_LOADS * REDUCE_SLICES) {
      var loaded: array<TableSums, REDUCE_LOADS>;
      for (var u = 0u; u < REDUCE_LOADS; u++) {
        loaded[u] = partial_sums_in[(batch_tile * SLOTS + slot + u * REDUCE_SLICES) * ROWS + row];
      }
      for (var u = 0u; u < REDUCE_LOADS; u++) {
        add_slot(&totals, loaded[u], (batch_tile * SLOTS + slot + u * REDUCE_SLICES) * TABLE_INPUTS);
      }
    }
    for (; slot < SLOTS; slot += REDUCE_SLICES) {
      let sums = partial_sums_in[(batch_tile * SLOTS + slot) * ROWS + row];
      add_slot(&totals, sums, (batch_tile * SLOTS + slot) * TABLE_INPUTS);
    }
  }
  for (var b = 0u; b < TABLE_INPUTS; b++) {
    slice_sums[(slice * TABLE_INPUTS + b) * REDUCE_ROWS + lane] = totals[b];
  }
  workgroupBarrier();
  for (var i = local_index; i < TABLE_INPUTS * REDUCE_ROWS; i += REDUCE_WORKGROUP_SIZE) {
    let b = i / REDUCE_ROWS;
    let out_row = workgroup.x * REDUCE_ROWS + i % REDUCE_ROWS;
    let input = batch_tile * TABLE_INPUTS + b;
    if (out_row < ROWS && input < BATCH) {
      var total = select(0.0, bias[out_row], HAS_BIAS);
      for (var s = 0u; s < REDUCE_SLICES; s++) {
        total += slice_sums[(s * TABLE_INPUTS + b) * REDUCE_ROWS + i % REDUCE_ROWS];
      }
      if (RELU) {
        total = max(total, 0.0);
      }
      y[input * ROWS + out_row] = total;
    }
  }
}
