/** Model bytes from a URL, ArrayBuffer, Blob or File, with progress and cancellation. */
import type { LoadProgress } from './api';
import { ModelLoadError } from './api';

export type ModelSource = string | URL | ArrayBuffer | Uint8Array | Blob;

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('the load was aborted', 'AbortError');
}

/**
 * A byte stream read whole, with progress; an abort cancels the pending read at once (not after the next
 * chunk) and rejects with the signal's reason.
 */
export async function readStream(
  stream: ReadableStream<Uint8Array>,
  total: number | null,
  options: { onProgress?: (p: LoadProgress) => void; signal?: AbortSignal } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const { onProgress, signal } = options;
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress?.({ loaded, total });
  const cancelRead = () =>
    void reader.cancel(signal ? abortReason(signal) : undefined).catch(() => undefined);
  signal?.addEventListener('abort', cancelRead, { once: true });
  try {
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      onProgress?.({ loaded, total });
    }
  } finally {
    signal?.removeEventListener('abort', cancelRead);
    reader.releaseLock();
  }
  if (signal?.aborted) throw abortReason(signal);
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

export async function readModelSource(
  source: ModelSource,
  options: { onProgress?: (p: LoadProgress) => void; signal?: AbortSignal } = {},
): Promise<Uint8Array> {
  const { onProgress, signal } = options;
  signal?.throwIfAborted();
  if (source instanceof Uint8Array) {
    onProgress?.({ loaded: source.byteLength, total: source.byteLength });
    return source;
  }
  if (source instanceof ArrayBuffer) {
    onProgress?.({ loaded: source.byteLength, total: source.byteLength });
    return new Uint8Array(source);
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    return readStream(source.stream(), source.size, { onProgress, signal });
  }
  const url = String(source);
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (err) {
    if (signal?.aborted) throw signal.reason ?? err;
    throw new ModelLoadError(`could not fetch ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!response.ok)
    throw new ModelLoadError(`could not fetch ${url}: HTTP ${response.status} ${response.statusText}`);
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  return readStream(response.body, total, { onProgress, signal });
}
