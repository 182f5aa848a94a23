/** Model bytes from a URL, ArrayBuffer, Blob or File, with progress and cancellation. */
import type { LoadProgress } from './api';
import { ModelLoadError } from './api';

export type ModelSource = string | URL | ArrayBuffer | Uint8Array | Blob;

export async function readStream(
  body: ReadableStream<Uint8Array>,
  total: number | null,
  onProgress: ((p: LoadProgress) => void) | undefined,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress?.({ loaded, total });
  try {
    for (;;) {
      if (signal?.aborted) throw signal.reason ?? new DOMException('aborted', 'AbortError');
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      onProgress?.({ loaded, total });
    }
  } finally {
    reader.releaseLock();
  }
  const out = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
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
    return readStream(source.stream(), source.size, onProgress, signal);
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
  return readStream(response.body, total, onProgress, signal);
}
