/**
 * Uniform blocks of the LUT kernels, declared once (gpu/uniforms.ts); each shader declares the matching struct
 * by hand and the kernel tests compare the two. Runtime sizes travel here, so one pipeline serves every
 * batch size and layer shape with the same compile-time knobs.
 */
import { uniformLayout } from '../gpu/uniforms';

/**
 * Inputs one gather workgroup handles at once: its codes are read once for all of them. Mirrors
 * `const BATCH_TILE` in shaders/gather_common.wgsl, which every gather kernel is compiled after (a private array's
 * size must be a WGSL const, not an override); a test checks they agree. Four accumulators per row stay in
 * registers on every GPU we target.
 */
export const GATHER_BATCH_TILE = 4;

/** shaders/pq_lut_build.wgsl `LutBuildParams`. */
export const LUT_BUILD_PARAMS = uniformLayout([
  ['batch', 'u32'],
  ['cols', 'u32'],
  ['segments', 'u32'],
  ['stages', 'u32'],
  ['entries', 'u32'],
] as const);

/**
 * `GatherParams` of shaders/gather_common.wgsl (the PQ, k-means and binary gathers). For the scalar
 * kernels `segments` is the number of columns (one code per column) and stages are 1.
 */
export const GATHER_PARAMS = uniformLayout([
  ['batch', 'u32'],
  ['batch_tile', 'u32'],
  ['rows', 'u32'],
  ['row_begin', 'u32'],
  ['row_end', 'u32'],
  ['rows_per_group', 'u32'],
  ['segments', 'u32'],
  ['chunk_segments', 'u32'],
  ['words_per_row', 'u32'],
  ['code_word_offset', 'u32'],
  ['stage_begin', 'u32'],
  ['stage_count', 'u32'],
  ['stage_words', 'u32'],
  ['stages_total', 'u32'],
  ['slot_begin', 'u32'],
  ['slots', 'u32'],
  ['cols', 'u32'],
  ['finalize', 'u32'],
  ['has_bias', 'u32'],
  ['relu', 'u32'],
] as const);

/** shaders/splitk_reduce.wgsl `ReduceParams`. */
export const REDUCE_PARAMS = uniformLayout([
  ['rows', 'u32'],
  ['slots', 'u32'],
  ['outputs', 'u32'],
  ['has_bias', 'u32'],
  ['relu', 'u32'],
] as const);

/**
 * The pipeline constants that carry a kernel's uniform values (SPECIALIZED_PARAMS and PARAM_<FIELD> of
 * gather_common.wgsl, splitk_reduce.wgsl and dense_params.wgsl), so that it reads constants instead of the uniform.
 */
export function specializedParamConstants(values: Readonly<Record<string, number>>): Record<string, number> {
  const constants: Record<string, number> = { SPECIALIZED_PARAMS: 1 };
  for (const [field, value] of Object.entries(values)) constants[`PARAM_${field.toUpperCase()}`] = value;
  return constants;
}
