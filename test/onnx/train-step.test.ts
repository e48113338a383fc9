/**
 * Issue 14 §6: each real architecture imported from PyTorch's ONNX export can take a training
 * step. The imported graph is wrapped with softmax cross-entropy and plain SGD, one step runs on
 * WASM (and on WebGPU for the small ones), and the same batch then has a lower loss. SqueezeNet's
 * gradients are checked against PyTorch's (test/onnx/goldens/squeezenet1_1.grads.json, written by
 * `scripts/make-onnx-models.py --write-goldens`). The models come from the ignored cache: see
 * pytorch-models.ts.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { compile, gradients, losses, optim, trainStep, type Graph } from '../../compiler/index.ts';
import { importOnnx } from '../../compiler/onnx/import.ts';
import { createSession, type Session } from '../../runtime/node/index.ts';
import { mulberry32 } from '../../runtime/data/prng.ts';
import { requireWebGPU } from '../backends/webgpu/device.ts';
import { haveOnnxModels, ONNX_MODEL_DIR } from './pytorch-models.ts';

interface Arch { name: string; size: number; classes: number; lr: number; webgpu: boolean }
const ARCHS: Arch[] = [
  { name: 'vit_tiny', size: 32, classes: 10, lr: 1e-3, webgpu: true },
  // the CNNs' training steps take minutes on llvmpipe (SqueezeNet: 338 s on the loaded 2-core
  // machine, against 5 s on WASM), so WebGPU trains the ViT only
  { name: 'squeezenet1_1', size: 224, classes: 1000, lr: 0.01, webgpu: false },
  { name: 'resnet18', size: 224, classes: 1000, lr: 0.01, webgpu: false },
  { name: 'mobilenet_v2', size: 224, classes: 1000, lr: 0.01, webgpu: false },
];
const have = haveOnnxModels(ARCHS.map((a) => `${a.name}.onnx`));

/** The imported model with a cross-entropy loss on label input `y` (logits stay an output). */
async function withLoss(name: string, size: number): Promise<Graph> {
  const m = await importOnnx(`${ONNX_MODEL_DIR}/${name}.onnx`, { shapes: { input: [1, 3, size, size] } });
  const g = m.graph;
  g.output('loss', losses.softmaxCrossEntropy(g.outputs.get('logits')!, g.input('y', [1], 'i32')));
  return g;
}

const norm = (xs: ArrayLike<number>) => { let s = 0; for (let i = 0; i < xs.length; i++) s += xs[i]! * xs[i]!; return Math.sqrt(s); };
const allFinite = (xs: ArrayLike<number>) => { for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i]!)) return false; return true; };

/**
 * Runs the step twice on one batch: the second loss is the first step's result. Every gradient
 * must be finite and somewhere nonzero (so the whole network is connected to the loss); not every
 * weight need move, since with random weights early gradients can be ~1e-7, below f32's step.
 */
async function stepTwice(session: Session, feeds: Record<string, Float32Array | Int32Array>, before: Record<string, ArrayLike<number>>) {
  const out = await session.run(feeds);
  const first = out.loss![0]!;
  for (const n of Object.keys(before)) {
    const d = out[`grad/${n}`]!;
    expect(allFinite(d), `gradient of ${n} finite`).toBe(true);
    expect(d.some((x) => x !== 0), `gradient of ${n} not all zero`).toBe(true);
  }
  const params = await session.getParams();
  const second = (await session.run(feeds)).loss![0]!;
  let changed = 0;
  for (const [n, v] of Object.entries(params)) {
    expect(allFinite(v), `param ${n} finite after the step`).toBe(true);
    const b = before[n]!;
    if (v.some((x, i) => x !== b[i])) changed++;
  }
  return { first, second, changed };
}

describe.skipIf(!have)('one training step on each imported architecture', () => {
  for (const arch of ARCHS) {
    for (const backend of ['wasm', 'webgpu'] as const) {
      if (backend === 'webgpu' && !arch.webgpu) continue;
      it(`${arch.name} on ${backend}: SGD lowers the loss of a repeated batch; every gradient finite and nonzero`, async () => {
        const device = backend === 'webgpu' ? await requireWebGPU() : undefined;
        const g = await withLoss(arch.name, arch.size);
        const before = Object.fromEntries([...g.params].map(([n, p]) => [n, p.value!]));
        const step = trainStep(g, { optimizer: optim.sgd({ lr: arch.lr }), outputGradients: true });
        const session = await createSession(await compile(step, { backend }), device ? { device } : {});
        const r = mulberry32(7);
        const feeds = { input: Float32Array.from({ length: 3 * arch.size * arch.size }, () => r() * 2 - 1), y: Int32Array.of(3 % arch.classes) };
        const { first, second, changed } = await stepTwice(session, feeds, before);
        session.dispose();
        expect(Number.isFinite(first) && Number.isFinite(second)).toBe(true);
        console.info(`${arch.name} on ${backend}: loss ${first} → ${second} after one SGD step (lr ${arch.lr})`);
        expect(first).toBeGreaterThan(0);
        expect(second, `loss before ${first}, after one step ${second}`).toBeLessThan(first);
        expect(changed, 'params the step changed').toBeGreaterThan(g.params.size / 2);
      }, 600_000);
    }
  }

  it('SqueezeNet 1.1: the loss and every parameter gradient match PyTorch (WASM)', async () => {
    const golden = JSON.parse(readFileSync('test/onnx/goldens/squeezenet1_1.grads.json', 'utf8')) as {
      label: number; loss: number; params: Record<string, { size: number; weight_norm: number; grad_norm: number; samples: [number, number][] }>;
    };
    const g = await withLoss('squeezenet1_1', 224);
    const names = Object.keys(golden.params);
    expect([...g.params.keys()].sort()).toEqual([...names].sort());
    for (const n of names) {
      // the same random weights as the golden (a different torch would draw others: regenerate both)
      expect(norm(g.params.get(n)!.value!), `weight norm of ${n}`).toBeCloseTo(golden.params[n]!.weight_norm, 3);
    }
    gradients(g.outputs.get('loss')!, names.map((n) => g.params.get(n)!)).forEach((d, i) => g.output(`grad/${names[i]}`, d));
    const session = await createSession(await compile(g, { backend: 'wasm' }));
    const x = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(0.37 * i) * 0.5);
    const out = await session.run({ input: x, y: Int32Array.of(golden.label) });
    session.dispose();
    expect(out.loss![0]).toBeCloseTo(golden.loss, 4);
    for (const n of names) {
      const want = golden.params[n]!, got = out[`grad/${n}`]!;
      expect(got.length).toBe(want.size);
      const gotNorm = norm(got);
      expect(Math.abs(gotNorm - want.grad_norm), `gradient norm of ${n}: ${gotNorm} vs PyTorch ${want.grad_norm}`).toBeLessThan(1e-3 * want.grad_norm + 1e-7);
      const rms = want.grad_norm / Math.sqrt(want.size);
      for (const [j, v] of want.samples) expect(Math.abs(got[j]! - v), `${n}[${j}]: ${got[j]} vs PyTorch ${v}`).toBeLessThan(1e-3 * (rms + Math.abs(v)) + 1e-8);
    }
  }, 600_000);
});
