/**
 * char-gpt against PyTorch over a real run (issue 13 §5 and the README run): no assertions, it
 * writes what it measures.
 *
 *   npx tsx scripts/gpt-vs-torch.ts long            # 200 steps, small model: per-step losses, CSV + PNG in docs/
 *   npx tsx scripts/gpt-vs-torch.ts readme --steps N [--axon-json FILE]
 *   npx tsx scripts/gpt-vs-torch.ts --plot [TITLE TORCH-LABEL]   # redraw the PNG from the CSV
 *
 * Both build the training step exactly as `axon train char-gpt` does (examples/char-gpt.ts through
 * cli/compile-model.ts, same seed → same initial weights), take the batches the CLI would feed
 * (the fortunes windows in the CLI's epoch order) and the CLI's validation windows, and hand
 * weights, batches and windows to scripts/gpt-vs-torch.py, which trains the same model in
 * PyTorch (scripts/gpt_torch.py). Dropout is 0 in both (PyTorch cannot draw Axon's masks).
 *
 * `long` also trains Axon here (WASM, 2 threads) and writes docs/char-gpt-long-run.{csv,json,png}.
 * `readme` compares the validation loss after N steps: Axon's from --axon-json (the last line of
 * `axon train char-gpt --steps N --option dropout=0 --json`), else trained here; PyTorch's from
 * the same steps. Results: out/gpt-readme-result.json.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import model from '../examples/char-gpt.ts';
import { modelGraph, trainingStepGraph } from '../cli/compile-model.ts';
import { prepareTextModel } from '../cli/text-model.ts';
import { compile } from '../compiler/node.ts';
import { createSession } from '../runtime/node/index.ts';
import { batches, epochOrder } from '../runtime/data/batches.ts';
import { evaluate, syncParams } from '../runtime/train/loop.ts';
import { svgToPng, vegaLiteToSvg } from '../cli/pictures/svg.ts';
import { writePicture } from '../cli/pictures/write.ts';

interface RunConfig {
  options: Record<string, number>;
  batchSize: number;
  steps: number;
  lr: number;
  seed: number;
  threads: number;
  /** PyTorch's dtype: float64 is the reference, float32 what a user runs */
  torchDtype: 'float64' | 'float32';
  valWindows: number;
}

const CONFIGS: Record<'long' | 'readme', RunConfig> = {
  long: {
    options: { layers: 2, width: 64, heads: 4, context: 64, dropout: 0, tied: 1, warmup: 20, weight_decay: 0.01, clip: 1 },
    batchSize: 16, steps: 200, lr: 2e-3, seed: 1, threads: 2, torchDtype: 'float64', valWindows: 64,
  },
  readme: {
    options: { layers: 4, width: 128, heads: 4, context: 128, dropout: 0, tied: 1, warmup: 100, weight_decay: 0.01, clip: 1 },
    batchSize: 32, steps: 300, lr: 1e-3, seed: 1, threads: 2, torchDtype: 'float32', valWindows: 256,
  },
};

function args() {
  const [name = 'long', ...rest] = process.argv.slice(2);
  if (name !== 'long' && name !== 'readme') throw new Error(`gpt-vs-torch: config "${name}" is not long or readme`);
  const cfg = structuredClone(CONFIGS[name]);
  let axonJson: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--steps') cfg.steps = Number(rest[++i]);
    else if (rest[i] === '--axon-json') axonJson = rest[++i];
    else throw new Error(`gpt-vs-torch: unknown flag ${rest[i]}`);
  }
  return { name, cfg, axonJson };
}

/** docs/char-gpt-long-run.png from the CSV: both loss curves, and their relative difference per step. */
async function plotLongRun(what: string, torchLabel: string): Promise<void> {
  const lines = readFileSync('docs/char-gpt-long-run.csv', 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const losses = lines.flatMap(([step, a, t]) => [{ step, loss: a, system: 'Axon (WASM, f32)' }, { step, loss: t, system: torchLabel }]);
  const diffs = lines.map(([step, , , r]) => ({ step, r: Math.max(r!, 1e-12) }));
  const svg = await vegaLiteToSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `char-gpt on fortunes, Axon vs PyTorch from the same weights and batches (${what})`, fontSize: 13 },
    vconcat: [
      {
        width: 640, height: 280, data: { values: losses }, mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: null },
          y: { field: 'loss', type: 'quantitative', title: 'training loss (nats/char)', scale: { zero: false } },
          color: { field: 'system', type: 'nominal', title: null, legend: { orient: 'top-right', labelLimit: 400 } },
          strokeDash: { field: 'system', type: 'nominal', title: null, legend: { orient: 'top-right', labelLimit: 400 } },
        },
      },
      {
        width: 640, height: 120, data: { values: diffs }, mark: { type: 'line', strokeWidth: 1, color: '#555' },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'step' },
          y: { field: 'r', type: 'quantitative', title: '|Δ| / PyTorch', scale: { type: 'log' } },
        },
      },
    ],
    config: { font: 'DejaVu Sans' },
  });
  writePicture('docs/char-gpt-long-run.png', svgToPng(svg, 2));
}

async function main() {
  if (process.argv[2] === '--plot') { await plotLongRun(process.argv[3] ?? 'see docs/char-gpt-long-run.json', process.argv[4] ?? 'PyTorch (float64)'); return; }
  const { name, cfg, axonJson } = args();
  const text = prepareTextModel(model, cfg.options, { seed: cfg.seed, valFraction: 0.1 });
  const { model: sized, options } = text;
  const ds = text.text.data;
  const w = ds.sampleShape[0]!;
  // the CLI's first epoch order and its first `steps` full batches
  const order = epochOrder(text.text.trainIndices, cfg.seed, 1);
  const trainBatches: Float32Array[] = [];
  for (const b of batches(ds, order, cfg.batchSize, 'drop')) {
    if (trainBatches.length >= cfg.steps) break;
    trainBatches.push(Float32Array.from(b.x));
  }
  const valIndices = text.text.valIndices.slice(0, cfg.valWindows);
  const valWindows = Float32Array.from({ length: valIndices.length * w }, (_, i) => ds.images[valIndices[Math.floor(i / w)]! * w + (i % w)]!);

  const trainGraph = trainingStepGraph(sized, cfg.batchSize, cfg.seed, cfg.lr, options, false, cfg.steps);
  const params = Object.fromEntries([...trainGraph.params].map(([n, t]) => [n, { shape: t.shape, data: Array.from(t.value!) }]));
  mkdirSync('out', { recursive: true });
  const input = `out/gpt-${name}-input.json`;
  writeFileSync(input, JSON.stringify({
    name, options, vocab: text.text.vocab.chars.join(''), batchSize: cfg.batchSize, steps: cfg.steps, lr: cfg.lr, dtype: cfg.torchDtype,
    window: w, params, batches: trainBatches.map((b) => Array.from(b)), val: Array.from(valWindows),
  }));
  console.error(`${input}: ${Object.keys(params).length} params, ${trainBatches.length} batches of ${cfg.batchSize} × ${w}, ${valIndices.length} validation windows (${text.source})`);

  let axon: { losses: number[]; valLoss: number; seconds: number; tokensPerS: number; source: string };
  if (axonJson) {
    const lines = readFileSync(axonJson, 'utf8').trim().split('\n');
    const j = JSON.parse(lines[lines.length - 1]!);
    axon = { losses: [], valLoss: j.val_loss, seconds: j.seconds, tokensPerS: j.tokens_per_s, source: axonJson };
  } else {
    const wasm = { backend: 'wasm' as const, relaxedSimd: true, ...(cfg.threads > 1 ? { threads: cfg.threads } : {}) };
    const so = cfg.threads > 1 ? { threads: cfg.threads } : {};
    const train = await createSession(await compile(trainGraph, wasm), so);
    const evalSession = await createSession(await compile(modelGraph(sized, cfg.batchSize, cfg.seed, false, options), wasm), so);
    const losses: number[] = [];
    const t0 = performance.now();
    for (const [i, x] of trainBatches.entries()) {
      losses.push((await train.run({ x })).loss![0]!);
      if ((i + 1) % 25 === 0) console.error(`axon step ${i + 1}: loss ${losses[i]!.toFixed(4)}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    await syncParams(train, evalSession);
    const valLoss = (await evaluate(evalSession, ds, valIndices)).loss;
    train.dispose(); evalSession.dispose();
    axon = { losses, valLoss, seconds, tokensPerS: (cfg.steps * cfg.batchSize * (w - 1)) / seconds, source: `WASM relaxed SIMD, ${cfg.threads} threads` };
  }
  console.error(`axon: val loss ${axon.valLoss.toFixed(4)} after ${cfg.steps} steps (${axon.source})`);

  const torchOut = `out/gpt-${name}-torch.json`;
  execFileSync('/usr/bin/python3', ['scripts/gpt-vs-torch.py', input, torchOut], { stdio: ['ignore', 'inherit', 'inherit'] });
  const torch = JSON.parse(readFileSync(torchOut, 'utf8')) as { losses: number[]; valLoss: number; seconds: number; torch: string; dtype: string; threads: number };

  const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
  const summary = {
    config: { ...cfg, options }, corpus: text.source, torch: torch.torch, torchDtype: torch.dtype, torchThreads: torch.threads,
    axon: { valLoss: axon.valLoss, seconds: axon.seconds, tokensPerS: axon.tokensPerS, source: axon.source, finalLoss: axon.losses.at(-1) },
    pytorch: { valLoss: torch.valLoss, seconds: torch.seconds, finalLoss: torch.losses.at(-1) },
    valLossDifference: axon.valLoss - torch.valLoss,
    ...(axon.losses.length ? {
      step1RelativeDifference: rel(axon.losses[0]!, torch.losses[0]!),
      maxRelativeDifference: Math.max(...axon.losses.map((l, i) => rel(l, torch.losses[i]!))),
    } : {}),
  };
  console.log(JSON.stringify(summary, null, 2));
  if (name === 'readme') { writeFileSync('out/gpt-readme-result.json', JSON.stringify(summary, null, 2) + '\n'); return; }

  const csv = ['step,axon_wasm_f32,pytorch_f64,relative_difference', ...axon.losses.map((l, i) => `${i + 1},${l},${torch.losses[i]},${rel(l, torch.losses[i]!)}`)].join('\n') + '\n';
  writeFileSync('docs/char-gpt-long-run.csv', csv);
  writeFileSync('docs/char-gpt-long-run.json', JSON.stringify(summary, null, 2) + '\n');
  await plotLongRun(`${options.layers} layers, width ${options.width}, batch ${cfg.batchSize} × ${options.context}`, `PyTorch ${torch.torch} (${torch.dtype})`);
  console.error('wrote docs/char-gpt-long-run.csv, .json, .png');
}

await main();
process.exit(0);
