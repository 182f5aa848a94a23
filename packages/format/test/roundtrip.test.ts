import { describe, expect, it } from 'vitest';
import {
  decodePqw,
  encodePqw,
  HEADER_BYTES,
  layerArrays,
  PQW_MAGIC,
  PQW_VERSION,
  readManifestOnly,
  reconstructWeights,
  SECTION_ALIGNMENT,
} from '../src/index';
import { encodeFixture, type LayerSource } from './fixtures';

/**
 * Dense W from the fixture's own arrays, written column by column (the library works segment by segment), so
 * the two computations share no code.
 */
function naiveWeights(source: LayerSource): Float32Array {
  const { layer } = source;
  const { rows, cols } = layer;
  const weights = new Float32Array(rows * cols);
  const need = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error(`fixture for ${layer.method} lacks an array`);
    return value;
  };
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < cols; c++) {
      let w = 0;
      switch (layer.method) {
        case 'pq':
        case 'rq': {
          const stages = layer.method === 'rq' ? layer.stages : 1;
          const segment = Math.floor(c / layer.d);
          for (let t = 0; t < stages; t++) {
            const code = need(source.codes)[(t * rows + i) * layer.segments + segment];
            w += need(source.codebook)[
              ((t * layer.segments + segment) * layer.k + code) * layer.d + (c % layer.d)
            ];
          }
          break;
        }
        case 'kmeans':
          w = need(source.codebook)[need(source.codes)[i * cols + c]];
          break;
        case 'binary':
          w = need(source.scales)[i] * (need(source.codes)[i * cols + c] * 2 - 1);
          break;
        case 'svd':
          for (let r = 0; r < layer.rank; r++)
            w += need(source.u)[i * layer.rank + r] * need(source.v)[r * cols + c];
          break;
        case 'dense':
          w = need(source.weight)[i * cols + c];
          break;
      }
      weights[i * cols + c] = w;
    }
  }
  return weights;
}

describe('encodePqw / decodePqw round trip', () => {
  const { bytes, fixture } = encodeFixture(1);

  it('writes the header the docs describe', () => {
    expect(Array.from(bytes.subarray(0, 8))).toEqual(Array.from(PQW_MAGIC));
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(view.getUint32(8, true)).toBe(PQW_VERSION);
    const manifestLength = view.getUint32(12, true);
    expect(view.getUint32(20, true)).toBe(0);
    const json = JSON.parse(
      new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + manifestLength)),
    );
    expect(json.format).toBe('pqw');
    expect(bytes.length % SECTION_ALIGNMENT).toBe(0);
  });

  it('lays sections out aligned, ascending and without overlap', () => {
    const { manifest } = decodePqw(bytes);
    let end = 0;
    for (const section of manifest.sections) {
      expect(section.offset % SECTION_ALIGNMENT).toBe(0);
      expect(section.offset).toBeGreaterThanOrEqual(end);
      end = section.offset + section.length;
    }
  });

  it('returns the manifest that went in', () => {
    const { manifest } = decodePqw(bytes);
    expect(manifest.layers).toEqual(fixture.draft.layers);
    expect(manifest.labels).toEqual(fixture.draft.labels);
    expect(manifest.preprocessing).toEqual(fixture.draft.preprocessing);
    expect(manifest.backbone).toEqual(fixture.draft.backbone);
    expect(manifest.provenance).toEqual(fixture.draft.provenance);
    expect(manifest.sections.map((s) => s.name)).toEqual(fixture.sections.map((s) => s.name));
  });

  it('returns every layer array of every method exactly, float16 codebooks included', () => {
    const file = decodePqw(bytes);
    expect(new Set(fixture.sources.map((s) => s.layer.method))).toEqual(
      new Set(['pq', 'kmeans', 'binary', 'rq', 'svd', 'dense']),
    );
    fixture.sources.forEach((source, index) => {
      const arrays = layerArrays(file, file.manifest.layers[index]);
      expect(arrays.codes).toEqual(source.codes);
      expect(arrays.codebook).toEqual(source.codebook);
      expect(arrays.scales).toEqual(source.scales);
      expect(arrays.u).toEqual(source.u);
      expect(arrays.v).toEqual(source.v);
      expect(arrays.weight).toEqual(source.weight);
      expect(arrays.bias).toEqual(source.bias);
    });
    expect(Array.from(file.bytes('backbone'))).toEqual(Array.from(fixture.backboneBytes));
  });

  it('reconstructs W like an independent column-wise computation, d not dividing n included', () => {
    const file = decodePqw(bytes);
    const pq = fixture.sources[0]?.layer;
    expect(pq?.method === 'pq' && pq.cols % pq.d !== 0).toBe(true);
    fixture.sources.forEach((source, index) => {
      const layer = file.manifest.layers[index];
      const weights = reconstructWeights(layer, layerArrays(file, layer));
      const expected = naiveWeights(source);
      expect(weights.length).toBe(layer.rows * layer.cols);
      // Grid values (multiples of 1/64, |x| ≤ 4) sum exactly in float32 whatever the order, except the SVD
      // products (multiples of 1/4096): allow float32 rounding there.
      for (let i = 0; i < expected.length; i++) {
        expect(Math.abs(weights[i] - expected[i])).toBeLessThanOrEqual(1e-5);
      }
    });
  });

  it('gives zero-copy views into an aligned buffer', () => {
    const file = decodePqw(bytes);
    const weight = file.float32('layers/6/weight');
    expect(weight.buffer).toBe(bytes.buffer);
    expect(file.uint32('layers/0/codes').buffer).toBe(bytes.buffer);
  });

  it('copies when the input sits at an unaligned offset, with the same contents', () => {
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const file = decodePqw(shifted.subarray(1));
    const reference = decodePqw(bytes);
    expect(file.float32('layers/6/weight')).toEqual(reference.float32('layers/6/weight'));
    expect(file.uint32('layers/2/codes')).toEqual(reference.uint32('layers/2/codes'));
    expect(file.float32('layers/1/codebook')).toEqual(reference.float32('layers/1/codebook'));
  });

  it('accepts an ArrayBuffer as well as a Uint8Array', () => {
    const copy = bytes.slice().buffer;
    expect(decodePqw(copy).byteLength).toBe(bytes.length);
  });

  it('reads the manifest alone from the head of the file', () => {
    const manifestLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
    const head = bytes.slice(0, HEADER_BYTES + manifestLength);
    expect(readManifestOnly(head)).toEqual(decodePqw(bytes).manifest);
  });

  it('writes a model without a backbone or bias', () => {
    const { fixture: base } = encodeFixture(2);
    const dense = base.sources[6];
    if (dense === undefined || dense.weight === undefined) throw new Error('fixture changed');
    const layer = { ...dense.layer, cols: 8, bias: null };
    const encoded = encodePqw({ ...base.draft, backbone: null, layers: [layer] }, [
      { name: 'layers/6/weight', dtype: 'float32', data: dense.weight },
    ]);
    const file = decodePqw(encoded);
    expect(file.manifest.backbone).toBeNull();
    expect(layerArrays(file, layer).bias).toBeNull();
  });
});
