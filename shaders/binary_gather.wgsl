// Gather for binary layers: y_i = scale_i·(Σ_{bit=1} x_j − Σ_{bit=0} x_j) over this workgroup's column chunk,
// for up to BATCH_TILE inputs per word read: a sign flip and an addition per weight, with the chunk of x in
// workgroup memory and the per-row scale applied to the chunk's sum (so split-K partials add up to the scaled
// total).
// Grid, output, code layout, bindings 1 and 3–5, the x chunk and the row loop: gather_common.wgsl and
// scalar_gather_common.wgsl, which sources.ts puts in front of this file (with BITS = 1).

// [rows]
@group(0) @binding(2) var<storage, read> scales: array<f32>;

const SIGN_BIT = 0x80000000u;

fn add_word(sums: ptr<function, array<f32, BATCH_TILE>>, word: u32, first_quad: u32) {
  let chunk_quads = layer_params().chunk_segments / 4u;
  // Bit j clear flips the sign of x_j: move the complement of bit j to the float's sign bit.
  let flips = ~word;
  for (var q = 0u; q < QUADS_PER_WORD; q++) {
    let shifts = vec4u(31u) - (vec4u(0u, 1u, 2u, 3u) + 4u * q);
    let signs = (vec4u(flips) << shifts) & vec4u(SIGN_BIT);
    for (var b = 0u; b < TILE_INPUTS; b++) {
      let values = bitcast<vec4f>(bitcast<vec4u>(x_tile[b * chunk_quads + first_quad + q]) ^ signs);
      (*sums)[b] += (values.x + values.y) + (values.z + values.w);
    }
  }
}

fn row_scale(row: u32) -> f32 {
  return scales[row];
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather_binary(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local_index: u32) {
  let work = workgroup_work(workgroup);
  if (!has_work(work)) {
    return;
  }
  stage_x_tile(work, local_index);
  workgroupBarrier();
  gather_rows(work, local_index);
}
