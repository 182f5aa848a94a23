/**
 * The GPUDevice the runtime works on: the caller's (never destroyed by us) or one we request with the
 * adapter's real limits. Device loss is tracked so the next call can rebuild instead of hanging.
 */
import type { AdapterSummary } from './api';
import { GpuUnavailableError } from './gpu/errors';

/** Features the kernels use when present: subgroup reductions and GPU timestamps for benchmarks. */
export const OPTIONAL_FEATURES: GPUFeatureName[] = ['subgroups', 'timestamp-query'];

/** Limits worth raising to the adapter's maximum: big layers need big bindings and workgroup memory. */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension',
] as const;

/** Every limit in RAISED_LIMITS at the adapter's maximum, for requestDevice's requiredLimits. */
export function requestedLimits(adapter: GPUAdapter): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) limits[name] = adapter.limits[name];
  return limits;
}

/**
 * Whether `device` is a software implementation of WebGPU: its adapter says it is a fallback adapter, as SwiftShader
 * (Chrome's and Dawn's CPU implementation) does. There every invocation runs on the CPU, so workgroup memory buys
 * nothing and each barrier switches between invocations; GpuHead runs its PQ / RQ layers on 'lut-global' there. A
 * device without adapterInfo (browsers before it shipped) counts as hardware.
 */
export function isSoftwareDevice(device: GPUDevice): boolean {
  const info = (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return info?.isFallbackAdapter === true;
}

export interface DeviceHandle {
  device: GPUDevice;
  adapter: AdapterSummary | null;
  /** True when the runtime requested the device and may destroy and re-request it. */
  owned: boolean;
  readonly lost: boolean;
  readonly lostReason: string | null;
  release(): void;
}

function summarize(info: GPUAdapterInfo | undefined): AdapterSummary | null {
  if (!info) return null;
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
  };
}

function track(device: GPUDevice, adapter: AdapterSummary | null, owned: boolean): DeviceHandle {
  let lost = false;
  let lostReason: string | null = null;
  void device.lost.then((info) => {
    lost = true;
    lostReason = `${info.reason}: ${info.message}`;
  });
  return {
    device,
    adapter,
    owned,
    get lost() {
      return lost;
    },
    get lostReason() {
      return lostReason;
    },
    release() {
      if (owned && !lost) device.destroy();
    },
  };
}

export function getGpu(): GPU | null {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu ?? null;
}

export async function acquireDevice(given?: GPUDevice): Promise<DeviceHandle> {
  if (given) return track(given, summarize(given.adapterInfo), false);
  const gpu = getGpu();
  if (!gpu) {
    throw new GpuUnavailableError(
      'WebGPU is not available here (no navigator.gpu): use a browser with WebGPU, or pass options.device',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new GpuUnavailableError('WebGPU is present but no GPU adapter was granted');
  const requiredLimits = requestedLimits(adapter);
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      label: 'pqweb',
      requiredFeatures: OPTIONAL_FEATURES.filter((f) => adapter.features.has(f)),
      requiredLimits,
    });
  } catch (err) {
    throw new GpuUnavailableError(
      `the GPU adapter refused a device: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return track(device, summarize(adapter.info), true);
}
