import { it } from 'vitest';
import { getPipeline } from '../src/gpu/pipeline-cache';
import { SPLITK_REDUCE_KERNEL } from '../src/kernels/sources';
import { createNodeDevice } from '../src/node/dawn';

it('probe', async () => {
  const { device } = await createNodeDevice();
  device.pushErrorScope('validation');
  const p = getPipeline(device, SPLITK_REDUCE_KERNEL, { WORKGROUP_SIZE: 64 });
  p.getBindGroupLayout(0);
  console.log('ERR', (await device.popErrorScope())?.message);
});
