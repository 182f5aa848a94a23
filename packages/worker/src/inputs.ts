/**
 * Page side: classifier inputs → what crosses to the worker, and what is transferred rather than copied.
 * - ImageBitmap: transferred; the caller's bitmap is detached (width and height 0, as after close()).
 * - Float32Array, TensorInput.data, PixelInput.data, ImageData.data: the typed array's buffer is transferred
 *   when the array spans all of it — the caller's array is then detached (length 0). A view into a larger or
 *   shared buffer is copied instead, so no bytes but the input's own are taken from the caller.
 * - HTMLImageElement, HTMLCanvasElement, OffscreenCanvas: snapshotted with createImageBitmap (the caller's
 *   element is untouched) and the snapshot transferred.
 */
import { type ClassifierInput, InputError, type PixelInput, type TensorInput } from '@pqweb/runtime/api';
import type { WireInput } from './protocol';

export interface PreparedInputs {
  inputs: WireInput[];
  /** Deduplicated: the same buffer twice in one message would fail to post (DataCloneError). */
  transfer: Transferable[];
}

type ElementSource = HTMLImageElement | HTMLCanvasElement | OffscreenCanvas;

function isInstance<T>(value: unknown, name: string): value is T {
  // Looked up at call time: Node has no ImageBitmap, a worker no HTMLImageElement.
  const classValue: unknown = Reflect.get(globalThis, name);
  return typeof classValue === 'function' && value instanceof classValue;
}

/** The typed array itself when its buffer is its own and transferable; else a copy that is. */
function ownBuffer<T extends Float32Array | Uint8Array | Uint8ClampedArray>(
  array: T,
  transfer: Set<Transferable>,
): T {
  if (array.byteLength === 0) {
    // Posting a detached buffer fails with a DataCloneError that names nothing; say what happened instead.
    throw new InputError(
      `the input ${array.constructor.name} holds 0 bytes: if it was passed to the worker classifier before, its buffer was transferred (detached); pass a fresh array or a copy per call`,
    );
  }
  const { buffer } = array;
  if (buffer instanceof ArrayBuffer && array.byteOffset === 0 && array.byteLength === buffer.byteLength) {
    transfer.add(buffer);
    return array;
  }
  // slice() copies into a fresh ArrayBuffer of exactly the view's bytes.
  const copy = array.slice() as T;
  transfer.add(copy.buffer as ArrayBuffer);
  return copy;
}

function hasData(input: ClassifierInput): input is TensorInput | PixelInput {
  return typeof input === 'object' && input !== null && 'data' in input;
}

async function prepareOne(
  input: ClassifierInput,
  transfer: Set<Transferable>,
  owned: ImageBitmap[],
): Promise<WireInput> {
  if (input instanceof Float32Array) return ownBuffer(input, transfer);
  if (isInstance<ImageBitmap>(input, 'ImageBitmap')) {
    transfer.add(input);
    return input;
  }
  if (isInstance<ImageData>(input, 'ImageData')) {
    ownBuffer(input.data, transfer);
    return input;
  }
  if (
    isInstance<ElementSource>(input, 'HTMLImageElement') ||
    isInstance<ElementSource>(input, 'HTMLCanvasElement') ||
    isInstance<ElementSource>(input, 'OffscreenCanvas')
  ) {
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(input);
    } catch (error) {
      throw new InputError(
        `could not snapshot the ${input.constructor.name} for the worker (is the image loaded and decodable?): ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
    owned.push(bitmap);
    transfer.add(bitmap);
    return bitmap;
  }
  if (hasData(input)) {
    if (input.data instanceof Float32Array) {
      const tensor: TensorInput = { data: ownBuffer(input.data, transfer) };
      if ('shape' in input && input.shape !== undefined) tensor.shape = [...input.shape];
      return tensor;
    }
    if ('width' in input && (input.data instanceof Uint8ClampedArray || input.data instanceof Uint8Array)) {
      return { data: ownBuffer(input.data, transfer), width: input.width, height: input.height };
    }
  }
  throw new InputError(
    'unsupported input: pass an ImageBitmap, ImageData, HTMLImageElement, canvas, {data, width, height} pixels or a Float32Array tensor',
  );
}

export async function prepareInputs(inputs: readonly ClassifierInput[]): Promise<PreparedInputs> {
  const transfer = new Set<Transferable>();
  const owned: ImageBitmap[] = [];
  try {
    const wire: WireInput[] = [];
    // In order, so the transfer list follows the inputs; snapshots are the only awaits.
    for (const input of inputs) wire.push(await prepareOne(input, transfer, owned));
    return { inputs: wire, transfer: [...transfer] };
  } catch (error) {
    for (const bitmap of owned) bitmap.close();
    throw error;
  }
}
