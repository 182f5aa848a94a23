/**
 * Module worker: gets a WebGPU device from the browser, runs the runtime's dense kernel
 * (packages/runtime/src/kernels/dense.ts, the same code and WGSL the Node tests run on Dawn) on seeded random
 * problems, compares every element with the float64 CPU twin, and posts a GpuWorkerMessage back.
 */
import { denseForward } from '../../packages/runtime/src/cpu/dense';
import { GpuUnavailableError } from '../../packages/runtime/src/gpu/errors';
import { createDenseKernel, type DenseVariant } from '../../packages/runtime/src/kernels/dense';
import type {
  DenseCaseResult,
  DenseCaseSpec,
  GpuWorkerMessage,
  GpuWorkerReport,
  GpuWorkerRequest,
} from './protocol';
import { randomArray, seededRandom } from './random';

/** Tolerance per element: |gpu − cpu| ≤ 1e-6 · √cols · (|b| + Σ|W·x|), as in dense.gpu.test.ts. */
const TOLERANCE_PER_SQRT_COL = 1e-6;

/** Device limits the dense kernel can use; asked for at the adapter's values (defaults are lower). */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
] as const;

async function openDevice(): Promise<{ adapter: GPUAdapter; device: GPUDevice }> {
  if (!('gpu' in navigator)) {
    throw new GpuUnavailableError(
      'navigator.gpu is missing in this worker: WebGPU needs a secure context (https or localhost)',
    );
  }
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter)
    throw new GpuUnavailableError('navigator.gpu.requestAdapter() returned null: no WebGPU adapter here');
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('subgroups') ? ['subgroups'] : [];
  const device = await adapter.requestDevice({ label: 'e2e dense worker', requiredFeatures, requiredLimits });
  return { adapter, device };
}

function storageBuffer(device: GPUDevice, data: Float32Array<ArrayBuffer>, label: string): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: Math.max(data.byteLength, 4),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

async function readBack(device: GPUDevice, source: GPUBuffer, byteLength: number): Promise<Float32Array> {
  const staging = device.createBuffer({
    label: 'e2e readback',
    size: byteLength,
    usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
  });
  const encoder = device.createCommandEncoder({ label: 'e2e readback' });
  encoder.copyBufferToBuffer(source, 0, staging, 0, byteLength);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const data = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return data;
}

async function runCase(
  device: GPUDevice,
  variant: DenseVariant,
  spec: DenseCaseSpec,
): Promise<DenseCaseResult> {
  const { rows, cols, batch, relu, seed } = spec;
  const random = seededRandom(seed);
  const weight = randomArray(rows * cols, random);
  const bias = randomArray(rows, random);
  const x = randomArray(batch * cols, random);
  const expected = denseForward(weight, bias, x, rows, cols, batch, relu);

  const kernel = createDenseKernel(device, { variant, relu, label: `e2e ${rows}x${cols}x${batch}` });
  const buffers = {
    weight: storageBuffer(device, weight, 'e2e W'),
    bias: storageBuffer(device, bias, 'e2e b'),
    input: storageBuffer(device, x, 'e2e x'),
    output: storageBuffer(device, new Float32Array(batch * rows).fill(Number.NaN), 'e2e y'),
  };
  const encoder = device.createCommandEncoder({ label: `e2e dense ${variant}` });
  kernel.encode(encoder, buffers, { rows, cols, batch });
  device.queue.submit([encoder.finish()]);
  const got = await readBack(device, buffers.output, batch * rows * 4);
  for (const buffer of Object.values(buffers)) buffer.destroy();
  kernel.destroy();

  let nanCount = 0;
  let maxAbsError = 0;
  let maxErrorRatio = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < rows; r++) {
      const index = b * rows + r;
      if (Number.isNaN(got[index])) {
        nanCount++;
        continue;
      }
      let scale = Math.abs(bias[r]);
      for (let c = 0; c < cols; c++) scale += Math.abs(weight[r * cols + c] * x[b * cols + c]);
      const error = Math.abs(got[index] - expected[index]);
      maxAbsError = Math.max(maxAbsError, error);
      const bound = TOLERANCE_PER_SQRT_COL * Math.sqrt(cols) * scale;
      maxErrorRatio = Math.max(
        maxErrorRatio,
        bound > 0 ? error / bound : error > 0 ? Number.POSITIVE_INFINITY : 0,
      );
    }
  }
  return { ...spec, variant, elementsChecked: batch * rows, nanCount, maxAbsError, maxErrorRatio };
}

async function run(request: GpuWorkerRequest): Promise<GpuWorkerReport> {
  const { adapter, device } = await openDevice();
  device.pushErrorScope('validation');
  const variants: DenseVariant[] = device.features.has('subgroups')
    ? ['workgroup', 'subgroup']
    : ['workgroup'];
  const cases: DenseCaseResult[] = [];
  for (const variant of variants) {
    for (const spec of request.cases) cases.push(await runCase(device, variant, spec));
  }
  const validation = await device.popErrorScope();
  device.destroy();
  const { vendor, architecture, device: deviceName, description } = adapter.info;
  return {
    ok: true,
    adapter: { vendor, architecture, device: deviceName, description },
    features: [...adapter.features].sort(),
    variants,
    cases,
    elementsChecked: cases.reduce((sum, c) => sum + c.elementsChecked, 0),
    nanCount: cases.reduce((sum, c) => sum + c.nanCount, 0),
    maxAbsError: Math.max(...cases.map((c) => c.maxAbsError)),
    maxErrorRatio: Math.max(...cases.map((c) => c.maxErrorRatio)),
    validationErrors: validation ? [validation.message] : [],
  };
}

addEventListener('message', (event: MessageEvent<GpuWorkerRequest>) => {
  run(event.data).then(
    (report) => postMessage(report satisfies GpuWorkerMessage),
    (err: unknown) => {
      const failure: GpuWorkerMessage =
        err instanceof Error
          ? { ok: false, name: err.name, message: err.message, stack: err.stack }
          : { ok: false, name: 'Error', message: String(err) };
      postMessage(failure);
    },
  );
});
