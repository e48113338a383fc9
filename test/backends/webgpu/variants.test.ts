/**
 * Kernel variants per adapter: the pure selection (fake adapters: llvmpipe, NVIDIA-, AMD-,
 * Intel-like, tight limits) and, on this machine's adapter, the subgroup GEMM paths against the
 * reference interpreter (matmul; conv forward, input and weight gradients, K tails included).
 */
import { describe, expect, it } from 'vitest';
import { renderProgram, type WebGpuRenderOptions } from '../../../compiler/backends/webgpu/index.ts';
import { DEFAULT_GEMM_VARIANT, type GemmVariant } from '../../../compiler/backends/webgpu/kernels/gemm.ts';
import { selectGemmVariant, type WebGpuAdapterDescription } from '../../../compiler/backends/webgpu/variants.ts';
import type { ConvGeometry, ConvKernel } from '../../../compiler/kernel/ir.ts';
import { compile } from '../../../compiler/index.ts';
import { nodeGpu } from '../../../runtime/node/webgpu.ts';
import { describeAdapter } from '../../../runtime/webgpu/device.ts';
import { createWebGpuSession } from '../../../runtime/webgpu/session.ts';
import { acc, bin, contiguous, load, ProgramBuilder, store, un, view } from '../programs.ts';
import { fashionNetFeeds, fashionNetTrainGraph } from './fashion-net.ts';
import { checkProgram, expectClose } from './harness.ts';
import { requireWebGPU } from './device.ts';

const limits = { maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupSizeX: 256, maxComputeWorkgroupStorageSize: 16384 };
const adapter = (a: Partial<WebGpuAdapterDescription>): WebGpuAdapterDescription => ({ features: [], limits, ...a });

describe('selectGemmVariant', () => {
  it('without an adapter: the portable default (no optional feature)', () => {
    expect(selectGemmVariant()).toEqual(DEFAULT_GEMM_VARIANT);
    expect(selectGemmVariant().subgroupSize).toBeUndefined();
  });
  it('llvmpipe (8-wide subgroups): subgroup A fetch, 8 rows per lane', () => {
    const v = selectGemmVariant(adapter({ features: ['shader-f16', 'subgroups'], subgroupMinSize: 8, subgroupMaxSize: 8, limits: { ...limits, maxComputeInvocationsPerWorkgroup: 1024, maxComputeWorkgroupSizeX: 1024, maxComputeWorkgroupStorageSize: 32768 } }));
    expect(v).toEqual({ rows: 8, convRows: 16, laneMultiple: 8, maxLanes: 64, gemvLanes: 64, subgroupSize: 8 });
  });
  it('NVIDIA-like (32) and AMD-like (64) fixed widths: whole subgroups per workgroup', () => {
    expect(selectGemmVariant(adapter({ features: ['subgroups'], subgroupMinSize: 32, subgroupMaxSize: 32 })))
      .toEqual({ rows: 8, laneMultiple: 32, maxLanes: 64, gemvLanes: 64, subgroupSize: 32 });
    expect(selectGemmVariant(adapter({ features: ['subgroups'], subgroupMinSize: 64, subgroupMaxSize: 64 })))
      .toEqual({ rows: 8, laneMultiple: 64, maxLanes: 64, gemvLanes: 64, subgroupSize: 64 });
  });
  it('a 4-wide subgroup keeps 4 rows (one load covers them)', () => {
    expect(selectGemmVariant(adapter({ features: ['subgroups'], subgroupMinSize: 4, subgroupMaxSize: 4 })))
      .toMatchObject({ rows: 4, subgroupSize: 4, laneMultiple: 4 });
  });
  it('variable width (Intel-like 8–32) or no subgroups feature: no subgroup ops', () => {
    const intel = selectGemmVariant(adapter({ features: ['subgroups'], subgroupMinSize: 8, subgroupMaxSize: 32 }));
    expect(intel.subgroupSize).toBeUndefined();
    expect(intel).toMatchObject({ rows: 4, laneMultiple: 8 });
    expect(selectGemmVariant(adapter({ subgroupMinSize: 32, subgroupMaxSize: 32 })).subgroupSize).toBeUndefined();
  });
  it('tight limits shrink the workgroups to fit', () => {
    const v = selectGemmVariant(adapter({ limits: { maxComputeInvocationsPerWorkgroup: 48, maxComputeWorkgroupSizeX: 48, maxComputeWorkgroupStorageSize: 2048 } }));
    expect(v.maxLanes).toBe(48);
    expect(v.gemvLanes).toBe(32); // 2048 bytes / (4 rows × 16 bytes)
    // a subgroup wider than a workgroup may be is not used
    expect(selectGemmVariant(adapter({ features: ['subgroups'], subgroupMinSize: 64, subgroupMaxSize: 64, limits: { ...limits, maxComputeInvocationsPerWorkgroup: 32 } })).subgroupSize).toBeUndefined();
  });
});

/** y[b] = A[b]·B[b] (+ bias, relu); A or B stored transposed when asked. */
function matmul(batch: number, m: number, n: number, k: number, transA = false, epilogue = false) {
  const p = new ProgramBuilder();
  const a = p.input('a', transA ? [batch, k, m] : [batch, m, k]);
  const b = p.input('b', [batch, k, n]);
  const bias = p.input('bias', [n]);
  const y = p.output('y', [batch, m, n]);
  p.kernel({
    kind: 'matmul', name: 'mm', batch, m, n, k,
    a: view(a, transA ? [m * k, 1, m] : [m * k, k, 1]),
    b: view(b, [n * k, n, 1]),
    stores: [store(view(y, [m * n, n, 1]), epilogue ? un('relu', bin('add', acc(), load(view(bias, [0, 0, 1])))) : acc())],
  });
  return p.build();
}

function geometry(g: Partial<ConvGeometry> & Pick<ConvGeometry, 'batch' | 'inChannels' | 'outChannels' | 'inHeight' | 'inWidth'>): ConvGeometry {
  const full = { kernelHeight: 3, kernelWidth: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1, outHeight: 0, outWidth: 0, ...g };
  full.outHeight = Math.floor((full.inHeight + 2 * full.padTop - full.dilationH * (full.kernelHeight - 1) - 1) / full.strideH) + 1;
  full.outWidth = Math.floor((full.inWidth + 2 * full.padLeft - full.dilationW * (full.kernelWidth - 1) - 1) / full.strideW) + 1;
  return full;
}

function conv(mode: ConvKernel['mode'], g: ConvGeometry) {
  const p = new ProgramBuilder();
  const xShape = [g.batch, g.inChannels, g.inHeight, g.inWidth];
  const wShape = [g.outChannels, g.inChannels / g.groups, g.kernelHeight, g.kernelWidth];
  const yShape = [g.batch, g.outChannels, g.outHeight, g.outWidth];
  const [inShape, otherShape, outShape] = mode === 'forward' ? [xShape, wShape, yShape] : mode === 'input_grad' ? [yShape, wShape, xShape] : [xShape, yShape, wShape];
  const input = p.input('input', inShape), other = p.input('other', otherShape), out = p.output('out', outShape);
  p.kernel({ kind: 'conv2d', name: `conv_${mode}`, mode, geometry: g, input: view(input, contiguous(inShape)), other: view(other, contiguous(otherShape)), stores: [store(view(out, contiguous(outShape)), acc())] });
  return p.build();
}

const sub8: GemmVariant = { rows: 8, laneMultiple: 8, maxLanes: 64, gemvLanes: 64, subgroupSize: 8 };
const sub8rows4: GemmVariant = { ...sub8, rows: 4 };
const variants: [string, WebGpuRenderOptions][] = [
  ['8 rows, one k-step per load', { variant: sub8 }],
  ['4 rows, two k-steps per load', { variant: sub8rows4 }],
  ['16 conv rows, two loads per k-step', { variant: { ...sub8, convRows: 16 } }],
];

// K = 27 and 45 (odd: the two-k-step loop leaves a tail), grouped columns (batch ≥ 4), groups 2, stride 2
const geometries: [string, ConvGeometry][] = [
  ['batch 5, 3 → 20 channels', geometry({ batch: 5, inChannels: 3, outChannels: 20, inHeight: 9, inWidth: 7 })],
  ['batch 6, groups 2, stride 2', geometry({ batch: 6, inChannels: 10, outChannels: 36, inHeight: 9, inWidth: 8, strideH: 2, strideW: 2, groups: 2 })],
  ['batch 2, 16 → 18 channels', geometry({ batch: 2, inChannels: 16, outChannels: 18, inHeight: 7, inWidth: 6 })],
];

describe('webgpu subgroup GEMM variants (on this adapter)', () => {
  const hasSubgroups = async () => (await requireWebGPU()).features.has('subgroups');

  it('the subgroup variant renders subgroupBroadcast and lists the feature in the manifest', () => {
    const r = renderProgram(conv('weight_grad', geometries[0]![1]), { variant: sub8 });
    expect(Object.values(r.files).join('\n')).toMatch(/^enable subgroups;[^]*subgroupBroadcast\(av0, 7u\)/);
    expect('webgpu' in r.section && r.section.webgpu!.features).toEqual(['subgroups']);
    const portable = renderProgram(conv('weight_grad', geometries[0]![1])).section;
    expect('webgpu' in portable && portable.webgpu!.features).toBeUndefined();
  });

  for (const [vlabel, options] of variants) {
    // scalar rowblock (unaligned K, transposed A, K shorter than one load) and the aligned vec4 rowblock (K4 = 5: a tail at 4 rows)
    for (const [label, mm] of [['64×300×65', [1, 64, 300, 65]], ['transposed A, K 33, bias+relu', [2, 37, 65, 33]], ['K 3 (shorter than one load)', [1, 20, 40, 3]], ['64×300×64 aligned', [1, 64, 300, 64]], ['batch 2, 37×68×20 aligned', [2, 37, 68, 20]]] as const) {
      it(`matmul ${label}: ${vlabel}`, async (ctx) => {
        const device = await requireWebGPU();
        if (!(await hasSubgroups())) return ctx.skip();
        const program = matmul(mm[0], mm[1], mm[2], mm[3], label.startsWith('transposed'), label.includes('relu'));
        expect(Object.values(renderProgram(program, options).files).join('')).toContain('subgroupBroadcast');
        await checkProgram(device, program, undefined, 1e-4, 1e-5, options);
      });
    }
    for (const mode of ['forward', 'input_grad', 'weight_grad'] as const) {
      for (const [label, g] of geometries) {
        it(`conv ${mode} ${label}: ${vlabel}`, async (ctx) => {
          const device = await requireWebGPU();
          if (!(await hasSubgroups())) return ctx.skip();
          // input_grad's M is the input channels per group: under 16 it is a skinny GEMM (direct / GEMV path)
          const tiled = mode !== 'input_grad' || g.inChannels / g.groups >= 16;
          expect(Object.values(renderProgram(conv(mode, g), options).files).join('').includes('subgroupBroadcast')).toBe(tiled);
          await checkProgram(device, conv(mode, g), undefined, 1e-4, 1e-5, options);
        });
      }
    }
  }

  it('a CNN training step compiled for this adapter equals the portable artifact', async (ctx) => {
    const device = await requireWebGPU();
    const gpuAdapter = await nodeGpu().requestAdapter();
    const description = describeAdapter(gpuAdapter!);
    if (!description.features.includes('subgroups')) return ctx.skip();
    const graph = () => fashionNetTrainGraph(8, 0);
    const feeds = fashionNetFeeds(8); // dropout 0: no seed input
    const results = [];
    for (const options of [{}, { webgpuAdapter: description }]) {
      const artifact = await compile(graph(), { backend: 'webgpu', ...options });
      const session = await createWebGpuSession(artifact, { device });
      try {
        const losses = [];
        for (let step = 0; step < 2; step++) losses.push(((await session.run(feeds, { outputs: ['loss'] })).loss as Float32Array)[0]!);
        results.push({ features: artifact.manifest.webgpu!.features, losses, params: await session.getParams(true) });
      } finally {
        session.dispose();
      }
    }
    expect(results[0]!.features).toBeUndefined();
    expect(results[1]!.features).toEqual(['subgroups']);
    expectClose(results[1]!.losses, results[0]!.losses, 'loss', 1e-5, 1e-6);
    for (const name of Object.keys(results[0]!.params)) expectClose(results[1]!.params[name]! as Float32Array, results[0]!.params[name]! as Float32Array, name, 1e-4, 1e-5);
  });
});
