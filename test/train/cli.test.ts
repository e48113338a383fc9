import { describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { loadCheckpoint } from '../../runtime/node/checkpoint.ts';
import { trainCommand, type TrainFlags } from '../../cli/commands/train.ts';
import { evalCommand } from '../../cli/commands/eval.ts';
import { main } from '../../cli/main.ts';
import { STATS_HEADER } from '../../runtime/node/stats-csv.ts';
import { syntheticFashionDir } from '../cli/fixtures/synthetic-data.ts';

const MODEL = resolve(import.meta.dirname, 'fixtures/linear-model.ts');
const OTHER_MODEL = resolve(import.meta.dirname, 'fixtures/other-model.ts');


const flags = (over: Partial<TrainFlags>): TrainFlags => ({
  backend: 'wasm', threads: 0, resume: false, json: true, overfitBatch: false, valFraction: 0.2, ...over,
});
const quiet = { reporter: () => {}, log: () => {} };

describe('axon train (JS linear model through the CLI wiring)', () => {
  const data = syntheticFashionDir(240, 60);

  it('trains, writes stats.csv, checkpoints, pictures and a summary, and evaluates the test split', async () => {
    const out = mkdtempSync(join(tmpdir(), 'axon-run-'));
    const s = await trainCommand(MODEL, flags({ data, out, epochs: 3, seed: 4 }), quiet);
    expect(s.stoppedBy).toBe('epochs');
    expect(s.history.length).toBe(3);
    expect(s.bestValAccuracy).toBeGreaterThan(0.9);
    expect(s.test!.samples).toBe(60);
    expect(s.test!.accuracy).toBeGreaterThan(0.9);
    const csv = readFileSync(join(out, 'stats.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(STATS_HEADER);
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['1', '2', '3']);
    expect(Number(csv[3]!.split(',')[4])).toBeCloseTo(s.history[2]!.valAccuracy, 5);
    const last = loadCheckpoint(join(out, 'checkpoints/last.axckpt'), 'test-linear-v1');
    expect(last.epoch).toBe(3);
    // 192 training images / batch 16 = 12 steps per epoch, kept in the optimizer state.
    expect(last.state.step).toEqual(Int32Array.of(36));
    expect(loadCheckpoint(join(out, 'checkpoints/best.axckpt')).epoch).toBe(s.bestEpoch);
    for (const pic of ['curves.png', 'confusion.png']) {
      const png = PNG.sync.read(readFileSync(join(out, pic)));
      expect(png.width).toBeGreaterThan(300);
    }
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).bestEpoch).toBe(s.bestEpoch);

    const ev = await evalCommand(MODEL, { backend: 'wasm', threads: 0, data, out, checkpoint: join(out, 'checkpoints/best.axckpt'), batchSize: 16 });
    expect(ev.accuracy).toBeCloseTo(s.test!.accuracy, 6);
    expect(existsSync(ev.confusion!)).toBe(true);
  });

  it('a stopped run resumes to the same weights as an uninterrupted one', async () => {
    const full = mkdtempSync(join(tmpdir(), 'axon-run-'));
    await trainCommand(MODEL, flags({ data, out: full, epochs: 3, seed: 2, patience: 0, pictures: false }), quiet);

    const out = mkdtempSync(join(tmpdir(), 'axon-run-'));
    const ctl = new AbortController();
    let batches = 0;
    const stopped = await trainCommand(MODEL, flags({ data, out, epochs: 3, seed: 2, patience: 0, pictures: false }), {
      ...quiet, signal: ctl.signal, reporter: (e) => { if (e.type === 'batch' && ++batches === 17) ctl.abort(); },
    });
    expect(stopped.stoppedBy).toBe('signal');
    expect(loadCheckpoint(join(out, 'checkpoints/last.axckpt')).state.step).toEqual(Int32Array.of(17));

    const resumed = await trainCommand(MODEL, flags({ data, out, epochs: 3, resume: true, pictures: false }), quiet);
    expect(resumed.epochs).toBe(3);
    const a = loadCheckpoint(join(full, 'checkpoints/last.axckpt'));
    const b = loadCheckpoint(join(out, 'checkpoints/last.axckpt'));
    expect(Array.from(b.params.W!)).toEqual(Array.from(a.params.W!));
    expect(readFileSync(join(out, 'stats.csv'), 'utf8').trim().split('\n').length).toBe(4);
  });

  it('--overfit-batch drives one batch to near-zero loss; --resume refuses another model', async () => {
    const out = mkdtempSync(join(tmpdir(), 'axon-run-'));
    const s = await trainCommand(MODEL, flags({ data, out, epochs: 30, overfitBatch: true, lr: 0.5, pictures: false }), quiet);
    expect(s.history.at(-1)!.trainLoss).toBeLessThan(0.05);
    expect(s.history.at(-1)!.valAccuracy).toBe(1);
    expect(existsSync(join(out, 'curves.png'))).toBe(false);
    await expect(trainCommand(OTHER_MODEL, flags({ data, out, resume: true }), quiet))
      .rejects.toThrow(/checkpoint is for model "test-linear-v1", not "another-model"/);
  });

  it('missing data fails with the documented instructions; bad flags are rejected', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'axon-nodata-'));
    await expect(trainCommand(MODEL, flags({ data: empty }), quiet)).rejects.toThrow(/sudo apt-get install dataset-fashion-mnist/);
    const bin = resolve(import.meta.dirname, '../../bin/axon.mjs');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'axon', 'train', MODEL, '--epochs', '0'])).toBe(1);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/--epochs must be an integer ≥ 1/);
    } finally {
      stderr.mockRestore();
    }
    const help = execFileSync(process.execPath, [bin, 'train', '--help'], { encoding: 'utf8' });
    for (const f of ['--epochs', '--batch-size', '--lr', '--backend', '--threads', '--seed', '--data', '--out', '--patience', '--resume', '--json', '--overfit-batch', '--limit', '--skip-nonfinite']) {
      expect(help).toContain(f);
    }
  });
});
