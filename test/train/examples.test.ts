/**
 * Every lecture model trains from the CLI with the real compiler (WASM): the perceptron converges
 * on AND and OR and fails on XOR, logistic regression separates its blobs, the XOR MLP learns
 * XOR, and FashionSimpleNet's checkpoint resume continues exactly where an uninterrupted run goes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainCommand, type TrainFlags } from '../../cli/commands/train.ts';
import { loadModel } from '../../cli/model.ts';
import { openTrainingSessions } from '../../cli/compile-model.ts';
import { loadFashionMnist } from '../../runtime/node/fashion-mnist.ts';
import { loadCheckpoint } from '../../runtime/node/checkpoint.ts';

const quiet = { reporter: () => {} };
const flags = (over: Partial<TrainFlags>): TrainFlags => ({
  backend: 'wasm', threads: 0, resume: false, json: true, overfitBatch: false, valFraction: 0.1, pictures: false,
  out: mkdtempSync(join(tmpdir(), 'axon-ex-')), ...over,
});

describe('lecture models through `axon train` (WASM)', () => {
  it.each([
    ['perceptron-and', 1],
    ['perceptron-or', 1],
    ['logistic-regression', 0.95],
    ['xor-mlp', 1],
  ] as const)('%s reaches test accuracy ≥ %s', async (name: string, min: number) => {
    const s = await trainCommand(name, flags({ seed: 0 }), quiet);
    expect(s.test!.accuracy).toBeGreaterThanOrEqual(min);
  });

  it('perceptron-xor never classifies all four XOR inputs', async () => {
    const s = await trainCommand('perceptron-xor', flags({ seed: 0, epochs: 20 }), quiet);
    expect(s.test!.accuracy).toBeLessThan(1);
    expect(Math.min(...s.history.map((h) => h.trainLoss))).toBeGreaterThan(0);
  });

  it('FashionSimpleNet: a resumed run gives the same next-step loss as an uninterrupted one', async () => {
    const model = await loadModel('fashion-simple-net');
    const data = loadFashionMnist('train', { limit: 128 });
    const batch = (i: number) => ({ x: data.images.subarray(i * 64 * 784, (i + 1) * 64 * 784), y: data.labels.subarray(i * 64, (i + 1) * 64), seed: 7 + i });
    const open = () => openTrainingSessions(model, { backend: 'wasm', batchSize: 64, lr: 1e-3, seed: 5, threads: 0 });
    // uninterrupted: step 0 then step 1
    const a = await open();
    await a.train.run(batch(0));
    const saved = await a.train.getParams(true);
    const uninterrupted = (await a.train.run(batch(1))).loss![0];
    // "resumed": a fresh session loaded with the saved params and optimizer state
    const b = await open();
    await b.train.setParams(saved);
    const resumed = (await b.train.run(batch(1))).loss![0];
    expect(resumed).toBe(uninterrupted);
    for (const s of [a, b]) { s.train.dispose(); s.eval.dispose(); }
  });

  it('FashionSimpleNet: a short CLI run writes a checkpoint holding weights and Adam state', async () => {
    const out = mkdtempSync(join(tmpdir(), 'axon-fsn-'));
    const s = await trainCommand('fashion-simple-net', flags({ out, epochs: 1, limit: 256, batchSize: 32 }), quiet);
    expect(s.history).toHaveLength(1);
    expect(s.test!.samples).toBe(256);
    const ckpt = loadCheckpoint(join(out, 'checkpoints', 'last.axckpt'), 'fashion-simple-net-v1');
    expect(Object.keys(ckpt.params).sort()).toEqual(['conv1/b', 'conv1/w', 'conv2/b', 'conv2/w', 'dense1/b', 'dense1/w', 'dense2/b', 'dense2/w']);
    expect(Object.keys(ckpt.state)).toContain('adam/conv1/w/m');
    expect(ckpt.state['adam/step']![0]).toBeGreaterThan(0);
  });
});
