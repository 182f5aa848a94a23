// Decoded gather for PQ layers at larger batches: y[b][i] = Σ_s ⟨codebook[s][code[i][s]], x_b,s⟩, each row's
// centroids read from workgroup memory by code and multiplied into the sums of every input of the tile. The dense
// matrix is never rebuilt: a centroid lives in registers for the few multiply-adds that use it.
//
// Why a second algorithm: the lookup gathers (pq_gather.wgsl) pay one table read, its decode arithmetic and an add
// per code and input, and their tables, one per input, leave few segments per 16 KiB tile, so at batch 8 the split-K
// partial sums (256 MiB at 16384²) cost as much again in the reduce. Here a code is decoded once for every input of
// the tile, the tile holds codebooks, whose size does not grow with the batch, and each workgroup walks its segment
// chunk through that tile, so the partial sums are few. It needs d a multiple of 4 (16-byte centroid and x reads)
// dividing cols, and one stage; plan.ts usesDecodedGather picks it for batches from DECODE_MIN_BATCH.
//
// Grid and output as for every gather (gather_common.wgsl): x = row group, y = segment chunk (a split-K slot),
// z = batch tile. A workgroup takes its row group WORKGROUP_SIZE · DECODE_ROWS rows at a time (the host makes that
// one pass); for each pass it walks the chunk SUB_SEGMENTS segments at a time: stage their codebooks in workgroup
// memory, then every invocation adds its DECODE_ROWS rows' centroids of those segments into its sums. x is read from
// storage: every lane of a subgroup reads the same vector at once, one cached load for all.

// Centroids per codebook; bits per code (1, 2, 4 or 8).
override K: u32;
override BITS: u32;
override CODES_PER_WORD: u32 = WORD_BITS / BITS;
override CODE_MASK: u32 = (1u << BITS) - 1u;
// Sub-vector length d, a multiple of 4, and its 16-byte vectors.
override D: u32;
override D4: u32 = D / 4u;
// Segments whose codebooks the tile holds at once (the host fits SUB_SEGMENTS · K · D floats in its budget), and the
// chunk of a workgroup is a whole number of them.
override SUB_SEGMENTS: u32;
// Rows an invocation sums at a time, and inputs per workgroup (the batch tile).
override DECODE_ROWS: u32 = 2u;
override DECODE_INPUTS: u32 = 8u;
const MAX_DECODE_ROWS = 4u;
const MAX_DECODE_INPUTS = 8u;

override CODEBOOK_TILE_VEC4S: u32 = SUB_SEGMENTS * K * D4;

// [stage row tiles][words_per_row][ROW_TILE] (code-layout.ts), starting code_word_offset words into the binding.
@group(0) @binding(1) var<storage, read> codes: array<u32>;
// [segments][K][D4] (one stage).
@group(0) @binding(3) var<storage, read> codebook4: array<vec4<f32>>;
// [batch][cols / 4].
@group(0) @binding(4) var<storage, read> x4: array<vec4<f32>>;
// [rows]; read only when params.has_bias == 1.
@group(0) @binding(5) var<storage, read> bias: array<f32>;
// y [batch][rows] or partial [batch][slots][rows].
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

// [segment of the sub-chunk][K][D4]
var<workgroup> codebook_tile: array<vec4<f32>, CODEBOOK_TILE_VEC4S>;

// A code ≥ K is malformed data (the format rejects it); clamp so the read stays inside the codebook.
fn clamp_decoded_code(code: u32) -> u32 {
  if (K <= CODE_MASK) {
    return min(code, K - 1u);
  }
  return code;
}

// Stages the codebooks of segments [first, first + SUB_SEGMENTS) ∩ [0, segments).
fn stage_codebooks(first: u32, local_index: u32) {
  let centroid_vec4s = min(SUB_SEGMENTS, params.segments - first) * K * D4;
  let source = first * K * D4;
  for (var i = local_index; i < centroid_vec4s; i += WORKGROUP_SIZE) {
    codebook_tile[i] = codebook4[source + i];
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_decoded(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  let row_step = WORKGROUP_SIZE * DECODE_ROWS;
  let cols4 = params.cols / 4u;
  // Inputs past the batch (the last tile) read the tile's first input; their sums are not stored.
  var x_bases = array<u32, MAX_DECODE_INPUTS>();
  for (var b = 0u; b < DECODE_INPUTS; b++) {
    x_bases[b] = (work.first_input + select(0u, b, b < work.inputs)) * cols4;
  }
  // The passes are the workgroup's (uniform), so the barriers inside them are reached by every invocation; a row past
  // the group's end reads the group's last row (its sums are not stored).
  for (var pass_row = work.first_row; pass_row < work.end_row; pass_row += row_step) {
    var word_bases = array<u32, MAX_DECODE_ROWS>();
    for (var r = 0u; r < DECODE_ROWS; r++) {
      word_bases[r] = row_word_base(min(pass_row + local_index + r * WORKGROUP_SIZE, work.end_row - 1u), 0u);
    }
    // [row of the invocation][input of the tile]
    var sums = array<f32, MAX_DECODE_ROWS * MAX_DECODE_INPUTS>();
    for (var first = work.first_segment; first < work.end_segment; first += SUB_SEGMENTS) {
      workgroupBarrier();
      stage_codebooks(first, local_index);
      workgroupBarrier();
      var words = array<u32, MAX_DECODE_ROWS>();
      for (var s = 0u; s < SUB_SEGMENTS; s++) {
        let segment = first + s;
        if (segment >= work.end_segment) {
          break;
        }
        let position = segment % CODES_PER_WORD;
        if (s == 0u || position == 0u) {
          for (var r = 0u; r < DECODE_ROWS; r++) {
            words[r] = codes[word_bases[r] + (segment / CODES_PER_WORD) * ROW_TILE];
          }
        }
        var centroids = array<u32, MAX_DECODE_ROWS>();
        for (var r = 0u; r < DECODE_ROWS; r++) {
          centroids[r] = (s * K + clamp_decoded_code((words[r] >> (position * BITS)) & CODE_MASK)) * D4;
        }
        for (var q = 0u; q < D4; q++) {
          var centroid = array<vec4<f32>, MAX_DECODE_ROWS>();
          for (var r = 0u; r < DECODE_ROWS; r++) {
            centroid[r] = codebook_tile[centroids[r] + q];
          }
          for (var b = 0u; b < DECODE_INPUTS; b++) {
            let xv = x4[x_bases[b] + segment * D4 + q];
            for (var r = 0u; r < DECODE_ROWS; r++) {
              let c = centroid[r];
              let i = r * MAX_DECODE_INPUTS + b;
              sums[i] = fma(c.w, xv.w, fma(c.z, xv.z, fma(c.y, xv.y, fma(c.x, xv.x, sums[i]))));
            }
          }
        }
      }
    }
    for (var r = 0u; r < DECODE_ROWS; r++) {
      let row = pass_row + local_index + r * WORKGROUP_SIZE;
      if (row < work.end_row) {
        for (var b = 0u; b < DECODE_INPUTS; b++) {
          if (b < work.inputs) {
            store_sum(row, work, b, sums[r * MAX_DECODE_INPUTS + b]);
          }
        }
      }
    }
  }
}
