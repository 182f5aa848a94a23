import { describe, expect, it } from 'vitest';
import { resourceKind, tallyBytes } from '../e2e/bytes';

const MODEL = '/@fs/work/main/apps/demo/public/models/fashion-vgg.pqw';
const ORT_DIST =
  'http://127.0.0.1:5174/@fs/work/main/node_modules/.pnpm/onnxruntime-web@1.30.0/node_modules/onnxruntime-web/dist';

describe('bench:e2e byte counting', () => {
  it('sorts URLs into the model, onnxruntime-web wasm and the rest', () => {
    expect(resourceKind(`http://127.0.0.1:5174${MODEL}`, MODEL)).toBe('model');
    // Query strings and percent-encoding do not hide the model.
    expect(resourceKind(`http://127.0.0.1:5174${MODEL.replace('fashion', 'fashi%6Fn')}?v=3`, MODEL)).toBe(
      'model',
    );
    expect(resourceKind(`${ORT_DIST}/ort-wasm-simd-threaded.asyncify.wasm`, MODEL)).toBe('ort-wasm');
    expect(resourceKind(`${ORT_DIST}/ort-wasm-simd-threaded.jsep.mjs`, MODEL)).toBe('ort-wasm');
    // The main onnxruntime-web bundle is page script, not the wasm; another .pqw is not this model.
    expect(resourceKind(`${ORT_DIST}/ort.webgpu.bundle.min.mjs`, MODEL)).toBe('other');
    expect(resourceKind('http://127.0.0.1:5174/@fs/work/main/other/fashion-vgg.pqw', MODEL)).toBe('other');
  });

  it('sums body bytes per kind and keeps every request', () => {
    const tally = tallyBytes(
      [
        { url: `http://127.0.0.1:5174${MODEL}`, bodyBytes: 891_344 },
        { url: `${ORT_DIST}/ort-wasm-simd-threaded.asyncify.wasm`, bodyBytes: 26_781_914 },
        { url: `${ORT_DIST}/ort-wasm-simd-threaded.asyncify.mjs`, bodyBytes: 53_057 },
        { url: 'http://127.0.0.1:5174/favicon.ico', bodyBytes: 0 },
        { url: 'http://127.0.0.1:5174/extra.js', bodyBytes: 120 },
      ],
      MODEL,
    );
    expect(tally.model).toBe(891_344);
    expect(tally.ortWasm).toBe(26_781_914 + 53_057);
    expect(tally.other).toBe(120);
    expect(tally.requests).toHaveLength(5);
    expect(tally.requests[0]).toEqual({ path: MODEL, kind: 'model', bytes: 891_344 });
  });

  it('counts a model fetched twice twice', () => {
    const url = `http://127.0.0.1:5174${MODEL}`;
    const tally = tallyBytes(
      [
        { url, bodyBytes: 1000 },
        { url, bodyBytes: 1000 },
      ],
      MODEL,
    );
    expect(tally.model).toBe(2000);
  });

  it('refuses a size that is not a byte count', () => {
    expect(() => tallyBytes([{ url: 'http://x/a', bodyBytes: -1 }], MODEL)).toThrow(/body size -1/);
    expect(() => tallyBytes([{ url: 'http://x/a', bodyBytes: Number.NaN }], MODEL)).toThrow(RangeError);
  });
});
