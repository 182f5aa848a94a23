/**
 * The dense GEMV kernel against its float64 CPU twin on seeded random data, for both reduction variants and
 * both load widths (vec4 when cols % 4 == 0, scalar otherwise), over shapes that are not multiples of the
 * workgroup size or the batch tile.
 *
 * Tolerance, per output element y[b][r]:
 *   |gpu − cpu| ≤ 1e-6 · √cols · (|bias[r]| + Σ_c |W[r][c] · x[b][c]|)
 * The scale is the sum of the magnitudes of the terms (the condition of the sum), so outputs that cancel to
 * near zero are judged by the rounding they really carry. Forward error of an f32 sum of n terms is at most
 * ≈ depth · 2^-24 · scale, with depth = cols / workgroupSize (serial part) + log2(workgroupSize) + 4 ≲ 80 for
 * the shapes here, i.e. ≤ 5e-6 · scale; the bound allows ≈ 1e-6 · 32 at cols = 1000 and still fails on one
 * dropped or duplicated term (typically |W x| ≈ scale / cols ≫ the bound).
 */
import { describe, expect, it } from 'vitest';
import denseTiledWgsl from '../../../shaders/dense_gemm_tiled.wgsl?raw';
import denseWgsl from '../../../shaders/dense_gemv.wgsl?raw';
import denseSubgroupWgsl from '../../../shaders/dense_gemv_subgroup.wgsl?raw';
import denseParamsWgsl from '../../../shaders/dense_params.wgsl?raw';
import { denseForward } from '../src/cpu/dense';
import { GpuLimitError, KernelInputError } from '../src/gpu/errors';
import { cachedPipelineCount } from '../src/gpu/pipeline-cache';
import {
  createDenseKernel,
  DENSE_BATCH_TILE,
  DENSE_ROW_TILE,
  DENSE_ROWS_MIN_ROWS,
  DENSE_TILED_ANY_LAYER_MIN_BATCH,
  DENSE_TILED_INPUTS,
  DENSE_TILED_MAX_W_VEC4S,
  DENSE_TILED_MIN_ROWS,
  DENSE_TILED_ROWS,
  DENSE_TILED_ROWS_PER_INVOCATION,
  DENSE_TILED_SMALL_LAYER_MIN_BATCH,
  DENSE_TILED_SMALL_LAYER_MIN_ROWS,
  DENSE_UNIFORMS,
  type DenseKernel,
  type DenseKernelOptions,
  type DenseVariant,
  withDenseParams,
} from '../src/kernels/dense';
import { createNodeDevice } from '../src/node';
import {
  type GpuTestContext,
  gpuUnavailableReason,
  poisonedOutput,
  readFloat32,
  seededRandom,
  testDawnFlags,
  uploadFloat32,
  withGpu,
} from './gpu-fixture';
import { expectSpecializedParams } from './shader-params';

const TOLERANCE_PER_SQRT_COL = 1e-6;
/** Floats after the output that the kernel must leave poisoned (catches writes past batch×rows). */
const OUTPUT_GUARD_FLOATS = 8;

const noGpuReason = await gpuUnavailableReason();
const subgroupSkipReason = await (async (): Promise<string | null> => {
  if (noGpuReason) return noGpuReason;
  const { device } = await createNodeDevice({ dawnFlags: testDawnFlags() });
  const has = device.features.has('subgroups');
  device.destroy();
  return has ? null : "the adapter lacks the 'subgroups' feature";
})();

function randomArray(count: number, random: () => number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = random() * 2 - 1;
  return out;
}

interface DenseCase {
  rows: number;
  cols: number;
  batch: number;
  seed: number;
}

interface CaseResult {
  checked: number;
  worstRatio: number;
}

/** Runs one case on the GPU and checks every element against the CPU twin; returns the worst error / bound. */
async function runCase(
  ctx: GpuTestContext,
  kernel: DenseKernel,
  { rows, cols, batch, seed }: DenseCase,
): Promise<CaseResult> {
  const { device } = ctx;
  const random = seededRandom(seed);
  const weight = randomArray(rows * cols, random);
  const bias = randomArray(rows, random);
  const x = randomArray(batch * cols, random);
  const expected = denseForward(weight, bias, x, rows, cols, batch, kernel.relu);

  const shape = `${rows}x${cols}x${batch}`;
  const buffers = {
    weight: uploadFloat32(device, weight, `test W ${shape}`),
    bias: uploadFloat32(device, bias, `test b ${shape}`),
    input: uploadFloat32(device, x, `test x ${shape}`),
    output: poisonedOutput(device, batch * rows + OUTPUT_GUARD_FLOATS, `test y ${shape}`),
  };
  const encoder = device.createCommandEncoder({ label: `test dense ${shape}` });
  kernel.encode(encoder, buffers, { rows, cols, batch });
  device.queue.submit([encoder.finish()]);
  const got = await readFloat32(device, buffers.output);
  for (const buffer of Object.values(buffers)) buffer.destroy();

  const where = `${kernel.variant}/wg${kernel.workgroupSize}${kernel.relu ? '/relu' : ''} ${shape}`;
  let worstRatio = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < rows; r++) {
      let scale = Math.abs(bias[r]);
      for (let c = 0; c < cols; c++) scale += Math.abs(weight[r * cols + c] * x[b * cols + c]);
      const bound = TOLERANCE_PER_SQRT_COL * Math.sqrt(cols) * scale;
      const index = b * rows + r;
      const error = Math.abs(got[index] - expected[index]);
      // NaN (an unwritten element) fails this comparison too.
      if (!(error <= bound)) {
        throw new Error(`${where}: y[${b}][${r}] = ${got[index]}, expected ${expected[index]} ± ${bound}`);
      }
      worstRatio = Math.max(worstRatio, bound > 0 ? error / bound : 0);
    }
  }
  for (let i = batch * rows; i < batch * rows + OUTPUT_GUARD_FLOATS; i++) {
    if (!Number.isNaN(got[i])) throw new Error(`${where}: wrote past the output, element ${i} = ${got[i]}`);
  }
  return { checked: batch * rows, worstRatio };
}

const GRID_ROWS = [1, 7, 33, 130];
const GRID_COLS = [1, 3, 4, 17, 257, 1000];
const GRID_BATCH = [1, 2, 5, 8, 33];

/** Rows of one tile of the tiled kernel at its defaults. */
const TILED_TILE_ROWS = DENSE_TILED_ROWS * DENSE_TILED_ROWS_PER_INVOCATION;

/** Workgroups of the tiled kernel at its defaults: row tiles × input tiles. */
function tiledGrid(rows: number, batch: number): number {
  return Math.ceil(rows / TILED_TILE_ROWS) * Math.ceil(batch / DENSE_TILED_INPUTS);
}

describe('dense shaders', () => {
  it('dense_params.wgsl declares the uniform struct the kernel encodes, and the kernels read it only through it', () => {
    expectSpecializedParams(denseParamsWgsl, DENSE_UNIFORMS, 'DenseParams');
    for (const source of [denseWgsl, denseSubgroupWgsl, denseTiledWgsl]) {
      expect(source).not.toMatch(/struct DenseParams|\bparams\./);
      expect(withDenseParams(source).startsWith(source)).toBe(true);
    }
  });

  it('declare the batch tile and the subgroup shader the row tile as the host counts them', () => {
    for (const source of [denseWgsl, denseSubgroupWgsl]) {
      expect(source).toContain(`const BATCH_TILE: u32 = ${DENSE_BATCH_TILE}u;`);
    }
    expect(denseSubgroupWgsl).toContain(`override ROW_TILE: u32 = ${DENSE_ROW_TILE}u;`);
    expect(denseSubgroupWgsl).toContain('const MAX_ROW_TILE: u32 = 4u;');
    expect(denseSubgroupWgsl).toMatch(/fn dense_vec4_rows\(/);
    expect(denseWgsl).not.toMatch(/fn dense_vec4_rows\(/);
    expect(denseTiledWgsl).toContain(`override TILE_ROWS: u32 = ${DENSE_TILED_ROWS}u;`);
    expect(denseTiledWgsl).toContain(`override TILE_INPUTS: u32 = ${DENSE_TILED_INPUTS}u;`);
    expect(denseTiledWgsl).toContain(
      `override ROWS_PER_INVOCATION: u32 = ${DENSE_TILED_ROWS_PER_INVOCATION}u;`,
    );
    expect(denseTiledWgsl).toContain(`const MAX_W_VEC4S: u32 = ${DENSE_TILED_MAX_W_VEC4S}u;`);
  });

  it('only the subgroup shader enables subgroups', () => {
    expect(denseWgsl).not.toMatch(/^\s*enable\s+subgroups/m);
    expect(denseSubgroupWgsl).toMatch(/^enable subgroups;$/m);
  });
});

describe.skipIf(noGpuReason !== null)(
  `dense kernel on the GPU${noGpuReason ? ` (skipped: ${noGpuReason})` : ''}`,
  () => {
    const variants: ReadonlyArray<readonly [DenseVariant, string | null]> = [
      ['workgroup', null],
      ['subgroup', subgroupSkipReason],
    ];

    for (const [variant, skipReason] of variants) {
      const suffix = skipReason ? ` (skipped: ${skipReason})` : '';
      describe.skipIf(skipReason !== null)(`variant ${variant}${suffix}`, () => {
        it.each(GRID_ROWS)(
          `rows=%i × cols {${GRID_COLS}} × batch {${GRID_BATCH}}, ReLU on odd cases, sizes in the uniform; two pipelines serve all`,
          (rows) =>
            withGpu(async (ctx) => {
              const uniformSizes = { variant, workgroupSize: 32, specializedParams: false } as const;
              const plain = createDenseKernel(ctx.device, { ...uniformSizes, label: 'grid' });
              const withRelu = createDenseKernel(ctx.device, {
                ...uniformSizes,
                relu: true,
                label: 'grid relu',
              });
              let checked = 0;
              let worst = 0;
              let caseIndex = 0;
              for (const cols of GRID_COLS) {
                for (const batch of GRID_BATCH) {
                  const kernel = caseIndex % 2 === 1 ? withRelu : plain;
                  const result = await runCase(ctx, kernel, {
                    rows,
                    cols,
                    batch,
                    seed: 1000 * rows + 10 * cols + batch,
                  });
                  checked += result.checked;
                  worst = Math.max(worst, result.worstRatio);
                  caseIndex++;
                }
              }
              // One vec4 and one scalar GEMV pipeline and one tiled: these layers are below DENSE_ROWS_MIN_ROWS, so
              // batches up to 8 take dense_vec4 and batch 33 the tiled kernel (DENSE_TILED_ANY_LAYER_MIN_BATCH) where
              // cols is a multiple of 4 (dense_vec4_rows and every tiled option are tested with their batchKernel
              // below); ReLU and all sizes are uniforms.
              expect(GRID_BATCH.filter((b) => b >= DENSE_TILED_ANY_LAYER_MIN_BATCH)).toHaveLength(1);
              expect(cachedPipelineCount(ctx.device)).toBe(3);
              expect(plain.dispatchSize({ rows: 130, cols: 4, batch: 5 }).x).toBe(130);
              expect(plain.dispatchSize({ rows: DENSE_TILED_MIN_ROWS, cols: 4, batch: 33 }).x).toBe(
                tiledGrid(DENSE_TILED_MIN_ROWS, 33),
              );
              expect(plain.dispatchSize({ rows: DENSE_TILED_MIN_ROWS, cols: 4, batch: 4 }).x).toBe(
                DENSE_TILED_MIN_ROWS,
              );
              // Below DENSE_TILED_MIN_ROWS the tiled kernel takes large batches only, from
              // DENSE_TILED_SMALL_LAYER_MIN_ROWS rows; a one-row-per-workgroup kernel takes the rest.
              const smallRows = DENSE_TILED_SMALL_LAYER_MIN_ROWS;
              const smallBatch = DENSE_TILED_SMALL_LAYER_MIN_BATCH;
              expect(plain.dispatchSize({ rows: smallRows, cols: 4, batch: smallBatch }).x).toBe(
                tiledGrid(smallRows, smallBatch),
              );
              expect(plain.dispatchSize({ rows: smallRows, cols: 4, batch: smallBatch - 1 }).x).toBe(
                smallRows,
              );
              expect(plain.dispatchSize({ rows: smallRows - 1, cols: 4, batch: smallBatch }).x).toBe(
                smallRows - 1,
              );
              // From DENSE_TILED_ANY_LAYER_MIN_BATCH inputs, every layer.
              const anyBatch = DENSE_TILED_ANY_LAYER_MIN_BATCH;
              expect(plain.dispatchSize({ rows: 130, cols: 4, batch: anyBatch }).x).toBe(
                tiledGrid(130, anyBatch),
              );
              expect(plain.dispatchSize({ rows: 130, cols: 4, batch: anyBatch - 1 }).x).toBe(130);
              expect(plain.pipelineKey({ rows, cols: 4, batch: 1 })).toBe(
                withRelu.pipelineKey({ rows: 9, cols: 1000, batch: 3 }),
              );
              expect(plain.pipelineKey({ rows, cols: 4, batch: 7 })).toBe(
                plain.pipelineKey({ rows, cols: 4, batch: 4 }),
              );
              // From DENSE_ROWS_MIN_ROWS rows, batches above 4 take dense_vec4_rows where the device has subgroups.
              expect(
                plain.pipelineKey({ rows: DENSE_ROWS_MIN_ROWS, cols: 4, batch: 7 }) ===
                  plain.pipelineKey({ rows: DENSE_ROWS_MIN_ROWS, cols: 4, batch: 4 }),
              ).toBe(variant !== 'subgroup');
              expect(plain.pipelineKey({ rows, cols: 3, batch: 1 })).not.toBe(
                plain.pipelineKey({ rows, cols: 4, batch: 1 }),
              );
              const expectedChecked = rows * GRID_COLS.length * GRID_BATCH.reduce((sum, b) => sum + b, 0);
              expect(checked).toBe(expectedChecked);
              expect(worst).toBeLessThanOrEqual(1);
              plain.destroy();
              withRelu.destroy();
              expect(ctx.liveBuffers()).toBe(0);
            }),
        );

        it('sizes as pipeline constants (the default): a pipeline per size and batch, the same sums', () =>
          withGpu(async (ctx) => {
            const kernel = createDenseKernel(ctx.device, { variant, workgroupSize: 32 });
            const withRelu = createDenseKernel(ctx.device, { variant, workgroupSize: 32, relu: true });
            for (const [rows, cols, batch] of [
              [7, 3, 1],
              [33, 257, 2],
              [130, 1000, 8],
            ]) {
              for (const each of [kernel, withRelu]) {
                const result = await runCase(ctx, each, { rows, cols, batch, seed: rows + cols + batch });
                expect(result.worstRatio).toBeLessThanOrEqual(1);
              }
            }
            expect(kernel.pipelineKey({ rows: 7, cols: 4, batch: 1 })).not.toBe(
              kernel.pipelineKey({ rows: 8, cols: 4, batch: 1 }),
            );
            expect(kernel.pipelineKey({ rows: 7, cols: 4, batch: 1 })).not.toBe(
              withRelu.pipelineKey({ rows: 7, cols: 4, batch: 1 }),
            );
            expect(kernel.pipelineKey({ rows: 7, cols: 4, batch: 1 })).toBe(
              createDenseKernel(ctx.device, { variant, workgroupSize: 32 }).pipelineKey({
                rows: 7,
                cols: 4,
                batch: 1,
              }),
            );
            expect(() =>
              createDenseKernel(ctx.device, { specializedParams: 'yes' as unknown as boolean }),
            ).toThrow(/specializedParams must be true or false/);
            kernel.destroy();
            withRelu.destroy();
          }));

        it('every batch kernel: tiled, dense_vec4_rows with each row tile, dense_vec4 at every batch', () =>
          withGpu(async (ctx) => {
            const choices: DenseKernelOptions[] = [
              { batchKernel: 'tiled' },
              { batchKernel: 'tiled', rotateChunks: false },
              { batchKernel: 'tiled', groupInputTiles: false },
              { batchKernel: 'tiled', groupInputTiles: false, tiledInputs: 16, rotateChunks: false },
              { batchKernel: 'tiled', fmaChain: false },
              { batchKernel: 'tiled', fmaChain: false, tiledRowsPerInvocation: 1, tiledInputs: 16 },
              { batchKernel: 'tiled', tiledChunkColumns: 512 },
              { batchKernel: 'tiled', rotateChunks: false, tiledChunkColumns: 128 },
              { batchKernel: 'tiled', tiledRows: 32 },
              { batchKernel: 'tiled', tiledInputs: 16 },
              { batchKernel: 'tiled', tiledRowsPerInvocation: 1, tiledRows: 32 },
              {
                batchKernel: 'tiled',
                tiledRowsPerInvocation: 1,
                tiledInputs: 16,
                tiledChunkColumns: 512,
                rotateChunks: false,
              },
              { batchKernel: 'tiled', tiledRowsPerInvocation: 4, tiledChunkColumns: 128 },
              { batchKernel: 'tiled', tiledRowsPerInvocation: 4, rotateChunks: false },
              // 64-row tiles are 512 invocations: where the device allows them (else the GpuLimitError below).
              ...(ctx.device.limits.maxComputeInvocationsPerWorkgroup >= 512
                ? [
                    {
                      batchKernel: 'tiled',
                      tiledRows: 64,
                      tiledRowsPerInvocation: 1,
                      tiledChunkColumns: 512,
                    } as const,
                  ]
                : []),
              // 32 KiB of sums: where the device allows them (else the GpuLimitError below).
              ...(ctx.device.limits.maxComputeWorkgroupStorageSize >= 32768
                ? [{ batchKernel: 'tiled', tiledRowsPerInvocation: 4, tiledRows: 32 } as const]
                : []),
              { batchKernel: 'auto' },
              { batchKernel: 'vec4' },
              { batchKernel: 'rows', rowTile: 1 },
              { batchKernel: 'rows', rowTile: 2 },
              { batchKernel: 'rows', rowTile: 4 },
            ];
            for (const [index, choice] of choices.entries()) {
              const kernel = createDenseKernel(ctx.device, {
                variant,
                workgroupSize: 32,
                relu: index % 2 === 1,
                ...choice,
              });
              for (const [rows, cols, batch] of [
                [7, 36, 5],
                [130, 1000, 8],
                [33, 260, 17],
              ] as const) {
                const result = await runCase(ctx, kernel, { rows, cols, batch, seed: index * 100 + rows });
                expect(result.worstRatio).toBeLessThanOrEqual(1);
              }
              const rowsPerWorkgroup =
                choice.batchKernel === 'tiled'
                  ? (choice.tiledRows ?? DENSE_TILED_ROWS) *
                    (choice.tiledRowsPerInvocation ?? DENSE_TILED_ROWS_PER_INVOCATION)
                  : choice.batchKernel !== 'vec4' && variant === 'subgroup'
                    ? (choice.rowTile ?? DENSE_ROW_TILE)
                    : 1;
              expect(kernel.dispatchSize({ rows: 130, cols: 4, batch: 8 }).x).toBe(
                Math.ceil(130 / rowsPerWorkgroup),
              );
              kernel.destroy();
            }
            expect(() =>
              createDenseKernel(ctx.device, { variant, rotateChunks: 1 as unknown as boolean }),
            ).toThrow(/rotateChunks must be true or false, got 1/);
            expect(() =>
              createDenseKernel(ctx.device, { variant, groupInputTiles: 'no' as unknown as boolean }),
            ).toThrow(/groupInputTiles must be true or false, got "no"/);
            expect(() =>
              createDenseKernel(ctx.device, { variant, fmaChain: 0 as unknown as boolean }),
            ).toThrow(/fmaChain must be true or false, got 0/);
            if (ctx.device.limits.maxComputeInvocationsPerWorkgroup < 512) {
              expect(() =>
                createDenseKernel(ctx.device, { variant, tiledRows: 64, tiledRowsPerInvocation: 1 }),
              ).toThrow(
                /tiledRows 64 needs 512 invocations per workgroup, the device allows \d+; pick fewer rows/,
              );
            }
            expect(() => createDenseKernel(ctx.device, { variant, tiledInputs: 4 })).toThrow(
              /tiledInputs must be one of 8, 16, got 4/,
            );
            if (ctx.device.limits.maxComputeWorkgroupStorageSize < 32768) {
              expect(() =>
                createDenseKernel(ctx.device, { variant, tiledInputs: 16, tiledChunkColumns: 512 }),
              ).toThrow(/needs 32768 bytes of workgroup memory, the device allows \d+/);
              expect(() =>
                createDenseKernel(ctx.device, { variant, tiledRowsPerInvocation: 4, tiledRows: 32 }),
              ).toThrow(
                /32 rows × 4 per invocation and 256-column chunks needs 32768 bytes of workgroup memory/,
              );
            }
            expect(() => createDenseKernel(ctx.device, { variant, tiledRows: 128 })).toThrow(
              /tiledRows must be one of 16, 32, 64, got 128/,
            );
            expect(() => createDenseKernel(ctx.device, { variant, tiledChunkColumns: 384 })).toThrow(
              /tiledChunkColumns must be one of 128, 256, 512, got 384/,
            );
            expect(() => createDenseKernel(ctx.device, { variant, tiledRowsPerInvocation: 3 })).toThrow(
              /tiledRowsPerInvocation must be one of 1, 2, 4, got 3/,
            );
            expect(() =>
              createDenseKernel(ctx.device, { variant, tiledRowsPerInvocation: 4, tiledChunkColumns: 512 }),
            ).toThrow(/holds 64 W vectors per invocation, at most 32; pick fewer columns or rows/);
            expect(() => createDenseKernel(ctx.device, { variant, rowTile: 3 })).toThrow(
              /rowTile must be one of 1, 2, 4, got 3/,
            );
            expect(() =>
              createDenseKernel(ctx.device, {
                variant,
                // @ts-expect-error: a value outside DenseBatchKernel, as a JavaScript caller could pass.
                batchKernel: 'gemm',
              }),
            ).toThrow(/batchKernel must be one of auto, tiled, rows, vec4, got "gemm"/);
          }));

        it('seeded random shapes and workgroup sizes', () =>
          withGpu(async (ctx) => {
            const random = seededRandom(variant === 'workgroup' ? 0x5eed : 0x5ab9);
            const maxWorkgroup = ctx.device.limits.maxComputeInvocationsPerWorkgroup;
            const sizes = [1, 16, 64, 128, maxWorkgroup];
            for (let trial = 0; trial < 10; trial++) {
              const workgroupSize = sizes[trial % sizes.length];
              const kernel = createDenseKernel(ctx.device, { variant, workgroupSize, relu: random() < 0.5 });
              const rows = 1 + Math.floor(random() * 200);
              const cols = 1 + Math.floor(random() * 1200);
              const batch = 1 + Math.floor(random() * 40);
              await runCase(ctx, kernel, { rows, cols, batch, seed: trial + 1 });
              kernel.destroy();
            }
          }));
      });
    }

    it('reuses a bind group for the same buffers and sizes, and still runs after destroy()', () =>
      withGpu(async (ctx) => {
        const { device } = ctx;
        const random = seededRandom(99);
        const [rows, cols, batch] = [7, 17, 2];
        const weight = randomArray(rows * cols, random);
        const bias = randomArray(rows, random);
        const x = randomArray(batch * cols, random);
        const expected = denseForward(weight, bias, x, rows, cols, batch, false);
        const buffers = {
          weight: uploadFloat32(device, weight, 'W'),
          bias: uploadFloat32(device, bias, 'b'),
          input: uploadFloat32(device, x, 'x'),
          output: poisonedOutput(device, batch * rows, 'y'),
        };
        const kernel = createDenseKernel(device);
        const sizes = { rows, cols, batch };
        expect(kernel.bindGroup(buffers, sizes)).toBe(kernel.bindGroup(buffers, sizes));
        // Another batch binds other byte ranges: another group.
        expect(kernel.bindGroup(buffers, { ...sizes, batch: 1 })).not.toBe(kernel.bindGroup(buffers, sizes));
        const check = async (): Promise<void> => {
          const encoder = device.createCommandEncoder();
          kernel.encode(encoder, buffers, sizes);
          device.queue.submit([encoder.finish()]);
          const got = (await readFloat32(device, buffers.output)).slice(0, batch * rows);
          for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(expected[i] ?? Number.NaN, 4);
        };
        await check();
        // destroy() frees the uniform buffers its groups bind; a later call builds both again.
        kernel.destroy();
        await check();
        kernel.destroy();
        for (const buffer of Object.values(buffers)) buffer.destroy();
      }));

    it('folds rows beyond maxComputeWorkgroupsPerDimension into a 2D dispatch', () =>
      withGpu(async (ctx) => {
        const rows = ctx.device.limits.maxComputeWorkgroupsPerDimension + 3;
        const kernel = createDenseKernel(ctx.device, { variant: 'workgroup', workgroupSize: 4 });
        expect(kernel.dispatchSize({ rows, cols: 4, batch: 2 }).y).toBe(2);
        await runCase(ctx, kernel, { rows, cols: 4, batch: 2, seed: 77 });
        kernel.destroy();
        // The tiled kernel's grid folds the same way: an odd count of row tiles × 3 input tiles leaves a workgroup
        // past the grid's end, which leaves before its barriers (and would store nothing if it did not: its rows or
        // inputs are past the layer's). Its sums are not run here: 65,536 workgroups of 128 invocations took SwiftShader
        // over a minute per kernel.
        const maxWorkgroups = ctx.device.limits.maxComputeWorkgroupsPerDimension;
        const rowTiles = (Math.floor(maxWorkgroups / 3) + 2) | 1;
        const tiledRows = rowTiles * TILED_TILE_ROWS - 5;
        const tiledBatch = 2 * DENSE_TILED_INPUTS + 1;
        const tiled = createDenseKernel(ctx.device, { batchKernel: 'tiled' });
        const grid = tiled.dispatchSize({ rows: tiledRows, cols: 4, batch: tiledBatch });
        expect(tiledGrid(tiledRows, tiledBatch)).toBe(rowTiles * 3);
        expect(grid.y).toBe(2);
        expect(grid.x * grid.y).toBe(rowTiles * 3 + 1);
        tiled.destroy();
      }));

    it('chains two layers in one compute pass (hidden ReLU layer feeding the next)', () =>
      withGpu(async (ctx) => {
        const { device } = ctx;
        const random = seededRandom(4242);
        const [inputs, hidden, outputs, batch] = [300, 64, 10, 3];
        const w1 = randomArray(hidden * inputs, random);
        const b1 = randomArray(hidden, random);
        const w2 = randomArray(outputs * hidden, random);
        const b2 = randomArray(outputs, random);
        const x = randomArray(batch * inputs, random);
        const h = denseForward(w1, b1, x, hidden, inputs, batch, true);
        const expected = denseForward(w2, b2, h, outputs, hidden, batch, false);

        const first = createDenseKernel(device, { relu: true, label: 'fc1' });
        const second = createDenseKernel(device, { label: 'fc2' });
        const buffers = {
          w1: uploadFloat32(device, w1, 'w1'),
          b1: uploadFloat32(device, b1, 'b1'),
          w2: uploadFloat32(device, w2, 'w2'),
          b2: uploadFloat32(device, b2, 'b2'),
          x: uploadFloat32(device, x, 'x'),
          h: poisonedOutput(device, batch * hidden, 'h'),
          y: poisonedOutput(device, batch * outputs, 'y'),
        };
        const encoder = device.createCommandEncoder({ label: 'two layers' });
        const pass = encoder.beginComputePass({ label: 'two layers' });
        first.encode(
          pass,
          { weight: buffers.w1, bias: buffers.b1, input: buffers.x, output: buffers.h },
          { rows: hidden, cols: inputs, batch },
        );
        second.encode(
          pass,
          { weight: buffers.w2, bias: buffers.b2, input: buffers.h, output: buffers.y },
          { rows: outputs, cols: hidden, batch },
        );
        pass.end();
        device.queue.submit([encoder.finish()]);
        const got = await readFloat32(device, buffers.y, batch * outputs * 4);
        for (const buffer of Object.values(buffers)) buffer.destroy();
        first.destroy();
        second.destroy();
        // Two stacked layers, both |W| ≤ 1: the hidden error (≤ 1e-6·√300·scale) grows by at most Σ|W2| ≤ 64;
        // 1e-4 relative (absolute below 1) covers that with room and still fails on any wrong element.
        for (let i = 0; i < expected.length; i++) {
          expect(Math.abs(got[i] - expected[i]), `y[${i}]`).toBeLessThanOrEqual(
            1e-4 * Math.max(1, Math.abs(expected[i])),
          );
        }
      }));

    it('rejects wrong shapes and buffers before dispatch with KernelInputError spelling out sizes', () =>
      withGpu(async (ctx) => {
        const { device } = ctx;
        const kernel = createDenseKernel(device, { variant: 'workgroup' });
        const make = (floats: number, label: string, usage = GPUBufferUsage.STORAGE) =>
          device.createBuffer({ label, size: floats * 4, usage });
        const buffers = {
          weight: make(6 * 5, 'W'),
          bias: make(6, 'b'),
          input: make(2 * 5, 'x'),
          output: make(2 * 6, 'y'),
        };
        const sizes = { rows: 6, cols: 5, batch: 2 };
        expect(() => kernel.validate(buffers, sizes)).not.toThrow();
        expect(() => kernel.validate(buffers, { ...sizes, batch: 3 })).toThrow(
          /input buffer "x" must hold batch×cols = 3×5 f32 = 60 bytes, it has 40/,
        );
        expect(() => kernel.validate(buffers, { ...sizes, cols: 6 })).toThrow(
          /weight buffer "W" must hold rows×cols = 6×6 f32 = 144 bytes, it has 120/,
        );
        const shortOutput = make(11, 'short y');
        expect(() => kernel.validate({ ...buffers, output: shortOutput }, sizes)).toThrow(
          /output buffer "short y" must hold batch×rows = 2×6 f32 = 48 bytes, it has 44/,
        );
        expect(() => kernel.validate(buffers, { ...sizes, rows: 0 })).toThrow(KernelInputError);
        expect(() => kernel.validate(buffers, { ...sizes, batch: 1.5 })).toThrow(
          /batch must be an integer in 1…4294967295, got 1.5/,
        );
        expect(() =>
          kernel.validate({ ...buffers, output: buffers.input }, { ...sizes, rows: 5, cols: 2 }),
        ).toThrow(/output must be a separate buffer, it is the input buffer "x"/);
        const uniformOnly = make(6, 'uniform b', GPUBufferUsage.UNIFORM);
        expect(() => kernel.validate({ ...buffers, bias: uniformOnly }, sizes)).toThrow(
          /needs GPUBufferUsage.STORAGE/,
        );
        // encode validates too, and records nothing on failure.
        const encoder = device.createCommandEncoder({ label: 'rejected' });
        expect(() => kernel.encode(encoder, buffers, { ...sizes, batch: 4 })).toThrow(KernelInputError);
        encoder.finish();
        expect(() => createDenseKernel(device, { workgroupSize: 48 })).toThrow(/power of two/);
        expect(() =>
          createDenseKernel(device, { workgroupSize: 2 * device.limits.maxComputeInvocationsPerWorkgroup }),
        ).toThrow(GpuLimitError);
        for (const buffer of [...Object.values(buffers), shortOutput, uniformOnly]) buffer.destroy();
        kernel.destroy();
      }));

    it("refuses variant 'subgroup' on a device created without the feature", async () => {
      const { device } = await createNodeDevice({ dawnFlags: testDawnFlags(), optionalFeatures: [] });
      try {
        expect(device.features.has('subgroups')).toBe(false);
        expect(() => createDenseKernel(device, { variant: 'subgroup' })).toThrow(
          /needs the device feature 'subgroups'/,
        );
        expect(createDenseKernel(device).variant).toBe('workgroup');
      } finally {
        device.destroy();
      }
    });
  },
);
