// Codebook access for PQ / RQ kernels whose codebooks stay float16 on the GPU, as the .pqw file stores them (the
// twin of codebook_float32.wgsl, whose names it defines). Half the codebook bytes read and, in the decoded gather's
// tile, half the workgroup memory per centroid (docs/kernel-attempts.md, step 57). unpack2x16float is core WGSL:
// no shader-f16 feature needed, so this runs on every WebGPU device; it widens exactly (every binary16 value is a
// binary32 value), so results match float32 codebooks holding the same values.
//
// [stages][segments][K][D] binary16 values, two per u32 word, the lower half first (the file's little-endian
// order), at binding 3. As in the float32 prelude an entry point uses the scalar or the quad view, not both.

// Four consecutive codebook values as stored: four halves in two words.
alias CodebookQuad = vec2<u32>;

@group(0) @binding(3) var<storage, read> codebook_words: array<u32>;
@group(0) @binding(3) var<storage, read> codebook_quads: array<CodebookQuad>;

fn codebook_value(index: u32) -> f32 {
  return unpack2x16float(codebook_words[index / 2u])[index % 2u];
}

fn widen_codebook_quad(quad: CodebookQuad) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(quad.x), unpack2x16float(quad.y));
}

fn codebook_quad(index: u32) -> vec4<f32> {
  return widen_codebook_quad(codebook_quads[index]);
}
