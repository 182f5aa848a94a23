/**
 * Fuzzing the reader: random byte flips, truncations, garbage and structural edits of the manifest. Every
 * input must either decode into a model whose layers can be read and reconstructed, or throw FormatError —
 * never another error type, never a hang.
 */
import { describe, expect, it } from 'vitest';
import {
  type CompressedLayer,
  type DecodeOptions,
  decodePqw,
  FormatError,
  layerArrays,
  reconstructWeights,
} from '../src/index';
import { encodeFixture, randomInt, seededRng } from './fixtures';
import { type JsonObject, type JsonValue, manifestJson, setPath, withManifest } from './mutate';

type Outcome = 'decoded' | 'format-error';

/** Centroids a layer's codes may index; null for layers without codes. */
function codeLimit(layer: CompressedLayer): number | null {
  switch (layer.method) {
    case 'pq':
    case 'rq':
    case 'kmeans':
      return layer.k;
    case 'binary':
      return 2;
    default:
      return null;
  }
}

/**
 * Decodes and, on success, uses every layer the way the runtime would and checks what JS would not: that no
 * code indexes past its codebook (an out-of-range read yields undefined, not an exception). Rethrows anything
 * but FormatError.
 */
function decodeAndUse(bytes: Uint8Array, options: DecodeOptions): Outcome {
  try {
    const file = decodePqw(bytes, options);
    for (const layer of file.manifest.layers) {
      const arrays = layerArrays(file, layer);
      const limit = codeLimit(layer);
      if (limit !== null && arrays.codes?.some((code) => code >= limit)) {
        throw new Error(`decoded layer ${layer.name} with a code ≥ ${limit}`);
      }
      reconstructWeights(layer, arrays);
    }
    return 'decoded';
  } catch (error) {
    if (error instanceof FormatError) return 'format-error';
    throw error;
  }
}

/** Runs `trials` cases and returns how often each outcome occurred; failures list the cases that broke the rule. */
function fuzz(
  trials: number,
  makeCase: (trial: number) => { bytes: Uint8Array; label: string },
  options: DecodeOptions,
) {
  const counts: Record<Outcome, number> = { decoded: 0, 'format-error': 0 };
  const failures: string[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const { bytes, label } = makeCase(trial);
    try {
      counts[decodeAndUse(bytes, options)]++;
    } catch (error) {
      failures.push(
        `${label}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      );
    }
  }
  return { counts, failures };
}

const { bytes: valid } = encodeFixture(5);
const FLIPS = 3000;
const TRUNCATIONS = 1000;

function flipCase(rng: () => number): { bytes: Uint8Array; label: string } {
  const bytes = valid.slice();
  const at = randomInt(rng, bytes.length);
  const mask = 1 + randomInt(rng, 255);
  bytes[at] ^= mask;
  return { bytes, label: `byte ${at} ^= 0x${mask.toString(16)}` };
}

describe('fuzz: byte flips', () => {
  it(`${FLIPS} single-byte flips are all caught with checksums on`, () => {
    const rng = seededRng(101);
    const { counts, failures } = fuzz(FLIPS, () => flipCase(rng), {});
    expect(failures).toEqual([]);
    // Every byte is covered: header fields, the manifest CRC, zero padding, section CRCs, exact length.
    expect(counts.decoded).toBe(0);
  });

  it(`${FLIPS} flips with checksums off never throw anything but FormatError`, () => {
    const rng = seededRng(102);
    const { counts, failures } = fuzz(FLIPS, () => flipCase(rng), { verifyChecksums: false });
    expect(failures).toEqual([]);
    // Flips inside float sections decode to a different valid model; structure flips are caught.
    expect(counts.decoded).toBeGreaterThan(0);
    expect(counts['format-error']).toBeGreaterThan(0);
  });

  it('multi-byte bursts with checksums off never throw anything but FormatError', () => {
    const rng = seededRng(103);
    const { failures } = fuzz(
      1000,
      () => {
        const bytes = valid.slice();
        const flips = 2 + randomInt(rng, 8);
        for (let f = 0; f < flips; f++) bytes[randomInt(rng, bytes.length)] = randomInt(rng, 256);
        return { bytes, label: `${flips} random bytes` };
      },
      { verifyChecksums: false },
    );
    expect(failures).toEqual([]);
  });
});

describe('fuzz: truncation and garbage', () => {
  it(`${TRUNCATIONS} random truncations all throw FormatError`, () => {
    const rng = seededRng(104);
    for (const options of [{}, { verifyChecksums: false }]) {
      const { counts, failures } = fuzz(
        TRUNCATIONS,
        () => {
          const length = randomInt(rng, valid.length);
          return { bytes: valid.slice(0, length), label: `truncated to ${length}` };
        },
        options,
      );
      expect(failures).toEqual([]);
      expect(counts.decoded).toBe(0);
    }
  });

  it('random garbage, bare or behind a valid magic and version, throws FormatError', () => {
    const rng = seededRng(105);
    const { counts, failures } = fuzz(
      1000,
      (trial) => {
        const bytes = new Uint8Array(randomInt(rng, 4096));
        for (let i = 0; i < bytes.length; i++) bytes[i] = randomInt(rng, 256);
        // Every other case keeps the real header prefix so the manifest length and JSON paths get exercised.
        if (trial % 2 === 1) bytes.set(valid.subarray(0, Math.min(bytes.length, 12 + randomInt(rng, 2) * 4)));
        return { bytes, label: `garbage #${trial}` };
      },
      { verifyChecksums: false },
    );
    expect(failures).toEqual([]);
    expect(counts.decoded).toBe(0);
  });
});

/** Every path in the manifest tree, as dotted strings for setPath. */
function allPaths(node: JsonValue, prefix: string, out: string[]): string[] {
  if (Array.isArray(node)) {
    node.forEach((child, index) => {
      const path = prefix === '' ? String(index) : `${prefix}.${index}`;
      out.push(path);
      allPaths(child, path, out);
    });
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, child] of Object.entries(node)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      out.push(path);
      allPaths(child, path, out);
    }
  }
  return out;
}

/** Values that probe type checks, integer ranges, alignment, names and enum members. */
const HOSTILE_VALUES: ReadonlyArray<JsonValue | undefined> = [
  undefined,
  null,
  true,
  0,
  -1,
  1,
  2,
  3,
  4,
  15,
  16,
  17,
  255,
  256,
  257,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  1.5,
  -0.5,
  1e308,
  '',
  'x',
  'pq',
  'rq',
  'kmeans',
  'binary',
  'svd',
  'dense',
  'float16',
  'float32',
  'uint32',
  'uint8',
  'backbone',
  'layers/0/codes',
  'layers/4/codebook',
  [],
  [1, 2],
  {},
];

describe('fuzz: structural edits of the manifest', () => {
  it('2000 random edits (header and checksums kept consistent) decode or throw FormatError', () => {
    const rng = seededRng(106);
    const paths = allPaths(manifestJson(valid), '', []);
    const { counts, failures } = fuzz(
      2000,
      () => {
        const edits: string[] = [];
        const bytes = withManifest(valid, (manifest: JsonObject) => {
          const count = 1 + randomInt(rng, 3);
          for (let e = 0; e < count; e++) {
            const path = paths[randomInt(rng, paths.length)] ?? 'format';
            const value = HOSTILE_VALUES[randomInt(rng, HOSTILE_VALUES.length)];
            try {
              setPath(manifest, path, value);
              edits.push(`${path} = ${JSON.stringify(value)}`);
            } catch {
              // An earlier edit removed this path's parent; skip it.
            }
          }
        });
        return { bytes, label: edits.join(', ') };
      },
      {},
    );
    expect(failures).toEqual([]);
    expect(counts['format-error']).toBeGreaterThan(1000);
  });
});
