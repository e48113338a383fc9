import { describe, it } from 'vitest';
import type { ConvGeometry, PoolGeometry } from '../../../compiler/kernel/ir.ts';
import { acc, bin, contiguous, load, ProgramBuilder, randomFeeds, store, un, view } from '../programs.ts';
import { checkAgainstInterpreter } from './harness.ts';

function convGeometry(batch: number, inC: number, inH: number, inW: number, outC: number, kH: number, kW: number, o: Partial<ConvGeometry> = {}): ConvGeometry {
  const g = { batch, inChannels: inC, inHeight: inH, inWidth: inW, outChannels: outC, kernelHeight: kH, kernelWidth: kW, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1, groups: 1, outHeight: 0, outWidth: 0, ...o };
  // padding is symmetric here: bottom/right = top/left
  g.outHeight = Math.floor((inH + 2 * g.padTop - g.dilationH * (kH - 1) - 1) / g.strideH) + 1;
  g.outWidth = Math.floor((inW + 2 * g.padLeft - g.dilationW * (kW - 1) - 1) / g.strideW) + 1;
  return g;
}

const cases: [string, ConvGeometry][] = [
  ['plain3x3', convGeometry(2, 3, 7, 6, 5, 3, 3)],
  ['pad_stride', convGeometry(2, 4, 9, 8, 6, 3, 3, { padTop: 1, padLeft: 1, strideH: 2, strideW: 2 })],
  ['dilated', convGeometry(1, 2, 10, 9, 3, 3, 2, { dilationH: 2, dilationW: 3, padTop: 2, padLeft: 1 })],
  ['groups', convGeometry(2, 6, 7, 7, 9, 3, 3, { groups: 3, padTop: 1, padLeft: 1 })],
  ['depthwise', convGeometry(1, 4, 6, 5, 4, 3, 3, { groups: 4, padTop: 1, padLeft: 1, strideH: 2 })],
  ['pointwise', convGeometry(2, 8, 5, 5, 12, 1, 1)],
  ['first_layer', convGeometry(2, 1, 9, 10, 12, 3, 3, { padTop: 1, padLeft: 1 })], // few taps: the transposed weight-gradient GEMM
];

describe('wasm conv2d kernels', () => {
  it('forward, input_grad and weight_grad with padding, stride, dilation and groups', async () => {
    const p = new ProgramBuilder();
    for (const [name, g] of cases) {
      const cPerG = g.inChannels / g.groups;
      const xs = [g.batch, g.inChannels, g.inHeight, g.inWidth];
      const ws = [g.outChannels, cPerG, g.kernelHeight, g.kernelWidth];
      const ys = [g.batch, g.outChannels, g.outHeight, g.outWidth];
      const x = p.input(`${name}_x`, xs);
      const w = p.input(`${name}_w`, ws);
      const dy = p.input(`${name}_dy`, ys);
      const bias = p.input(`${name}_b`, [g.outChannels]);
      const y = p.output(`${name}_y`, ys);
      // forward with a fused bias + relu epilogue
      p.kernel({
        kind: 'conv2d', name: `${name}_fwd`, mode: 'forward', geometry: g, input: view(x, contiguous(xs)), other: view(w, contiguous(ws)),
        stores: [store(view(y, contiguous(ys)), un('relu', bin('add', acc(), load(view(bias, [0, 1, 0, 0])))))],
      });
      const dx = p.output(`${name}_dx`, xs);
      p.kernel({ kind: 'conv2d', name: `${name}_dx`, mode: 'input_grad', geometry: g, input: view(dy, contiguous(ys)), other: view(w, contiguous(ws)), stores: [store(view(dx, contiguous(xs)), acc())] });
      const dw = p.output(`${name}_dw`, ws);
      p.kernel({ kind: 'conv2d', name: `${name}_dw`, mode: 'weight_grad', geometry: g, input: view(x, contiguous(xs)), other: view(dy, contiguous(ys)), stores: [store(view(dw, contiguous(ws)), acc())] });
    }
    // NHWC input and an OIHW weight read through permuted strides
    const g = convGeometry(2, 3, 6, 5, 4, 3, 3, { padTop: 1, padLeft: 1 });
    const xNhwc = p.input('nhwc_x', [2, 6, 5, 3]);
    const wHwio = p.input('hwio_w', [3, 3, 3, 4]);
    const yN = p.output('nhwc_y', [2, 4, 6, 5]);
    p.kernel({
      kind: 'conv2d', name: 'nhwc', mode: 'forward', geometry: g, input: view(xNhwc, [90, 1, 15, 3]), other: view(wHwio, [1, 4, 36, 12]),
      stores: [store(view(yN, contiguous([2, 4, 6, 5])), acc())],
    });
    await checkAgainstInterpreter(p.build(), { rtol: 5e-5 });
  });
});

function poolGeometry(batch: number, channels: number, inH: number, inW: number, k: number, stride: number, pad: number): PoolGeometry {
  const out = (n: number) => Math.floor((n + 2 * pad - k) / stride) + 1;
  return { batch, channels, inHeight: inH, inWidth: inW, outHeight: out(inH), outWidth: out(inW), kernelHeight: k, kernelWidth: k, strideH: stride, strideW: stride, padTop: pad, padLeft: pad };
}

describe('wasm pool2d kernels', () => {
  it('max, avg, max_grad and avg_grad with padding and strides', async () => {
    const p = new ProgramBuilder();
    const pools: [string, PoolGeometry][] = [
      ['k2s2', poolGeometry(2, 3, 8, 7, 2, 2, 0)],
      ['k3s2p1', poolGeometry(1, 4, 9, 9, 3, 2, 1)],
      ['k3s1p1', poolGeometry(2, 2, 5, 6, 3, 1, 1)],
    ];
    for (const [name, g] of pools) {
      const xs = [g.batch, g.channels, g.inHeight, g.inWidth];
      const ys = [g.batch, g.channels, g.outHeight, g.outWidth];
      const x = p.input(`${name}_x`, xs);
      const dy = p.input(`${name}_dy`, ys);
      for (const mode of ['max', 'avg'] as const) {
        const y = p.output(`${name}_${mode}`, ys);
        p.kernel({ kind: 'pool2d', name: `${name}_${mode}`, mode, geometry: g, input: view(x, contiguous(xs)), stores: [store(view(y, contiguous(ys)), acc())] });
      }
      for (const mode of ['max_grad', 'avg_grad'] as const) {
        const dx = p.output(`${name}_${mode}`, xs);
        p.kernel({ kind: 'pool2d', name: `${name}_${mode}`, mode, geometry: g, input: view(x, contiguous(xs)), grad: view(dy, contiguous(ys)), stores: [store(view(dx, contiguous(xs)), acc())] });
      }
    }
    const program = p.build();
    await checkAgainstInterpreter(program, { rtol: 1e-6 });
  });

  it('2×2 stride-2 max and max_grad vector path: wide odd planes, ties, -∞ and NaN windows', async () => {
    const p = new ProgramBuilder();
    const g = poolGeometry(2, 3, 11, 19, 2, 2, 0); // 5×9 windows: two vector steps and a scalar tail per row
    const xs = [g.batch, g.channels, g.inHeight, g.inWidth];
    const ys = [g.batch, g.channels, g.outHeight, g.outWidth];
    const x = p.input('x', xs), dy = p.input('dy', ys);
    const y = p.output('y', ys), dx = p.output('dx', xs);
    p.kernel({ kind: 'pool2d', name: 'max', mode: 'max', geometry: g, input: view(x, contiguous(xs)), stores: [store(view(y, contiguous(ys)), acc())] });
    p.kernel({ kind: 'pool2d', name: 'max_grad', mode: 'max_grad', geometry: g, input: view(x, contiguous(xs)), grad: view(dy, contiguous(ys)), stores: [store(view(dx, contiguous(xs)), acc())] });
    const program = p.build();
    const feeds = randomFeeds(program, 7);
    // few distinct values, so windows tie often; the first rows' windows get -∞ and NaN
    const xv = Float32Array.from(feeds.x!, (v) => Math.round(v * 2));
    xv.fill(-Infinity, 0, 2 * g.inWidth);
    xv[1] = NaN; xv[2] = NaN; xv[3] = NaN; xv[g.inWidth + 2] = NaN; xv[g.inWidth + 3] = NaN;
    xv[5] = NaN; xv[g.inWidth + 8] = NaN;
    await checkAgainstInterpreter(program, { rtol: 1e-6, feeds: { ...feeds, x: xv } });
  });
});
