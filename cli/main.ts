/**
 * The `axon` command line. Each subcommand parses its flags here and delegates to
 * cli/commands/*; subcommands whose engine is not built yet say so and exit non-zero.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
// Commands are imported when run, so `--help` does not load the charting and data stacks.
import type { TrainFlags } from './commands/train.ts';
import type { EvalFlags } from './commands/eval.ts';

const int = (name: string, min = 0) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
  return n;
};
const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};
const fraction = (v: string) => {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('must be a fraction between 0 and 1');
  return n;
};
const backendOption = () => new Option('--backend <backend>', 'kernel backend').choices(['wasm', 'webgpu']).default('wasm');

function notYet(what: string): never {
  throw new Error(`axon ${what}: not implemented yet`);
}

export function buildProgram(exitCode: { value: number }): Command {
  const program = new Command('axon')
    .description('Axon: a neural-network graph compiler to WebAssembly SIMD and WebGPU')
    .showHelpAfterError()
    .exitOverride();

  program.command('compile <model>')
    .description('compile a model module into an artifact directory')
    .addOption(backendOption())
    .requiredOption('-o, --out <dir>', 'artifact directory')
    .option('--batch-size <n>', 'static batch size', int('--batch-size', 1))
    .option('--train', 'compile the training step (loss, gradients, optimizer) instead of inference')
    .action(() => notYet('compile'));

  program.command('run <artifact>')
    .description('run a compiled artifact on inputs from a JSON file')
    .option('-i, --inputs <file>', 'JSON file mapping input names to arrays')
    .option('--threads <n>', 'WASM threads', int('--threads'), 0)
    .action(() => notYet('run'));

  program.command('train <model>')
    .description('train a model on Fashion-MNIST with validation, early stopping, checkpoints and pictures')
    .option('--epochs <n>', 'total epochs (a resumed run continues up to this count)', int('--epochs', 1))
    .option('--batch-size <n>', 'mini-batch size (static: the last partial training batch is dropped)', int('--batch-size', 1))
    .option('--lr <rate>', 'learning rate', positive('--lr'))
    .addOption(backendOption())
    .option('--threads <n>', 'WASM threads (0 = backend default)', int('--threads'), 0)
    .option('--seed <n>', 'seed for the split, shuffling and dropout', int('--seed'))
    .option('--data <dir>', 'directory with the Fashion-MNIST IDX files (default $AXON_DATA, then /usr/share/datasets/fashion-mnist)')
    .option('--out <dir>', 'output directory (default runs/<model id>)')
    .option('--patience <n>', 'epochs without validation improvement before stopping (0 = never)', int('--patience'))
    .option('--val-fraction <f>', 'fraction of the training images held out for validation', fraction, 0.1)
    .option('--resume', 'continue from <out>/checkpoints/last.axckpt', false)
    .option('--json', 'progress as JSON lines on stderr; stdout ends with one JSON line (epochs, test_accuracy, best_val_accuracy, samples_per_s, seconds, backend, …)', false)
    .option('--overfit-batch', 'train and validate on one batch (the loss should go to ~0), no early stopping', false)
    .option('--limit <n>', 'use only the first N training (and test) images', int('--limit', 1))
    .option('--no-pictures', 'skip curves.png, confusion.png and filters.png')
    .action(async (model: string, flags: TrainFlags) => {
      const ctl = new AbortController();
      const onSigint = () => {
        if (ctl.signal.aborted) process.exit(130);
        process.stderr.write('\nStopping after this batch and saving a checkpoint (Ctrl-C again to quit at once)…\n');
        ctl.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        const { trainCommand } = await import('./commands/train.ts');
        const summary = await trainCommand(model, flags, { signal: ctl.signal });
        if (flags.json) {
          // progress went to stderr as JSON lines; stdout gets exactly one line: the result
          const h = summary.history;
          const seconds = h.reduce((s, e) => s + e.seconds, 0);
          const samples = h.reduce((s, e) => s + e.samplesPerSecond * e.seconds, 0);
          process.stdout.write(JSON.stringify({
            model: summary.modelId, backend: flags.backend ?? 'wasm', epochs: h.length,
            test_accuracy: summary.test?.accuracy ?? null, test_loss: summary.test?.loss ?? null,
            best_val_accuracy: summary.bestValAccuracy ?? null, best_epoch: summary.bestEpoch ?? null,
            samples_per_s: seconds > 0 ? +(samples / seconds).toFixed(1) : null, seconds: +seconds.toFixed(2),
            stopped_by: summary.stoppedBy, out_dir: summary.outDir, files: summary.files,
          }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
        }
        else {
          const pct = (v: number | null | undefined) => (v == null || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(2)}%`);
          process.stderr.write(`Best epoch ${summary.bestEpoch ?? '—'}: val accuracy ${pct(summary.bestValAccuracy)}`
            + (summary.test ? `, test accuracy ${pct(summary.test.accuracy)} on ${summary.test.samples} images` : '')
            + `\nWrote ${summary.files.join(', ')}\n`);
        }
        if (summary.stoppedBy === 'signal') exitCode.value = 130;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });

  program.command('eval <model>')
    .description('evaluate a checkpoint on the Fashion-MNIST test split and draw its confusion matrix')
    .option('--checkpoint <file>', 'checkpoint (default runs/<model id>/checkpoints/best.axckpt)')
    .addOption(backendOption())
    .option('--batch-size <n>', 'batch size', int('--batch-size', 1))
    .option('--threads <n>', 'WASM threads', int('--threads'), 0)
    .option('--data <dir>', 'Fashion-MNIST directory')
    .option('--limit <n>', 'use only the first N test images', int('--limit', 1))
    .option('--out <dir>', 'where to write test-confusion.png (default runs/<model id>)')
    .action(async (model: string, flags: EvalFlags) => {
      const { evalCommand } = await import('./commands/eval.ts');
      const r = await evalCommand(model, flags);
      process.stdout.write(`test loss ${r.loss.toFixed(4)}, accuracy ${(r.accuracy * 100).toFixed(2)}% on ${r.samples} images; wrote ${r.confusion}\n`);
    });

  program.command('explain <model>')
    .description('show what the compiler did: passes, node counts, fused kernels, memory plan, and graph pictures (SVG)')
    .addOption(backendOption())
    .option('--train', 'explain the training step (forward, backward, optimizer) instead of the forward pass')
    .option('--batch-size <n>', 'batch size', int('--batch-size', 1))
    .option('--out <dir>', 'where to write the graph pictures (default runs/<model id>/explain)')
    .option('--no-svg', 'skip the graph pictures')
    .option('--json', 'print one JSON object (nodes_before, nodes_after, kernels, arena_bytes, lower_bound_bytes, …)')
    .action(async (model: string, flags: import('./commands/explain.ts').ExplainFlags) => {
      const { explainCommand } = await import('./commands/explain.ts');
      process.stdout.write(`${await explainCommand(model, flags)}\n`);
    });

  program.command('bench [model]')
    .description('time compiled kernels and whole runs against peers')
    .addOption(backendOption())
    .option('--json', 'machine-readable output')
    .action(() => notYet('bench'));

  program.command('example <name>')
    .description('run a bundled worked example: xor-worked (lecture 002, one backprop step), xor')
    .addOption(backendOption())
    .option('--json', 'print one JSON object')
    .action(async (name: string, flags: { json?: boolean; backend?: 'wasm' | 'webgpu' }) => {
      const { exampleCommand } = await import('./commands/example.ts');
      process.stdout.write(`${await exampleCommand(name, flags)}\n`);
    });

  return program;
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const exitCode = { value: 0 };
  try {
    await buildProgram(exitCode).parseAsync(argv);
    return exitCode.value;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander already printed help or the error
    process.stderr.write(`axon: ${(e as Error).message}\n`);
    if (process.env.AXON_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}
