/**
 * Models exported from PyTorch by scripts/make-onnx-models.py (generated into the ignored cache;
 * without them these tests report themselves skipped outside CI): FashionSimpleNet's gradients through the
 * imported graph match PyTorch's, and the small ViT matches onnxruntime-node on every backend
 * (in CI a missing cache fails instead: see pytorch-models.ts).
 * ResNet-18, MobileNetV2 and SqueezeNet run in scripts/onnx-architectures.ts (minutes each here).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { evaluate, losses, gradients, compile } from '../../compiler/index.ts';
import { importOnnx } from '../../compiler/onnx/import.ts';
import { createSession } from '../../runtime/node/index.ts';
import { mulberry32 } from '../../runtime/data/prng.ts';
import { testDevice } from '../backends/webgpu/device.ts';
import { haveOnnxModels, ONNX_MODEL_DIR as DIR } from './pytorch-models.ts';

const have = haveOnnxModels(['fashion_simple_net.onnx', 'fashion_simple_net.grads.json', 'vit_tiny.onnx']);

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.skipIf(!have)('PyTorch models through ONNX', () => {
  it('FashionSimpleNet: loss and every parameter gradient match PyTorch', async () => {
    const golden = JSON.parse(readFileSync(`${DIR}/fashion_simple_net.grads.json`, 'utf8')) as { x: number[]; y: number[]; loss: number; grads: Record<string, number[]> };
    const m = await importOnnx(`${DIR}/fashion_simple_net.onnx`, { shapes: { input: [2, 1, 28, 28] } });
    const g = m.graph;
    const y = g.input('y', [2], 'i32');
    const loss = g.output('loss', losses.softmaxCrossEntropy(g.outputs.get('logits')!, y));
    const names = Object.keys(golden.grads);
    expect(names.every((n) => g.params.has(n)), `params ${[...g.params.keys()].join(', ')}`).toBe(true);
    gradients(loss, names.map((n) => g.params.get(n)!)).forEach((d, i) => g.output(`grad/${names[i]}`, d));
    const out = evaluate(g, { input: golden.x, y: golden.y }).outputs;
    expect(out.loss![0]).toBeCloseTo(golden.loss, 5);
    for (const n of names) {
      const want = golden.grads[n]!;
      const scale = want.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
      expect(maxAbs(out[`grad/${n}`]!, want), n).toBeLessThan(1e-4 * Math.max(scale, 1e-3));
    }
  }, 120_000);

  it('ViT (torchvision VisionTransformer, 2 layers, width 64) matches onnxruntime-node on the reference, WASM and WebGPU', async (ctx) => {
    const path = `${DIR}/vit_tiny.onnx`;
    const m = await importOnnx(path);
    const r = mulberry32(4);
    const x = Float32Array.from({ length: 3 * 32 * 32 }, () => r() * 2 - 1);
    const s = await ort.InferenceSession.create(readFileSync(path));
    const want = (await s.run({ input: new ort.Tensor('float32', x, [1, 3, 32, 32]) })).logits!.data as Float32Array;
    expect(Math.max(...Array.from(want, Math.abs))).toBeGreaterThan(0.1); // the head is not the zero init
    expect(maxAbs(evaluate(m.graph, { input: x }).outputs.logits!, want)).toBeLessThan(1e-4);
    const wasm = await createSession(await compile(m.graph, { backend: 'wasm' }));
    expect(maxAbs((await wasm.run({ input: x })).logits!, want)).toBeLessThan(1e-4);
    wasm.dispose();
    const device = await testDevice();
    if (!device) return ctx.skip();
    const gpu = await createSession(await compile(m.graph, { backend: 'webgpu' }), { device });
    expect(maxAbs((await gpu.run({ input: x })).logits!, want)).toBeLessThan(1e-4);
    gpu.dispose();
    device.destroy();
  }, 300_000);
});
