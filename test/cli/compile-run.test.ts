/** `axon compile` writes an artifact directory; `axon run` loads it without the compiler and matches the reference interpreter. */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, evaluate } from '../../compiler/index.ts';
import { modelGraph, trainingStepGraph } from '../../cli/compile-model.ts';
import { createSession } from '../../runtime/node/index.ts';
import { saveCheckpoint } from '../../runtime/node/checkpoint.ts';
import { mulberry32 } from '../../runtime/data/prng.ts';
import { loadModel } from '../../cli/model.ts';
import { capture } from './fixtures/capture.ts';


const X = [[0, 0], [0, 1], [1, 0], [1, 1]];

describe('axon compile + axon run', () => {
  it.each(['wasm', 'webgpu'] as const)('forward pass on %s: outputs match the reference interpreter', async (backend) => {
    const dir = mkdtempSync(join(tmpdir(), 'axon-artifact-'));
    const c = await capture(['compile', 'xor-mlp', '--backend', backend, '-o', dir, '--batch-size', '4', '--seed', '3']);
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(new RegExp(`compiled "xor-mlp.eval" for ${backend}`));
    expect(c.out).toMatch(/inputs: {2}x: f32\[4, 2\]/);
    expect(existsSync(join(dir, 'manifest.json')) && existsSync(join(dir, 'weights.bin'))).toBe(true);

    const xFile = join(dir, 'x.json');
    writeFileSync(xFile, JSON.stringify(X));
    const r = await capture(['run', dir, '--input', `x=${xFile}`, '--json', '--repeat', '3']);
    expect(r.code, r.err).toBe(0);
    const got = JSON.parse(r.out);
    expect(got.outputs.logits.shape).toEqual([4, 2]);
    expect(got.warm_seconds).toBeGreaterThan(0);
    const model = await loadModel('xor-mlp');
    const want = evaluate(modelGraph(model, 4, 3, false), { x: X.flat() }).outputs.logits!;
    got.outputs.logits.data.forEach((v: number, i: number) => expect(v).toBeCloseTo(want[i]!, 5));
  });

  it('--train compiles the training step; run feeds .bin files and zeros for inputs not given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'axon-artifact-'));
    const c = await capture(['compile', 'mlp', '--train', '--hidden', '5', '-o', dir, '--batch-size', '2', '--lr', '0.01', '--json']);
    expect(c.code, c.err).toBe(0);
    const manifest = JSON.parse(c.out).manifest;
    expect(manifest.training).toBe(true);
    expect(manifest.params.find((p: { name: string }) => p.name === 'dense1/w').shape).toEqual([784, 5]);

    const x = Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 17) / 17);
    const xFile = join(dir, 'x.bin');
    writeFileSync(xFile, new Uint8Array(x.buffer));
    const r = await capture(['run', dir, '--input', `x=${xFile}`]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/feeding zeros to y: i32\[2\]/);
    const model = await loadModel('mlp');
    const want = evaluate(trainingStepGraph(model, 2, 1, 0.01, { hidden: 5 }), { x, y: [0, 0] }).outputs;
    const loss = Number(/loss: f32\[\] = ([-\d.e]+)/.exec(r.out)![1]);
    expect(loss).toBeCloseTo(want.loss![0]!, 4);
    expect(r.out).toMatch(/logits: f32\[2, 10\] = .*, … \(20 values\)/);
  });

  it('errors name the input and what it expects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'axon-artifact-'));
    expect((await capture(['compile', 'xor-mlp', '-o', dir, '--batch-size', '4'])).code).toBe(0);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[1, 2, 3]');
    const r = await capture(['run', dir, '--input', `x=${bad}`]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/input "x" \(x: f32\[4, 2\]\) needs 8 values, but .*bad\.json has 3/);
    expect((await capture(['run', dir, '--input', `z=${bad}`])).err).toMatch(/has no input "z"; its inputs are x: f32\[4, 2\]/);
    expect((await capture(['run', join(dir, 'nothing')])).err).toMatch(/holds no manifest\.json/);
  });

  it('--checkpoint bakes trained weights into the artifact; mismatched checkpoints are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'axon-artifact-'));
    const model = await loadModel('mlp');
    // a checkpoint as `axon train mlp --hidden 3` writes it: trained values and the options
    const graph = modelGraph(model, 2, 1, false, { hidden: 3 });
    const inMemory = await compile(graph, { backend: 'wasm' });
    const r = mulberry32(5);
    const params = Object.fromEntries(inMemory.manifest.params.map((p) => [p.name, Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, () => r() - 0.5)]));
    const ckptFile = join(dir, 'best.axckpt');
    saveCheckpoint(ckptFile, { modelId: model.id, epoch: 4, params, state: {}, metadata: { options: { hidden: 3 } } });

    const out = join(dir, 'art');
    const c = await capture(['compile', 'mlp', '--checkpoint', ckptFile, '--hidden', '7', '-o', out, '--batch-size', '2']);
    expect(c.code, c.err).toBe(0);
    expect(c.err).toMatch(/note: .*best\.axckpt was trained with model options \{"hidden":3\}; using them \(ignoring \{"hidden":7\}\)/);
    expect(c.out).toMatch(/weights: trained, from .*best\.axckpt \(epoch 4\)/);
    expect(c.out).toMatch(/params: {2}4 tensors, 2395 values/);

    const x = Float32Array.from({ length: 2 * 784 }, (_, i) => ((i * 7) % 13) / 13);
    const xFile = join(dir, 'x.bin');
    writeFileSync(xFile, new Uint8Array(x.buffer));
    const run = await capture(['run', out, '--input', `x=${xFile}`, '--json']);
    expect(run.code, run.err).toBe(0);
    // the same graph with the checkpoint's values set at run time gives the same bits
    const s = await createSession(inMemory);
    await s.setParams(params);
    const want = Array.from((await s.run({ x })).logits!);
    s.dispose();
    expect(JSON.parse(run.out).outputs.logits.data).toEqual(want);
    // the initial weights would give other logits
    const initial = evaluate(graph, { x }).outputs.logits!;
    expect(Math.abs(initial[0]! - want[0]!)).toBeGreaterThan(1e-3);

    // a checkpoint of other model options (no options recorded): the sizes do not fit
    const wrong = join(dir, 'wrong.axckpt');
    saveCheckpoint(wrong, { modelId: model.id, epoch: 1, params: { ...params, 'dense1/w': new Float32Array(784 * 5) }, state: {}, metadata: {} });
    const bad = await capture(['compile', 'mlp', '--checkpoint', wrong, '--hidden', '3', '-o', join(dir, 'bad'), '--batch-size', '2']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/wrong\.axckpt: param "dense1\/w" has 3920 values, but the model's "dense1\/w" is f32\[784, 3\] \(2352 values\)/);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
    // another model's checkpoint, and a best checkpoint (no optimizer state) for a training step
    const otherModel = await capture(['compile', 'xor-mlp', '--checkpoint', ckptFile, '-o', join(dir, 'bad')]);
    expect(otherModel.err).toMatch(/best\.axckpt: checkpoint is for model "mlp-784-128-10", not "xor-mlp/);
    const train = await capture(['compile', 'mlp', '--train', '--checkpoint', ckptFile, '-o', join(dir, 'bad'), '--batch-size', '2']);
    expect(train.err).toMatch(/best\.axckpt: has no optimizer state \(needed to resume "mlp-784-128-10\.train": .*\); use the last\.axckpt of the run/);
  }, 120_000);
});
