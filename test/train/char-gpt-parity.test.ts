/**
 * char-gpt against PyTorch (scripts/make-goldens-gpt.py): the same tiny model from Axon's
 * initial weights, on the same batches, with the same AdamW + warm-up/cosine schedule +
 * global-norm clipping. Checks the loss at each of the first steps and every gradient at the
 * first step, on the reference interpreter (float64: tight) and on WASM and WebGPU (float32).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../compiler/index.ts';
import { parityGraph } from './char-gpt-parity-setup.ts';
import { BACKENDS, sessionFor } from '../ops/backends.ts';

interface Golden { losses: number[]; gradNorm: number; grads: Record<string, number[]>; vocab: string }
const golden = JSON.parse(readFileSync(new URL('../goldens/gpt/char-gpt-parity.json', import.meta.url), 'utf8')) as Golden;

/** the largest |got − want| / (atol + rtol·|want|) over all elements (≤ 1 passes) */
function excess(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (atol + rtol * Math.abs(want[i]!)));
  return worst;
}

/** f32 tolerances: losses relative (the 1e-4 at step 1), gradients elementwise */
const F32 = {
  wasm: { loss: 1e-4, gradAtol: 1e-5, gradRtol: 1e-3 },
  webgpu: { loss: 2e-4, gradAtol: 2e-5, gradRtol: 2e-3 },
} as const;

describe('char-gpt vs PyTorch (float64 goldens)', () => {
  const { graph, batches, vocab } = parityGraph();
  const gradNames = Object.keys(golden.grads);

  it('uses the vocabulary and params the goldens were made from', () => {
    expect(vocab).toBe(golden.vocab);
    expect([...graph.params.keys()].sort()).toEqual([...gradNames].sort());
  });

  // Tight, not exact: graph constants (1/√d, GELU's coefficients, the learning-rate table) are
  // stored as f32, so even the float64 interpreter differs from PyTorch by ~1e-8 relative.
  it('reference interpreter: losses of 5 steps and first-step gradients, tight', () => {
    let values: Record<string, ArrayLike<number>> = {};
    const losses: number[] = [];
    batches.forEach((x, step) => {
      const r = evaluate(graph, { x }, { values });
      losses.push(r.outputs.loss![0]!);
      if (step === 0) for (const n of gradNames) expect(excess(r.outputs[`grad/${n}`]!, golden.grads[n]!, 1e-9, 1e-6), n).toBeLessThanOrEqual(1);
      values = { ...values, ...r.updates };
    });
    // measured: step 1 within 4e-13 relative, step 5 within 2e-9; gradients within 2e-10 absolute
    expect(excess(losses, golden.losses, 0, 1e-8)).toBeLessThanOrEqual(1);
  });

  for (const backend of BACKENDS) {
    it(`${backend}: losses of 5 steps and first-step gradients within f32 tolerances`, async () => {
      const session = await sessionFor(graph, backend);
      if (!session) return;
      try {
        const tol = F32[backend];
        const losses: number[] = [];
        for (const [step, x] of batches.entries()) {
          const out = await session.run({ x });
          losses.push(out.loss![0]!);
          if (step === 0) for (const n of gradNames) expect(excess(out[`grad/${n}`]!, golden.grads[n]!, tol.gradAtol, tol.gradRtol), n).toBeLessThanOrEqual(1);
        }
        expect(excess(losses, golden.losses, 0, tol.loss)).toBeLessThanOrEqual(1);
      } finally {
        session.dispose();
      }
    }, 600_000);
  }
});
