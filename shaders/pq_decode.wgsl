// Decoded gather for PQ layers at larger batches (variant 'decoded'): y[b][i] = Σ_s ⟨codebook[s][code[i][s]], x_b,s⟩
// with each code's centroid read once, from workgroup memory, and multiplied into the sums of every input of the
// tile. The dense matrix is never rebuilt: a centroid lives in registers for the few multiply-adds that use it.
//
// Why a second algorithm: a table lookup (pq_gather.wgsl) serves one input, so at batch 8 a layer of 2^26 codes
// makes 2^29 lookups, and its per-input tables leave few segments per tile, so the codes are read once per batch tile
// of 2 and the split-K partial sums are many. Here a code is decoded once for the whole tile of up to 8 inputs, the
// tile holds codebooks (their size does not grow with the batch), and each workgroup keeps its rows' sums in
// registers while it walks a long segment chunk, so the partial sums are few (docs/kernel-attempts.md, step 54).
//
// Rows stay still, segments move: a workgroup takes WORKGROUP_SIZE · DECODE_ROWS rows at a time (a pass; the host
// makes a row group one pass), invocation t the rows t, t + WORKGROUP_SIZE, … so that a subgroup's code loads are one
// line (code-layout.ts). It walks its chunk SUB_SEGMENTS segments at a time (a sub-chunk, at most one code word):
// the sub-chunk's codebooks and x go through registers into workgroup memory, and the next sub-chunk's are loaded
// into registers while the current one is multiplied, so the staging hides behind the arithmetic (step 48's probe, a
// decoded gather of another shape, took 398 µs without that against 303 with it). x is read from workgroup memory as
// broadcasts.
//
// Grid and output as for every gather (gather_common.wgsl): x = row group, y = segment chunk (a split-K slot),
// z = batch tile. Needs one stage, d a multiple of 4 dividing cols (16-byte centroid and x reads); plan.ts canDecode
// and decodeGeometry hold the rest (SUB_SEGMENTS a power of two up to a code word, chunks whole sub-chunks, x tile no
// larger than the workgroup).

// Centroids per codebook; bits per code (1, 2, 4 or 8).
override K: u32;
override BITS: u32;
override CODES_PER_WORD: u32 = WORD_BITS / BITS;
override CODE_MASK: u32 = (1u << BITS) - 1u;
// Sub-vector length d, a multiple of 4, and its 16-byte vectors.
override D: u32;
override D4: u32 = D / 4u;
// Segments staged at once: a power of two dividing CODES_PER_WORD, so a sub-chunk reads one code word per row.
override SUB_SEGMENTS: u32;
// Rows an invocation sums at a time (≤ MAX_DECODE_ROWS) and inputs per workgroup (≤ MAX_DECODE_INPUTS).
override DECODE_ROWS: u32 = 8u;
override DECODE_INPUTS: u32 = 8u;
// Register arrays cannot be sized by an override: these bound the ones above (plan.ts mirrors them; a test checks).
const MAX_DECODE_ROWS = 8u;
const MAX_DECODE_INPUTS = 8u;
const MAX_STAGED_VEC4S = 16u;

// 16-byte vectors of one codebook, and of the sub-chunk's codebooks.
override CENTROID_VEC4S: u32 = K * D4;
override CODEBOOK_TILE_VEC4S: u32 = SUB_SEGMENTS * CENTROID_VEC4S;
// x of the sub-chunk: [segment][input][D4]; plan.ts keeps it within one vec4 per invocation.
override X_TILE_VEC4S: u32 = SUB_SEGMENTS * DECODE_INPUTS * D4;
// Codebook vec4s each invocation stages per sub-chunk (≤ MAX_STAGED_VEC4S; plan.ts checks).
override STAGED_VEC4S: u32 = (CODEBOOK_TILE_VEC4S + WORKGROUP_SIZE - 1u) / WORKGROUP_SIZE;
// Whether every invocation stages STAGED_VEC4S vec4s of the tile: its stores then need no range check.
override STAGED_EXACTLY: bool = CODEBOOK_TILE_VEC4S % WORKGROUP_SIZE == 0u;
// Whether the staging loads need range checks: the host sets false where nothing can be out of range (whole
// sub-chunks of segments, whole batch tiles, STAGED_EXACTLY; plan.ts decodeNeedsRangeChecks). On the H200, 16384²,
// batch 8: in step 54's probe the gather took 177 µs with them as branches around the loads against 150 without; in
// pqweb the layer took 181 µs with them as select()s of clamped loads against 170 without.
override CHECKED_STAGING: bool = true;

// [row tiles][words_per_row][ROW_TILE] (code-layout.ts), starting code_word_offset words into the binding.
@group(0) @binding(1) var<storage, read> codes: array<u32>;
// The codebooks [segments][K][D] (one stage) are binding 3, staged as stored (CodebookQuad: float32 or float16) and
// widened when multiplied: the module is joined with codebook_float32.wgsl or codebook_float16.wgsl (sources.ts).
// [batch][cols / 4].
@group(0) @binding(4) var<storage, read> x4: array<vec4<f32>>;
// [rows]; read only when the layer has a bias and one slot.
@group(0) @binding(5) var<storage, read> bias: array<f32>;
// y [batch][rows] or partial [batch][slots][rows].
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

var<workgroup> codebook_tile: array<CodebookQuad, CODEBOOK_TILE_VEC4S>;
var<workgroup> x_tile: array<vec4<f32>, X_TILE_VEC4S>;

// Whether every BITS-bit value is a code (K = 2^BITS): the mask alone keeps a code inside its codebook. Otherwise a
// code ≥ K is malformed data (the format rejects it), clamped so that the read stays inside the codebook.
override EVERY_VALUE_A_CODE: bool = K == CODE_MASK + 1u;

// A code ≥ K clamped (the centroid bases of d > 4, below).
fn clamp_decoded_code(code: u32) -> u32 {
  if (!EVERY_VALUE_A_CODE) {
    return min(code, K - 1u);
  }
  return code;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_decoded(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  // Uniform for the workgroup: every invocation returns or none does, so the barriers below are reached by all.
  if (!has_work(work)) {
    return;
  }
  let row_step = WORKGROUP_SIZE * DECODE_ROWS;
  for (var pass_row = work.first_row; pass_row < work.end_row; pass_row += row_step) {
    // A row past the group's end reads the group's last row (its sums are not stored).
    var word_bases = array<u32, MAX_DECODE_ROWS>();
    for (var r = 0u; r < DECODE_ROWS; r++) {
      word_bases[r] = row_word_base(min(pass_row + r * WORKGROUP_SIZE + local_index, work.end_row - 1u), 0u);
    }
    // [row of the invocation][input of the tile]
    var sums = array<f32, MAX_DECODE_ROWS * MAX_DECODE_INPUTS>();
    var staged = array<CodebookQuad, MAX_STAGED_VEC4S>();
    var staged_x = vec4<f32>();
    var next_words = array<u32, MAX_DECODE_ROWS>();
    // A software pipeline with one load site: step n loads sub-chunk n into registers and multiplies sub-chunk n − 1,
    // staged into workgroup memory at the step's start, so the loads are in flight during the multiplies.
    let sub_chunks = (work.end_segment - work.first_segment + SUB_SEGMENTS - 1u) / SUB_SEGMENTS;
    for (var n = 0u; n <= sub_chunks; n++) {
      if (n > 0u) {
        // The previous sub-chunk's multiplies are done with the tile: replace it with the staged one.
        workgroupBarrier();
        for (var j = 0u; j < STAGED_VEC4S; j++) {
          let e = local_index + j * WORKGROUP_SIZE;
          if (STAGED_EXACTLY || e < CODEBOOK_TILE_VEC4S) {
            codebook_tile[e] = staged[j];
          }
        }
        if (local_index < X_TILE_VEC4S) {
          x_tile[local_index] = staged_x;
        }
        workgroupBarrier();
      }
      let words = next_words;
      if (n < sub_chunks) {
        // Sub-chunk n into registers: this invocation's share of its codebooks (zeros past the layer's segments),
        // its x vector (zeros past the chunk or the batch, so that padding codes add nothing), its rows' code words.
        let first = work.first_segment + n * SUB_SEGMENTS;
        if (CHECKED_STAGING) {
          // Unconditional loads from clamped indices, select() zeroing what is out of range.
          let last_codebook_vec4 = layer_params().segments * CENTROID_VEC4S - 1u;
          for (var j = 0u; j < STAGED_VEC4S; j++) {
            let e = first * CENTROID_VEC4S + local_index + j * WORKGROUP_SIZE;
            staged[j] = select(CodebookQuad(), codebook_quads[min(e, last_codebook_vec4)], e <= last_codebook_vec4);
          }
          let s = local_index / (DECODE_INPUTS * D4);
          let b = (local_index / D4) % DECODE_INPUTS;
          let q = local_index % D4;
          let x_valid = local_index < X_TILE_VEC4S && b < work.inputs && first + s < work.end_segment;
          let x_index = (work.first_input + min(b, work.inputs - 1u)) * (layer_params().cols / 4u) +
            min(first + s, work.end_segment - 1u) * D4 + q;
          staged_x = select(vec4<f32>(), x4[x_index], x_valid);
        } else {
          for (var j = 0u; j < STAGED_VEC4S; j++) {
            staged[j] = codebook_quads[first * CENTROID_VEC4S + local_index + j * WORKGROUP_SIZE];
          }
          if (local_index < X_TILE_VEC4S) {
            let s = local_index / (DECODE_INPUTS * D4);
            let b = (local_index / D4) % DECODE_INPUTS;
            let q = local_index % D4;
            staged_x = x4[(work.first_input + b) * (layer_params().cols / 4u) + (first + s) * D4 + q];
          }
        }
        let word = first / CODES_PER_WORD;
        for (var r = 0u; r < DECODE_ROWS; r++) {
          next_words[r] = codes[word_bases[r] + word * ROW_TILE];
        }
      }
      if (n > 0u) {
        // The sub-chunk's place in its code word (SUB_SEGMENTS divides CODES_PER_WORD).
        let first_shift = ((work.first_segment + (n - 1u) * SUB_SEGMENTS) % CODES_PER_WORD) * BITS;
        for (var s = 0u; s < SUB_SEGMENTS; s++) {
          // d > 4: each row's centroid base, once for its D4 reads (Dawn clamps each read: an array element is
          // nothing its range analysis tracks).
          var centroids = array<u32, MAX_DECODE_ROWS>();
          if (D4 > 1u) {
            for (var r = 0u; r < DECODE_ROWS; r++) {
              let code = clamp_decoded_code((words[r] >> (first_shift + s * BITS)) & CODE_MASK);
              centroids[r] = (s * K + code) * D4;
            }
          }
          for (var q = 0u; q < D4; q++) {
            var xs = array<vec4<f32>, MAX_DECODE_INPUTS>();
            for (var b = 0u; b < DECODE_INPUTS; b++) {
              xs[b] = x_tile[(s * DECODE_INPUTS + b) * D4 + q];
            }
            for (var r = 0u; r < DECODE_ROWS; r++) {
              var quad: CodebookQuad;
              if (D4 > 1u) {
                quad = codebook_tile[centroids[r] + q];
              } else {
                // d = 4: the tile index as a loop index and a code reduced modulo K (or min), written out at the read
                // rather than kept in an array, a variable or a function's result, so that Tint's range analysis
                // proves it inside the tile and Dawn adds no clamp (branches, not select, which the analysis does
                // not see through; the driver folds the modulo by 2^BITS into the mask). Not for d > 4: the code
                // taken apart at each of a row's D4 reads cost up to 18% at 16384², d = 8, k = 16, batch 32, on the
                // H200 (docs/kernel-attempts.md step 99).
                let code = (words[r] >> (first_shift + s * BITS)) & CODE_MASK;
                if (EVERY_VALUE_A_CODE) {
                  quad = codebook_tile[s * K + code % K];
                } else {
                  quad = codebook_tile[s * K + min(code, K - 1u)];
                }
              }
              let c = widen_codebook_quad(quad);
              for (var b = 0u; b < DECODE_INPUTS; b++) {
                let i = r * MAX_DECODE_INPUTS + b;
                sums[i] = fma(c.w, xs[b].w, fma(c.z, xs[b].z, fma(c.y, xs[b].y, fma(c.x, xs[b].x, sums[i]))));
              }
            }
          }
        }
      }
    }
    for (var r = 0u; r < DECODE_ROWS; r++) {
      let row = pass_row + r * WORKGROUP_SIZE + local_index;
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
