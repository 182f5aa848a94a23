// The dense kernels' parameters (dense_gemv.wgsl, dense_gemv_subgroup.wgsl, dense_gemm_tiled.wgsl): packages/runtime's
// kernels/dense.ts appends this file to each of them (WGSL has no include, and module-scope names may be used before
// they are declared), so the uniform block and its pipeline-constant twin are written once.

struct DenseParams {
  rows: u32,
  cols: u32,
  batch: u32,
  relu: u32,
}

@group(0) @binding(0) var<uniform> params: DenseParams;

// The uniform's values as pipeline constants where the host sets SPECIALIZED_PARAMS (one pipeline per layer size and
// batch), as the gathers do (gather_common.wgsl). Every read of a parameter goes through denseParams().
override SPECIALIZED_PARAMS: bool = false;
override PARAM_ROWS: u32 = 0u;
override PARAM_COLS: u32 = 0u;
override PARAM_BATCH: u32 = 0u;
override PARAM_RELU: u32 = 0u;

fn denseParams() -> DenseParams {
  if (SPECIALIZED_PARAMS) {
    return DenseParams(PARAM_ROWS, PARAM_COLS, PARAM_BATCH, PARAM_RELU);
  }
  return params;
}
