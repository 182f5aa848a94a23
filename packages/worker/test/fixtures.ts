/** A small real .pqw (no backbone, one PQ layer 16 → 5) from seeded codes and codebooks. */
import { bitsForK, encodePqw, packCodes, segmentsFor } from '@pqweb/format';
import type { ModelCacheStore, ModelIo } from '../src/model-bytes';

/** The URL the fake server answers. */
export const MODEL_URL = 'https://models.example/fashion.pqw';

export const TINY_INPUT = 16;
const ROWS = 5;
const D = 4;
const K = 4;

/** mulberry32, as the e2e harness's random.ts. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomTensor(seed: number, length = TINY_INPUT): Float32Array<ArrayBuffer> {
  const random = seededRandom(seed);
  return Float32Array.from({ length }, () => random() * 2 - 1);
}

export function tinyModel(seed = 1): Uint8Array {
  const random = seededRandom(seed);
  const segments = segmentsFor(TINY_INPUT, D);
  const codes = Uint8Array.from({ length: ROWS * segments }, () => Math.floor(random() * K));
  const { words, packing } = packCodes(codes, ROWS, segments, bitsForK(K));
  return encodePqw(
    {
      producer: 'worker unit tests',
      model: {
        name: 'tiny',
        input: { name: 'input', shape: [-1, 1, 4, 4], dtype: 'float32' },
        outputName: 'logits',
      },
      preprocessing: {
        width: 4,
        height: 4,
        channels: 1,
        layout: 'NCHW',
        scale: 1 / 255,
        mean: [0],
        std: [1],
      },
      labels: Array.from({ length: ROWS }, (_, i) => `label-${i}`),
      backbone: null,
      layers: [
        {
          name: 'fc',
          method: 'pq',
          rows: ROWS,
          cols: TINY_INPUT,
          activation: 'none',
          bias: 'bias',
          d: D,
          k: K,
          segments,
          codes: 'codes',
          packing,
          codebook: 'codebook',
        },
      ],
    },
    [
      { name: 'codes', dtype: 'uint32', data: words },
      {
        name: 'codebook',
        dtype: 'float32',
        data: Float32Array.from({ length: segments * K * D }, () => random() - 0.5),
      },
      { name: 'bias', dtype: 'float32', data: Float32Array.from({ length: ROWS }, () => random() - 0.5) },
    ],
  );
}

/** An in-memory Cache and a fake server with an ETag, counting requests by method. */
export function fakeIo(initial: Uint8Array<ArrayBuffer>) {
  const entries = new Map<string, { bytes: Uint8Array<ArrayBuffer>; headers: Headers }>();
  const server = { bytes: initial, etag: '"v1"', gets: 0, heads: 0, status: 200, offline: false };
  const cache: ModelCacheStore = {
    match: async (key) => {
      const entry = entries.get(key);
      return entry ? new Response(entry.bytes.slice(), { headers: entry.headers }) : undefined;
    },
    put: async (key, response) => {
      entries.set(key, {
        bytes: new Uint8Array(await response.arrayBuffer()),
        headers: new Headers(response.headers),
      });
    },
    delete: async (key) => entries.delete(key),
  };
  const io: ModelIo = {
    fetch: async (url, init) => {
      if (server.offline) throw new TypeError('Failed to fetch');
      if (url !== MODEL_URL) return new Response(null, { status: 404 });
      if (init.method === 'HEAD') {
        server.heads++;
        return new Response(null, { status: server.status, headers: { etag: server.etag } });
      }
      server.gets++;
      const headers = { etag: server.etag, 'content-length': String(server.bytes.byteLength) };
      return new Response(server.bytes.slice(), { status: server.status, headers });
    },
    openCache: async () => cache,
  };
  return { io, entries, server };
}
