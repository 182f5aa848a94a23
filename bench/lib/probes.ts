/**
 * Device ceilings measured once per run (METHOD.md, "measure the two ceilings"): streaming bandwidth and the cost
 * of an empty dispatch. Bandwidth is taken three ways on the same 256 MiB: copyBufferToBuffer and a WGSL vec4
 * copy (bytes read plus bytes written over time), and a WGSL read-only pass (bytes read over time). The first
 * H200 run measured 843 GB/s with copyBufferToBuffer alone while a dense GEMV streamed 1 GiB at ≈4.2 TB/s, so
 * a single method cannot be trusted as the ceiling: the bound uses the faster copy.
 */
import emptyWgsl from './empty.wgsl?raw';
import { type EncodeRun, type GpuTimestamps, webgpuSeriesTimer } from './gpu-timer';
import type { TimingPlan } from './grid';
import { combineRounds, measureRound } from './series';
import { type Summary, scaleSummary } from './stats';
import streamWgsl from './stream.wgsl?raw';

/** Empty dispatches per pass in the back-to-back probe. */
const DISPATCHES_PER_PASS = 64;
/** Copy probe sizes: 256 MiB on a GPU (≫ 60 MB L2, as in gpu-host.md), 32 MiB on SwiftShader. */
export const COPY_BYTES_FULL = 256 * 2 ** 20;
export const COPY_BYTES_QUICK = 32 * 2 ** 20;

export type StreamMethod = 'copyBufferToBuffer' | 'wgsl-copy' | 'wgsl-read';

export interface CopyProbe {
  bytes: number;
  time: Summary;
  /** (bytes read + bytes written) / median time, bytes per second (bytes read alone for 'wgsl-read'). */
  bandwidth: number;
  timer: 'gpu' | 'wall';
  /** How the bytes were moved (absent in runs before the WGSL probes). */
  method?: StreamMethod;
}

/** Workgroups of the WGSL stream probes: 32 per SM of an H200 (132 SMs), each looping over its share. */
const STREAM_WORKGROUPS = 4224;
const STREAM_WORKGROUP_SIZE = 256;
const MICROSECONDS_PER_SECOND = 1e6;

function medianSource(timing: ReturnType<typeof combineRounds>): { time: Summary; timer: 'gpu' | 'wall' } {
  return timing.gpuPerRun ? { time: timing.gpuPerRun, timer: 'gpu' } : { time: timing.wall, timer: 'wall' };
}

export async function measureCopy(
  device: GPUDevice,
  timestamps: GpuTimestamps | null,
  plan: TimingPlan,
  bytes: number,
): Promise<CopyProbe> {
  const usage = GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const source = device.createBuffer({ label: 'bench/copy-src', size: bytes, usage });
  const target = device.createBuffer({ label: 'bench/copy-dst', size: bytes, usage });
  // Fill the source with non-zero bytes: a copy of zeros might be compressed or skipped by a driver.
  const pattern = new Uint32Array(2 ** 20).map((_, i) => (i * 2654435761) >>> 0);
  for (let offset = 0; offset < bytes; offset += pattern.byteLength) {
    device.queue.writeBuffer(source, offset, pattern, 0, Math.min(pattern.length, (bytes - offset) / 4));
  }
  const encodeRun: EncodeRun = (encoder) => encoder.copyBufferToBuffer(source, 0, target, 0, bytes);
  const timing = combineRounds([
    await measureRound(webgpuSeriesTimer(device, encodeRun, timestamps), plan, { nextIndex: 0 }),
  ]);
  source.destroy();
  target.destroy();
  const { time, timer } = medianSource(timing);
  return {
    bytes,
    time,
    bandwidth: (2 * bytes) / (time.median / MICROSECONDS_PER_SECOND),
    timer,
    method: 'copyBufferToBuffer',
  };
}

/** The WGSL copy ('wgsl-copy', read + write) or read-only pass ('wgsl-read') over `bytes`. */
export async function measureStream(
  device: GPUDevice,
  timestamps: GpuTimestamps | null,
  plan: TimingPlan,
  bytes: number,
  method: 'wgsl-copy' | 'wgsl-read',
): Promise<CopyProbe> {
  const source = device.createBuffer({
    label: 'bench/stream-src',
    size: bytes,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
  const targetBytes = method === 'wgsl-copy' ? bytes : STREAM_WORKGROUPS * STREAM_WORKGROUP_SIZE * 16;
  const target = device.createBuffer({
    label: 'bench/stream-dst',
    size: targetBytes,
    usage: GPUBufferUsage.STORAGE,
  });
  const pattern = new Uint32Array(2 ** 20).map((_, i) => (i * 2654435761) >>> 0);
  for (let offset = 0; offset < bytes; offset += pattern.byteLength) {
    device.queue.writeBuffer(source, offset, pattern, 0, Math.min(pattern.length, (bytes - offset) / 4));
  }
  const pipeline = device.createComputePipeline({
    label: `bench/${method}`,
    layout: 'auto',
    compute: {
      module: device.createShaderModule({ label: 'bench/stream', code: streamWgsl }),
      entryPoint: method === 'wgsl-copy' ? 'copy_stream' : 'read_stream',
      constants: { WORKGROUP_SIZE: STREAM_WORKGROUP_SIZE },
    },
  });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: source } },
      { binding: 1, resource: { buffer: target } },
    ],
  });
  const encodeRun: EncodeRun = (encoder) => {
    const pass = encoder.beginComputePass({ label: `bench/${method}` });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(STREAM_WORKGROUPS);
    pass.end();
  };
  const timing = combineRounds([
    await measureRound(webgpuSeriesTimer(device, encodeRun, timestamps), plan, { nextIndex: 0 }),
  ]);
  source.destroy();
  target.destroy();
  const { time, timer } = medianSource(timing);
  const moved = method === 'wgsl-copy' ? 2 * bytes : bytes;
  return { bytes, time, bandwidth: moved / (time.median / MICROSECONDS_PER_SECOND), timer, method };
}

export interface DispatchProbe {
  /** One empty dispatch in its own pass. */
  single: Summary;
  /** Per dispatch, DISPATCHES_PER_PASS empty dispatches in one pass. */
  backToBack: Summary;
}

export async function measureEmptyDispatch(
  device: GPUDevice,
  timestamps: GpuTimestamps | null,
  plan: TimingPlan,
): Promise<DispatchProbe> {
  const pipeline = device.createComputePipeline({
    label: 'bench/empty',
    layout: 'auto',
    compute: {
      module: device.createShaderModule({ label: 'bench/empty', code: emptyWgsl }),
      entryPoint: 'main',
    },
  });
  const dispatches =
    (count: number): EncodeRun =>
    (encoder) => {
      const pass = encoder.beginComputePass({ label: 'bench/empty' });
      pass.setPipeline(pipeline);
      for (let i = 0; i < count; i++) pass.dispatchWorkgroups(1);
      pass.end();
    };
  const single = combineRounds([
    await measureRound(webgpuSeriesTimer(device, dispatches(1), timestamps), plan, { nextIndex: 0 }),
  ]);
  const many = combineRounds([
    await measureRound(webgpuSeriesTimer(device, dispatches(DISPATCHES_PER_PASS), timestamps), plan, {
      nextIndex: 0,
    }),
  ]);
  return {
    single: single.gpuPerRun ?? single.wall,
    backToBack: scaleSummary(many.gpuPerRun ?? many.wall, 1 / DISPATCHES_PER_PASS),
  };
}

/** Bytes each busy pass copies (beyond any L2): 64 MiB. */
const BUSY_COPY_BYTES = 64 * 2 ** 20;

/** Keeps the GPU copying large buffers for `ms` milliseconds. */
export async function keepGpuBusy(device: GPUDevice, ms: number): Promise<void> {
  const usage = GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const source = device.createBuffer({ label: 'bench/busy-src', size: BUSY_COPY_BYTES, usage });
  const target = device.createBuffer({ label: 'bench/busy-dst', size: BUSY_COPY_BYTES, usage });
  const start = performance.now();
  while (performance.now() - start < ms) {
    const encoder = device.createCommandEncoder({ label: 'bench/busy' });
    for (let i = 0; i < 16; i++) encoder.copyBufferToBuffer(source, 0, target, 0, BUSY_COPY_BYTES);
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
  }
  source.destroy();
  target.destroy();
}
