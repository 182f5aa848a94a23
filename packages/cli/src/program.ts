/**
 * The `pqweb` command line: a thin face over @pqweb/compress and @pqweb/runtime. Every failure prints one
 * line (`pqweb: ErrorClass: message`) and exits non-zero; nothing is left half-written.
 */
import { Command, CommanderError } from 'commander';
import { runCompress } from './commands/compress';
import { runDecompress } from './commands/decompress';
import { runEval } from './commands/eval';
import { runInspect } from './commands/inspect';
import { runPredict } from './commands/predict';
import { runSweep } from './commands/sweep';
import { EXIT_FAILURE, EXIT_USAGE, errorLine, UsageError } from './errors';

export function buildProgram(): Command {
  const program = new Command('pqweb')
    .description(
      'Compress a classifier’s dense layers with product quantization and run them on their codes.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('compress')
    .description('quantize an ONNX classifier’s dense head and write a .pqw file')
    .argument('<model.onnx>', 'ONNX classifier (float32, logits out)')
    .requiredOption('-o, --output <out.pqw>', 'where to write the .pqw file')
    .option('--method <method>', 'pq | kmeans | binary | rq | svd', 'pq')
    .option('--bits <B>', 'code bits: k = 2^B centroids (pq, kmeans, rq)')
    .option('--dim <D>', 'sub-vector length d (pq, rq)')
    .option('--stages <T>', 'residual stages (rq)')
    .option('--rank <R>', 'rank (svd)')
    .option('--target-rate <X>', 'choose d and k per layer to reach this overall dense-layer rate')
    .option('--mean <M>', 'input normalization mean, one number or one per channel (comma-separated)')
    .option('--std <S>', 'input normalization std, one number or one per channel')
    .option('--labels <FILE>', 'class labels: one per line, or a JSON array')
    .option('--seed <N>', 'random seed (same seed, same file)', '1')
    .option('--threads <N>', 'worker threads for k-means (default: all cores)')
    .option('--min-params <N>', 'layers with fewer weights stay float32 (0: quantize all)')
    .option('--codebook <dtype>', 'codebook storage: float32 | float16', 'float32')
    .option('--json', 'print the report as JSON')
    .option('-q, --quiet', 'no progress output')
    .action(runCompress);

  program
    .command('inspect')
    .description('validate and summarize a .pqw or .onnx file')
    .argument('<file>', '.pqw or .onnx')
    .option('--json', 'print JSON')
    .action(runInspect);

  program
    .command('decompress')
    .description('write a standard ONNX model with the reconstructed dense weights')
    .argument('<in.pqw>', 'compressed model')
    .requiredOption('-o, --output <out.onnx>', 'where to write the ONNX model')
    .action(runDecompress);

  program
    .command('eval')
    .description('top-1 / top-5 on the Fashion-MNIST test set (head on codes through the CPU executor)')
    .argument('<model>', '.pqw or .onnx')
    .option('--data <DIR>', 'Fashion-MNIST idx folder (default /usr/share/datasets/fashion-mnist)')
    .option('--limit <N>', 'only the first N test images')
    .option('--mean <M>', 'normalization for a plain .onnx (default: the model card beside it)')
    .option('--std <S>', 'normalization for a plain .onnx')
    .option(
      '--table-bits <B>',
      'lookup tables of PQ / RQ layers: 32 (float32, default) or 8 (8-bit tables, an accuracy level; .pqw only)',
    )
    .option('--json', 'print JSON')
    .action(async (model: string, flags) => {
      await runEval(model, flags);
    });

  program
    .command('sweep')
    .description("the paper's experiment: every method over a grid → rate vs accuracy table and plot")
    .argument('<model.onnx>', 'ONNX classifier')
    .option('--out <DIR>', 'where to write sweep.md, sweep.svg, sweep.json', 'docs/results')
    .option('--data <DIR>', 'Fashion-MNIST idx folder')
    .option('--limit <N>', 'only the first N test images')
    .option('--methods <list>', 'comma-separated subset of binary,kmeans,pq,pq-f16,pq-target,rq,svd')
    .option('--mean <M>', 'input normalization mean', '0.286041')
    .option('--std <S>', 'input normalization std', '0.353024')
    .option('--seed <N>', 'random seed', '1')
    .option('--report-only', 'only redraw sweep.md and sweep.svg from the sweep.json in --out')
    .action(async (model: string, flags) => {
      await runSweep(model, flags);
    });

  program
    .command('predict')
    .description('classify PNG/JPEG images with a .pqw (head on codes) or .onnx model')
    .argument('<model>', '.pqw or .onnx (a .onnx needs its model card model.json beside it)')
    .argument('<images...>', 'PNG or JPEG files')
    .option('--backend <backend>', 'webgpu | cpu (default: webgpu when Dawn finds an adapter, else cpu)')
    .option('--top <K>', 'classes to show per image', '5')
    .option('--json', 'print one JSON object per image: file, top, logits')
    .action(async (model: string, images: string[], flags) => {
      await runPredict(model, images, flags);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  program.configureOutput({ writeErr: (text) => process.stderr.write(text) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version requests end here too, with exit code 0.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    process.stderr.write(`${errorLine(err)}\n`);
    return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  }
}
