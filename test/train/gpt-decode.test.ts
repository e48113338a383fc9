/**
 * char-gpt's KV-cache decode step (examples/lib/gpt-decode.ts) against the full-window forward
 * (cli/text-model.ts samplerGraph): fed a sequence token by token from position 0, the decode
 * step's logits at every position equal the window program's logits at that position — on the
 * reference interpreter (float64: tight), WASM and WebGPU (f32 tolerances) — and greedy
 * sampling gives the same characters either way.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, type Graph } from '../../compiler/index.ts';
import model from '../../examples/char-gpt.ts';
import { DECODE, gptDecodeGraph } from '../../examples/lib/gpt-decode.ts';
import { samplerGraph, sizedTextModel } from '../../cli/text-model.ts';
import { buildVocabulary } from '../../runtime/data/text.ts';
import { sampleText } from '../../runtime/train/sample-text.ts';
import { BACKENDS, sessionFor, TOL } from '../ops/backends.ts';

const VOCAB = 11;
const CONTEXT = 16;
const options = { layers: 2, width: 16, heads: 2, context: CONTEXT, dropout: 0, tied: 1, vocab: VOCAB };
const windowGraph = (o: Record<string, number> = options): Graph => samplerGraph(sizedTextModel(model, o, o.vocab!), o);

/** seeded values for every param, large enough (std ~0.5) that attention is far from uniform */
function paramValues(g: Graph, seed = 5): Record<string, Float32Array> {
  let s = seed;
  const next = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; };
  return Object.fromEntries([...g.params].map(([name, t]) => {
    const base = name.endsWith('/gamma') ? 1 : 0;
    return [name, Float32Array.from({ length: t.size }, () => base + next())];
  }));
}

const TOKENS = Array.from({ length: CONTEXT }, (_, i) => (i * 7 + 3) % VOCAB);

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= atol + rtol * Math.abs(want[i]!))) expect.fail(`${what}[${i}]: decode ${got[i]}, window ${want[i]}`);
  }
}

describe('char-gpt KV-cache decode step', () => {
  const win = windowGraph();
  const dec = gptDecodeGraph(options);
  const params = paramValues(win);

  it('has exactly the window program\'s params, and a k and v cache per block', () => {
    expect([...dec.params.keys()].sort()).toEqual([...win.params.keys()].sort());
    for (const [name, t] of dec.params) expect(t.shape, name).toEqual(win.params.get(name)!.shape);
    expect([...dec.state.keys()].sort()).toEqual(['block1', 'block2'].flatMap((b) => [DECODE.cache(b, 'k'), DECODE.cache(b, 'v')]).sort());
  });

  it('reference interpreter: logits at every position equal the full window\'s (float64, tight)', () => {
    const x = Float32Array.from([...TOKENS, 0]);
    const full = evaluate(win, { x }, { values: params }).outputs.logits!; // [1, T, V]
    let values: Record<string, ArrayLike<number>> = { ...params };
    for (let p = 0; p < CONTEXT; p++) {
      const r = evaluate(dec, { token: TOKENS[p]!, pos: p }, { values });
      expectClose(r.outputs.logits!, full.subarray(p * VOCAB, (p + 1) * VOCAB), 1e-12, 1e-9, `position ${p}`);
      values = { ...values, ...r.updates };
    }
    // the test is not vacuous: the logits differ between positions and across the vocabulary
    const spread = Math.max(...full) - Math.min(...full);
    expect(spread).toBeGreaterThan(1);
  });

  it('a stale cache from a longer earlier sequence does not leak into a new one started at pos 0', () => {
    let values: Record<string, ArrayLike<number>> = { ...params };
    for (let p = 0; p < CONTEXT; p++) values = { ...values, ...evaluate(dec, { token: (p * 3 + 1) % VOCAB, pos: p }, { values }).updates };
    const x = Float32Array.from([...TOKENS, 0]);
    const full = evaluate(win, { x }, { values: params }).outputs.logits!;
    for (let p = 0; p < 4; p++) {
      const r = evaluate(dec, { token: TOKENS[p]!, pos: p }, { values });
      expectClose(r.outputs.logits!, full.subarray(p * VOCAB, (p + 1) * VOCAB), 1e-12, 1e-9, `position ${p}`);
      values = { ...values, ...r.updates };
    }
  });

  for (const backend of BACKENDS) {
    it(`${backend}: logits at every position equal the window program's (f32), and greedy samples agree`, async () => {
      const windowSession = await sessionFor(win, backend);
      const decodeSession = await sessionFor(dec, backend);
      try {
        await windowSession.setParams(params);
        await decodeSession.setParams(params);
        const full = (await windowSession.run({ x: Float32Array.from([...TOKENS, 0]) })).logits!;
        for (let p = 0; p < CONTEXT; p++) {
          const out = (await decodeSession.run({ token: Int32Array.of(TOKENS[p]!), pos: Int32Array.of(p) })).logits!;
          expectClose(out, full.subarray(p * VOCAB, (p + 1) * VOCAB), TOL[backend].atol, TOL[backend].rtol, `${backend} position ${p}`);
        }
        // 12 characters after a 3-character prompt, both ways: greedy (top-1), and drawn at
        // temperature 1 from the same seeded stream (varied text, so the comparison has teeth)
        const vocab = buildVocabulary('abcdefghijk');
        for (const o of [{ prompt: 'bad', tokens: CONTEXT - 4, topK: 1 }, { prompt: 'bad', tokens: CONTEXT - 4, temperature: 1, seed: 9 }]) {
          const viaWindow = await sampleText(windowSession, vocab, o), viaCache = await sampleText(decodeSession, vocab, o);
          expect([viaWindow.mode, viaCache.mode]).toEqual(['window', 'kv-cache']);
          expect(viaCache.text).toBe(viaWindow.text);
          if (!o.topK) expect(new Set(viaCache.text).size).toBeGreaterThan(3);
        }
      } finally {
        windowSession.dispose();
        decodeSession.dispose();
      }
    }, 300_000);
  }
});
