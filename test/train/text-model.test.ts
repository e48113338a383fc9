/**
 * The text-model pieces without the compiler: the character dataset (vocabulary, split by
 * position, seeded windows, errors), sampling (temperature / top-k), and the training loop's
 * paths for self-supervised models (no labels, per-sample validation losses, --steps, periodic hooks).
 */
import { describe, expect, it } from 'vitest';
import { buildVocabulary, decode, encode, textWindows, vocabularyOf } from '../../runtime/data/text.ts';
import { pick, sampleText } from '../../runtime/train/sample-text.ts';
import { trainLoop, evaluate } from '../../runtime/train/loop.ts';
import { mulberry32 } from '../../runtime/data/prng.ts';
import type { Manifest } from '../../runtime/artifact.ts';
import type { Feeds, Outputs, Session, TensorData } from '../../runtime/session.ts';
import { loadTextCorpus } from '../../runtime/node/text-corpus.ts';
import { warmupCosineFactor } from '../../compiler/frontend/optim.ts';

const spec = (name: string, shape: number[], dtype: 'f32' | 'i32' = 'f32') => ({ name, shape, dtype, offset: 0 });

/** A "model" whose loss is the mean of x, and whose eval gives each window's mean as sampleLoss. */
class MeanSession implements Session {
  readonly backend = 'wasm' as const;
  readonly manifest: Manifest;
  runs: Feeds[] = [];
  constructor(readonly batch: number, readonly window: number, training: boolean) {
    this.manifest = {
      format: 'axon-artifact', formatVersion: 2, axonVersion: 'test', backend: 'wasm', name: training ? 'mean-train' : 'mean-eval', training, arenaBytes: 0,
      inputs: [spec('x', [batch, window])], outputs: [training ? spec('loss', []) : spec('sampleLoss', [batch])],
      params: [spec('w', [1])], state: [], init: [],
    };
  }
  async run(feeds: Feeds): Promise<Outputs> {
    this.runs.push(feeds);
    const x = feeds.x as Float32Array;
    const rows = Float32Array.from({ length: this.batch }, (_, r) => x.subarray(r * this.window, (r + 1) * this.window).reduce((a, b) => a + b, 0) / this.window);
    return this.manifest.training ? { loss: Float32Array.of(rows.reduce((a, b) => a + b, 0) / this.batch) } : { sampleLoss: rows };
  }
  async getParams(): Promise<Record<string, TensorData>> { return { w: Float32Array.of(0) }; }
  async setParams(): Promise<void> {}
  dispose(): void {}
}

describe('character text dataset', () => {
  it('builds a sorted vocabulary and round-trips text, naming an unknown character', () => {
    const v = buildVocabulary('hello, wörld');
    expect(v.chars).toEqual([' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w', 'ö']);
    expect(decode(encode('hold', v), v)).toBe('hold');
    expect(vocabularyOf(v.chars).index.get('ö')).toBe(9);
    expect(() => encode('hex', v)).toThrow(/"x" \(U\+0078\) at position 2 is not in the model's vocabulary of 10/);
  });

  it('splits by position (validation windows only from the tail) and draws seeded training windows', () => {
    const text = 'abcdefghij'.repeat(20); // 200 characters
    const a = textWindows(text, { window: 5, seed: 1, valFraction: 0.1, trainWindows: 30 });
    expect([a.trainChars, a.valChars]).toEqual([180, 20]);
    expect(a.data.sampleShape).toEqual([5]);
    expect(a.trainIndices.length).toBe(30);
    expect(a.valIndices.length).toBe(4); // 20 characters / windows of 5
    // each window is 5 consecutive characters of the text
    for (let s = 0; s < a.data.count; s++) {
      const w = decode(a.data.images.subarray(s * 5, s * 5 + 5), a.vocab);
      expect(text.includes(w)).toBe(true);
    }
    // validation windows tile the tail: the first starts at character 180
    expect(decode(a.data.images.subarray(30 * 5, 31 * 5), a.vocab)).toBe(text.slice(180, 185));
    const b = textWindows(text, { window: 5, seed: 1, valFraction: 0.1, trainWindows: 30 });
    const c = textWindows(text, { window: 5, seed: 2, valFraction: 0.1, trainWindows: 30 });
    expect(b.data.images).toEqual(a.data.images);
    expect(c.data.images).not.toEqual(a.data.images);
  });

  it('refuses a text too short for one window, and a missing --data file', () => {
    expect(() => textWindows('abc', { window: 9, seed: 1 })).toThrow(/too few for windows of 9 \(context 8\)/);
    expect(() => loadTextCorpus('/nonexistent/corpus.txt')).toThrow(/no file \/nonexistent\/corpus.txt/);
  });
});

describe('sampling', () => {
  it('top-1 is greedy, top-k never leaves the k best, temperature sharpens', () => {
    const logits = [0.1, 2.0, 1.5, -1];
    const r = mulberry32(5);
    for (let i = 0; i < 50; i++) expect(pick(logits, 1, 1, r)).toBe(1);
    for (let i = 0; i < 200; i++) expect([1, 2]).toContain(pick(logits, 1, 2, r));
    const counts = (t: number) => { const c = [0, 0, 0, 0]; for (let i = 0; i < 2000; i++) c[pick(logits, t, 0, r)]!++; return c; };
    expect(counts(0.2)[1]).toBeGreaterThan(counts(2)[1]! + 300);
  });

  it('feeds the window with the prompt at the start and reads the logits of its last character', async () => {
    const vocab = buildVocabulary('abc');
    const seen: number[][] = [];
    // a fake causal model: predicts "next id = (id at the last real position + 1) mod 3"
    const session = {
      manifest: { inputs: [spec('x', [1, 5])], name: 'fake' },
      run: async (feeds: Feeds) => {
        const x = Array.from(feeds.x as Float32Array);
        seen.push(x);
        const logits = new Float32Array(4 * 3);
        for (let i = 0; i < 4; i++) logits[i * 3 + ((x[i]! + 1) % 3)] = 10;
        return { logits };
      },
    } as unknown as Session;
    const r = await sampleText(session, vocab, { prompt: 'ab', tokens: 4, topK: 1 });
    expect(r.text).toBe('cabc');
    expect(seen[0]).toEqual([0, 1, 0, 0, 0]);
    expect(seen[3]).toEqual([1, 2, 0, 1, 0]); // the last 4 tokens (context) of "abcab"
  });
});

describe('training loop with a self-supervised model', () => {
  const w = 4, batch = 2;
  const data = { images: Float32Array.from({ length: 10 * w }, (_, i) => Math.floor(i / w)), labels: new Int32Array(10), count: 10, sampleShape: [w], classNames: ['a', 'b'] };

  it('feeds no labels, validates with sampleLoss over the real rows only, stops after --steps and runs the periodic hook', async () => {
    const train = new MeanSession(batch, w, true), evalS = new MeanSession(batch, w, false);
    const hooks: number[] = [];
    const result = await trainLoop({
      train, eval: evalS, data, trainIndices: Int32Array.from([0, 1, 2, 3, 4, 5, 6]), valIndices: Int32Array.from([7, 8, 9]),
      epochs: 5, patience: 0, seed: 1, maxSteps: 5, periodic: { every: 2, run: async (s) => { hooks.push(s); } },
    });
    expect(Object.keys(train.runs[0]!)).toEqual(['x']);
    expect(train.runs.length).toBe(5); // 3 batches per epoch: 3 + 2
    expect(result.stoppedBy).toBe('steps');
    expect(result.state.history.length).toBe(2);
    expect(hooks).toEqual([2, 4]);
    // windows 7, 8, 9 hold the constants 7, 8, 9: the padded 4th row must not count
    expect(result.state.history[1]!.valLoss).toBeCloseTo(8, 6);
    const v = await evaluate(evalS, data, Int32Array.from([9]));
    expect(v.loss).toBeCloseTo(9, 6);
    expect(Number.isNaN(v.accuracy)).toBe(true);
  });
});

describe('warm-up + cosine schedule', () => {
  it('rises linearly, peaks at the end of warm-up, and decays to the floor at the last step', () => {
    expect([0, 1, 3].map((t) => warmupCosineFactor(t, 4, 20, 0.1))).toEqual([0.25, 0.5, 1]);
    expect(warmupCosineFactor(4, 4, 20, 0.1)).toBe(1);
    expect(warmupCosineFactor(12, 4, 20, 0.1)).toBeCloseTo(0.55, 12);
    expect(warmupCosineFactor(20, 4, 20, 0.1)).toBeCloseTo(0.1, 12);
    expect(warmupCosineFactor(99, 4, 20, 0.1)).toBeCloseTo(0.1, 12);
  });
});
