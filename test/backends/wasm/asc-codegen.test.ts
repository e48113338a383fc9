/**
 * The old code path, `codegen: 'asc'` (AssemblyScript source for the program compiled by asc +
 * binaryen with the kernel library's sources), against the default bytecode backend on one
 * small training step that exercises what both renderers share: a padded conv, a GEMM with a
 * fused epilogue, max pooling, reductions (softmax cross-entropy) and Adam's elementwise update.
 * Both must give the same loss and the same updated params, step after step.
 */
import { describe, expect, it } from 'vitest';
import { Graph, add, compileProgram, conv2d, flatten, losses, matmul, maxPool2d, nn, optim, relu, trainStep } from '../../../compiler/index.ts';
import { buildArtifact } from '../../../compiler/artifact/build.ts';
import { createWasmBackend } from '../../../compiler/backends/wasm/index.ts';
import { createNodeCompileHost } from '../../../compiler/backends/wasm/node-host.ts';
import { createWasmSession } from '../../../runtime/wasm/session.ts';
import { expectClose } from './harness.ts';

function tinyCnnStep(batch: number): Graph {
  const g = new Graph('tiny_cnn');
  const init = (shape: number[], k: number) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * k) * 0.2);
  const x = g.input('x', [batch, 1, 8, 8]);
  const y = g.input('y', [batch], 'i32');
  const conv = { stride: [1, 1] as [number, number], pad: [1, 1, 1, 1] as [number, number, number, number], dilation: [1, 1] as [number, number], groups: 1 };
  let h = relu(nn.channelBias(conv2d(x, g.param('k', [4, 1, 3, 3], init([4, 1, 3, 3], 0.7)), conv), g.param('c', [4], init([4], 1.3))));
  h = flatten(maxPool2d(h, { kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0] }));
  const logits = add(matmul(h, g.param('w', [64, 10], init([64, 10], 0.37))), g.param('b', [10], init([10], 2.1)));
  g.output('loss', losses.softmaxCrossEntropy(logits, y));
  return trainStep(g, { optimizer: optim.adam({ lr: 1e-2 }) });
}

async function session(codegen: 'asc' | 'bytecode', batch: number) {
  const { program } = compileProgram(tinyCnnStep(batch), { layout: 'nchw' });
  const backend = createWasmBackend({ codegen, host: createNodeCompileHost({ cacheDir: false }) });
  const rendered = await backend.render(program, { name: 'tiny_cnn' });
  return createWasmSession(buildArtifact(program, rendered, { name: 'tiny_cnn', backend: 'wasm', training: true }));
}

describe("wasm codegen: 'asc' (the old path) against the bytecode backend", () => {
  it('gives the same losses and updated params over three training steps', async () => {
    const batch = 4;
    const [asc, bytecode] = [await session('asc', batch), await session('bytecode', batch)];
    try {
      for (let step = 0; step < 3; step++) {
        const feeds = {
          x: Float32Array.from({ length: batch * 64 }, (_, i) => Math.cos(i * 0.11 + step)),
          y: Int32Array.from({ length: batch }, (_, i) => (i * 3 + step) % 10),
        };
        const a = await asc.run(feeds);
        const b = await bytecode.run(feeds);
        expect(Number.isFinite(a.loss![0]!)).toBe(true);
        expectClose(`step ${step} loss`, a.loss, b.loss!, 1e-6);
      }
      const pa = await asc.getParams(true);
      const pb = await bytecode.getParams(true);
      expect(Object.keys(pa).sort()).toEqual(Object.keys(pb).sort());
      for (const name of Object.keys(pb)) expectClose(`param ${name}`, pa[name], pb[name]!, 1e-6);
    } finally {
      asc.dispose();
      bytecode.dispose();
    }
  }, 240_000);
});
