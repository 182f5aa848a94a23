/** What the JSON records about the machine and the WebGPU adapter the numbers come from. */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import type { AdapterRecord, MachineRecord } from './results';

/** First line of the NVIDIA kernel module's version file, e.g. "NVRM version: … 580.159 …". */
const NVIDIA_VERSION_FILE = '/proc/driver/nvidia/version';

/** Limits worth recording: the ones that shape the kernels' tiling and bindings. */
const RECORDED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension',
  'minStorageBufferOffsetAlignment',
] as const;

export function describeMachine(): MachineRecord {
  const cpuList = cpus();
  const driverLine = existsSync(NVIDIA_VERSION_FILE)
    ? (readFileSync(NVIDIA_VERSION_FILE, 'utf8').split('\n')[0]?.trim() ?? null)
    : null;
  return {
    hostname: hostname(),
    platform: process.platform,
    arch: process.arch,
    cpus: cpuList[0]?.model ?? 'unknown',
    cpuCount: cpuList.length,
    memoryBytes: totalmem(),
    node: process.version,
    driver: driverLine,
  };
}

export function describeAdapter(adapter: GPUAdapter, device: GPUDevice): AdapterRecord {
  const { vendor, architecture, device: deviceName, description } = adapter.info;
  const limits: Record<string, number> = {};
  for (const name of RECORDED_LIMITS) limits[name] = device.limits[name];
  return {
    vendor,
    architecture,
    device: deviceName,
    description,
    isSwiftShader: [vendor, architecture, deviceName, description].some((text) => /swiftshader/i.test(text)),
    features: [...device.features].sort(),
    limits,
  };
}

/** File-name part for the adapter: "swiftshader", "nvidia-h200", … */
export function adapterSlug(adapter: AdapterRecord): string {
  if (adapter.isSwiftShader) return 'swiftshader';
  const name = adapter.device || adapter.description || `${adapter.vendor}-${adapter.architecture}`;
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'unknown-adapter';
}
