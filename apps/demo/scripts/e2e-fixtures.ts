/**
 * Files and reference answers for the demo's end-to-end tests (e2e/demo*.spec.ts), made by e2e/demo.setup.ts:
 * - 28×28 test-set PNGs to upload (not in the gallery), and "photos": a test image drawn as a navy garment on
 *   warm paper with shading and noise, 15× larger, off-centre, for the photo pipeline;
 * - another model, `pqweb compress … --method kmeans --bits 4`, for `?model=`, and two broken .pqw files
 *   (a flipped byte: CRC error; the first half: truncated);
 * - `pnpm pqweb predict --json` on every image for each model (the bundled .pqw, the k-means one, the .onnx),
 *   and `pnpm pqweb eval --limit N --json` for the accuracy page: the answers the browser must give.
 * Everything is cached in `dir` under a key (the inputs' sha256 and this file's), so a second run costs nothing.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FASHION_MNIST_LABELS, FASHION_MNIST_SIZE, loadFashionMnist } from '@pqweb/data';
import { PNG } from 'pngjs';
import { type GalleryIndex, isGalleryIndex } from '../src/data/gallery-index';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const demoPublic = join(repoRoot, 'apps', 'demo', 'public');
export const BUNDLED_MODEL = join(demoPublic, 'models', 'fashion-vgg.pqw');
export const REFERENCE_ONNX = join(repoRoot, 'models', 'reference', 'fashion-vgg.onnx');
/** The options scripts/start.sh compresses with, and the model card's normalization. */
const NORMALIZATION = ['--mean', '0.286041', '--std', '0.353024', '--labels', 'models/reference/labels.txt'];

/** Test-set images to upload: after the gallery's picks (all within the first 100), so never the same image. */
const UPLOAD_INDICES = [100, 101, 102, 103];
/** Where photo candidates are drawn from, and the classes photographed (distinct shapes: trouser, bag, boot). */
const PHOTO_POOL = { first: 200, count: 40 };
const PHOTO_CLASSES = [1, 8, 9];
/** A photo is only made of an image the model gets right with this confidence, so the test checks the pipeline. */
const PHOTO_MIN_SCORE = 0.95;
/** Photo geometry: the 28×28 image drawn 15× larger in a 520×480 frame, off-centre. */
const PHOTO = { scale: 15, width: 520, height: 480, left: 70, top: 40 };
/** Warm paper and a navy garment (sRGB), ±PAPER_SHADE of lighting across the frame, ±NOISE sensor noise. */
const PAPER = [236, 233, 226] as const;
const GARMENT = [40, 60, 110] as const;
const PAPER_SHADE = 10;
const NOISE = 6;
/** Images the accuracy test runs (the page's smallest choice). */
export const ACCURACY_IMAGES = 100;
/** Bump when what this file writes changes shape. */
const FIXTURES_VERSION = 1;

export interface CliPrediction {
  label: string;
  score: number;
}

export interface ImageFixture {
  file: string;
  path: string;
  /** True class. */
  label: string;
  /** `pnpm pqweb predict` top-1 with the bundled .pqw. */
  pqweb: CliPrediction;
  /** The same with the k-means model and with the uncompressed .onnx. */
  kmeans: CliPrediction;
  onnx: CliPrediction;
}

export interface DemoFixtures {
  key: string;
  dir: string;
  gallery: ImageFixture[];
  uploads: ImageFixture[];
  /** Photos: their label is the answer (the CLI resizes without the demo's pipeline, so it has none). */
  photos: { file: string; path: string; label: string; source: ImageFixture }[];
  models: { kmeans: string; corrupt: string; truncated: string; bundled: string };
  /** `pqweb eval --limit ACCURACY_IMAGES` correct counts (pqwebTable8Correct: with `--table-bits 8`). */
  eval: { images: number; pqwebCorrect: number; pqwebTable8Correct: number; onnxCorrect: number };
}

/** Mulberry32: seeded noise, so the photos are the same bytes every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function writePng(path: string, width: number, height: number, rgba: Uint8Array): void {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba);
  writeFileSync(path, PNG.sync.write(png));
}

function grayRgba(gray: Uint8Array): Uint8Array {
  const rgba = new Uint8Array(gray.length * 4);
  gray.forEach((value, i) => {
    rgba.fill(value, i * 4, i * 4 + 3);
    rgba[i * 4 + 3] = 255;
  });
  return rgba;
}

/** Bilinear sample of a 28×28 image at (x, y) in its pixel coordinates (centres at +0.5). */
function sample(gray: Uint8Array, x: number, y: number): number {
  const side = FASHION_MNIST_SIZE;
  const fx = Math.min(side - 1, Math.max(0, x - 0.5));
  const fy = Math.min(side - 1, Math.max(0, y - 0.5));
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(side - 1, x0 + 1);
  const y1 = Math.min(side - 1, y0 + 1);
  const wx = fx - x0;
  const wy = fy - y0;
  const at = (yy: number, xx: number) => gray[yy * side + xx] ?? 0;
  return (
    (at(y0, x0) * (1 - wx) + at(y0, x1) * wx) * (1 - wy) + (at(y1, x0) * (1 - wx) + at(y1, x1) * wx) * wy
  );
}

/** A Fashion-MNIST image as a photo of the garment: ink = garment colour, background = shaded paper. */
function photoOf(gray: Uint8Array, seed: number): Uint8Array {
  const random = mulberry32(seed);
  const rgba = new Uint8Array(PHOTO.width * PHOTO.height * 4);
  const side = FASHION_MNIST_SIZE * PHOTO.scale;
  for (let y = 0; y < PHOTO.height; y++) {
    for (let x = 0; x < PHOTO.width; x++) {
      const inside = x >= PHOTO.left && x < PHOTO.left + side && y >= PHOTO.top && y < PHOTO.top + side;
      const ink = inside
        ? sample(gray, (x - PHOTO.left) / PHOTO.scale, (y - PHOTO.top) / PHOTO.scale) / 255
        : 0;
      const shade = PAPER_SHADE * ((x / PHOTO.width + y / PHOTO.height) / 2 - 0.5) * 2;
      for (let c = 0; c < 3; c++) {
        const paper = (PAPER[c] ?? 0) + shade;
        const value = paper + ink * ((GARMENT[c] ?? 0) - paper) + (random() - 0.5) * 2 * NOISE;
        rgba[(y * PHOTO.width + x) * 4 + c] = Math.max(0, Math.min(255, Math.round(value)));
      }
      rgba[(y * PHOTO.width + x) * 4 + 3] = 255;
    }
  }
  return rgba;
}

const run = promisify(execFile);

/** `pnpm pqweb …` from the repository root; its stdout. */
async function pqweb(args: string[]): Promise<string> {
  const { stdout } = await run('pnpm', ['--silent', 'pqweb', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

interface PredictJson {
  file: string;
  top: { label: string; score: number }[];
}

/** `pnpm pqweb predict --json` top-1 per file (the CPU backend: the reference every backend must meet). */
async function predict(model: string, files: string[]): Promise<Map<string, CliPrediction>> {
  const output = await pqweb(['predict', model, ...files, '--json', '--backend', 'cpu']);
  const parsed = JSON.parse(output) as PredictJson[];
  return new Map(
    parsed.map((entry) => {
      const top = entry.top[0];
      if (!top) throw new Error(`pqweb predict gave no classes for ${entry.file}`);
      return [entry.file, { label: top.label, score: top.score }];
    }),
  );
}

async function evalCorrect(model: string, flags: readonly string[] = []): Promise<number> {
  const parsed = JSON.parse(
    await pqweb(['eval', model, '--limit', String(ACCURACY_IMAGES), '--json', ...flags]),
  ) as {
    images: number;
    top1: number;
  };
  return Math.round(parsed.top1 * parsed.images);
}

function fixturesKey(): string {
  const hash = createHash('sha256').update(String(FIXTURES_VERSION));
  for (const path of [
    BUNDLED_MODEL,
    REFERENCE_ONNX,
    join(demoPublic, 'gallery', 'index.json'),
    fileURLToPath(import.meta.url),
  ]) {
    hash.update(readFileSync(path));
  }
  return hash.digest('hex');
}

function readGalleryIndex(): GalleryIndex {
  const index: unknown = JSON.parse(readFileSync(join(demoPublic, 'gallery', 'index.json'), 'utf8'));
  if (!isGalleryIndex(index)) throw new Error('apps/demo/public/gallery/index.json is not a gallery index');
  return index;
}

/** Make (or reuse) the fixtures in `dir`; returns what the specs need. */
export async function prepareDemoFixtures(dir: string): Promise<DemoFixtures> {
  const key = fixturesKey();
  const manifestPath = join(dir, 'fixtures.json');
  if (existsSync(manifestPath)) {
    const cached = JSON.parse(readFileSync(manifestPath, 'utf8')) as DemoFixtures;
    if (cached.key === key) return cached;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const test = await loadFashionMnist('test', { limit: PHOTO_POOL.first + PHOTO_POOL.count });
  const pixels = FASHION_MNIST_SIZE * FASHION_MNIST_SIZE;
  const imageAt = (index: number) => test.images.subarray(index * pixels, (index + 1) * pixels);
  const labelAt = (index: number) => FASHION_MNIST_LABELS[test.labels[index] ?? 0] ?? '';

  const uploads = UPLOAD_INDICES.map((index) => ({ index, file: `upload-${index}.png` }));
  const pool = Array.from({ length: PHOTO_POOL.count }, (_, i) => PHOTO_POOL.first + i).map((index) => ({
    index,
    file: `pool-${index}.png`,
  }));
  for (const { index, file } of [...uploads, ...pool]) {
    writePng(join(dir, file), FASHION_MNIST_SIZE, FASHION_MNIST_SIZE, grayRgba(imageAt(index)));
  }

  const models = {
    bundled: BUNDLED_MODEL,
    kmeans: join(dir, 'kmeans4.pqw'),
    corrupt: join(dir, 'corrupt.pqw'),
    truncated: join(dir, 'truncated.pqw'),
  };
  const compressed = pqweb([
    'compress',
    REFERENCE_ONNX,
    '-o',
    models.kmeans,
    '--method',
    'kmeans',
    '--bits',
    '4',
    ...NORMALIZATION,
    '--quiet',
  ]);
  const bundledBytes = readFileSync(BUNDLED_MODEL);
  const corrupt = Buffer.from(bundledBytes);
  // A byte in the middle of the file lies in a section payload (the codes): its CRC-32 no longer matches.
  const flipAt = Math.floor(corrupt.length * 0.6);
  corrupt[flipAt] = (corrupt[flipAt] ?? 0) ^ 0xff;
  writeFileSync(models.corrupt, corrupt);
  writeFileSync(models.truncated, bundledBytes.subarray(0, bundledBytes.length >> 1));

  const gallery = readGalleryIndex().images.map((entry) => ({
    file: entry.file,
    path: join(demoPublic, 'gallery', entry.file),
    label: entry.labelName,
  }));
  const images = [
    ...gallery,
    ...uploads.map(({ index, file }) => ({ file, path: join(dir, file), label: labelAt(index) })),
    ...pool.map(({ index, file }) => ({ file, path: join(dir, file), label: labelAt(index) })),
  ];
  const paths = images.map((image) => image.path);
  // The CLI runs are independent but for the k-means model's: run them side by side (each is mostly start-up).
  const [pqwebAnswers, onnxAnswers, pqwebCorrect, pqwebTable8Correct, onnxCorrect, kmeansAnswers] =
    await Promise.all([
      predict(models.bundled, paths),
      predict(REFERENCE_ONNX, paths),
      evalCorrect(models.bundled),
      evalCorrect(models.bundled, ['--table-bits', '8']),
      evalCorrect(REFERENCE_ONNX),
      compressed.then(() => predict(models.kmeans, paths)),
    ]);
  const answers = { pqweb: pqwebAnswers, kmeans: kmeansAnswers, onnx: onnxAnswers };
  const withAnswers = (image: { file: string; path: string; label: string }): ImageFixture => {
    const answer = (model: keyof typeof answers) => {
      const found = answers[model].get(image.path);
      if (!found) throw new Error(`pqweb predict (${model}) gave no answer for ${image.path}`);
      return found;
    };
    return { ...image, pqweb: answer('pqweb'), kmeans: answer('kmeans'), onnx: answer('onnx') };
  };
  const galleryFixtures = images.slice(0, gallery.length).map(withAnswers);
  const uploadFixtures = images.slice(gallery.length, gallery.length + uploads.length).map(withAnswers);
  const poolFixtures = images.slice(gallery.length + uploads.length).map(withAnswers);

  const photos = PHOTO_CLASSES.map((classIndex) => {
    const label = FASHION_MNIST_LABELS[classIndex] ?? '';
    const source = poolFixtures.find(
      (image) => image.label === label && image.pqweb.label === label && image.pqweb.score >= PHOTO_MIN_SCORE,
    );
    if (!source) throw new Error(`no ${label} in test images ${PHOTO_POOL.first}… the model is sure of`);
    const index = Number(/pool-(\d+)/.exec(source.file)?.[1]);
    const file = `photo-${label.toLowerCase().replace(/[^a-z]+/g, '-')}-${index}.png`;
    writePng(join(dir, file), PHOTO.width, PHOTO.height, photoOf(imageAt(index), index));
    return { file, path: join(dir, file), label, source };
  });

  const fixtures: DemoFixtures = {
    key,
    dir,
    gallery: galleryFixtures,
    uploads: uploadFixtures,
    photos,
    models,
    eval: { images: ACCURACY_IMAGES, pqwebCorrect, pqwebTable8Correct, onnxCorrect },
  };
  writeFileSync(manifestPath, `${JSON.stringify(fixtures, null, 2)}\n`);
  return fixtures;
}
