/**
 * Device ceilings measured once per run (METHOD.md, "measure the two ceilings"): buffer-to-buffer copy
 * bandwidth (bytes read plus bytes written over time) and the cost of an empty dispatch.
 */
import emptyWgsl from './empty.wgsl?raw';
import { type EncodeRun, type GpuTimestamps, webgpuSeriesTimer } from './gpu-timer';
import type { TimingPlan } from './grid';
import { combineRounds, measureRound } from './series';
import { type Summary, scaleSummary } from './stats';

/** Empty dispatches per pass in the back-to-back probe. */
const DISPATCHES_PER_PASS = 64;
/** Copy probe sizes: 256 MiB on a GPU (≫ 60 MB L2, as in gpu-host.md), 32 MiB on SwiftShader. */
export const COPY_BYTES_FULL = 256 * 2 ** 20;
export const COPY_BYTES_QUICK = 32 * 2 ** 20;

export interface CopyProbe {
  bytes: number;
  time: Summary;
  /** (bytes read + bytes written) / median time, bytes per second. */
  bandwidth: number;
  timer: 'gpu' | 'wall';
}

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
  const MICROSECONDS_PER_SECOND = 1e6;
  return { bytes, time, bandwidth: (2 * bytes) / (time.median / MICROSECONDS_PER_SECOND), timer };
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
