// Depthwise forward convolutions (groups = channels) take assembly/depthwise.ts's direct kernel,
// not im2col + GEMM: vector interior, scalar padded edges, stride 1/2, dilation, strided inputs,
// direct output and fused epilogues, one thread and the pool (batch split, channel blocks).
import { afterAll, describe, it } from 'vitest';
import type { ConvGeometry, Program } from '../../../compiler/kernel/ir.ts';
import { createWasmBackend } from '../../../compiler/backends/wasm/index.ts';
import { createWasmSession, type WasmSession } from '../../../runtime/wasm/session.ts';
import { nodeWasmWorkers } from '../../../runtime/node/wasm-workers.ts';
import { acc, bin, buildTestArtifact, contiguous, load, ProgramBuilder, randomFeeds, runReference, store, un, view } from '../programs.ts';
import { checkAgainstInterpreter, expectClose } from './harness.ts';

function depthwise(batch: number, c: number, inH: number, inW: number, k: number, o: Partial<ConvGeometry> = {}): ConvGeometry {
  const g = { batch, inChannels: c, inHeight: inH, inWidth: inW, outChannels: c, kernelHeight: k, kernelWidth: k, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1, groups: c, outHeight: 0, outWidth: 0, ...o };
  g.outHeight = Math.floor((inH + 2 * g.padTop - g.dilationH * (g.kernelHeight - 1) - 1) / g.strideH) + 1;
  g.outWidth = Math.floor((inW + 2 * g.padLeft - g.dilationW * (g.kernelWidth - 1) - 1) / g.strideW) + 1;
  return g;
}

const cases: [string, ConvGeometry][] = [
  ['s1_pad1', depthwise(1, 5, 17, 19, 3, { padTop: 1, padLeft: 1 })],
  ['s2_pad1', depthwise(3, 6, 15, 22, 3, { padTop: 1, padLeft: 1, strideH: 2, strideW: 2 })],
  ['small7', depthwise(2, 9, 7, 7, 3, { padTop: 1, padLeft: 1 })],
  ['s2_even', depthwise(1, 4, 14, 14, 3, { padTop: 1, padLeft: 1, strideH: 2, strideW: 2 })],
  ['k5_pad2', depthwise(2, 3, 11, 13, 5, { padTop: 2, padLeft: 2 })],
  ['dilated', depthwise(1, 3, 12, 16, 3, { padTop: 2, padLeft: 2, dilationH: 2, dilationW: 2 })],
  ['nopad_rect', depthwise(2, 4, 9, 10, 3, { kernelWidth: 2, strideH: 2 })],
  ['stride3', depthwise(1, 2, 13, 17, 3, { padTop: 1, padLeft: 1, strideH: 3, strideW: 3 })],
  ['tiny', depthwise(1, 3, 2, 3, 3, { padTop: 1, padLeft: 1 })],
];

function program(): Program {
  const p = new ProgramBuilder();
  for (const [name, g] of cases) {
    const xs = [g.batch, g.inChannels, g.inHeight, g.inWidth];
    const ws = [g.outChannels, 1, g.kernelHeight, g.kernelWidth];
    const ys = [g.batch, g.outChannels, g.outHeight, g.outWidth];
    const x = p.input(`${name}_x`, xs), w = p.input(`${name}_w`, ws), bias = p.input(`${name}_b`, [g.outChannels]);
    const conv = { kind: 'conv2d' as const, mode: 'forward' as const, geometry: g, input: view(x, contiguous(xs)), other: view(w, contiguous(ws)) };
    // direct output (acc only) and a bias + relu6-style epilogue (per image), as ONNX Conv + Clip
    p.kernel({ ...conv, name: `${name}_raw`, stores: [store(view(p.output(`${name}_raw`, ys), contiguous(ys)), acc())] });
    p.kernel({
      ...conv, name: `${name}_act`,
      stores: [store(view(p.output(`${name}_act`, ys), contiguous(ys)), un('relu', bin('add', acc(), load(view(bias, [0, 1, 0, 0])))))],
    });
  }
  // NHWC input (sW ≠ 1: the scalar path) and a weight read through permuted strides
  const g = depthwise(2, 5, 8, 9, 3, { padTop: 1, padLeft: 1 });
  const x = p.input('nhwc_x', [2, 8, 9, 5]), w = p.input('hwc_w', [3, 3, 5]);
  p.kernel({
    kind: 'conv2d', name: 'nhwc', mode: 'forward', geometry: g, input: view(x, [360, 1, 45, 5]), other: view(w, [1, 0, 15, 5]),
    stores: [store(view(p.output('nhwc_y', [2, 5, 8, 9]), contiguous([2, 5, 8, 9])), acc())],
  });
  // not depthwise: one image with more output channels than pixels, whose GEMM the pool splits by
  // rows of C (1×1 reading x directly, 3×3 through im2col; direct output and an epilogue)
  for (const [name, gg] of [
    ['rows_1x1', { ...depthwise(1, 24, 5, 7, 1), groups: 1, outChannels: 43 }],
    ['rows_3x3', { ...depthwise(1, 6, 4, 4, 3, { padTop: 1, padLeft: 1 }), groups: 1, outChannels: 37 }],
  ] as const) {
    const xs = [1, gg.inChannels, gg.inHeight, gg.inWidth], ws = [gg.outChannels, gg.inChannels, gg.kernelHeight, gg.kernelWidth];
    const ys = [1, gg.outChannels, gg.outHeight, gg.outWidth];
    const x = p.input(`${name}_x`, xs), w = p.input(`${name}_w`, ws), bias = p.input(`${name}_b`, [gg.outChannels]);
    const conv = { kind: 'conv2d' as const, mode: 'forward' as const, geometry: gg, input: view(x, contiguous(xs)), other: view(w, contiguous(ws)) };
    p.kernel({ ...conv, name: `${name}_raw`, stores: [store(view(p.output(`${name}_raw`, ys), contiguous(ys)), acc())] });
    p.kernel({ ...conv, name: `${name}_act`, stores: [store(view(p.output(`${name}_act`, ys), contiguous(ys)), un('relu', bin('add', acc(), load(view(bias, [0, 1, 0, 0])))))] });
  }
  return p.build();
}

describe('wasm depthwise conv2d', () => {
  const sessions: WasmSession[] = [];
  afterAll(() => sessions.forEach((s) => s.dispose()));

  it('matches the interpreter on one thread (plain and relaxed SIMD)', async () => {
    await checkAgainstInterpreter(program(), { rtol: 2e-5 });
    await checkAgainstInterpreter(program(), { rtol: 2e-5, relaxedSimd: true });
  });

  it('matches the interpreter on a pool of 2 threads (batch split by image, one image by channel blocks)', async () => {
    const prog = program();
    const artifact = buildTestArtifact(prog, await createWasmBackend({ threads: 2 }).render(prog, { name: 'dw_threads' }));
    const session = await createWasmSession(artifact, { threads: 2, spawnWorker: nodeWasmWorkers });
    sessions.push(session);
    const feeds = randomFeeds(prog, 3);
    const ref = runReference(prog, feeds);
    for (let rep = 0; rep < 2; rep++) {
      const got = await session.run(feeds);
      for (const { name } of prog.outputs) expectClose(`${name} (run ${rep})`, got[name], ref[name]!, 2e-5);
    }
  });
});
