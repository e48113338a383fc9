import { describe, expect, it } from 'vitest';
import { renderProgram } from '../../../compiler/backends/webgpu/index.ts';
import type { ConvGeometry, ConvKernel, PoolGeometry, PoolKernel } from '../../../compiler/kernel/ir.ts';
import { acc, bin, contiguous, load, ProgramBuilder, store, un, view } from '../programs.ts';
import { checkProgram } from './harness.ts';
import { testDevice } from './device.ts';

const device = await testDevice();

function convGeometry(g: Partial<ConvGeometry> & Pick<ConvGeometry, 'batch' | 'inChannels' | 'outChannels' | 'inHeight' | 'inWidth' | 'kernelHeight' | 'kernelWidth'>): ConvGeometry {
  const full = { strideH: 1, strideW: 1, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1, groups: 1, outHeight: 0, outWidth: 0, ...g };
  full.outHeight = Math.floor((full.inHeight + 2 * full.padTop - full.dilationH * (full.kernelHeight - 1) - 1) / full.strideH) + 1;
  full.outWidth = Math.floor((full.inWidth + 2 * full.padLeft - full.dilationW * (full.kernelWidth - 1) - 1) / full.strideW) + 1;
  return full;
}

/** One conv2d kernel in `mode`, NCHW tensors (the x operand optionally NHWC via strides). */
function conv(mode: ConvKernel['mode'], g: ConvGeometry, nhwc = false, epilogue = false) {
  const p = new ProgramBuilder();
  const xShape = [g.batch, g.inChannels, g.inHeight, g.inWidth];
  const wShape = [g.outChannels, g.inChannels / g.groups, g.kernelHeight, g.kernelWidth];
  const yShape = [g.batch, g.outChannels, g.outHeight, g.outWidth];
  const nhwcStrides = [g.inHeight * g.inWidth * g.inChannels, 1, g.inWidth * g.inChannels, g.inChannels];
  const xView = (id: number) => view(id, nhwc ? nhwcStrides : contiguous(xShape));
  let input, other, outShape;
  if (mode === 'forward') {
    const x = p.input('x', xShape), w = p.input('w', wShape);
    input = xView(x); other = view(w, contiguous(wShape)); outShape = yShape;
  } else if (mode === 'input_grad') {
    const dy = p.input('dy', yShape), w = p.input('w', wShape);
    input = view(dy, contiguous(yShape)); other = view(w, contiguous(wShape)); outShape = xShape;
  } else {
    const dy = p.input('dy', yShape), x = p.input('x', xShape);
    input = xView(x); other = view(dy, contiguous(yShape)); outShape = wShape;
  }
  const out = p.output('out', outShape);
  const bias = p.input('bias', [outShape[1]!]);
  const value = epilogue ? un('relu', bin('add', acc(), load(view(bias, [0, 1, 0, 0])))) : acc();
  p.kernel({ kind: 'conv2d', name: `conv_${mode}`, mode, geometry: g, input, other, stores: [store(view(out, contiguous(outShape)), value)] });
  return p.build();
}

const geometries: [string, ConvGeometry][] = [
  ['3×3 pad 1', convGeometry({ batch: 2, inChannels: 3, outChannels: 20, inHeight: 9, inWidth: 7, kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1 })],
  ['stride 2, dilation 2, 2×3 kernel', convGeometry({ batch: 1, inChannels: 4, outChannels: 17, inHeight: 11, inWidth: 10, kernelHeight: 2, kernelWidth: 3, strideH: 2, strideW: 2, dilationH: 2, dilationW: 2, padTop: 2, padLeft: 1 })],
  ['groups 2, stride (2,1)', convGeometry({ batch: 2, inChannels: 6, outChannels: 34, inHeight: 8, inWidth: 8, kernelHeight: 3, kernelWidth: 3, strideH: 2, padTop: 1, padLeft: 1, groups: 2 })],
  // four images per lane (forward, input_grad), with clamped leftovers
  ['batch 5, 3×3 pad 1 (grouped columns)', convGeometry({ batch: 5, inChannels: 16, outChannels: 18, inHeight: 7, inWidth: 6, kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1 })],
  ['batch 6, stride 2, groups 2 (grouped columns)', convGeometry({ batch: 6, inChannels: 10, outChannels: 36, inHeight: 9, inWidth: 8, kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, groups: 2 })],
  ['depthwise (small GEMMs: direct)', convGeometry({ batch: 2, inChannels: 5, outChannels: 5, inHeight: 6, inWidth: 6, kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, groups: 5 })],
];

describe.skipIf(!device)('webgpu conv2d', () => {
  it('loads four images per lane at one tap when there are at least four', () => {
    const source = (mode: ConvKernel['mode'], i: number) => Object.values(renderProgram(conv(mode, geometries[i]![1])).files)[0] as string;
    for (const mode of ['forward', 'input_grad'] as const) expect(source(mode, 3), mode).toContain('fn load_b4(');
    expect(source('forward', 0)).not.toContain('fn load_b4('); // batch 2
  });

  it('reads the forward weights one vec4 per four k-steps where aligned', () => {
    const source = (mode: ConvKernel['mode'], i: number) => Object.values(renderProgram(conv(mode, geometries[i]![1])).files)[0] as string;
    expect(source('forward', 1)).toMatch(/let av0 = bitcast<vec4<f32>>\(arena0\[/); // plain rowblock
    expect(source('forward', 3)).toMatch(/let av0 = bitcast<vec4<f32>>\(arena0\[/); // grouped
    expect(source('forward', 0)).not.toContain('let av0'); // K = 27
  });
  for (const mode of ['forward', 'input_grad', 'weight_grad'] as const) {
    for (const [label, g] of geometries) {
      it(`${mode}: ${label}`, async () => {
        await checkProgram(device!, conv(mode, g), undefined, 1e-4, 1e-5);
      });
    }
  }
  it('forward with an NHWC input and a bias+relu epilogue, on both GEMM schedules', async () => {
    const g = geometries[0]![1];
    await checkProgram(device!, conv('forward', g, true, true));
    await checkProgram(device!, conv('forward', g, true, true), undefined, 1e-4, 1e-5, { gemm: 'workgroup' });
  });
});

function pool(mode: PoolKernel['mode'], g: PoolGeometry) {
  const p = new ProgramBuilder();
  const xShape = [g.batch, g.channels, g.inHeight, g.inWidth];
  const yShape = [g.batch, g.channels, g.outHeight, g.outWidth];
  const x = p.input('x', xShape);
  const forward = mode === 'max' || mode === 'avg';
  const dy = forward ? undefined : p.input('dy', yShape);
  const outShape = forward ? yShape : xShape;
  const out = p.output('out', outShape);
  p.kernel({
    kind: 'pool2d', name: `pool_${mode}`, mode, geometry: g, input: view(x, contiguous(xShape)),
    ...(dy !== undefined ? { grad: view(dy, contiguous(yShape)) } : {}),
    stores: [store(view(out, contiguous(outShape)), acc())],
  });
  return p.build();
}

function poolGeometry(k: number, s: number, pad: number, h = 9, w = 8): PoolGeometry {
  return {
    batch: 2, channels: 3, inHeight: h, inWidth: w, kernelHeight: k, kernelWidth: k, strideH: s, strideW: s, padTop: pad, padLeft: pad,
    outHeight: Math.floor((h + 2 * pad - k) / s) + 1, outWidth: Math.floor((w + 2 * pad - k) / s) + 1,
  };
}

describe.skipIf(!device)('webgpu pool2d', () => {
  for (const mode of ['max', 'avg', 'max_grad', 'avg_grad'] as const) {
    // the gradients take a loop-free path for disjoint windows (stride ≥ kernel), with or without padding
    for (const [label, g] of [['2×2 stride 2', poolGeometry(2, 2, 0)], ['3×3 stride 2 pad 1 (overlapping)', poolGeometry(3, 2, 1)], ['2×2 stride 3 pad 1 (disjoint, gaps)', poolGeometry(2, 3, 1)]] as const) {
      it(`${mode}: ${label}`, async () => {
        const program = pool(mode, g);
        const feeds: Record<string, Float32Array> = {};
        // Quantized x makes ties inside windows, which max_grad must break by first position.
        for (const { name, buffer } of program.inputs) {
          const n = program.buffers[buffer]!.size;
          feeds[name] = Float32Array.from({ length: n }, (_, i) => (name === 'x' ? ((i * 7919) % 5) - 2 : Math.sin(i)));
        }
        await checkProgram(device!, program, feeds);
      });
    }
  }
});
