/**
 * Compute pipelines cached per device by (kernel name, override constants). Compile-time knobs (d, k, tile
 * sizes, workgroup size) are WGSL `override` constants, so one shader module serves every specialisation
 * and a pipeline is compiled once per distinct knob set.
 */
export type OverrideConstants = Readonly<Record<string, number>>;

export interface KernelSource {
  /** Stable kernel name; also the GPU object label prefix. */
  readonly name: string;
  readonly wgsl: string;
  readonly entryPoint: string;
}

const modulesByDevice = new WeakMap<GPUDevice, Map<string, GPUShaderModule>>();
const pipelinesByDevice = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

export function pipelineKey(kernel: KernelSource, constants: OverrideConstants): string {
  const knobs = Object.keys(constants)
    .sort()
    .map((key) => `${key}=${constants[key]}`)
    .join(',');
  return `${kernel.name}:${kernel.entryPoint}[${knobs}]`;
}

function shaderModule(device: GPUDevice, kernel: KernelSource): GPUShaderModule {
  let modules = modulesByDevice.get(device);
  if (!modules) {
    modules = new Map();
    modulesByDevice.set(device, modules);
  }
  let module = modules.get(kernel.name);
  if (!module) {
    module = device.createShaderModule({ label: kernel.name, code: kernel.wgsl });
    modules.set(kernel.name, module);
  }
  return module;
}

/** The pipeline for `kernel` specialised with `constants`, compiled on first use. Layout is 'auto'. */
export function getPipeline(
  device: GPUDevice,
  kernel: KernelSource,
  constants: OverrideConstants,
): GPUComputePipeline {
  let pipelines = pipelinesByDevice.get(device);
  if (!pipelines) {
    pipelines = new Map();
    pipelinesByDevice.set(device, pipelines);
  }
  const key = pipelineKey(kernel, constants);
  let pipeline = pipelines.get(key);
  if (!pipeline) {
    pipeline = device.createComputePipeline({
      label: key,
      layout: 'auto',
      compute: {
        module: shaderModule(device, kernel),
        entryPoint: kernel.entryPoint,
        constants: { ...constants },
      },
    });
    pipelines.set(key, pipeline);
  }
  return pipeline;
}

/** Number of pipelines compiled so far for `device` (tests check that the cache is hit). */
export function cachedPipelineCount(device: GPUDevice): number {
  return pipelinesByDevice.get(device)?.size ?? 0;
}
