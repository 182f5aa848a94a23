/**
 * `pnpm bench:pipelines`: what the GPU driver makes of pqweb's PQ layer and dense kernel pipelines — register count,
 * code size and whatever else it reports — for the shapes, batches and tuning rows of the kernel benchmark. Dawn
 * exposes no compiler statistics, so each layer's executor (or dense kernel) is built in a child process with Dawn's
 * `dump_shaders` toggle, the SPIR-V it prints (override constants already substituted) is assembled with `spirv-as`,
 * and scripts/gpu-host/pipeline_stats.py compiles each module on a bare Vulkan device with
 * VK_KHR_pipeline_executable_properties and reads the statistics back. NVIDIA's driver has that extension;
 * SwiftShader and Debian 12's lavapipe do not (the command then stops with PipelineStatsError after writing the
 * SPIR-V). Writes pipelines-<adapter>.json. On the bare GPU host: scripts/gpu-host/pipelines.sh.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLayerExecutor, type PqVariant } from '../packages/runtime/src/kernels';
import { createDenseKernel, type DenseKernelOptions } from '../packages/runtime/src/kernels/dense';
import { type LayerExecutorOptions, table8CodeLayout } from '../packages/runtime/src/kernels/executor';
import { groupTableCodebook, groupTableCodes } from '../packages/runtime/src/kernels/table8-layout';
import { createNodeDevice } from '../packages/runtime/src/node/dawn';
import { runCommand } from './lib/cli';
import { firstGpuError } from './lib/gpu-errors';
import { PQ_CONFIGS } from './lib/grid';
import { adapterSlug, describeAdapter } from './lib/machine';
import { DEFAULT_SEED, OptionsError, selectShapes } from './lib/options';
import {
  checkTuningLabels,
  contendersAtBatch,
  denseTuningRows,
  lutTuningRows,
  namedGroupedRows,
  randomPqLayer,
  upload,
} from './lib/pqweb-layers';
import { SeededRandom } from './lib/random';
import { fileSlug, parseSpirvDumps } from './lib/spirv-dump';

export const PIPELINES_USAGE = `pnpm bench:pipelines [options]
  --shapes A,B       shapes (grid names or ROWSxCOLS; default 16384x16384,4096x4096)
  --batches 1,8      batch sizes (default 1,8)
  --tunings A,B      also these tuning rows of bench:kernels (labels), beside the defaults
  --out-dir DIR      where pipelines-<adapter>.json and the SPIR-V go (default bench/results)
  --spirv-as PATH    the SPIR-V assembler (default spirv-as, Debian package spirv-tools)
  --python PATH      Python 3 (default python3)
  --help`;

/** Marks the child's report line in its stdout, which Dawn's dumps share. */
const CHILD_MARKER = 'PQWEB_PIPELINE ';
const DUMP_FLAGS = [
  'enable-dawn-features=allow_unsafe_apis,dump_shaders,disable_symbol_renaming',
  'disable-dawn-features=timestamp_quantization',
];
const STATS_SCRIPT = 'scripts/gpu-host/pipeline_stats.py';
const MAX_CHILD_OUTPUT_BYTES = 512 * 1024 * 1024;

/** The driver could not report statistics (no device with the extension, or a tool missing). */
export class PipelineStatsError extends Error {
  override name = 'PipelineStatsError';
}

export interface PipelineSpec {
  label: string;
  rows: number;
  cols: number;
  d: number;
  k: number;
  batch: number;
  seed: number;
  options: LayerExecutorOptions;
  /** Present for the dense kernel's pipelines (d and k are then 0): its options, as the dense row sets them. */
  dense?: DenseKernelOptions;
  /** The tuning row applies to these variants only; another auto variant skips the spec. */
  variants?: readonly PqVariant[];
}

export interface PipelinesOptions {
  shapes: string[];
  batches: number[];
  tuningLabels: string[];
  outDir: string;
  spirvAs: string;
  python: string;
  help: boolean;
}

const LIST_SEPARATOR = ',';

function list(value: string | undefined, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  return value
    .split(LIST_SEPARATOR)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** The command line through Node's util.parseArgs; unknown options and bad values are OptionsErrors. */
export function parsePipelinesOptions(argv: readonly string[]): PipelinesOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        shapes: { type: 'string' },
        batches: { type: 'string' },
        tunings: { type: 'string' },
        'out-dir': { type: 'string' },
        'spirv-as': { type: 'string' },
        python: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new OptionsError(`${error instanceof Error ? error.message : String(error)}\n${PIPELINES_USAGE}`);
  }
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const batches = list(text('batches'), ['1', '8']).map(Number);
  if (batches.length === 0 || batches.some((batch) => !Number.isInteger(batch) || batch < 1)) {
    throw new OptionsError(
      `--batches takes positive integers separated by commas, got ${JSON.stringify(text('batches'))}`,
    );
  }
  const options: PipelinesOptions = {
    shapes: list(text('shapes'), ['16384x16384', '4096x4096']),
    batches,
    tuningLabels: list(text('tunings'), []),
    outDir: text('out-dir') ?? 'bench/results',
    spirvAs: text('spirv-as') ?? 'spirv-as',
    python: text('python') ?? 'python3',
    help: values.help === true,
  };
  checkTuningLabels(options.tuningLabels);
  return options;
}

/**
 * One spec per shape, batch, PQ configuration and tuning row (the defaults first), as bench:kernels names them; then
 * the dense kernel's default row and the dense tuning rows named, at each shape and batch.
 */
export function pipelineSpecs(options: PipelinesOptions, seed: number): PipelineSpec[] {
  const rows = lutTuningRows(true, false, options.tuningLabels);
  const specs: PipelineSpec[] = [];
  for (const shape of selectShapes(false, options.shapes)) {
    for (const batch of options.batches) {
      for (const { d, k } of PQ_CONFIGS) {
        for (const tuning of rows) {
          if (contendersAtBatch([tuning], batch).length === 0) continue;
          specs.push({
            label: `${shape.rows}x${shape.cols} b${batch} pq-d${d}-k${k} auto${tuning.label}`,
            rows: shape.rows,
            cols: shape.cols,
            d,
            k,
            batch,
            seed,
            options: tuning.options,
            ...(tuning.variants ? { variants: tuning.variants } : {}),
          });
        }
        // The forced grouped float32 rows named (bench:kernels' rows `pqweb PQ d=… k=… grouped float32 tables…`).
        for (const grouped of namedGroupedRows(options.tuningLabels)) {
          specs.push({
            label: `${shape.rows}x${shape.cols} b${batch} pq-d${d}-k${k} ${grouped.label}`,
            rows: shape.rows,
            cols: shape.cols,
            d,
            k,
            batch,
            seed,
            options: grouped.options,
          });
        }
        // The layer on 8-bit tables (bench:kernels' row `pqweb PQ d=… k=… 8-bit tables`).
        specs.push({
          label: `${shape.rows}x${shape.cols} b${batch} pq-d${d}-k${k} table8`,
          rows: shape.rows,
          cols: shape.cols,
          d,
          k,
          batch,
          seed,
          options: { tableBits: 8 },
        });
      }
      for (const dense of denseTuningRows(true, options.tuningLabels)) {
        if (contendersAtBatch([dense], batch).length === 0) continue;
        specs.push({
          label: `${shape.rows}x${shape.cols} b${batch} dense${dense.label}`,
          rows: shape.rows,
          cols: shape.cols,
          d: 0,
          k: 0,
          batch,
          seed,
          options: {},
          dense: dense.options ?? {},
        });
      }
    }
  }
  return specs;
}

interface ChildReport {
  variant: string;
  skipped: boolean;
  /**
   * The GPU error of running the layer once, if any: its pipelines were created (and dumped) before it, so they are
   * kept; e.g. a 16384² dense layer's 1 GiB of weights beyond SwiftShader's buffer limits.
   */
  error?: string;
}

/** The child's one report line, after Dawn's dumps on the same stdout. */
function writeChildReport(variant: string, skipped: boolean, error: string | undefined): void {
  const report: ChildReport = { variant, skipped, ...(error === undefined ? {} : { error }) };
  process.stdout.write(`${CHILD_MARKER}${JSON.stringify(report)}\n`);
}

/**
 * Runs a layer once on the spec's random input, so that Dawn creates (and dumps) its pipelines: `encode` records it
 * (and may upload what else it binds); returns the GPU error of the run, if any (firstGpuError).
 */
function runOnce(
  device: GPUDevice,
  spec: PipelineSpec,
  random: SeededRandom,
  encode: (encoder: GPUCommandEncoder, input: GPUBuffer, output: GPUBuffer) => void,
): Promise<string | undefined> {
  return firstGpuError(device, async () => {
    const input = upload(device, `${spec.label}/x`, random.floats(spec.batch * spec.cols));
    const output = device.createBuffer({
      size: spec.batch * spec.rows * Float32Array.BYTES_PER_ELEMENT,
      usage: GPUBufferUsage.STORAGE,
    });
    const encoder = device.createCommandEncoder();
    encode(encoder, input, output);
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
  });
}

/** The child's dense spec: one dense kernel, encoded once so that Dawn creates (and dumps) its pipeline. */
async function runDenseChild(
  device: GPUDevice,
  spec: PipelineSpec,
  dense: DenseKernelOptions,
): Promise<void> {
  const random = new SeededRandom(spec.seed);
  const kernel = createDenseKernel(device, { ...dense, label: spec.label });
  const error = await runOnce(device, spec, random, (encoder, input, output) => {
    // Inside the run: a device may refuse the weights (16384² dense, 1 GiB, on SwiftShader).
    const weight = upload(device, `${spec.label}/weight`, random.floats(spec.rows * spec.cols));
    const bias = upload(device, `${spec.label}/bias`, random.floats(spec.rows));
    kernel.encode(
      encoder,
      { weight, bias, input, output },
      { rows: spec.rows, cols: spec.cols, batch: spec.batch },
    );
  });
  writeChildReport(kernel.name, false, error);
}

/** The child: one layer executor, encoded once so that Dawn creates (and dumps) its pipelines. */
async function runChild(spec: PipelineSpec): Promise<void> {
  const { device } = await createNodeDevice({
    dawnFlags: DUMP_FLAGS,
    optionalFeatures: ['subgroups', 'timestamp-query'],
  });
  if (spec.dense) {
    await runDenseChild(device, spec, spec.dense);
    return;
  }
  const random = new SeededRandom(spec.seed);
  const { layer, words, gpuWords, codebook, bias } = randomPqLayer(
    random,
    spec.label,
    spec.rows,
    spec.cols,
    spec.d,
    spec.k,
  );
  // 8-bit tables and forced grouped float32 tables read the codes and codebook in their own layouts
  // (kernels/table8-layout.ts), in the layout the executor gives for the row's options on this device.
  const table8 = spec.options.tableBits === 8 || spec.options.groupedFloatTables === true;
  const table8Shape = { ...layer, stages: 1 };
  const options: LayerExecutorOptions = { ...spec.options, variant: 'auto' };
  const layout = table8 ? table8CodeLayout(device, layer, options) : null;
  const executor = createLayerExecutor(
    device,
    layer,
    {
      codes: upload(
        device,
        `${spec.label}/codes`,
        layout ? groupTableCodes(words, table8Shape, layout) : gpuWords,
      ),
      codebook: upload(
        device,
        `${spec.label}/codebook`,
        layout ? groupTableCodebook(codebook, table8Shape, layout.groupSegments) : codebook,
      ),
      bias: upload(device, `${spec.label}/bias`, bias),
    },
    options,
  );
  const skipped = spec.variants !== undefined && !spec.variants.includes(executor.variant as PqVariant);
  const error = skipped
    ? undefined
    : await runOnce(device, spec, random, (encoder, input, output) =>
        executor.encode(encoder, input, output, spec.batch),
      );
  writeChildReport(executor.variant, skipped, error);
}

/**
 * Runs a tool and returns its stdout; a failure is a PipelineStatsError with its stderr. `partialOk`: exit status 1
 * with output is a partial result (pipeline_stats.py reports a module it could not compile in its own record).
 */
function runTool(command: string, args: readonly string[], what: string, partialOk = false): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: MAX_CHILD_OUTPUT_BYTES });
  if (result.error) {
    throw new PipelineStatsError(`${what}: cannot run ${command} (${result.error.message})`);
  }
  const partial = partialOk && result.status === 1 && result.stdout.trim() !== '';
  if (result.status !== 0 && !partial) {
    throw new PipelineStatsError(
      `${what}: ${result.stderr.trim() || `${command} exited with status ${result.status}`}`,
    );
  }
  return result.stdout;
}

/** Dumps, assembles and measures every spec; returns the path of the JSON written. */
export async function runPipelines(options: PipelinesOptions): Promise<string> {
  const { adapter, device } = await createNodeDevice({ optionalFeatures: ['subgroups', 'timestamp-query'] });
  const adapterRecord = describeAdapter(adapter, device);
  device.destroy();
  const spirvDir = join(options.outDir, `pipelines-${adapterSlug(adapterRecord)}-spirv`);
  mkdirSync(spirvDir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'pqweb-pipelines-'));
  const modules: {
    spec: PipelineSpec;
    variant: string;
    entryPoint: string;
    assembly: string;
    binary: string;
    runError: string | null;
  }[] = [];
  for (const spec of pipelineSpecs(options, DEFAULT_SEED)) {
    const child = runTool(
      process.execPath,
      [...process.execArgv, process.argv[1] ?? '', '--child', JSON.stringify(spec)],
      spec.label,
    );
    const markerLine = child.split('\n').find((line) => line.startsWith(CHILD_MARKER));
    if (!markerLine) throw new PipelineStatsError(`${spec.label}: the child printed no report`);
    const report = JSON.parse(markerLine.slice(CHILD_MARKER.length)) as ChildReport;
    if (report.skipped) continue;
    if (report.error) {
      process.stderr.write(
        `note: ${spec.label} could not run on this device (${report.error}); its pipelines were created and are kept\n`,
      );
    }
    for (const dumped of parseSpirvDumps(child, (line) => line.startsWith(CHILD_MARKER))) {
      const name = `${fileSlug(spec.label)}.${dumped.entryPoint}`;
      const assembly = join(spirvDir, `${name}.spvasm`);
      const binary = join(scratch, `${name}.spv`);
      writeFileSync(assembly, dumped.assembly);
      const version = /^; Version: (\d+\.\d+)/m.exec(dumped.assembly)?.[1] ?? '1.3';
      runTool(options.spirvAs, ['--target-env', `spv${version}`, assembly, '-o', binary], `assemble ${name}`);
      modules.push({
        spec,
        variant: report.variant,
        entryPoint: dumped.entryPoint,
        assembly,
        binary,
        runError: report.error ?? null,
      });
    }
  }
  let stats: string;
  try {
    stats = runTool(
      options.python,
      [STATS_SCRIPT, ...modules.map((module) => module.binary)],
      'statistics',
      true,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new PipelineStatsError(`${message} (the ${modules.length} modules' SPIR-V is in ${spirvDir})`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const byFile = new Map<string, Record<string, unknown>>();
  for (const line of stats.split('\n').filter((text) => text.trim())) {
    const record = JSON.parse(line) as Record<string, unknown>;
    byFile.set(String(record.file), record);
  }
  const run = {
    date: new Date().toISOString(),
    adapter: adapterRecord,
    command: ['pnpm bench:pipelines', ...process.argv.slice(2)].join(' '),
    pipelines: modules.map((module) => {
      const record = byFile.get(module.binary) ?? { error: 'no statistics returned' };
      return {
        label: module.spec.label,
        rows: module.spec.rows,
        cols: module.spec.cols,
        d: module.spec.d,
        k: module.spec.k,
        batch: module.spec.batch,
        options: module.spec.options,
        variant: module.variant,
        entryPoint: module.entryPoint,
        spirv: module.assembly,
        driverDevice: record.device ?? null,
        executables: record.executables ?? [],
        error: record.error ?? null,
        runError: module.runError,
      };
    }),
  };
  const path = join(options.outDir, `pipelines-${adapterSlug(adapterRecord)}.json`);
  writeFileSync(path, `${JSON.stringify(run, null, 1)}\n`);
  for (const pipeline of run.pipelines) {
    const executables = pipeline.executables as { statistics?: Record<string, unknown> }[];
    const statistics = executables.map((executable) => JSON.stringify(executable.statistics ?? {})).join(' ');
    process.stdout.write(`${pipeline.label} ${pipeline.entryPoint}: ${pipeline.error ?? statistics}\n`);
  }
  return path;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    await runChild(JSON.parse(argv[1] ?? '{}') as PipelineSpec);
    return;
  }
  const options = parsePipelinesOptions(argv);
  if (options.help) {
    process.stdout.write(`${PIPELINES_USAGE}\n`);
    return;
  }
  const path = await runPipelines(options);
  process.stdout.write(`wrote ${path}\n`);
}

if (process.argv[1] && /pipelines\.(ts|mjs)$/.test(process.argv[1])) {
  runCommand(main, (error) => error instanceof OptionsError || error instanceof PipelineStatsError);
}
