/**
 * Dispatch sizing. WebGPU caps each dimension of a dispatch at maxComputeWorkgroupsPerDimension (65535 by
 * default); large grids fold the overflow into y so kernels index with `wid.x + wid.y * num_workgroups.x`.
 */
export interface DispatchSize {
  x: number;
  y: number;
  z: number;
}

export function dispatch1d(device: GPUDevice, workgroups: number): DispatchSize {
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  if (workgroups <= max) return { x: Math.max(1, workgroups), y: 1, z: 1 };
  const y = Math.ceil(workgroups / max);
  if (y > max) throw new RangeError(`dispatch of ${workgroups} workgroups exceeds ${max}² workgroups`);
  return { x: Math.ceil(workgroups / y), y, z: 1 };
}
