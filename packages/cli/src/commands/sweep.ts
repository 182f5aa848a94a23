/**
 * The paper's experiment on one model: every method over a grid of settings → compression rate of the dense
 * layers (every byte: codes + codebooks + biases + scales) against top-1 / top-5 loss on the test set.
 * Writes sweep.json, sweep.md and sweep.svg to --out (docs/results by default).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDenseOnnx, type CompressOptions, compressOnnx } from '@pqweb/compress';
import { decodePqw, layerArrays, type PqwFile, reconstructWeights } from '@pqweb/format';
import {
  accuracyOf,
  backboneFeatures,
  evaluateOnnx,
  headLogits,
  loadTestSet,
  rankOf,
  runOnnx,
} from '../evaluate';
import { parseInteger, parseNumberList, readInputFile } from '../options';
import { sweepPlot } from '../plot';
import { formatRate, markdownTable } from '../table';

export interface SweepFlags {
  out?: string;
  data?: string;
  limit?: string;
  mean?: string;
  std?: string;
  methods?: string;
  seed?: string;
  reportOnly?: boolean;
}

export interface SweepPoint {
  method: string;
  setting: string;
  rate: number;
  fileBytes: number;
  top1: number;
  top5: number;
  top1Loss: number;
  top5Loss: number;
  seconds: number;
  /** Top-1 agreement, on the first CODES_CHECK_IMAGES images, between the head on codes and the reconstructed head. */
  codesAgreement: number;
}

/** Images on which every sweep point is also run through the CPU executor on codes. */
const CODES_CHECK_IMAGES = 500;

/** The dense head rebuilt from the .pqw (as `pqweb decompress` does), run on precomputed backbone features. */
async function reconstructedHeadLogits(
  file: PqwFile,
  features: Float32Array,
  count: number,
): Promise<Float32Array> {
  const { manifest } = file;
  const cols = manifest.layers[0]?.cols ?? 0;
  const head = buildDenseOnnx({
    backbone: null,
    input: { name: 'features', shape: [-1, cols], dtype: 'float32' },
    headInputName: 'features',
    outputName: 'logits',
    layers: manifest.layers.map((layer) => {
      const arrays = layerArrays(file, layer);
      return { ...layer, bias: arrays.bias ?? null, weight: reconstructWeights(layer, arrays) };
    }),
  });
  const { values } = await runOnnx(head, 'features', 'logits', features, count, [-1, cols]);
  return values;
}

function topOneAgreement(a: Float32Array, b: Float32Array, count: number, classes: number): number {
  let same = 0;
  for (let i = 0; i < count; i++) {
    if (rankOf(a, i * classes, classes, argmaxOf(b, i * classes, classes)) === 0) same++;
  }
  return count === 0 ? 1 : same / count;
}

function argmaxOf(values: Float32Array, offset: number, count: number): number {
  let best = 0;
  for (let c = 1; c < count; c++) if ((values[offset + c] ?? 0) > (values[offset + best] ?? 0)) best = c;
  return best;
}

type Setting = { label: string; options: Partial<CompressOptions> };

/** One line of the plot: a compress method and the settings it is swept over. */
interface Series {
  method: CompressOptions['method'];
  settings: Setting[];
}

/**
 * The grid of shared/paper.md's experiment (issue 3): binary; k-means b=1..8; PQ d × k; RQ t=2..4; SVD ranks.
 * Plus two lines the paper's analysis suggests for a head whose rows are few next to k (codebooks dominate):
 * PQ with float16 codebooks, and PQ whose d and k are chosen per layer for a target rate.
 */
export function sweepGrid(): Record<string, Series> {
  const pq: Setting[] = [];
  for (const dim of [1, 2, 4, 8, 16]) {
    for (const bits of [4, 6, 8]) pq.push({ label: `d=${dim} k=${2 ** bits}`, options: { dim, bits } });
  }
  const half = { codebookDtype: 'float16' as const };
  return {
    binary: { method: 'binary', settings: [{ label: 'sign×scale', options: {} }] },
    kmeans: {
      method: 'kmeans',
      settings: [1, 2, 3, 4, 5, 6, 7, 8].map((bits) => ({ label: `k=${2 ** bits}`, options: { bits } })),
    },
    pq: { method: 'pq', settings: pq },
    'pq-f16': {
      method: 'pq',
      settings: [
        { label: 'd=4 k=16 f16', options: { dim: 4, bits: 4, ...half } },
        { label: 'd=8 k=16 f16', options: { dim: 8, bits: 4, ...half } },
        { label: 'd=8 k=64 f16', options: { dim: 8, bits: 6, ...half } },
      ],
    },
    'pq-target': {
      method: 'pq',
      settings: [16, 24, 32, 48].map((targetRate) => ({
        label: `target ${targetRate}× f16`,
        options: { targetRate, ...half },
      })),
    },
    rq: {
      method: 'rq',
      settings: [2, 3, 4].map((stages) => ({
        label: `d=4 k=16 t=${stages}`,
        options: { dim: 4, bits: 4, stages },
      })),
    },
    svd: {
      method: 'svd',
      settings: [4, 8, 16, 32, 64, 128].map((rank) => ({ label: `r=${rank}`, options: { rank } })),
    },
  };
}

interface SweepReport {
  model: string;
  date: string;
  images: number;
  baseline: { top1: number; top5: number };
  seed: number;
  points: SweepPoint[];
}

async function writeReport(outDir: string, report: SweepReport): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'sweep.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(outDir, 'sweep.svg'), sweepPlot(report.points, report.baseline.top1));
  await writeFile(
    join(outDir, 'sweep.md'),
    sweepMarkdown(report.model, report.date, report.images, report.baseline, report.points),
  );
}

export async function runSweep(modelPath: string, flags: SweepFlags): Promise<SweepPoint[]> {
  const outDir = flags.out ?? 'docs/results';
  if (flags.reportOnly) {
    // Redraw the table and plot from an earlier run's sweep.json (no quantization, no evaluation).
    const report = JSON.parse(await readFile(join(outDir, 'sweep.json'), 'utf8')) as SweepReport;
    await writeReport(outDir, report);
    return report.points;
  }
  const seed = flags.seed === undefined ? 1 : parseInteger('--seed', flags.seed, 0);
  const mean = flags.mean === undefined ? [0.286041] : parseNumberList('--mean', flags.mean);
  const std = flags.std === undefined ? [0.353024] : parseNumberList('--std', flags.std);
  const limit = flags.limit === undefined ? undefined : parseInteger('--limit', flags.limit, 1);
  const onnx = await readInputFile(modelPath, 'model');
  const grid = sweepGrid();
  const methods = flags.methods ? flags.methods.split(',') : Object.keys(grid);

  const preprocessing = {
    width: 28,
    height: 28,
    channels: 1 as const,
    layout: 'NCHW' as const,
    scale: 1 / 255,
    mean,
    std,
  };
  const baseline = await evaluateOnnx(onnx, preprocessing, { dir: flags.data, limit });
  process.stderr.write(`baseline (uncompressed ONNX): top-1 ${(baseline.top1 * 100).toFixed(2)}%\n`);
  const test = await loadTestSet(preprocessing, { dir: flags.data, limit });
  let features: Float32Array | null = null;

  const points: SweepPoint[] = [];
  for (const method of methods) {
    const series = grid[method];
    if (!series) throw new Error(`unknown series ${method}; choose from ${Object.keys(grid).join(', ')}`);
    for (const setting of series.settings) {
      const started = performance.now();
      const result = await compressOnnx(onnx, {
        method: series.method,
        mean,
        std,
        seed,
        ...setting.options,
      });
      const file = decodePqw(result.bytes);
      features ??= await backboneFeatures(file, test);
      const classes = file.manifest.labels.length;
      // Accuracy over the whole test set from the reconstructed head in onnxruntime-node (fast, vectorized), and
      // the head on codes (the CPU LUT executor, what `pqweb eval` runs) on the first images as a cross-check.
      const logits = await reconstructedHeadLogits(file, features, test.count);
      const accuracy = accuracyOf(logits, test.labels, classes);
      const checked = Math.min(CODES_CHECK_IMAGES, test.count);
      const onCodes = headLogits(
        file,
        features.subarray(0, checked * (file.manifest.layers[0]?.cols ?? 0)),
        checked,
      );
      const codesAgreement = topOneAgreement(onCodes, logits, checked, classes);
      const point: SweepPoint = {
        method,
        setting: setting.label,
        rate: result.rate,
        fileBytes: result.bytes.byteLength,
        top1: accuracy.top1,
        top5: accuracy.top5,
        top1Loss: baseline.top1 - accuracy.top1,
        top5Loss: baseline.top5 - accuracy.top5,
        seconds: (performance.now() - started) / 1000,
        codesAgreement,
      };
      points.push(point);
      process.stderr.write(
        `${method.padEnd(7)} ${setting.label.padEnd(16)} rate ${formatRate(point.rate).padStart(7)}  ` +
          `top-1 ${(point.top1 * 100).toFixed(2)}% (loss ${(point.top1Loss * 100).toFixed(2)} pt)  ` +
          `codes check ${(point.codesAgreement * 100).toFixed(1)}%  ${point.seconds.toFixed(1)} s\n`,
      );
    }
  }

  await mkdir(outDir, { recursive: true });
  const report = {
    model: modelPath,
    date: new Date().toISOString(),
    images: test.count,
    baseline,
    seed,
    points,
  };
  await writeFile(join(outDir, 'sweep.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(outDir, 'sweep.svg'), sweepPlot(points, baseline.top1));
  await writeFile(
    join(outDir, 'sweep.md'),
    sweepMarkdown(modelPath, report.date, test.count, baseline, points),
  );
  return points;
}

export function sweepMarkdown(
  model: string,
  date: string,
  images: number,
  baseline: { top1: number; top5: number },
  points: SweepPoint[],
): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const pt = (x: number) => `${(x * 100).toFixed(2)}`;
  const rows = points.map((p) => [
    p.method,
    p.setting,
    formatRate(p.rate),
    `${(p.fileBytes / 1024).toFixed(0)} KiB`,
    pct(p.top1),
    pt(p.top1Loss),
    pct(p.top5),
    pt(p.top5Loss),
    `${(p.codesAgreement * 100).toFixed(1)}%`,
  ]);
  return [
    `# Compression sweep: ${model}`,
    '',
    `Generated ${date.slice(0, 10)} by \`pnpm pqweb sweep ${model}\` on ${images} Fashion-MNIST test images.`,
    `Uncompressed: top-1 ${pct(baseline.top1)}, top-5 ${pct(baseline.top5)}.`,
    'Rate = fp32 bytes of the dense layers (weights + biases) / every byte the runtime downloads for them',
    '(codes + codebooks + biases + scales), per shared/paper.md. Layers under 16,384 weights stay float32 and',
    'are counted. Loss is in percentage points against the uncompressed model. Accuracy comes from the head',
    'rebuilt from the .pqw (as `pqweb decompress` writes it) in onnxruntime-node; "codes check" is the top-1',
    'agreement with the head run on its codes by the CPU LUT executor (what `pqweb eval` and the runtime run)',
    `on the first ${CODES_CHECK_IMAGES} images.`,
    '',
    '![accuracy vs rate](sweep.svg)',
    '',
    markdownTable(
      [
        'method',
        'setting',
        'rate',
        'file',
        'top-1',
        'top-1 loss (pt)',
        'top-5',
        'top-5 loss (pt)',
        'codes check',
      ],
      rows,
    ),
    '',
  ].join('\n');
}
