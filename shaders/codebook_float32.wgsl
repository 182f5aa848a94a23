// Codebook access for PQ / RQ kernels whose codebooks are float32 on the GPU (codebook_float16.wgsl is the twin for
// float16 codebooks kept as the file stores them). The kernels read codebooks only through these names, so one
// kernel file serves both: sources.ts joins it with one prelude or the other.
//
// [stages][segments][K][D] at binding 3 of every kernel that reads it. Two views of the one binding: an entry point
// uses either the scalar values (codebook_value) or the 16-byte quads (codebook_quad, CodebookQuad), never both.

// Four consecutive codebook values as stored: here four floats.
alias CodebookQuad = vec4<f32>;

@group(0) @binding(3) var<storage, read> codebook_values: array<f32>;
@group(0) @binding(3) var<storage, read> codebook_quads: array<CodebookQuad>;

fn codebook_value(index: u32) -> f32 {
  return codebook_values[index];
}

fn widen_codebook_quad(quad: CodebookQuad) -> vec4<f32> {
  return quad;
}

fn codebook_quad(index: u32) -> vec4<f32> {
  return codebook_quads[index];
}
