/**
 * `axon search MODEL`: hyperparameter search. Every combination of the given learning rates,
 * batch sizes and model options (grid), or N of them drawn at random, is trained by
 * `trainCommand` with the same seed and train/validation split, each into its own directory
 * with pictures off; the trials are ranked by best validation accuracy.
 *
 * Writes <out>/search.csv and <out>/search.json; trial k trains into <out>/trial-<k>.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../../runtime/artifact.ts';
import { mixSeed, mulberry32, permutation } from '../../runtime/data/prng.ts';
import { loadModel } from '../model.ts';
import { trainCommand } from './train.ts';

export interface SearchFlags {
  lr?: number[];
  batchSize?: number[];
  /** model option name → values, e.g. { hidden: [64, 128] } */
  options?: Record<string, number[]>;
  /** draw this many distinct combinations instead of the whole grid */
  random?: number;
  epochs?: number;
  limit?: number;
  seed?: number;
  patience?: number;
  valFraction: number;
  backend: Backend;
  threads: number;
  data?: string;
  out?: string;
}

export interface Trial {
  trial: number;
  lr: number | null;
  batchSize: number | null;
  options: Record<string, number>;
  bestValAccuracy: number | null;
  bestValLoss: number | null;
  bestEpoch: number | null;
  testAccuracy: number | null;
  epochs: number;
  /** whole trial: compiling, training, evaluating */
  seconds: number;
  /** the training loop alone */
  trainSeconds: number;
  outDir: string;
}

export interface SearchResult {
  model: string;
  seed: number;
  combinations: number;
  trials: Trial[];
  files: string[];
}

interface Combination { lr?: number; batchSize?: number; options: Record<string, number> }

/** Every combination of the lists, in order (lr slowest, then batch size, then options). */
export function grid(lr: number[] | undefined, batchSize: number[] | undefined, options: Record<string, number[]> = {}): Combination[] {
  let combos: Combination[] = [{ options: {} }];
  const expand = (values: number[] | undefined, set: (c: Combination, v: number) => Combination) => {
    if (values?.length) combos = combos.flatMap((c) => values.map((v) => set(c, v)));
  };
  expand(lr, (c, v) => ({ ...c, lr: v }));
  expand(batchSize, (c, v) => ({ ...c, batchSize: v }));
  for (const [name, values] of Object.entries(options)) expand(values, (c, v) => ({ ...c, options: { ...c.options, [name]: v } }));
  return combos;
}

export async function searchCommand(spec: string, flags: SearchFlags, io: { log?: (s: string) => void } = {}): Promise<SearchResult> {
  const log = io.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const model = await loadModel(spec);
  const seed = flags.seed ?? 1;
  const all = grid(flags.lr, flags.batchSize, flags.options);
  const chosen = flags.random !== undefined && flags.random < all.length
    ? Array.from(permutation(all.length, mulberry32(mixSeed(seed, 0x5ea7c4))).slice(0, flags.random)).sort((a, b) => a - b).map((i) => all[i]!)
    : all;
  const outDir = flags.out ?? join('runs', model.id, 'search');
  log(`search over ${chosen.length} of ${all.length} combinations of "${model.id}" (seed ${seed})`);
  const trials: Trial[] = [];
  for (const [k, c] of chosen.entries()) {
    const dir = join(outDir, `trial-${k + 1}`);
    const t0 = performance.now();
    const s = await trainCommand(spec, {
      backend: flags.backend, threads: flags.threads, resume: false, json: true, overfitBatch: false, valFraction: flags.valFraction,
      pictures: false, deadRelu: false, seed, out: dir, options: c.options,
      ...(c.lr !== undefined ? { lr: c.lr } : {}), ...(c.batchSize !== undefined ? { batchSize: c.batchSize } : {}),
      ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}), ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
      ...(flags.patience !== undefined ? { patience: flags.patience } : {}), ...(flags.data !== undefined ? { data: flags.data } : {}),
    }, { reporter: () => {}, log });
    const trial: Trial = {
      trial: k + 1, lr: c.lr ?? null, batchSize: c.batchSize ?? null, options: c.options,
      bestValAccuracy: s.bestValAccuracy, bestValLoss: s.bestValLoss, bestEpoch: s.bestEpoch, testAccuracy: s.test?.accuracy ?? null,
      epochs: s.history.length, seconds: (performance.now() - t0) / 1000, trainSeconds: s.history.reduce((a, e) => a + e.seconds, 0), outDir: dir,
    };
    trials.push(trial);
    log(`trial ${k + 1}/${chosen.length}: ${describe(trial)} → val accuracy ${pct(trial.bestValAccuracy)}`);
  }
  // NaN/null accuracies (no validation) sort last
  trials.sort((a, b) => (b.bestValAccuracy ?? -1) - (a.bestValAccuracy ?? -1) || a.trial - b.trial);
  mkdirSync(outDir, { recursive: true });
  const result: SearchResult = { model: model.id, seed, combinations: all.length, trials, files: [join(outDir, 'search.csv'), join(outDir, 'search.json')] };
  writeFileSync(result.files[0]!, searchCsv(trials, optionNames(flags)));
  writeFileSync(result.files[1]!, JSON.stringify(result, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  return result;
}

const optionNames = (flags: SearchFlags) => Object.keys(flags.options ?? {});
const pct = (v: number | null) => (v == null || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(2)}%`);
const describe = (t: Trial) => [
  t.lr !== null ? `lr ${t.lr}` : '', t.batchSize !== null ? `batch ${t.batchSize}` : '', ...Object.entries(t.options).map(([k, v]) => `${k} ${v}`),
].filter(Boolean).join(', ') || 'model defaults';

export function searchCsv(trials: Trial[], options: string[]): string {
  const cell = (v: number | null) => (v == null || !Number.isFinite(v) ? '' : String(v));
  const rows = trials.map((t) => [t.trial, cell(t.lr), cell(t.batchSize), ...options.map((o) => cell(t.options[o] ?? null)),
    cell(t.bestValAccuracy), cell(t.bestValLoss), cell(t.bestEpoch), cell(t.testAccuracy), t.epochs, t.seconds.toFixed(2), t.trainSeconds.toFixed(2)].join(','));
  return [['trial', 'lr', 'batch_size', ...options, 'best_val_accuracy', 'best_val_loss', 'best_epoch', 'test_accuracy', 'epochs', 'seconds', 'train_seconds'].join(','), ...rows].join('\n') + '\n';
}

export function formatSearch(r: SearchResult): string {
  const opts = [...new Set(r.trials.flatMap((t) => Object.keys(t.options)))];
  const header = ['rank', 'trial', 'lr', 'batch', ...opts, 'val acc', 'val loss', 'best ep', 'test acc', 'seconds'];
  const rows = r.trials.map((t, i) => [String(i + 1), String(t.trial), t.lr === null ? '—' : String(t.lr), t.batchSize === null ? '—' : String(t.batchSize),
    ...opts.map((o) => String(t.options[o] ?? '—')), pct(t.bestValAccuracy), t.bestValLoss === null || !Number.isFinite(t.bestValLoss) ? '—' : t.bestValLoss.toFixed(4),
    String(t.bestEpoch ?? '—'), pct(t.testAccuracy), t.seconds.toFixed(1)]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]) => cells.map((v, c) => v.padStart(widths[c]!)).join('  ');
  return [`search of "${r.model}": ${r.trials.length} trials of ${r.combinations} combinations, ranked by validation accuracy`,
    line(header), ...rows.map(line), `wrote ${r.files.join(', ')}`].join('\n');
}
