/**
 * WebGPU in Node through Dawn (npm `webgpu`). On machines without a GPU, Dawn uses SwiftShader's Vulkan ICD
 * that Debian's Chromium ships; on a GPU host set VK_DRIVER_FILES to the vendor ICD (shared/gpu-host.md).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPTIONAL_FEATURES, requestedLimits } from '../device';
import { GpuUnavailableError } from '../gpu/errors';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Dawn's GPU objects stay referenced for the life of the process: when Node collects the object `create()`
 * returned while an event callback is still pending, Dawn calls into the freed instance and the process
 * segfaults (seen under vitest after a buffer readback, and on the H200 host).
 */
const liveDawnInstances = new Set<GPU>();

export interface NodeGpuOptions {
  /** Dawn toggles, e.g. `disable-dawn-features=timestamp_quantization`. */
  dawnFlags?: string[];
  powerPreference?: GPUPowerPreference;
  /** Features to request when the adapter has them. */
  optionalFeatures?: GPUFeatureName[];
}

function prepareEnvironment(): void {
  if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = join(tmpdir(), 'pqweb-xdg');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
}

/** A GPU (navigator.gpu equivalent) from Dawn, or GpuUnavailableError naming what to install. */
export async function createNodeGpu(options: NodeGpuOptions = {}): Promise<GPU> {
  prepareEnvironment();
  let dawn: typeof import('webgpu');
  try {
    dawn = await import('webgpu');
  } catch (err) {
    throw new GpuUnavailableError(
      `WebGPU for Node needs the npm package "webgpu" (Dawn): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(options.dawnFlags ?? []);
  liveDawnInstances.add(gpu);
  return gpu;
}

/** Make `navigator.gpu` (absent in Node 20) Dawn's GPU, once per process; returns it. */
export async function installNodeGpu(options: NodeGpuOptions = {}): Promise<GPU> {
  const scope = globalThis as { navigator?: { gpu?: GPU } };
  if (scope.navigator?.gpu) return scope.navigator.gpu;
  const gpu = await createNodeGpu(options);
  if (!scope.navigator) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  }
  Object.defineProperty(scope.navigator, 'gpu', { value: gpu, configurable: true });
  return gpu;
}

/** Adapter + device in Node, with the adapter's real limits and the optional features it has. */
export async function createNodeDevice(
  options: NodeGpuOptions = {},
): Promise<{ gpu: GPU; adapter: GPUAdapter; device: GPUDevice }> {
  const gpu = await createNodeGpu(options);
  const adapter = await gpu.requestAdapter(
    options.powerPreference ? { powerPreference: options.powerPreference } : undefined,
  );
  if (!adapter) {
    throw new GpuUnavailableError(
      'Dawn found no WebGPU adapter: install libvulkan1 and chromium (for SwiftShader), or set VK_DRIVER_FILES to a GPU driver ICD',
    );
  }
  const wanted = options.optionalFeatures ?? OPTIONAL_FEATURES;
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({
    label: 'pqweb-node',
    requiredFeatures,
    requiredLimits: requestedLimits(adapter),
  });
  return { gpu, adapter, device };
}
