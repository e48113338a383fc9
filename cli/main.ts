/**
 * The `axon` command line. Each subcommand parses its flags here and delegates to
 * cli/commands/*; subcommands whose engine is not built yet say so and exit non-zero.
 */
import { availableParallelism } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
// Commands are imported when run, so `--help` does not load the charting and data stacks.
import type { TrainFlags } from './commands/train.ts';
import type { EvalFlags } from './commands/eval.ts';
import { AXON_VERSION } from '../compiler/version.ts';

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
const numberList = (name: string, item: (v: string) => number) => (v: string) => {
  const values = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (values.length === 0) throw new InvalidArgumentError(`${name} needs a comma-separated list`);
  return values.map(item);
};
const collect = (v: string, previous: string[] = []) => [...previous, v];

/** Model options (read by ctx.option in the model) from --hidden N and repeated --option name=value. */
interface OptionFlags { hidden?: number; option?: string[] }
function modelOptionFlags(flags: OptionFlags): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  for (const pair of flags.option ?? []) {
    const m = /^([A-Za-z_][\w.-]*)=(.+)$/.exec(pair);
    if (!m || !Number.isFinite(Number(m[2]))) throw new Error(`--option "${pair}": expected name=number`);
    out[m[1]!] = Number(m[2]);
  }
  if (flags.hidden !== undefined) out.hidden = flags.hidden;
  return Object.keys(out).length ? out : undefined;
}
const withOptionFlags = (c: Command) => c
  .option('--hidden <n>', 'hidden dense width (the model option "hidden", for models that read it: mlp, fashion-simple-net)', int('--hidden', 1))
  .option('--option <name=value>', 'set a model option read by ctx.option(name, …) (repeatable)', collect);
const epsilonOption = () => new Option('--epsilon <e>', 'FGSM step for adversarial.png in pixel units of [0, 1], or "auto": per image the smallest of 0.01…0.3 that flips the prediction')
  .argParser((v: string) => (v === 'auto' ? v : positive('--epsilon')(v))).default('auto');

export function buildProgram(exitCode: { value: number }): Command {
  const program = new Command('axon')
    .description('Axon: a neural-network graph compiler to WebAssembly SIMD and WebGPU')
    .version(AXON_VERSION, '-V, --version', 'print the Axon version')
    .showHelpAfterError()
    .exitOverride()
    .hook('preAction', (_program, command) => {
      const threads = (command.opts() as { threads?: number }).threads;
      const cores = availableParallelism();
      if (threads !== undefined && threads > cores) {
        process.stderr.write(`note: --threads ${threads} is more than this machine's ${cores} cores; the extra threads share cores and slow each step down\n`);
      }
    });

  withOptionFlags(program.command('compile <model>')
    .description('compile a model into an artifact directory (manifest.json, weights.bin with the initial or --checkpoint params, kernel modules)')
    .addOption(backendOption())
    .requiredOption('-o, --out <dir>', 'artifact directory')
    .option('--batch-size <n>', 'static batch size (default: the model\'s training batch size)', int('--batch-size', 1))
    .option('--train', 'compile the training step (inputs x, y; outputs loss, logits; updates params in place) instead of the forward pass x → logits')
    .option('--lr <rate>', 'learning rate baked into the training step', positive('--lr'))
    .option('--seed <n>', 'seed of the initial params', int('--seed'))
    .option('--checkpoint <file>', 'bake the trained values of this checkpoint (from axon train) into weights.bin instead of the initial params')
    .option('--shape <name=dims>', 'for an .onnx model: fix an input shape, e.g. --shape input=1,3,224,224 (repeatable)', collect)
    .option('--json', 'print the manifest as JSON'))
    .action(async (model: string, flags: import('./commands/compile.ts').CompileFlags & OptionFlags & { json?: boolean }) => {
      const { compileCommand, formatCompile } = await import('./commands/compile.ts');
      const r = await compileCommand(model, { ...flags, options: modelOptionFlags(flags) });
      process.stdout.write(`${flags.json ? JSON.stringify({ dir: r.dir, seconds: r.seconds, files: r.files, manifest: r.manifest }) : formatCompile(r)}\n`);
    });

  program.command('import <model.onnx>')
    .description('summarize what Axon makes of an ONNX file: inputs, outputs, ops with counts, params, and every unsupported op')
    .option('--shape <name=dims>', 'fix an input shape, e.g. --shape input=1,3,224,224 (repeatable)', collect)
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, flags: import('./commands/import.ts').ImportFlags) => {
      await (await import('./onnx-model.ts')).loadOnnx(); // says "npm install onnx-proto" when it is missing
      const { formatImport, importCommand } = await import('./commands/import.ts');
      const s = await importCommand(file, flags);
      process.stdout.write(`${flags.json ? JSON.stringify(s) : formatImport(s)}\n`);
      if (s.error) exitCode.value = 1;
    });

  withOptionFlags(program.command('export <model>')
    .description('export the forward graph with trained weights as ONNX (opset 17), or the weights as safetensors')
    .requiredOption('-o, --out <file>', 'output file (model.onnx or weights.safetensors)')
    .option('--run <dir>', 'take the weights from a training run directory (checkpoints/best.axckpt, else last.axckpt)')
    .option('--checkpoint <file>', 'take the weights from this checkpoint')
    .addOption(new Option('--format <format>', 'output format').choices(['onnx', 'safetensors']).default('onnx'))
    .option('--batch-size <n>', 'static batch size of the exported graph', int('--batch-size', 1), 1))
    .action(async (model: string, flags: import('./commands/export.ts').ExportFlags & OptionFlags) => {
      await (await import('./onnx-model.ts')).loadOnnx(); // says "npm install onnx-proto" when it is missing
      const { exportCommand } = await import('./commands/export.ts');
      const r = await exportCommand(model, { ...flags, options: modelOptionFlags(flags) });
      process.stdout.write(`wrote ${r.file} (${r.format}, ${r.tensors} tensors, ${r.bytes} bytes; weights from ${r.weightsFrom})\n`);
    });

  program.command('run <artifact>')
    .description('load an artifact directory (from axon compile) or compile an .onnx file, feed its inputs (zeros unless given) and print the outputs')
    .addOption(new Option('--backend <backend>', 'for an .onnx file: the backend to compile for').choices(['wasm', 'webgpu']).default('wasm'))
    .option('--shape <name=dims>', 'for an .onnx file: fix an input shape (repeatable)', collect)
    .option('--input <name=file>', 'an input from a .json (number or nested array) or .bin (raw little-endian f32/i32) file (repeatable)', collect)
    .option('-i, --inputs <file>', 'JSON file mapping input names to arrays')
    .option('--threads <n>', 'WASM threads (threaded artifacts)', int('--threads'), 0)
    .option('--repeat <n>', 'run N times and also report the median time of the runs after the first (a training artifact takes N steps)', int('--repeat', 1))
    .option('--json', 'print every output in full as one JSON object')
    .action(async (artifact: string, flags: import('./commands/run.ts').RunFlags & { json?: boolean }) => {
      const { formatRun, runCommand, runJson } = await import('./commands/run.ts');
      const r = await runCommand(artifact, flags);
      process.stdout.write(`${flags.json ? runJson(r) : formatRun(r)}\n`);
    });

  withOptionFlags(program.command('train <model>'))
    .description('train a model on Fashion-MNIST with validation, early stopping, checkpoints and pictures')
    .option('--epochs <n>', 'total epochs (a resumed run continues up to this count)', int('--epochs', 1))
    .option('--batch-size <n>', 'mini-batch size (static: the last partial training batch is dropped)', int('--batch-size', 1))
    .option('--lr <rate>', 'learning rate', positive('--lr'))
    .addOption(backendOption())
    .option('--threads <n>', 'WASM threads (0 = backend default)', int('--threads'), 0)
    .option('--seed <n>', 'seed for the split, shuffling and dropout', int('--seed'))
    .option('--data <dir>', 'directory with the Fashion-MNIST IDX files, or `fashion-mnist` (default $AXON_DATA, then /usr/share/datasets/fashion-mnist)')
    .addOption(new Option('--loss <loss>', 'what the model\'s output is: logits (softmax-cross-entropy) or log-probabilities (nll, an .onnx model ending in LogSoftmax); both train the mean −log_softmax(output)[label]').choices(['softmax-cross-entropy', 'nll']).default('softmax-cross-entropy'))
    .option('-o, --out <dir>', 'output directory (default runs/<model id> under the current directory)')
    .option('--patience <n>', 'epochs without validation improvement before stopping (0 = never)', int('--patience'))
    .option('--val-fraction <f>', 'fraction of the training images held out for validation', fraction, 0.1)
    .option('--resume', 'continue from <out>/checkpoints/last.axckpt', false)
    .option('--json', 'progress as JSON lines on stderr; stdout ends with one JSON line (epochs, test_accuracy, best_val_accuracy, samples_per_s, seconds, backend, …)', false)
    .option('--overfit-batch', 'train and validate on one batch (the loss should go to ~0), no early stopping', false)
    .option('--skip-nonfinite', 'skip (and report) any step whose loss or gradients are NaN or infinite, leaving the params unchanged; without it one bad batch makes the params NaN for good', false)
    .option('--limit <n>', 'use only the first N training (and test) images', int('--limit', 1))
    .option('--no-pictures', 'skip curves.png, confusion.png, filters.png, saliency.png and adversarial.png')
    .option('--no-dead-relu', 'skip the dead-ReLU report (dead-relu.json)')
    .option('--steps <n>', 'stop after N training steps in all (a text model\'s learning-rate schedule spans them)', int('--steps', 1))
    .option('--sample-every <n>', 'text models: print a generated sample every N steps (always one at the end)', int('--sample-every', 1))
    .addOption(epsilonOption())
    .action(async (model: string, flags: TrainFlags & OptionFlags) => {
      flags.options = modelOptionFlags(flags);
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
          const last = h[h.length - 1];
          process.stdout.write(JSON.stringify({
            ...(summary.text ? {
              val_loss: last?.valLoss ?? null, train_loss: last?.trainLoss ?? null, params: summary.text.params,
              tokens_per_s: seconds > 0 ? +((samples * summary.text.tokensPerSample) / seconds).toFixed(1) : null, sample: summary.text.sample ?? null,
            } : {}),
            model: summary.modelId, backend: flags.backend ?? 'wasm', epochs: h.length,
            test_accuracy: summary.test?.accuracy ?? null, test_loss: summary.test?.loss ?? null,
            best_val_accuracy: summary.bestValAccuracy ?? null, best_epoch: summary.bestEpoch ?? null,
            samples_per_s: seconds > 0 ? +(samples / seconds).toFixed(1) : null, seconds: +seconds.toFixed(2),
            first_step_after_s: summary.firstStepAfterSeconds !== undefined ? +summary.firstStepAfterSeconds.toFixed(3) : null,
            stopped_by: summary.stoppedBy, out_dir: summary.outDir, files: summary.files,
          }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
        }
        else if (summary.text) {
          const last = summary.history[summary.history.length - 1];
          process.stderr.write(`val loss ${last ? last.valLoss.toFixed(4) : '—'} nats/char after ${summary.epochs} epoch(s); wrote ${summary.files.join(', ')}\n`);
        } else {
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

  program.command('sample <run>')
    .description('generate text with a trained text model (char-gpt): <run> is a run directory (its best checkpoint) or an .axckpt file')
    .option('--prompt <text>', 'text to continue (characters must be in the model\'s vocabulary)', '')
    .option('--tokens <n>', 'characters to generate', int('--tokens', 1), 200)
    .option('--temperature <t>', 'softmax temperature', positive('--temperature'), 0.8)
    .option('--top-k <k>', 'sample among the k most likely characters (0 = all)', int('--top-k'), 20)
    .option('--seed <n>', 'sampling seed', int('--seed'), 1)
    .option('--model <spec>', 'model module (default: the example named by the checkpoint\'s model id)')
    .addOption(backendOption())
    .option('--threads <n>', 'WASM threads', int('--threads'), 0)
    .option('--no-kv-cache', 're-run the whole window per character instead of the KV-cache decode step')
    .option('--json', 'print one JSON object')
    .action(async (run: string, flags: import('./commands/sample.ts').SampleFlags & { json?: boolean }) => {
      const { sampleCommand } = await import('./commands/sample.ts');
      const r = await sampleCommand(run, flags);
      if (flags.json) process.stdout.write(JSON.stringify({ prompt: r.prompt, text: r.text, tokens: flags.tokens, mode: r.mode, tokens_per_s: +r.tokensPerSecond.toFixed(1), seconds: +r.seconds.toFixed(3), compile_seconds: +r.compileSeconds.toFixed(2), backend: flags.backend, checkpoint: r.checkpoint }) + '\n');
      else process.stdout.write(`${r.prompt}${r.text}\n\n(${flags.tokens} characters in ${r.seconds.toFixed(2)} s: ${r.tokensPerSecond.toFixed(1)} chars/s on ${flags.backend}, ${r.mode === 'kv-cache' ? 'KV-cache decode step' : 're-running the window per character'}; compiled in ${r.compileSeconds.toFixed(2)} s)\n`);
    });

  withOptionFlags(program.command('eval <model>'))
    .description('evaluate a checkpoint on the test split: confusion matrix, saliency and adversarial pictures, dead-ReLU report')
    .option('--checkpoint <file>', 'checkpoint (default runs/<model id>/checkpoints/best.axckpt)')
    .addOption(backendOption())
    .option('--batch-size <n>', 'batch size', int('--batch-size', 1))
    .option('--threads <n>', 'WASM threads', int('--threads'), 0)
    .option('--data <dir>', 'Fashion-MNIST directory')
    .option('--limit <n>', 'use only the first N test images', int('--limit', 1))
    .option('--out <dir>', 'where to write test-confusion.png, saliency.png, adversarial.png, dead-relu.json (default runs/<model id>)')
    .option('--no-pictures', 'skip saliency.png and adversarial.png')
    .option('--no-dead-relu', 'skip the dead-ReLU report')
    .addOption(epsilonOption())
    .action(async (model: string, flags: EvalFlags & OptionFlags) => {
      const { evalCommand } = await import('./commands/eval.ts');
      const r = await evalCommand(model, { ...flags, options: modelOptionFlags(flags) });
      process.stdout.write(`test loss ${r.loss.toFixed(4)}, accuracy ${(r.accuracy * 100).toFixed(2)}% on ${r.samples} images; wrote ${r.files.join(', ')}\n`);
    });

  withOptionFlags(program.command('gradcheck <model>')
    .description('check the training loss\'s symbolic gradients against float64 finite differences (reference interpreter), per param; exit code 1 on failure')
    .option('--batch-size <n>', 'batch size of the loss graph', int('--batch-size', 1), 2)
    .option('--elements <n>', 'elements checked per param, spread evenly', int('--elements', 1), 4)
    .option('--tolerance <t>', 'largest relative error |symbolic − numeric| / max(1, |numeric|) that passes', positive('--tolerance'), 1e-4)
    .option('--eps <h>', 'finite-difference step', positive('--eps'), 1e-6)
    .option('--params <names>', 'only these params (comma-separated)', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .option('--seed <n>', 'seed of the initial params, the random inputs and the dropout mask', int('--seed'))
    .option('--data-inputs', 'use the first training images instead of seeded random inputs (exact zeros there can sit on ReLU kinks)')
    .option('--data <dir>', 'Fashion-MNIST directory (with --data-inputs)')
    .option('--json', 'print one JSON object'))
    .action(async (model: string, flags: import('./commands/gradcheck.ts').GradcheckFlags & OptionFlags & { json?: boolean }) => {
      const { formatGradcheck, gradcheckCommand } = await import('./commands/gradcheck.ts');
      const r = await gradcheckCommand(model, { ...flags, options: modelOptionFlags(flags) });
      process.stdout.write(`${flags.json ? JSON.stringify(r) : formatGradcheck(r)}\n`);
      if (!r.pass) exitCode.value = 1;
    });

  program.command('search <model>')
    .description('hyperparameter search: train every combination (or --random N of them) with the same seed and split, rank by validation accuracy')
    .option('--lr <list>', 'learning rates, e.g. 1e-3,3e-3', numberList('--lr', positive('--lr')))
    .option('--batch-size <list>', 'batch sizes, e.g. 32,64', numberList('--batch-size', int('--batch-size', 1)))
    .option('--hidden <list>', 'hidden widths (model option "hidden"), e.g. 64,128', numberList('--hidden', int('--hidden', 1)))
    .option('--option <name=v1,v2>', 'values of any model option (repeatable)', collect)
    .option('--random <n>', 'train N distinct random combinations instead of the whole grid', int('--random', 1))
    .option('--epochs <n>', 'epochs per trial', int('--epochs', 1))
    .option('--patience <n>', 'early-stopping patience per trial', int('--patience'))
    .option('--limit <n>', 'use only the first N training (and test) images', int('--limit', 1))
    .option('--seed <n>', 'seed shared by every trial (split, shuffles, initial params) and the random draw', int('--seed'))
    .option('--val-fraction <f>', 'fraction of the training images held out for validation', fraction, 0.1)
    .addOption(backendOption())
    .option('--threads <n>', 'WASM threads (0 = backend default)', int('--threads'), 0)
    .option('--data <dir>', 'Fashion-MNIST directory')
    .option('--out <dir>', 'directory for search.csv, search.json and trial-<k>/ (default runs/<model id>/search)')
    .option('--json', 'print the ranked trials as one JSON object')
    .action(async (model: string, flags: import('./commands/search.ts').SearchFlags & { hidden?: number[]; option?: string[]; json?: boolean }) => {
      const { formatSearch, searchCommand } = await import('./commands/search.ts');
      const options: Record<string, number[]> = {};
      for (const pair of flags.option ?? []) {
        const m = /^([A-Za-z_][\w.-]*)=(.+)$/.exec(pair);
        if (!m) throw new Error(`--option "${pair}": expected name=v1,v2`);
        options[m[1]!] = numberList(`--option ${m[1]}`, positive(`--option ${m[1]}`))(m[2]!);
      }
      if (flags.hidden) options.hidden = flags.hidden;
      const r = await searchCommand(model, { ...flags, options });
      process.stdout.write(`${flags.json ? JSON.stringify(r) : formatSearch(r)}\n`);
    });

  withOptionFlags(program.command('explain <model>'))
    .description('show what the compiler did: passes, node counts, fused kernels, memory plan, and graph pictures (SVG)')
    .addOption(backendOption())
    .option('--train', 'explain the training step (forward, backward, optimizer) instead of the forward pass')
    .option('--batch-size <n>', 'batch size', int('--batch-size', 1))
    .option('--out <dir>', 'where to write the graph pictures (default runs/<model id>/explain)')
    .option('--no-svg', 'skip the graph pictures')
    .option('--shape <name=dims>', 'for an .onnx model: fix an input shape (repeatable)', collect)
    .option('--json', 'print one JSON object (nodes_before, nodes_after, kernels, arena_bytes, lower_bound_bytes, …)')
    .action(async (model: string, flags: import('./commands/explain.ts').ExplainFlags & OptionFlags) => {
      const { explainCommand } = await import('./commands/explain.ts');
      process.stdout.write(`${await explainCommand(model, { ...flags, options: modelOptionFlags(flags) })}\n`);
    });

  program.command('bench')
    .description('the backend comparison (from a clone of the repository): Axon (WASM, relaxed SIMD, 2 threads, WebGPU) against TF.js, ONNX Runtime and jax-js; options as in `npm run bench -- --help` (--quick, --case, --system, --baseline, --json FILE, -o DIR). With a model.onnx: times that model on Axon beside onnxruntime-node (--shape name=dims, --backend wasm,webgpu, --threads 1,2, --runs N, --no-ort, --json)')
    .allowUnknownOption(true)
    .helpOption(false)
    .argument('[options...]', 'passed to the benchmark harness')
    .action(async (args: string[]) => {
      if (args.some((a) => /\.onnx$/i.test(a))) {
        // one ONNX model on Axon's backends beside onnxruntime-node (cli/commands/bench.ts)
        const { benchModelCommand, formatModelBench } = await import('./commands/bench.ts');
        const r = await benchModelCommand(args);
        process.stdout.write(`${args.includes('--json') ? JSON.stringify(r, null, 2) : formatModelBench(r)}\n`);
        return;
      }
      const { spawnSync } = await import('node:child_process');
      const { existsSync } = await import('node:fs');
      const { fileURLToPath } = await import('node:url');
      // AXON_SOURCE_ROOT: set by bin/axon.mjs when it runs the checkout's sources transpiled elsewhere
      const { join } = await import('node:path');
      const harness = process.env.AXON_SOURCE_ROOT ? join(process.env.AXON_SOURCE_ROOT, 'bench', 'run.ts') : fileURLToPath(new URL('../bench/run.ts', import.meta.url));
      // the harness and its peers (TF.js, ONNX Runtime, jax-js) are dev dependencies: not in the package
      if (!existsSync(harness)) throw new Error('axon bench runs from a clone of the Axon repository (after npm ci, as npm run bench); the installed package has no benchmark harness');
      const r = spawnSync(process.execPath, ['--import', 'tsx', harness, ...args], { stdio: 'inherit' });
      exitCode.value = r.status ?? 1;
    });

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
