/**
 * firstGpuError (bench/lib/gpu-errors.ts) on this machine's Vulkan (SwiftShader here): what bench:pipelines' child
 * reports when a layer's buffers are beyond the device (its pipelines dumped before), one line, the cause first.
 */
import { describe, expect, it } from 'vitest';
import { createNodeDevice } from '../../packages/runtime/src/node/dawn';
import { firstGpuError } from '../lib/gpu-errors';

const gpu = await createNodeDevice().catch((error: unknown) =>
  error instanceof Error ? error : new Error(String(error)),
);
const noGpuReason = gpu instanceof Error ? gpu.message : false;

describe.skipIf(noGpuReason)('firstGpuError', () => {
  it('is undefined for work the device accepts, and one line naming the error for work it refuses', async () => {
    if (gpu instanceof Error) return;
    const { device } = gpu;
    const accepted = await firstGpuError(device, async () => {
      const buffer = device.createBuffer({
        size: 256,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buffer, 0, new Float32Array(64));
      await device.queue.onSubmittedWorkDone();
      buffer.destroy();
    });
    expect(accepted).toBeUndefined();
    // A buffer past the device's maxBufferSize: a validation error, and the write into it another after it.
    const refused = await firstGpuError(device, async () => {
      const buffer = device.createBuffer({
        size: device.limits.maxBufferSize + 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buffer, 0, new Float32Array(4));
      await device.queue.onSubmittedWorkDone();
    });
    expect(refused).toMatch(/size/i);
    expect(refused).not.toContain('\n');
    // Both scopes were popped: popping again finds none (the spec's OperationError).
    await expect(device.popErrorScope()).rejects.toThrow();
    const thrown = await firstGpuError(device, async () => {
      throw new Error('mapping failed\n  at the buffer');
    });
    expect(thrown).toBe('mapping failed at the buffer');
  });
});
