/** `axon export`: a model's forward graph with checkpoint weights as ONNX (run in onnxruntime-node), or as safetensors. */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { evaluate } from '../../compiler/index.ts';
import { modelGraph } from '../../cli/compile-model.ts';
import { loadModel } from '../../cli/model.ts';
import { saveCheckpoint } from '../../runtime/node/checkpoint.ts';
import { decodeSafetensors } from '../../compiler/onnx/safetensors.ts';
import { mulberry32 } from '../../runtime/data/prng.ts';
import { capture } from './fixtures/capture.ts';

const dir = 'node_modules/.cache/axon/cli-export';

describe('axon export', () => {
  it('ONNX with a run\'s checkpoint weights: onnxruntime-node gives the reference outputs', async () => {
    mkdirSync(join(dir, 'run', 'checkpoints'), { recursive: true });
    const model = await loadModel('fashion-simple-net');
    const g = modelGraph(model, 1, 1, false);
    // "trained" weights: the initial ones perturbed, so the test sees which weights were exported
    const r = mulberry32(2);
    const params = Object.fromEntries([...g.params].map(([n, t]) => [n, Float32Array.from(t.value!, (v) => v + (r() - 0.5) * 0.05)]));
    saveCheckpoint(join(dir, 'run', 'checkpoints', 'best.axckpt'), { modelId: model.id, epoch: 3, params, state: {}, metadata: {} });
    const out = join(dir, 'fsn.onnx');
    const c = await capture(['export', 'fashion-simple-net', '--run', join(dir, 'run'), '-o', out]);
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/wrote .*fsn\.onnx \(onnx, 8 tensors, .* weights from .*best\.axckpt\)/);
    const x = Float32Array.from({ length: 784 }, () => r());
    const s = await ort.InferenceSession.create(readFileSync(out));
    const got = (await s.run({ x: new ort.Tensor('float32', x, [1, 1, 28, 28]) })).logits!.data as Float32Array;
    const want = evaluate(g, { x }, { values: params }).outputs.logits!;
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
    const initial = evaluate(g, { x }).outputs.logits!;
    expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - initial[i]!)))).toBeGreaterThan(1e-3);
  }, 120_000);

  it('--format safetensors writes the weights with names, shapes and values', async () => {
    const out = join(dir, 'fsn.safetensors');
    const c = await capture(['export', 'fashion-simple-net', '--format', 'safetensors', '-o', out]);
    expect(c.code, c.err).toBe(0);
    const t = decodeSafetensors(new Uint8Array(readFileSync(out)));
    const g = modelGraph(await loadModel('fashion-simple-net'), 1, 1, false);
    expect(Object.keys(t).sort()).toEqual([...g.params.keys()].sort());
    for (const [n, p] of g.params) {
      expect(t[n]!.shape).toEqual(p.shape);
      expect(Array.from(t[n]!.data).slice(0, 5)).toEqual(Array.from(p.value!).slice(0, 5));
    }
  });

  it('a checkpoint of another model is refused', async () => {
    const ck = join(dir, 'other.axckpt');
    saveCheckpoint(ck, { modelId: 'mlp-v1', epoch: 1, params: {}, state: {}, metadata: {} });
    const c = await capture(['export', 'fashion-simple-net', '--checkpoint', ck, '-o', join(dir, 'x.onnx')]);
    expect(c.code).not.toBe(0);
    expect(c.err + c.out).toMatch(/mlp-v1|fashion-simple-net-v1/);
  });
});
