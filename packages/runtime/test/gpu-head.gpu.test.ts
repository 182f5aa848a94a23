/**
 * The GPU head on a large PQ layer: 'auto' runs its batches 1 to 4 on grouped float32 tables (kernels/plan.ts
 * usesGroupedFloatTables), from a second copy of its codes and codebook in the 8-bit-table layouts that the head
 * uploads only for such layers (in groups of 16 segments, or of 32 from 4096 segments: plan.ts groupedTableSegments),
 * and its larger batches on the packed codes, as kernelNamesAt and a profiled run's layer timings say. Both agree with
 * the CPU executor on the file's codes (tolerance: 1e-4 of each input's largest |logit|, float32 against float64 sums
 * over 4098 or 16388 columns), with float32 codebooks and with float16 ones, which the head keeps float16 in both
 * copies. On a software device (a fallback adapter, as SwiftShader is) the head's default is 'lut-global' instead,
 * with no grouped copies; the tests above ask for the hardware rule (softwareDevice: false) so that they test it on
 * SwiftShader too.
 */
import {
  bitsForK,
  type CompressedLayer,
  decodePqw,
  encodePqw,
  float32ToFloat16,
  type ManifestDraft,
  type PqwFile,
  packCodes,
} from '@pqweb/format';
import { describe, expect, it } from 'vitest';
import { GpuHead, isSoftwareDevice } from '../src';
import { pqForward } from '../src/cpu';
import { GROUPED_TABLES_MAX_BATCH, groupedFloatTablesLayout } from '../src/kernels';
import { gpuUnavailableReason, randomFloats, seededRandom, withGpu } from './gpu-fixture';

const noGpuReason = await gpuUnavailableReason();

/**
 * A head of one PQ layer, rows × cols with d 4 and k 256: sizes that are multiples of no tile; its codebook section
 * float32, or float16 as `pqweb compress --codebook float16` writes it.
 */
function largePqFile(
  rows: number,
  cols: number,
  seed: number,
  codebookDtype: 'float16' | 'float32',
): PqwFile {
  const random = seededRandom(seed);
  const [d, k] = [4, 256];
  const segments = Math.ceil(cols / d);
  const codes = new Uint8Array(rows * segments).map(() => Math.floor(random() * k));
  const codebook = randomFloats(segments * k * d, random, 0.05);
  const padded = segments * d - cols;
  for (let c = 0; c < k; c++) {
    for (let t = d - padded; t < d; t++) codebook[((segments - 1) * k + c) * d + t] = 0;
  }
  const packed = packCodes(codes, rows, segments, bitsForK(k));
  const layer: CompressedLayer = {
    name: 'fc',
    method: 'pq',
    rows,
    cols,
    activation: 'none',
    bias: 'fc/bias',
    d,
    k,
    segments,
    codes: 'fc/codes',
    packing: packed.packing,
    codebook: 'fc/codebook',
  };
  const draft: ManifestDraft = {
    producer: 'pqweb test',
    model: {
      name: 'large-head',
      input: { name: 'input', shape: [-1, 1, 2, 2], dtype: 'float32' },
      outputName: 'y',
    },
    preprocessing: {
      width: 2,
      height: 2,
      channels: 1,
      layout: 'NCHW',
      scale: 1,
      mean: [0],
      std: [1],
    },
    labels: Array.from({ length: rows }, (_, i) => `class ${i}`),
    backbone: { section: 'backbone', outputName: 'features', features: cols },
    layers: [layer],
  };
  const bytes = encodePqw(draft, [
    { name: 'backbone', dtype: 'uint8', data: new Uint8Array(16) },
    { name: 'fc/codes', dtype: 'uint32', data: packed.words },
    codebookDtype === 'float32'
      ? { name: 'fc/codebook', dtype: 'float32', data: codebook }
      : { name: 'fc/codebook', dtype: 'float16', data: float32ToFloat16(codebook) },
    { name: 'fc/bias', dtype: 'float32', data: randomFloats(rows, random) },
  ]);
  return decodePqw(bytes);
}

type PqLayer = Extract<CompressedLayer, { method: 'pq' }>;

/**
 * Runs the head (profiled) on a random batch and checks its logits against the CPU executor on the file's codes
 * (1e-4 of each input's largest |logit|), and that a profiled run names the kernel each layer ran at this batch.
 */
async function expectCpuLogits(
  head: GpuHead,
  file: PqwFile,
  layer: PqLayer,
  batch: number,
  random: () => number,
): Promise<void> {
  const x = new Float32Array(randomFloats(batch * layer.cols, random));
  // A profiled run names the kernel each layer ran at this batch (null without timestamp queries).
  const { logits: got, layers } = await head.runProfiled({ data: x }, batch);
  if (layers) expect(layers.map((timing) => timing.kernel)).toEqual(head.kernelNamesAt(batch));
  // A float16 section widened: the values the kernels read.
  const bias = layer.bias === null ? null : file.float32(layer.bias);
  const expected = pqForward(
    layer,
    file.uint32(layer.codes),
    file.float32(layer.codebook),
    bias,
    x,
    batch,
    false,
  );
  expect(got).toHaveLength(batch * layer.rows);
  for (let b = 0; b < batch; b++) {
    const row = expected.subarray(b * layer.rows, (b + 1) * layer.rows);
    const scale = row.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
    for (let i = 0; i < layer.rows; i++) {
      const index: number = b * layer.rows + i;
      if (!(Math.abs((got[index] ?? Number.NaN) - (expected[index] ?? 0)) <= 1e-4 * scale)) {
        expect.fail(`batch ${batch}, input ${b}, row ${i}: gpu ${got[index]} cpu ${expected[index]}`);
      }
    }
  }
}

describe.skipIf(noGpuReason !== null)('GpuHead on a large PQ layer', () => {
  it.each([
    { rows: 4099, cols: 4098, groupSegments: 16, codebookDtype: 'float32' },
    { rows: 1025, cols: 16388, groupSegments: 32, codebookDtype: 'float32' },
    { rows: 1027, cols: 16388, groupSegments: 32, codebookDtype: 'float16' },
  ] as const)(
    "runs batches 1 and 4 on grouped float32 tables (groups of $groupSegments, $codebookDtype codebook) and batch 5 on the packed codes, as the CPU executor's logits",
    async ({ rows, cols, groupSegments, codebookDtype }) => {
      const file = largePqFile(rows, cols, 61, codebookDtype);
      const layer = file.manifest.layers[0];
      if (layer?.method !== 'pq') throw new Error('the fixture has one PQ layer');
      await withGpu(async ({ device }) => {
        // The hardware rule, on whatever device runs the suite (on a software one the head's default is 'lut-global',
        // tested below).
        const head = GpuHead.create(device, file, { softwareDevice: false });
        // Forced kernels keep the packed codes alone: two buffers fewer (the grouped codes and codebook).
        const forced = GpuHead.create(device, file, { variant: 'fused-banked' });
        try {
          expect(groupedFloatTablesLayout(device, layer, {}, codebookDtype)?.groupSegments).toBe(
            groupSegments,
          );
          expect(head.kernelNames).toEqual(['grouped-float32']);
          expect(forced.kernelNames).toEqual(['fused-banked']);
          expect(head.liveBuffers).toBe(forced.liveBuffers + 2);
          const random = seededRandom(62);
          expect(() => head.kernelNamesAt(0)).toThrow(/positive integer, got 0/);
          for (const batch of [1, GROUPED_TABLES_MAX_BATCH, GROUPED_TABLES_MAX_BATCH + 1]) {
            const grouped = batch <= GROUPED_TABLES_MAX_BATCH;
            expect(head.kernelNamesAt(batch)[0] === 'grouped-float32').toBe(grouped);
            await expectCpuLogits(head, file, layer, batch, random);
          }
        } finally {
          head.destroy();
          forced.destroy();
        }
      });
    },
  );
});

describe.skipIf(noGpuReason !== null)('GpuHead on a software device', () => {
  it("runs its PQ layers on 'lut-global' at every batch, without the grouped copies, as the CPU executor's logits", async () => {
    const file = largePqFile(4099, 4098, 63, 'float32');
    const layer = file.manifest.layers[0];
    if (layer?.method !== 'pq') throw new Error('the fixture has one PQ layer');
    await withGpu(async ({ device }) => {
      const byDefault = GpuHead.create(device, file);
      const software = GpuHead.create(device, file, { softwareDevice: true });
      // A forced variant wins over the software rule.
      const forced = GpuHead.create(device, file, { softwareDevice: true, variant: 'fused-banked' });
      try {
        // SwiftShader (this suite's device in CI) is a fallback adapter; a GPU host's device is not.
        expect(byDefault.kernelNames).toEqual(
          isSoftwareDevice(device) ? ['lut-global'] : ['grouped-float32'],
        );
        expect(forced.kernelNames).toEqual(['fused-banked']);
        expect(software.liveBuffers).toBe(forced.liveBuffers);
        const random = seededRandom(64);
        for (const batch of [1, 5]) {
          expect(software.kernelNamesAt(batch)).toEqual(['lut-global']);
          await expectCpuLogits(software, file, layer, batch, random);
        }
      } finally {
        byDefault.destroy();
        software.destroy();
        forced.destroy();
      }
    });
  });
});
