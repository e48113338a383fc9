/** `axon search`: grid and random combinations, one seeded trainCommand per trial, ranked by validation accuracy. */
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { grid, searchCommand, type SearchFlags } from '../../cli/commands/search.ts';
import { trainCommand } from '../../cli/commands/train.ts';
import { loadCheckpoint } from '../../runtime/node/checkpoint.ts';
import { main } from '../../cli/main.ts';
import { syntheticFashionDir } from './fixtures/synthetic-data.ts';

const LINEAR = resolve(import.meta.dirname, '../train/fixtures/linear-model.ts'); // hand-built JS sessions: no compiling
const TINY_CNN = resolve(import.meta.dirname, 'fixtures/tiny-cnn.ts');
const data = syntheticFashionDir(160, 40);
const flags = (over: Partial<SearchFlags>): SearchFlags => ({
  backend: 'wasm', threads: 0, valFraction: 0.25, data, epochs: 2, seed: 5, out: mkdtempSync(join(tmpdir(), 'axon-search-')), ...over,
});
const quiet = { log: () => {} };

describe('axon search', () => {
  it('grid covers every combination in order', () => {
    expect(grid([1, 2], [8], { hidden: [3, 4] })).toEqual([
      { lr: 1, batchSize: 8, options: { hidden: 3 } }, { lr: 1, batchSize: 8, options: { hidden: 4 } },
      { lr: 2, batchSize: 8, options: { hidden: 3 } }, { lr: 2, batchSize: 8, options: { hidden: 4 } },
    ]);
    expect(grid(undefined, undefined)).toEqual([{ options: {} }]);
  });

  it('trains each combination with the same seed, ranks by validation accuracy, writes CSV and JSON', async () => {
    const r = await searchCommand(LINEAR, flags({ lr: [0.3, 1e-4], batchSize: [16, 32] }), quiet);
    expect(r.combinations).toBe(4);
    expect(r.trials).toHaveLength(4);
    const acc = r.trials.map((t) => t.bestValAccuracy!);
    expect([...acc].sort((a, b) => b - a)).toEqual(acc);
    expect(r.trials[0]!.lr).toBe(0.3); // a 3000× smaller step learns far less in 2 epochs
    // a trial is exactly the train run with those flags
    const t = r.trials.find((x) => x.lr === 1e-4 && x.batchSize === 32)!;
    const alone = await trainCommand(LINEAR, { backend: 'wasm', threads: 0, resume: false, json: true, overfitBatch: false, valFraction: 0.25, data, epochs: 2, seed: 5, lr: 1e-4, batchSize: 32, pictures: false, out: mkdtempSync(join(tmpdir(), 'axon-one-')) }, { reporter: () => {}, log: () => {} });
    expect(t.bestValAccuracy).toBe(alone.bestValAccuracy);
    const csv = readFileSync(r.files[0]!, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('trial,lr,batch_size,best_val_accuracy,best_val_loss,best_epoch,test_accuracy,epochs,seconds,train_seconds');
    expect(csv.slice(1).map((l) => Number(l.split(',')[3]))).toEqual(acc);
    expect(JSON.parse(readFileSync(r.files[1]!, 'utf8')).trials).toHaveLength(4);
  });

  it('--random N trains N distinct combinations drawn by the seed', async () => {
    const a = await searchCommand(LINEAR, flags({ lr: [0.3, 0.1, 0.03], batchSize: [16, 32], random: 2, epochs: 1 }), quiet);
    const b = await searchCommand(LINEAR, flags({ lr: [0.3, 0.1, 0.03], batchSize: [16, 32], random: 2, epochs: 1 }), quiet);
    const combos = (r: typeof a) => r.trials.map((t) => `${t.lr}/${t.batchSize}`).sort();
    expect(a.trials).toHaveLength(2);
    expect(new Set(combos(a)).size).toBe(2);
    expect(combos(b)).toEqual(combos(a));
  });

  it('--hidden sets the model option of each trial (compiled model, printed table)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'axon-search-'));
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let code: number;
    let text: string;
    try {
      code = await main(['node', 'axon', 'search', TINY_CNN, '--hidden', '3,5', '--epochs', '1', '--limit', '64', '--data', data, '--out', out]);
      text = stdout.mock.calls.map((c) => String(c[0])).join('');
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    expect(code).toBe(0);
    expect(text).toMatch(/search of "test-tiny-cnn": 2 trials of 2 combinations/);
    expect(text).toMatch(/rank +trial +lr +batch +hidden +val acc/);
    const trials = JSON.parse(readFileSync(join(out, 'search.json'), 'utf8')).trials as { options: { hidden: number }; outDir: string }[];
    for (const t of trials) expect(loadCheckpoint(join(t.outDir, 'checkpoints/last.axckpt')).params['dense1/w']!.length).toBe(147 * t.options.hidden);
  });
});
