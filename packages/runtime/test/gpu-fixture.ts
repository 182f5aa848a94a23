/**
 * Device fixture for GPU tests (conventions: a fresh device per test, a validation error scope, and buffer
 * tracking so a test fails on a leak). Uses Dawn in Node; tests skip with the reason when no adapter exists.
 * The devices skip WGSL's zero-fill of workgroup memory unless asked (SKIP_WORKGROUP_ZERO_FILL says why).
 */
import type { LayerExecutor } from '../src/kernels';
import { createNodeDevice } from '../src/node';

/**
 * Dawn toggle that skips zero-filling workgroup memory, which the GPU tests' devices pass by default.
 *
 * What it saves: WGSL guarantees that `var<workgroup>` memory starts zeroed, so Dawn prepends a zero-fill of every
 * workgroup variable to each entry point. SwiftShader (the CPU Vulkan that CI runs) spends about 1 ms of shader
 * compilation per workgroup float on it, and compilation is most of the gpu project's time: on the 2-CPU machine the
 * toggle took it from ~630 s to ~119 s (and, measured again on a busier day, from 964 s to ~255 s), every test passing.
 *
 * Why it is safe: every `var<workgroup>` in shaders/*.wgsl was audited, and each kernel writes every element it
 * reads in the same dispatch, before a barrier (dense_gemv_subgroup.wgsl zeroes its slot counter itself for this);
 * a kernel added later must do the same, or its tests opt out below. Only the tests skip the zero-fill: browsers,
 * loadNodeClassifier and the benchmark (bench/) keep it, and the e2e Playwright tests run the shipped path in
 * Chromium.
 *
 * Tests that keep the zero-fill (`openGpuTestContext({ zeroWorkgroupMemory: true })`, or a device of their own
 * created without these flags): the measuring-only ablation 'no-table-build' in lut-kernels.gpu.test.ts, which
 * leaves the gather's table unbuilt and expects zeros in it; bench/test/pipelines.gpu.test.ts, whose bench/pipelines.ts
 * dumps the pipelines the shipped path compiles. packages/cli/test/classifier.gpu.test.ts passes the same toggle
 * itself (installNodeGpu and createNodeDevice with DAWN_FLAGS).
 */
export const SKIP_WORKGROUP_ZERO_FILL: readonly string[] = ['enable-dawn-features=disable_workgroup_init'];

export interface GpuTestOptions {
  /**
   * Keep Dawn's default of zero-filling workgroup memory, as WGSL requires and browsers do. Default false: the
   * device skips it (SKIP_WORKGROUP_ZERO_FILL). Set it for a test whose kernel reads workgroup memory it never wrote.
   */
  zeroWorkgroupMemory?: boolean;
}

/** The Dawn flags of a test device with `options`. */
export function testDawnFlags(options: GpuTestOptions = {}): string[] {
  return options.zeroWorkgroupMemory ? [] : [...SKIP_WORKGROUP_ZERO_FILL];
}

export interface GpuTestContext {
  device: GPUDevice;
  adapter: GPUAdapter;
  /** Buffers created through the device and not yet destroyed. */
  liveBuffers(): number;
  /** Pops the validation and out-of-memory scopes; throws on any error. Call once per test. */
  finish(): Promise<void>;
}

let unavailableReason: string | null | undefined;

/** Null when a device can be had here, else why not (probed once per test file). */
export async function gpuUnavailableReason(): Promise<string | null> {
  if (unavailableReason !== undefined) return unavailableReason;
  try {
    const { device } = await createNodeDevice({ dawnFlags: testDawnFlags() });
    device.destroy();
    unavailableReason = null;
  } catch (err) {
    unavailableReason = err instanceof Error ? err.message : String(err);
  }
  return unavailableReason;
}

export async function openGpuTestContext(options: GpuTestOptions = {}): Promise<GpuTestContext> {
  const { device, adapter } = await createNodeDevice({ dawnFlags: testDawnFlags(options) });
  const live = new Set<GPUBuffer>();
  const createBuffer = device.createBuffer.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor): GPUBuffer => {
    const buffer = createBuffer(descriptor);
    live.add(buffer);
    const destroy = buffer.destroy.bind(buffer);
    buffer.destroy = () => {
      live.delete(buffer);
      destroy();
    };
    return buffer;
  };
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  return {
    device,
    adapter,
    liveBuffers: () => live.size,
    async finish() {
      const validation = await device.popErrorScope();
      const oom = await device.popErrorScope();
      const leaked = live.size;
      for (const buffer of [...live]) buffer.destroy();
      device.destroy();
      if (validation) throw new Error(`GPU validation error: ${validation.message}`);
      if (oom) throw new Error(`GPU out-of-memory error: ${oom.message}`);
      if (leaked > 0) throw new Error(`${leaked} GPU buffer(s) leaked: destroy every buffer a test creates`);
    },
  };
}

/** Read a GPU buffer back as float32 (the buffer needs COPY_SRC). */
export async function readFloat32(
  device: GPUDevice,
  source: GPUBuffer,
  byteLength = source.size,
): Promise<Float32Array> {
  const staging = device.createBuffer({
    label: 'test-readback',
    size: byteLength,
    usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
  });
  const encoder = device.createCommandEncoder({ label: 'test-readback' });
  encoder.copyBufferToBuffer(source, 0, staging, 0, byteLength);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}

/** A storage buffer (STORAGE | COPY_SRC | COPY_DST) holding `data`, size rounded up to 16 bytes. */
export function uploadFloat32(device: GPUDevice, data: Float32Array<ArrayBuffer>, label: string): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(data.byteLength / 16) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
  });
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/** An output buffer of `count` floats poisoned with NaN, so unwritten elements are caught. */
export function poisonedOutput(device: GPUDevice, count: number, label: string): GPUBuffer {
  return uploadFloat32(device, new Float32Array(count).fill(Number.NaN), label);
}

/** Seeded PRNG (mulberry32) for reproducible test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomFloats(count: number, random: () => number, scale = 1): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (random() * 2 - 1) * scale;
  return out;
}

/** A layer run's output, and whether the guard floats after it (poisonedOutput's NaNs) are untouched. */
export interface GuardedOutput {
  y: Float32Array;
  guardsIntact: boolean;
}

/**
 * Runs `executor` on `input` for `batch` inputs into `output` (batch × rows floats, then `guardFloats` guards, as
 * poisonedOutput makes it), and reads the result back.
 */
export async function runGuarded(
  device: GPUDevice,
  executor: Pick<LayerExecutor, 'encode' | 'rows'>,
  input: GPUBuffer,
  output: GPUBuffer,
  batch: number,
  guardFloats: number,
): Promise<GuardedOutput> {
  const encoder = device.createCommandEncoder({ label: 'test-run' });
  executor.encode(encoder, input, output, batch);
  device.queue.submit([encoder.finish()]);
  const all = await readFloat32(device, output);
  const count = batch * executor.rows;
  return {
    y: all.slice(0, count),
    guardsIntact: all.subarray(count, count + guardFloats).every(Number.isNaN),
  };
}

/**
 * Uploads `x`, runs a layer executor once into a poisoned output of `rows` floats per input (runGuarded) and reads the
 * result back, then destroys the executor, `owned` (the layer's buffers) and what it created itself, whether or not a
 * step throws. `makeExecutor` runs after the uploads, so a throw from it also leaves nothing behind.
 */
export async function runLayerOnce(
  device: GPUDevice,
  owned: readonly (GPUBuffer | null)[],
  makeExecutor: () => LayerExecutor,
  x: Float32Array<ArrayBuffer>,
  rows: number,
  batch: number,
  guardFloats: number,
): Promise<GuardedOutput & { variant: string }> {
  const input = uploadFloat32(device, x, 'x');
  const output = poisonedOutput(device, batch * rows + guardFloats, 'y');
  let executor: LayerExecutor | null = null;
  try {
    executor = makeExecutor();
    const run = await runGuarded(device, executor, input, output, batch, guardFloats);
    return { ...run, variant: executor.variantAt(batch) };
  } finally {
    executor?.destroy();
    for (const buffer of [...owned, input, output]) buffer?.destroy();
  }
}

/**
 * Opens a test context with `options`, runs `body` on it, and finishes it (validation errors, out-of-memory, leaked
 * buffers) whether or not `body` throws; a throw from `body` wins over the finish's.
 */
export async function withGpu(
  body: (context: GpuTestContext) => Promise<void>,
  options: GpuTestOptions = {},
): Promise<void> {
  const context = await openGpuTestContext(options);
  try {
    await body(context);
  } catch (error) {
    await context.finish().catch(() => undefined);
    throw error;
  }
  await context.finish();
}
