import { InputError } from '@pqweb/runtime';
import { describe, expect, it } from 'vitest';
import { prepareInputs } from '../src/inputs';

describe('prepareInputs', () => {
  it('transfers a Float32Array that spans its buffer (no copy)', async () => {
    const tensor = new Float32Array([1, 2, 3]);
    const { inputs, transfer } = await prepareInputs([tensor]);
    expect(inputs[0]).toBe(tensor);
    expect(transfer).toEqual([tensor.buffer]);
  });

  it('copies a view into a larger buffer, so only its own bytes cross', async () => {
    const backing = new Float32Array([9, 1, 2, 3, 9]);
    const view = backing.subarray(1, 4);
    const { inputs, transfer } = await prepareInputs([view]);
    const sent = inputs[0];
    expect(sent).not.toBe(view);
    expect(sent instanceof Float32Array && [...sent]).toEqual([1, 2, 3]);
    expect(transfer).toHaveLength(1);
    expect(transfer[0]).not.toBe(backing.buffer);
    // Posting detaches what is listed: the caller's backing buffer is not.
    structuredClone(inputs, { transfer });
    expect(backing.length).toBe(5);
  });

  it('keeps TensorInput and PixelInput shapes and lists each buffer once', async () => {
    const data = new Float32Array(4);
    const pixels = new Uint8ClampedArray(16);
    const { inputs, transfer } = await prepareInputs([
      { data, shape: [1, 1, 2, 2] },
      { data: pixels, width: 2, height: 2 },
      data,
    ]);
    expect(inputs[0]).toEqual({ data, shape: [1, 1, 2, 2] });
    expect(inputs[1]).toEqual({ data: pixels, width: 2, height: 2 });
    expect(transfer).toEqual([data.buffer, pixels.buffer]);
    // The posted message detaches the caller's arrays.
    structuredClone(inputs, { transfer });
    expect(data.length).toBe(0);
    expect(pixels.length).toBe(0);
  });

  it('names a detached (already transferred) input instead of failing to post', async () => {
    const tensor = new Float32Array(8);
    structuredClone(tensor, { transfer: [tensor.buffer] });
    await expect(prepareInputs([tensor])).rejects.toThrow(InputError);
    await expect(prepareInputs([tensor])).rejects.toThrow(/transferred \(detached\)/);
  });

  it('refuses what cannot be classified', async () => {
    await expect(prepareInputs([{ nothing: true } as never])).rejects.toThrow(InputError);
  });
});
