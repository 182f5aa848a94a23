/**
 * Device fixture for GPU tests (conventions: a fresh device per test, a validation error scope, and buffer
 * tracking so a test fails on a leak). Uses Dawn in Node; tests skip with the reason when no adapter exists.
 */
import { createNodeDevice } from '../src/node';

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
    const { device } = await createNodeDevice();
    device.destroy();
    unavailableReason = null;
  } catch (err) {
    unavailableReason = err instanceof Error ? err.message : String(err);
  }
  return unavailableReason;
}

export async function openGpuTestContext(): Promise<GpuTestContext> {
  const { device, adapter } = await createNodeDevice();
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
