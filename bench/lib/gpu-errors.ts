/** GPU errors of a piece of bench work, as one line a log can print. */

/**
 * Runs `work` inside validation and out-of-memory error scopes; returns the first error's message, if any (an
 * exception `work` throws, say a mapping of a buffer the device refused, counts as one).
 */
export async function firstGpuError(
  device: GPUDevice,
  work: () => Promise<void>,
): Promise<string | undefined> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let thrown: string | undefined;
  try {
    await work();
  } catch (error) {
    thrown = error instanceof Error ? error.message : String(error);
  }
  const validation = await device.popErrorScope();
  const outOfMemory = await device.popErrorScope();
  // Out of memory first: a buffer the device could not allocate is the cause of the validation errors after it.
  const message = (outOfMemory ?? validation)?.message ?? thrown;
  return message?.replace(/\s*\n\s*/g, ' ').trim();
}
