/** No WebGPU adapter or device could be had (no `navigator.gpu`, adapter refused, device request failed). */
export class GpuUnavailableError extends Error {
  override name = 'GpuUnavailableError';
}

/** The GPUDevice was lost (destroyed, driver reset, too much memory) while work was pending or starting. */
export class GpuDeviceLostError extends Error {
  override name = 'GpuDeviceLostError';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/** Data does not fit a device limit (e.g. a buffer larger than maxStorageBufferBindingSize) and cannot be split. */
export class GpuLimitError extends Error {
  override name = 'GpuLimitError';
  constructor(
    message: string,
    readonly limit: string,
    readonly required: number,
    readonly available: number,
  ) {
    super(message);
  }
}

/** A kernel was dispatched with inputs of the wrong shape or size; the message spells out what was expected. */
export class KernelInputError extends Error {
  override name = 'KernelInputError';
}
