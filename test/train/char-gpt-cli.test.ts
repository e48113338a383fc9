/**
 * char-gpt end to end through the CLI commands (WASM): `axon train char-gpt --data FILE --steps N`
 * on a small text, then `axon sample` from the run's checkpoint, with and without the KV cache.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainCommand, type TrainFlags } from '../../cli/commands/train.ts';
import { sampleCommand } from '../../cli/commands/sample.ts';
import { loadCheckpoint } from '../../runtime/node/checkpoint.ts';

const TEXT = 'to be or not to be, that is the question.\nwhether tis nobler in the mind to suffer\n'.repeat(30);
const options = { layers: 1, width: 16, heads: 2, context: 16, dropout: 0.1 };

describe('char-gpt through axon train and axon sample (WASM)', () => {
  it('trains for --steps on a --data file, validates in nats/char, checkpoints the vocabulary, and samples from the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'axon-gpt-'));
    const data = join(dir, 'corpus.txt');
    writeFileSync(data, TEXT);
    const logs: string[] = [];
    const flags: TrainFlags = {
      backend: 'wasm', threads: 0, resume: false, json: true, overfitBatch: false, valFraction: 0.1, pictures: false,
      out: join(dir, 'run'), data, steps: 6, batchSize: 8, lr: 3e-3, seed: 2, options,
    };
    const s = await trainCommand('char-gpt', flags, { reporter: () => {}, log: (l) => logs.push(l) });
    const vocab = new Set(TEXT).size;
    expect(s.stoppedBy).toBe('steps');
    expect(s.text).toMatchObject({ tokensPerSample: 16, vocab });
    expect(s.text!.params).toBe(vocab * 16 + 16 * 16 + 12 * 16 * 16 + 13 * 16 + 2 * 16);
    const last = s.history[s.history.length - 1]!;
    // a few steps from uniform: the validation loss is finite and near ln(vocab)
    expect(Number.isFinite(last.valLoss)).toBe(true);
    expect(last.valLoss).toBeLessThan(Math.log(vocab) + 0.5);
    expect(s.text!.sample!.length).toBe(200);
    expect([...s.text!.sample!].every((c) => TEXT.includes(c))).toBe(true);
    const ckpt = loadCheckpoint(join(dir, 'run', 'checkpoints', 'last.axckpt'), 'char-gpt-v1');
    expect(ckpt.metadata.vocab).toBe([...new Set(TEXT)].sort().join(''));
    expect((ckpt.metadata.options as Record<string, number>).vocab).toBe(vocab);

    const r = await sampleCommand(join(dir, 'run'), { prompt: 'to be', tokens: 12, temperature: 0.8, topK: 5, seed: 1, backend: 'wasm', threads: 0 });
    expect([...r.text].length).toBe(12);
    expect([...r.text].every((c) => TEXT.includes(c))).toBe(true);
    expect(r.tokensPerSecond).toBeGreaterThan(0);
    expect(r.mode).toBe('kv-cache');
    // --no-kv-cache re-runs the window: the same characters from the same seed (text within the context)
    const w = await sampleCommand(join(dir, 'run'), { prompt: 'to be', tokens: 10, temperature: 0.8, topK: 5, seed: 1, backend: 'wasm', threads: 0, kvCache: false });
    expect(w.mode).toBe('window');
    expect(w.text).toBe([...r.text].slice(0, 10).join(''));
    await expect(sampleCommand(join(dir, 'run'), { prompt: 'Zebra', tokens: 1, temperature: 1, topK: 0, seed: 1, backend: 'wasm', threads: 0 }))
      .rejects.toThrow(/"Z" \(U\+005A\) at position 0 is not in the model's vocabulary/);
  }, 900_000);
});
