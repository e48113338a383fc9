/**
 * Throughput of conv2d (forward, input_grad, weight_grad), a bias+relu matmul epilogue and a
 * softmax-style elementwise/reduce chain: `npx tsx test/backends/wasm/bench-kernels.ts [--relaxed] [--conv B,C,H,W,O]`.
 */
import type { ConvGeometry, Kernel, Program } from '../../../compiler/kernel/ir.ts';
import { acc, bin, contiguous, load, ProgramBuilder, randomFeeds, store, un, view } from '../programs.ts';
import { compileToSession } from './harness.ts';
import { enableRelaxedSimdInNode } from '../../../runtime/node/wasm-relaxed.ts';

const relaxed = process.argv.includes('--relaxed');
if (relaxed) enableRelaxedSimdInNode();

async function time(name: string, program: Program, flops: number): Promise<void> {
  const { session } = await compileToSession(program, { relaxedSimd: relaxed });
  const feeds = randomFeeds(program);
  await session.run(feeds, { outputs: [] });
  let best = Infinity, bestCpu = Infinity;
  for (let t = 0; t < 5; t++) {
    const t0 = performance.now();
    const u0 = process.cpuUsage();
    await session.run(feeds, { outputs: [] });
    const u = process.cpuUsage(u0);
    best = Math.min(best, performance.now() - t0);
    bestCpu = Math.min(bestCpu, (u.user + u.system) / 1000);
  }
  const rate = (ms: number) => (flops ? `, ${(flops / ms / 1e6).toFixed(1)} GFLOP/s` : '');
  console.log(`${name}: ${best.toFixed(2)} ms wall${rate(best)}; ${bestCpu.toFixed(2)} ms CPU${rate(bestCpu)} (${session.moduleFile})`);
}

// --conv B,C,H,W,O picks the conv geometry (3×3, pad 1), e.g. 64,32,14,14,64 for FashionSimpleNet's second conv
const convArg = process.argv.indexOf('--conv');
const [cb, cc, ch, cw, co] = convArg >= 0 ? process.argv[convArg + 1]!.split(',').map(Number) as [number, number, number, number, number] : [32, 32, 28, 28, 64];
const g: ConvGeometry = { batch: cb, inChannels: cc, inHeight: ch, inWidth: cw, outChannels: co, kernelHeight: 3, kernelWidth: 3, outHeight: ch, outWidth: cw, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1 };
const xs = [g.batch, g.inChannels, g.inHeight, g.inWidth], ws = [g.outChannels, g.inChannels, 3, 3], ys = [g.batch, g.outChannels, g.outHeight, g.outWidth];
const convFlops = 2 * g.batch * g.outChannels * g.outHeight * g.outWidth * g.inChannels * 9;
for (const mode of ['forward', 'input_grad', 'weight_grad'] as const) {
  const p = new ProgramBuilder();
  const x = p.input('x', xs), w = p.input('w', ws), dy = p.input('dy', ys);
  const outShape = mode === 'forward' ? ys : mode === 'input_grad' ? xs : ws;
  const o = p.output('o', outShape);
  const k: Kernel = {
    kind: 'conv2d', name: mode, mode, geometry: g,
    input: mode === 'input_grad' ? view(dy, contiguous(ys)) : view(x, contiguous(xs)),
    other: mode === 'weight_grad' ? view(dy, contiguous(ys)) : view(w, contiguous(ws)),
    stores: [store(view(o, contiguous(outShape)), acc())],
  };
  await time(`conv2d ${mode} ${cb}x${cc}x${ch}x${cw} -> ${co}, 3x3`, p.kernel(k).build(), convFlops);
}

{
  const [m, n, kk] = [256, 512, 784];
  const p = new ProgramBuilder();
  const a = p.input('a', [m, kk]), b = p.input('b', [kk, n]), bias = p.input('bias', [n]), y = p.output('y', [m, n]);
  p.kernel({ kind: 'matmul', name: 'linear', batch: 1, m, n, k: kk, a: view(a, [0, kk, 1]), b: view(b, [0, n, 1]), stores: [store(view(y, [0, n, 1]), un('relu', bin('add', acc(), load(view(bias, [0, 0, 1])))))] });
  await time(`linear+bias+relu 256x784 · 784x512`, p.build(), 2 * m * n * kk);
}

{
  const [rows, cols] = [256, 1000];
  const p = new ProgramBuilder();
  const x = p.input('x', [rows, cols]), mx = p.temp([rows]), s = p.temp([rows]), y = p.output('y', [rows, cols]);
  const xv = load(view(x, [cols, 1]));
  const e = un('exp', bin('sub', xv, load(view(mx, [1, 0]))));
  p.kernel({ kind: 'reduce', name: 'max', shape: [rows], reduceShape: [cols], phases: [{ reduce: 'max', body: xv, stores: [store(view(mx, [1]), acc())] }] });
  p.kernel({ kind: 'reduce', name: 'sum', shape: [rows], reduceShape: [cols], phases: [{ reduce: 'sum', body: e, stores: [store(view(s, [1]), un('recip', acc()))] }] });
  p.kernel({ kind: 'elementwise', name: 'norm', shape: [rows, cols], stores: [store(view(y, [cols, 1]), bin('mul', e, load(view(s, [1, 0]))))] });
  await time(`softmax 256x1000`, p.build(), 0);
}
