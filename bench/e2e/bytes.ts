/**
 * Counting what the page downloaded for a row: each finished response is sorted into the model file,
 * onnxruntime-web's wasm (the binary and the small module that loads it: both paths need them, pqweb for its
 * conv backbone) or anything else, by its URL path.
 */
import type { E2eBytes, E2eResourceKind } from './results';

export interface ObservedResponse {
  url: string;
  /** Response body bytes as received (Playwright's `request.sizes().responseBodySize`). */
  bodyBytes: number;
}

/** onnxruntime-web's wasm builds and their loaders: ort-wasm-simd-threaded[.jsep|.jspi|.asyncify].{wasm,mjs}. */
const ORT_WASM_FILE = /^ort-wasm[\w.-]*\.(wasm|mjs)$/;

function pathOf(url: string): string {
  return decodeURIComponent(new URL(url, 'http://localhost').pathname);
}

/** What a URL is, given the URL path the page fetches the model from. */
export function resourceKind(url: string, modelPath: string): E2eResourceKind {
  const path = pathOf(url);
  if (path === pathOf(modelPath)) return 'model';
  const name = path.slice(path.lastIndexOf('/') + 1);
  return ORT_WASM_FILE.test(name) ? 'ort-wasm' : 'other';
}

/** Sums the responses by kind; keeps each request's path, kind and bytes for the JSON. */
export function tallyBytes(responses: readonly ObservedResponse[], modelPath: string): E2eBytes {
  const tally: E2eBytes = { model: 0, ortWasm: 0, other: 0, requests: [] };
  for (const response of responses) {
    if (!(Number.isFinite(response.bodyBytes) && response.bodyBytes >= 0)) {
      throw new RangeError(`response of ${response.url} has body size ${response.bodyBytes}`);
    }
    const kind = resourceKind(response.url, modelPath);
    if (kind === 'model') tally.model += response.bodyBytes;
    else if (kind === 'ort-wasm') tally.ortWasm += response.bodyBytes;
    else tally.other += response.bodyBytes;
    tally.requests.push({ path: pathOf(response.url), kind, bytes: response.bodyBytes });
  }
  return tally;
}
