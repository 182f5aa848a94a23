import { describe, expect, it } from 'vitest';
import {
  decodePqw,
  encodePqw,
  FormatError,
  HEADER_BYTES,
  PQW_MAGIC,
  readManifestOnly,
  SECTION_ALIGNMENT,
} from '../src/index';
import { encodeFixture } from './fixtures';
import {
  getPath,
  headerView,
  type JsonObject,
  type JsonValue,
  manifestJson,
  patchSection,
  sectionIndex,
  setPath,
  withManifest,
  withManifestText,
} from './mutate';

/** Runs `action` and returns the FormatError it throws; fails the test on success or any other error. */
function formatErrorOf(action: () => unknown): FormatError {
  try {
    action();
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw new Error(`expected a FormatError, got ${String(error)}`);
  }
  throw new Error('expected a FormatError, but the call succeeded');
}

function expectFormatError(bytes: Uint8Array, field: string, options = {}): FormatError {
  const error = formatErrorOf(() => decodePqw(bytes, options));
  expect(error.name).toBe('FormatError');
  expect(error.field).toBe(field);
  expect(error.message).toContain(field);
  return error;
}

const { bytes: valid } = encodeFixture(3);
const baseManifest = manifestJson(valid);
const section = (name: string): number => sectionIndex(baseManifest, name);

describe('header errors', () => {
  it('rejects wrong magic, including text-mode newline translation', () => {
    const wrong = valid.slice();
    wrong[1] = 0x41;
    expectFormatError(wrong, 'header.magic');
    // CR LF → LF as a text-mode transfer would do: byte 4 becomes 0x0a.
    const translated = new Uint8Array(valid.length - 1);
    translated.set(valid.subarray(0, 4));
    translated.set(valid.subarray(5), 4);
    expectFormatError(translated, 'header.magic');
  });

  it('rejects files shorter than the header', () => {
    expectFormatError(valid.slice(0, 10), 'header');
    expectFormatError(new Uint8Array(0), 'header');
  });

  it('rejects unknown versions', () => {
    const future = valid.slice();
    headerView(future).setUint32(8, 2, true);
    expect(expectFormatError(future, 'header.version').message).toContain('version 2');
  });

  it('rejects a non-zero reserved word', () => {
    const bad = valid.slice();
    headerView(bad).setUint32(20, 1, true);
    expectFormatError(bad, 'header.reserved');
  });

  it('rejects a manifest checksum mismatch, and skips the check when told to', () => {
    const bad = valid.slice();
    headerView(bad).setUint32(16, (headerView(bad).getUint32(16, true) ^ 1) >>> 0, true);
    expectFormatError(bad, 'header.manifestCrc32');
    expect(decodePqw(bad, { verifyChecksums: false }).manifest.layers.length).toBe(7);
  });

  it('rejects a 10 KB file whose header claims a gigabyte manifest without allocating it', () => {
    const file = new Uint8Array(10 * 1024);
    file.set(PQW_MAGIC);
    headerView(file).setUint32(8, 1, true);
    headerView(file).setUint32(12, 0xffff_fff0, true);
    const before = process.memoryUsage().arrayBuffers;
    const error = expectFormatError(file, 'header.manifestLength');
    expect(error.message).toContain(String(0xffff_fff0));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  });

  it('rejects manifests that are not UTF-8 JSON objects', () => {
    expectFormatError(withManifestText(valid, '{"format": "pqw",'), 'manifest');
    expectFormatError(withManifestText(valid, Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d)), 'manifest');
    expectFormatError(withManifestText(valid, '[1, 2, 3]'), 'manifest');
    expectFormatError(withManifestText(valid, 'null'), 'manifest');
  });
});

interface ManifestCase {
  what: string;
  field: string;
  edit: (manifest: JsonObject) => void;
}

const set =
  (path: string, value: JsonValue | undefined) =>
  (manifest: JsonObject): void =>
    setPath(manifest, path, value);

const manifestCases: ManifestCase[] = [
  { what: 'wrong format tag', field: 'format', edit: set('format', 'png') },
  { what: 'manifest version differs from header', field: 'version', edit: set('version', 2) },
  { what: 'producer not a string', field: 'producer', edit: set('producer', 5) },
  { what: 'model missing', field: 'model', edit: set('model', undefined) },
  { what: 'input dimension 0', field: 'model.input.shape[1]', edit: set('model.input.shape.1', 0) },
  { what: 'input dtype', field: 'model.input.dtype', edit: set('model.input.dtype', 'int8') },
  { what: 'channels 2', field: 'preprocessing.channels', edit: set('preprocessing.channels', 2) },
  { what: 'mean per channel', field: 'preprocessing.mean', edit: set('preprocessing.mean', [0.5]) },
  { what: 'std zero', field: 'preprocessing.std[1]', edit: set('preprocessing.std.1', 0) },
  { what: 'width fractional', field: 'preprocessing.width', edit: set('preprocessing.width', 8.5) },
  { what: 'layout', field: 'preprocessing.layout', edit: set('preprocessing.layout', 'CHW') },
  { what: 'labels count', field: 'labels', edit: set('labels.4', undefined) },
  { what: 'label type', field: 'labels[1]', edit: set('labels.1', 3) },
  { what: 'sections not an array', field: 'sections', edit: set('sections', {}) },
  {
    what: 'section offset misaligned',
    field: 'sections[1].offset',
    edit: (m) => bump(m, 'sections.1.offset', 4),
  },
  {
    what: 'section overlapping its predecessor',
    field: 'sections[2].offset',
    edit: (m) => bump(m, 'sections.2.offset', -SECTION_ALIGNMENT),
  },
  {
    what: 'first section inside the manifest',
    field: 'sections[0].offset',
    edit: set('sections.0.offset', 16),
  },
  { what: 'section offset negative', field: 'sections[0].offset', edit: set('sections.0.offset', -16) },
  { what: 'duplicate section name', field: 'sections[1].name', edit: set('sections.1.name', 'backbone') },
  { what: 'empty section name', field: 'sections[1].name', edit: set('sections.1.name', '') },
  { what: 'unknown dtype', field: 'sections[1].dtype', edit: set('sections.1.dtype', 'int64') },
  {
    what: 'length not a multiple of the element size',
    field: `sections[${section('layers/0/bias')}].length`,
    edit: (m) => bump(m, `sections.${section('layers/0/bias')}.length`, -2),
  },
  { what: 'crc32 beyond u32', field: 'sections[1].crc32', edit: set('sections.1.crc32', 2 ** 32) },
  { what: 'crc32 negative', field: 'sections[1].crc32', edit: set('sections.1.crc32', -1) },
  { what: 'no layers', field: 'layers', edit: set('layers', []) },
  { what: 'unknown method', field: 'layers[0].method', edit: set('layers.0.method', 'lora') },
  { what: 'rows zero', field: 'layers[0].rows', edit: set('layers.0.rows', 0) },
  { what: 'rows as string', field: 'layers[0].rows', edit: set('layers.0.rows', '20') },
  { what: 'activation', field: 'layers[0].activation', edit: set('layers.0.activation', 'gelu') },
  { what: 'bias not a name', field: 'layers[0].bias', edit: set('layers.0.bias', 7) },
  { what: 'k of 1', field: 'layers[0].k', edit: set('layers.0.k', 1) },
  { what: 'k of 300', field: 'layers[0].k', edit: set('layers.0.k', 300) },
  { what: 'd of 0', field: 'layers[0].d', edit: set('layers.0.d', 0) },
  { what: 'segments not ceil(cols/d)', field: 'layers[0].segments', edit: set('layers.0.segments', 7) },
  {
    what: 'bits not a divisor of 32',
    field: 'layers[0].packing.bits',
    edit: set('layers.0.packing.bits', 3),
  },
  { what: 'bits too few for k', field: 'layers[0].packing.bits', edit: set('layers.0.packing.bits', 2) },
  {
    what: 'codesPerRow not segments',
    field: 'layers[0].packing.codesPerRow',
    edit: set('layers.0.packing.codesPerRow', 9),
  },
  {
    what: 'wordsPerRow wrong',
    field: 'layers[0].packing.wordsPerRow',
    edit: set('layers.0.packing.wordsPerRow', 2),
  },
  { what: 'binary with 2-bit codes', field: 'layers[3].packing.bits', edit: set('layers.3.packing.bits', 2) },
  { what: 'rq stages 0', field: 'layers[4].stages', edit: set('layers.4.stages', 0) },
  { what: 'svd rank above min(m, n)', field: 'layers[5].rank', edit: set('layers.5.rank', 9) },
  { what: 'codes section missing', field: 'layers[0].codes', edit: set('layers.0.codes', 'nowhere') },
  { what: 'bias section missing', field: 'layers[0].bias', edit: set('layers.0.bias', 'nowhere') },
  {
    what: 'codebook with the wrong dtype',
    field: 'layers[0].codebook',
    edit: set(`sections.${section('layers/0/codebook')}.dtype`, 'uint32'),
  },
  {
    what: 'float16 codebook declared float32 (length no longer consistent)',
    field: 'layers[1].codebook',
    edit: set(`sections.${section('layers/1/codebook')}.dtype`, 'float32'),
  },
  {
    what: 'codebook byte length off by one centroid',
    field: 'layers[0].codebook',
    edit: (m) => bump(m, `sections.${section('layers/0/codebook')}.length`, -16),
  },
  {
    what: 'rq codes sized for fewer stages',
    field: 'layers[4].codes',
    edit: (m) => bump(m, `sections.${section('layers/4/codes')}.length`, -4),
  },
  {
    what: 'dense weight of the wrong length (cols edited with it)',
    field: 'layers[6].weight',
    edit: set(`sections.${section('layers/6/weight')}.length`, 16),
  },
  { what: 'layer chain broken', field: 'layers[6].cols', edit: set('layers.6.cols', 9) },
  {
    what: 'backbone features ≠ layers[0].cols',
    field: 'backbone.features',
    edit: set('backbone.features', 31),
  },
  { what: 'backbone section missing', field: 'backbone.section', edit: set('backbone.section', 'nowhere') },
  {
    what: 'backbone section not uint8',
    field: 'backbone.section',
    edit: set('backbone.section', 'layers/6/weight'),
  },
  { what: 'provenance not an object', field: 'provenance', edit: set('provenance', 5) },
];

function bump(manifest: JsonObject, path: string, delta: number): void {
  const value = getPath(manifest, path);
  if (typeof value !== 'number') throw new Error(`${path} is not a number`);
  setPath(manifest, path, value + delta);
}

describe('manifest errors name the field', () => {
  for (const { what, field, edit } of manifestCases) {
    it(`${what} → ${field}`, () => {
      const bad = withManifest(valid, edit);
      expectFormatError(bad, field);
      // The manifest alone is enough to see every one of these.
      expect(formatErrorOf(() => readManifestOnly(bad)).field).toBe(field);
    });
  }

  it('tolerates unknown fields anywhere', () => {
    const extended = withManifest(valid, (m) => {
      setPath(m, 'futureFeature', { enabled: true });
      setPath(m, 'layers.0.futureFeature', 1);
      setPath(m, 'sections.0.futureFeature', 'x');
    });
    expect(decodePqw(extended).manifest.layers.length).toBe(7);
  });
});

describe('section errors', () => {
  const lastIndex = Array.isArray(baseManifest.sections) ? baseManifest.sections.length - 1 : -1;

  it('rejects sections that claim gigabytes past the end of a small file, before allocating', () => {
    const claim = withManifest(valid, (m) => {
      setPath(m, `sections.${lastIndex}.offset`, 2 ** 40);
    });
    const before = process.memoryUsage().arrayBuffers;
    expect(expectFormatError(claim, `sections[${lastIndex}].length`).message).toContain('truncated');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  });

  it('rejects truncation inside a section and inside trailing padding', () => {
    const lastOffset = getPath(baseManifest, `sections.${lastIndex}.offset`);
    if (typeof lastOffset !== 'number') throw new Error('fixture changed');
    expectFormatError(valid.slice(0, lastOffset + 1), `sections[${lastIndex}].length`);
    // The last section (5 floats = 20 bytes) ends 12 bytes before the file does.
    expectFormatError(valid.slice(0, valid.length - 4), 'byteLength');
  });

  it('rejects trailing data', () => {
    const longer = new Uint8Array(valid.length + SECTION_ALIGNMENT);
    longer.set(valid);
    expectFormatError(longer, 'byteLength');
  });

  it('accepts a wider zero gap after the manifest but rejects non-zero padding anywhere', () => {
    // Dropping the fixture's padding note shortens the manifest and leaves a gap of several hundred bytes.
    const roomy = withManifest(valid, () => {});
    expect(decodePqw(roomy).byteLength).toBe(valid.length);
    const firstOffset = getPath(baseManifest, 'sections.0.offset');
    if (typeof firstOffset !== 'number') throw new Error('fixture changed');
    const afterManifest = roomy.slice();
    afterManifest[firstOffset - 1] = 1;
    expectFormatError(afterManifest, 'padding');
    const atEnd = valid.slice();
    atEnd[atEnd.length - 1] = 1;
    expectFormatError(atEnd, 'padding');
  });

  it('rejects a corrupt section by its checksum, and skips the check when told to', () => {
    const index = section('layers/6/weight');
    const offset = getPath(baseManifest, `sections.${index}.offset`);
    if (typeof offset !== 'number') throw new Error('fixture changed');
    const corrupt = valid.slice();
    corrupt[offset + 3] ^= 0x40;
    expectFormatError(corrupt, `sections[${index}].crc32`);
    expect(decodePqw(corrupt, { verifyChecksums: false }).byteLength).toBe(valid.length);
  });

  it('rejects codes ≥ k in every quantized layer, naming the layer', () => {
    // layers/0: 4-bit codes, k = 5. Set the first code of row 0 to 7.
    const pq = patchSection(valid, 'layers/0/codes', (payload) => {
      payload[0] = (payload[0] & 0xf0) | 7;
    });
    expect(expectFormatError(pq, 'layers[0].codes').message).toMatch(/code 7 at row 0, index 0.*k = 5/);
    // layers/2: 8-bit codes, k = 200.
    const kmeans = patchSection(valid, 'layers/2/codes', (payload) => {
      payload[5] = 250;
    });
    expect(expectFormatError(kmeans, 'layers[2].codes').message).toContain('code 250');
    // layers/4: 2-bit codes, k = 3, three stages of 9 rows × 1 word; the last stage's first row is word 18.
    const rq = patchSection(valid, 'layers/4/codes', (payload) => {
      payload[18 * 4] |= 0b11;
    });
    expect(expectFormatError(rq, 'layers[4].codes').message).toMatch(/stage 2, row 0/);
  });

  it('rejects set bits after the last code of a row', () => {
    // layers/3 is binary, 13 codes per row in one word: bit 13 onwards must be zero.
    const binary = patchSection(valid, 'layers/3/codes', (payload) => {
      payload[3] |= 0x80;
    });
    expect(expectFormatError(binary, 'layers[3].codes').message).toContain('unused bits');
  });
});

describe('readManifestOnly', () => {
  it('needs the whole manifest', () => {
    const manifestLength = headerView(valid).getUint32(12, true);
    expect(
      formatErrorOf(() => readManifestOnly(valid.slice(0, HEADER_BYTES + manifestLength - 1))).field,
    ).toBe('header.manifestLength');
  });
});

describe('section accessors', () => {
  const file = decodePqw(valid);

  it('name a missing section and a dtype mismatch', () => {
    expect(formatErrorOf(() => file.bytes('nowhere')).field).toBe('sections');
    expect(formatErrorOf(() => file.float32('layers/0/codes')).field).toBe(
      `sections[${section('layers/0/codes')}].dtype`,
    );
    expect(formatErrorOf(() => file.uint32('layers/0/codebook')).field).toBe(
      `sections[${section('layers/0/codebook')}].dtype`,
    );
  });
});

describe('encodePqw errors', () => {
  const { fixture } = encodeFixture(4);

  it('rejects data of the wrong element type', () => {
    const sections = fixture.sections.map((s) =>
      s.name === 'layers/6/weight' ? { ...s, data: new Float64Array(40) } : s,
    );
    const index = sections.findIndex((s) => s.name === 'layers/6/weight');
    expect(formatErrorOf(() => encodePqw(fixture.draft, sections)).field).toBe(`sections[${index}].data`);
  });

  it('rejects a draft the reader would reject', () => {
    expect(
      formatErrorOf(() => encodePqw({ ...fixture.draft, labels: ['one'] }, fixture.sections)).field,
    ).toBe('labels');
    const missing = fixture.sections.filter((s) => s.name !== 'layers/2/codebook');
    expect(formatErrorOf(() => encodePqw(fixture.draft, missing)).field).toBe('layers[2].codebook');
  });
});
