/**
 * The gpt bench cases compute the same thing on every system: on a tiny char-gpt, the first
 * training step's loss and the first sampled logits of Axon (WASM), TF.js (cpu backend) and
 * jax-js (wasm) agree, and the bench weights cover exactly char-gpt's params.
 */
import { describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import model from '../../examples/char-gpt.ts';
import { trainingStepGraph } from '../../cli/compile-model.ts';
import type { BenchCase } from '../../bench/cases.ts';
import { GPT, gptParams, type GptConfig, type GptWorkload } from '../../bench/cases-gpt.ts';
import { gptOptions, prepareAxonGptCase, setGptWeights } from '../../bench/peers/gpt-axon.ts';
import { prepareTfjsGptCase } from '../../bench/peers/gpt-tfjs.ts';
import { initJax } from '../../bench/peers/jax.ts';
import { prepareJaxGptCase } from '../../bench/peers/gpt-jax.ts';

const tiny: Partial<GptConfig> = { layers: 2, width: 16, heads: 2 };
const benchCase = (workload: GptWorkload): BenchCase => ({ name: workload.kind, workload, metric: 'samples_per_s', samples: 1, quick: false, description: '' });

async function firstChecksums(c: BenchCase): Promise<number[]> {
  const out: number[] = [];
  const axon = await prepareAxonGptCase(c, { backend: 'wasm' });
  out.push(await axon.run());
  await axon.dispose();
  const tfjs = prepareTfjsGptCase(c);
  out.push(await tfjs.run());
  tfjs.dispose();
  const jax = prepareJaxGptCase(c);
  out.push(await jax.run());
  jax.dispose();
  return out;
}

describe('gpt bench peers', () => {
  it('the bench weights are exactly char-gpt\'s params (names and shapes) at the bench size', () => {
    const cfg = { ...GPT };
    const g = trainingStepGraph({ ...model, inputShape: [cfg.context + 1], classes: cfg.vocab }, 2, 1, 1e-3, gptOptions(cfg));
    expect(() => setGptWeights(g, cfg)).not.toThrow();
    expect(gptParams(cfg).reduce((n, p) => n + p.data.length, 0)).toBe(824_192);
  });

  it('Axon, TF.js and jax-js agree on the first training step\'s loss and the first sampled logits', async () => {
    await tf.setBackend('cpu');
    await initJax('wasm');
    const train = await firstChecksums(benchCase({ kind: 'gpt-train', batch: 2, context: 8, model: tiny }));
    // ln(113) ≈ 4.727 at near-uniform initial logits
    expect(train[0]).toBeGreaterThan(4.5);
    expect(train[0]).toBeLessThan(5);
    for (const x of train.slice(1)) expect(Math.abs(x - train[0]!) / train[0]!).toBeLessThan(2e-6);
    const sample = await firstChecksums(benchCase({ kind: 'gpt-sample', context: 8, model: tiny }));
    for (const x of sample.slice(1)) expect(Math.abs(x - sample[0]!)).toBeLessThan(2e-6);
  }, 300_000);
});
