// Dense layer for batches above 4: y[b][r] = relu?(bias[r] + sum_c W[r][c] * x[b][c]), a tile of TILE_ROWS rows and
// TILE_INPUTS inputs per workgroup, for cols a multiple of 4 (W and x read as vec4<f32>).
//
// Why a third kernel: the GEMV kernels (dense_gemv.wgsl, dense_gemv_subgroup.wgsl) give each invocation a column of
// one row and read x from storage beside every W vector, so at batch 8 each 16-byte W load needs eight 16-byte x
// loads, and the H200 ran 16384², batch 8, at 529 µs, bound by those cache reads rather than by the 1 GiB of W
// (docs/kernel-attempts.md, steps 35 and 37). Here the workgroup stages a chunk of x for its inputs in workgroup
// memory once, and every W vector loaded is multiplied with it there: the 8 invocations that share a row read
// neighbouring x vectors (one 128-byte line, broadcast to the rows), so W is the only stream from memory.
//
// Layout: invocation t takes the rows t / LANES_PER_ROW + TILE_ROWS · r of the tile (r < ROWS_PER_INVOCATION) and, in
// each chunk of CHUNK_VEC4S vec4 columns, the columns (t mod LANES_PER_ROW) + LANES_PER_ROW · j: the LANES_PER_ROW
// invocations of a row read one contiguous 128-byte run of it per step. After the last chunk those invocations add
// their sums through workgroup memory.
// Rows past the layer's end read its last row and are not stored; inputs past the batch repeat the last input and are
// dropped; columns past the end (the last chunk) count as zero.
// Grid: x (folded into y past maxComputeWorkgroupsPerDimension) = input tile + row tile · input tiles, so that the
// workgroups of one row tile's input tiles are neighbours in the grid (GROUP_INPUT_TILES), or row tile + input tile ·
// row tiles without it.
// CPU twin: packages/runtime/src/cpu/dense.ts (denseForward).

// Invocations per row and rows of invocations per workgroup: 8 × 16 = 128 invocations by default; TILE_ROWS 16, 32 or
// 64 (the host checks the workgroup against the device's limits).
const LANES_PER_ROW: u32 = 8u;
override TILE_ROWS: u32 = 16u;
// Rows each invocation sums (1, 2 or 4): a tile is TILE_ROWS · ROWS_PER_INVOCATION rows. Each x vector read from
// workgroup memory then serves that many W vectors: at 1 and batch 8, every 16-byte W vector takes eight 16-byte
// workgroup-memory reads. On the H200, 2 rows ran 16384², batch 8, 1.27× faster than 1, and 4 rows (192 registers,
// one workgroup per SM) slower than 2 (docs/kernel-attempts.md, step 68). A register array cannot be sized by an
// override: MAX_ROWS_PER_INVOCATION bounds it.
override ROWS_PER_INVOCATION: u32 = 2u;
const MAX_ROWS_PER_INVOCATION: u32 = 4u;
// Follows the two above (the host does not set it): the rows of a tile.
override TILE_ROW_COUNT: u32 = TILE_ROWS * ROWS_PER_INVOCATION;
// Follows TILE_ROWS: the host sets only TILE_ROWS.
override WORKGROUP_SIZE: u32 = LANES_PER_ROW * TILE_ROWS;
// Inputs per workgroup: one f32 sum each per invocation; 8 or 16 (the host checks). A register array cannot be sized
// by an override: MAX_TILE_INPUTS bounds it.
override TILE_INPUTS: u32 = 8u;
const MAX_TILE_INPUTS: u32 = 16u;
// vec4 columns per chunk of x staged at once: [TILE_INPUTS][CHUNK_VEC4S] vec4 = 8 KiB at 64, and STEPS W vectors per
// row per invocation per chunk, loaded before any is used. 32, 64 or 128 (the host checks).
override CHUNK_VEC4S: u32 = 64u;
override STEPS: u32 = CHUNK_VEC4S / LANES_PER_ROW;
// A register array cannot be sized by an override: this bounds STEPS · ROWS_PER_INVOCATION, the W vectors an
// invocation holds per chunk (the host checks).
const MAX_W_VEC4S: u32 = 32u;
// Whether each row tile starts its walk over the chunks at its own chunk (tile mod chunks) and wraps around, instead of
// every tile starting at column 0. All the tiles resident at once walk in step, so without it they read W at one
// column offset of rows 4·cols bytes apart: with a power-of-two row pitch (64 KiB at 16384 columns) the whole grid's
// reads may fall on a few memory channels at a time. On the H200 rotated walks ran 16384², batch 8, 1.12× faster
// (docs/kernel-attempts.md, step 65).
override ROTATE_CHUNKS: bool = true;
// Whether the workgroups of a row tile's input tiles (batches above TILE_INPUTS) are neighbours in the grid, so that
// they run at the same time and walk the same chunks in step: the first reads a W chunk from memory and the others
// find it in L2. Otherwise each input tile's workgroups sweep all of W before the next input tile starts, and W
// (1 GiB at 16384²) comes from memory once per input tile (docs/kernel-attempts.md, step 70).
override GROUP_INPUT_TILES: bool = true;
// Whether each W vector's products are added into its sum by four chained fused multiply-adds rather than as a dot
// product added to the sum. SPIR-V keeps the order it is given, so the driver makes `sum += dot(w, x)` one FMUL, three
// FFMA and an FADD (five instructions for four multiply-adds); the chain is four FFMA: on the H200 16384², batch 32,
// 1.08× faster (docs/kernel-attempts.md, steps 71 and 72).
override FMA_CHAIN: bool = true;

@group(0) @binding(1) var<storage, read> weight4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> input4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;

// The chunk of x, [input of the tile][vec4 column of the chunk]; after the last chunk, the invocations' sums
// [row of the tile][input][lane of the row] (TILE_ROW_COUNT · TILE_INPUTS · LANES_PER_ROW floats: 512 vec4 at the
// defaults).
override STAGED_VEC4S: u32 = max(
  TILE_INPUTS * CHUNK_VEC4S,
  TILE_ROW_COUNT * TILE_INPUTS * LANES_PER_ROW / 4u,
);
var<workgroup> staged: array<vec4<f32>, STAGED_VEC4S>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn dense_tiled(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let rowTiles = (denseParams().rows + TILE_ROW_COUNT - 1u) / TILE_ROW_COUNT;
  let inputTiles = (denseParams().batch + TILE_INPUTS - 1u) / TILE_INPUTS;
  let tile = wid.x + wid.y * groups.x;
  // Whole workgroups past the grid's end (a folded grid's last row) leave before the barriers (uniform: the tile is
  // the workgroup's).
  if (tile >= rowTiles * inputTiles) {
    return;
  }
  let inputTile = select(tile / rowTiles, tile % inputTiles, GROUP_INPUT_TILES);
  let rowTile = select(tile % rowTiles, tile / inputTiles, GROUP_INPUT_TILES);
  let firstInput = inputTile * TILE_INPUTS;
  let rowInTile = lid / LANES_PER_ROW;
  let lane = lid % LANES_PER_ROW;
  let firstTileRow = rowTile * TILE_ROW_COUNT;
  let cols4 = denseParams().cols / 4u;
  var rowStarts = array<u32, MAX_ROWS_PER_INVOCATION>();
  for (var r = 0u; r < ROWS_PER_INVOCATION; r++) {
    rowStarts[r] = min(firstTileRow + rowInTile + r * TILE_ROWS, denseParams().rows - 1u) * cols4;
  }
  // [row of the invocation][input of the tile]
  var sums = array<f32, MAX_ROWS_PER_INVOCATION * MAX_TILE_INPUTS>();
  let chunks = (cols4 + CHUNK_VEC4S - 1u) / CHUNK_VEC4S;
  // By row tile, so that the input tiles of a row tile walk the same chunks at the same time.
  let firstChunk = select(0u, rowTile % chunks, ROTATE_CHUNKS);
  for (var step = 0u; step < chunks; step++) {
    let chunkIndex = firstChunk + step;
    let chunk = select(chunkIndex, chunkIndex - chunks, chunkIndex >= chunks) * CHUNK_VEC4S;
    // The W vectors of this invocation's steps, loaded first so that all are in flight together.
    // [step][row of the invocation]
    var w = array<vec4<f32>, MAX_W_VEC4S>();
    for (var j = 0u; j < STEPS; j++) {
      let column = chunk + lane + j * LANES_PER_ROW;
      if (column < cols4) {
        for (var r = 0u; r < ROWS_PER_INVOCATION; r++) {
          w[j * ROWS_PER_INVOCATION + r] = weight4[rowStarts[r] + column];
        }
      }
    }
    workgroupBarrier();
    // Stage x[firstInput .. + TILE_INPUTS][chunk .. + CHUNK_VEC4S]: two vectors per invocation at the defaults.
    for (var i = lid; i < TILE_INPUTS * CHUNK_VEC4S; i += WORKGROUP_SIZE) {
      let input = min(firstInput + i / CHUNK_VEC4S, denseParams().batch - 1u);
      let column = chunk + i % CHUNK_VEC4S;
      staged[i] = select(vec4<f32>(0.0), input4[input * cols4 + column], column < cols4);
    }
    workgroupBarrier();
    for (var j = 0u; j < STEPS; j++) {
      let column = lane + j * LANES_PER_ROW;
      for (var b = 0u; b < TILE_INPUTS; b++) {
        let xv = staged[b * CHUNK_VEC4S + column];
        for (var r = 0u; r < ROWS_PER_INVOCATION; r++) {
          let wv = w[j * ROWS_PER_INVOCATION + r];
          let i = r * MAX_TILE_INPUTS + b;
          if (FMA_CHAIN) {
            sums[i] = fma(wv.w, xv.w, fma(wv.z, xv.z, fma(wv.y, xv.y, fma(wv.x, xv.x, sums[i]))));
          } else {
            sums[i] += dot(wv, xv);
          }
        }
      }
    }
  }
  // Each invocation's sums, then for each (row, input) of the tile one invocation adds the row's LANES_PER_ROW lanes
  // (TILE_ROW_COUNT · TILE_INPUTS sums: one each at the defaults). The loops over `sums` run to the register arrays'
  // constant bounds with the overrides as guards, and hold no barrier, so that the driver unrolls them and `sums`
  // stays in registers: a loop to TILE_INPUTS in steps of 4, or one over the rows with barriers in it, was left
  // rolled, which put `sums` in local memory, read and written every chunk (docs/kernel-attempts.md, step 68).
  workgroupBarrier();
  for (var r = 0u; r < MAX_ROWS_PER_INVOCATION; r++) {
    for (var quad = 0u; quad < MAX_TILE_INPUTS / 4u; quad++) {
      let b = quad * 4u;
      if (r < ROWS_PER_INVOCATION && b < TILE_INPUTS) {
        let i = r * MAX_TILE_INPUTS + b;
        staged[((rowInTile + r * TILE_ROWS) * TILE_INPUTS + b) * LANES_PER_ROW / 4u + lane] = vec4<f32>(
          sums[i],
          sums[i + 1u],
          sums[i + 2u],
          sums[i + 3u],
        );
      }
    }
  }
  workgroupBarrier();
  for (var sumIndex = lid; sumIndex < TILE_ROW_COUNT * TILE_INPUTS; sumIndex += WORKGROUP_SIZE) {
    let outRow = sumIndex / TILE_INPUTS;
    let outInput = sumIndex % TILE_INPUTS;
    let tileRow = firstTileRow + outRow;
    if (tileRow < denseParams().rows && firstInput + outInput < denseParams().batch) {
      var total = 0.0;
      for (var l = 0u; l < LANES_PER_ROW; l++) {
        total += staged[(outRow * TILE_INPUTS + (outInput / 4u) * 4u) * LANES_PER_ROW / 4u + l][outInput % 4u];
      }
      let value = total + bias[tileRow];
      output[(firstInput + outInput) * denseParams().rows + tileRow] = select(value, max(value, 0.0), denseParams().relu != 0u);
    }
  }
}
