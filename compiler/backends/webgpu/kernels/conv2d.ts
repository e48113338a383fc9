/**
 * 2-D convolution (forward, input_grad, weight_grad) as implicit GEMM on the shared skeleton,
 * one GEMM per group (the GEMM batch axis is the group):
 *  - forward:     [o', (c', kh, kw)] × [(c', kh, kw), (n, oh, ow)]
 *  - input_grad:  [c', (o', kh, kw)] × [(o', kh, kw), (n, ih, iw)]   (taps off the stride grid read 0)
 *  - weight_grad: [o', (n, oh, ow)]  × [(n, oh, ow), (c', kh, kw)]
 * The im2col indexing and zero padding live in the loaders, so nothing is materialized. Each
 * forward and input_grad also give a grouped loader (GemmPlan.grouped): four images at one tap
 * share the index math and the padding test, then load a constant stride apart, the way
 * jax-js's generated convolutions assign four images per thread.
 */
import type { ConvKernel, Program, View } from '../../../kernel/ir.ts';
import { ArenaLayout, loadF32 } from '../arena.ts';
import type { KernelShader } from '../shader.ts';
import { epilogueLines } from './epilogue.ts';
import { renderGemm, type GemmOptions, type GemmPlan } from './gemm.ts';

/** Lines declaring `names` (i32) as the row-major split of `lin` over `dims`. */
function split(lin: string, dims: number[], names: string[]): string[] {
  const lines: string[] = [];
  let stride = dims.reduce((a, b) => a * b, 1);
  dims.forEach((d, i) => {
    stride /= d;
    const q = stride === 1 ? lin : `(${lin} / ${stride})`;
    lines.push(`let ${names[i]} = ${i === 0 ? q : `${q} % ${d}`};`);
  });
  return lines;
}

/**
 * A(row, kk) as aligned vec4 runs along kk: the view's `inner` axes (strides `strides`, extents
 * `extents`, row-major, the last of unit stride) are contiguous and span a multiple of 4, and
 * every other address term is a multiple of 4; `outer(row, kk)` gives the other index vars.
 */
function vec4Runs(arena: ArenaLayout, view: View, extents: number[], strides: number[], outerStrideOk: boolean, index: GemmPlan['aVec4']): GemmPlan['aVec4'] | undefined {
  let expect = 1;
  for (let d = extents.length - 1; d >= 0; d--) {
    if (strides[d] !== expect && extents[d]! > 1) return undefined;
    expect *= extents[d]!;
  }
  if (expect % 4 || !outerStrideOk || arena.base(view) % 4 || arena.dtype(view) !== 'f32') return undefined;
  return index;
}

/** `grouped`: four images/channels per lane at one tap where possible (default true). */
export function renderConv2d(k: ConvKernel, program: Program, options: GemmOptions & { grouped?: boolean } = {}): KernelShader {
  const g = k.geometry;
  const arena = new ArenaLayout(program, k.name);
  if (g.inChannels % g.groups || g.outChannels % g.groups) {
    throw new Error(`webgpu: conv2d "${k.name}": channels ${g.inChannels}→${g.outChannels} not divisible by groups ${g.groups}`);
  }
  const cPerG = g.inChannels / g.groups, oPerG = g.outChannels / g.groups;
  const taps = g.kernelHeight * g.kernelWidth;
  const inBounds = `ih >= 0 && iw >= 0 && ih < ${g.inHeight} && iw < ${g.inWidth}`;
  const forwardTap = [
    `let ih = oh * ${g.strideH} - ${g.padTop} + kh * ${g.dilationH};`,
    `let iw = ow * ${g.strideW} - ${g.padLeft} + kw * ${g.dilationW};`,
  ];
  const kernelIdx = (lin: string, first: string, firstCount: number) => split(lin, [firstCount, g.kernelHeight, g.kernelWidth], [first, 'kh', 'kw']);
  const base = { kernelName: k.name, arena, batch: g.groups };
  /** vec4 of the input read at four values of axis `axis` (q0 + j, clamped to count − 1) with the other vars fixed. */
  const four = (vars: (q: string) => string[], count: number) =>
    `return vec4<f32>(${[0, 1, 2, 3].map((j) => loadF32(arena, k.input, vars(`min(q0 + ${j}, ${count - 1})`))).join(', ')});`;
  let plan: GemmPlan;
  if (k.mode === 'forward') {
    plan = {
      ...base, m: oPerG, n: g.batch * g.outHeight * g.outWidth, k: cPerG * taps,
      loadA: [...kernelIdx('kk', 'c2', cPerG), `return ${loadF32(arena, k.other, [`(g * ${oPerG} + row)`, 'c2', 'kh', 'kw'])};`],
      loadB: [
        ...kernelIdx('kk', 'c2', cPerG),
        ...split('col', [g.batch, g.outHeight, g.outWidth], ['n', 'oh', 'ow']),
        ...forwardTap,
        `if (!(${inBounds})) { return 0.0; }`,
        `return ${loadF32(arena, k.input, ['n', `(g * ${cPerG} + c2)`, 'ih', 'iw'])};`,
      ],
      epilogue: epilogueLines(arena, { vars: ['n', 'o', 'oh', 'ow'], shape: [g.batch, g.outChannels, g.outHeight, g.outWidth] }, k.stores, 'acc',
        [...split('col', [g.batch, g.outHeight, g.outWidth], ['n', 'oh', 'ow']), `let o = g * ${oPerG} + row;`]),
      aContiguousK: true,
      bContiguousN: true,
      // weights [o, c, kh, kw]: kk = (c', kh, kw) runs contiguously along each output channel's row
      aVec4: vec4Runs(arena, k.other, [cPerG, g.kernelHeight, g.kernelWidth], k.other.strides.slice(1), k.other.strides[0]! % 4 === 0, {
        name: arena.name(k.other), index: (row, kk) => `(${arena.index(k.other, [`(g * ${oPerG} + ${row})`, '0', '0', '0'])} + ${kk})`,
      }),
      grouped: {
        span: g.outHeight * g.outWidth, groups: g.batch, loadB4: [
          ...kernelIdx('kk', 'c2', cPerG),
          ...split('p', [g.outHeight, g.outWidth], ['oh', 'ow']),
          ...forwardTap,
          `if (!(${inBounds})) { return vec4<f32>(0.0); }`,
          four((q) => [q, `(g * ${cPerG} + c2)`, 'ih', 'iw'], g.batch),
        ],
      },
    };
  } else if (k.mode === 'input_grad') {
    plan = {
      ...base, m: cPerG, n: g.batch * g.inHeight * g.inWidth, k: oPerG * taps,
      loadA: [...kernelIdx('kk', 'o2', oPerG), `return ${loadF32(arena, k.other, [`(g * ${oPerG} + o2)`, 'row', 'kh', 'kw'])};`],
      loadB: [
        ...kernelIdx('kk', 'o2', oPerG),
        ...split('col', [g.batch, g.inHeight, g.inWidth], ['n', 'ih', 'iw']),
        `let th = ih + ${g.padTop} - kh * ${g.dilationH};`,
        `let tw = iw + ${g.padLeft} - kw * ${g.dilationW};`,
        `if (th < 0 || tw < 0 || th % ${g.strideH} != 0 || tw % ${g.strideW} != 0) { return 0.0; }`,
        `let oh = th / ${g.strideH};`,
        `let ow = tw / ${g.strideW};`,
        `if (oh >= ${g.outHeight} || ow >= ${g.outWidth}) { return 0.0; }`,
        `return ${loadF32(arena, k.input, ['n', `(g * ${oPerG} + o2)`, 'oh', 'ow'])};`,
      ],
      epilogue: epilogueLines(arena, { vars: ['n', 'c', 'ih', 'iw'], shape: [g.batch, g.inChannels, g.inHeight, g.inWidth] }, k.stores, 'acc',
        [...split('col', [g.batch, g.inHeight, g.inWidth], ['n', 'ih', 'iw']), `let c = g * ${cPerG} + row;`]),
      aContiguousK: true,
      bContiguousN: true,
      grouped: {
        span: g.inHeight * g.inWidth, groups: g.batch, loadB4: [
          ...kernelIdx('kk', 'o2', oPerG),
          ...split('p', [g.inHeight, g.inWidth], ['ih', 'iw']),
          `let th = ih + ${g.padTop} - kh * ${g.dilationH};`,
          `let tw = iw + ${g.padLeft} - kw * ${g.dilationW};`,
          `if (th < 0 || tw < 0 || th % ${g.strideH} != 0 || tw % ${g.strideW} != 0) { return vec4<f32>(0.0); }`,
          `let oh = th / ${g.strideH};`,
          `let ow = tw / ${g.strideW};`,
          `if (oh >= ${g.outHeight} || ow >= ${g.outWidth}) { return vec4<f32>(0.0); }`,
          four((q) => [q, `(g * ${oPerG} + o2)`, 'oh', 'ow'], g.batch),
        ],
      },
    };
  } else {
    plan = {
      ...base, m: oPerG, n: cPerG * taps, k: g.batch * g.outHeight * g.outWidth,
      loadA: [
        ...split('kk', [g.batch, g.outHeight, g.outWidth], ['n', 'oh', 'ow']),
        `return ${loadF32(arena, k.other, ['n', `(g * ${oPerG} + row)`, 'oh', 'ow'])};`,
      ],
      loadB: [
        ...split('kk', [g.batch, g.outHeight, g.outWidth], ['n', 'oh', 'ow']),
        ...kernelIdx('col', 'c2', cPerG),
        ...forwardTap,
        `if (!(${inBounds})) { return 0.0; }`,
        `return ${loadF32(arena, k.input, ['n', `(g * ${cPerG} + c2)`, 'ih', 'iw'])};`,
      ],
      epilogue: epilogueLines(arena, { vars: ['o', 'c2', 'kh', 'kw'], shape: [g.outChannels, cPerG, g.kernelHeight, g.kernelWidth] }, k.stores, 'acc',
        [...kernelIdx('col', 'c2', cPerG), `let o = g * ${oPerG} + row;`]),
      aContiguousK: true,
      bContiguousN: false,
      // A (dy) stays scalar: its vec4 runs along (oh, ow) force a vec4-typed arena, which made the
      // scalar im2col loads of B dearer (1.26× slower, conv2 at batch 64)
      // no grouped loader: a lane's four columns are already neighbouring taps of one kk, whose
      // split is shared (grouping four channels instead measured 1.05× slower, conv2 at batch 64)
    };
  }
  const { grouped = true, ...gemm } = options;
  if (!grouped) delete plan.grouped;
  const v = gemm.variant;
  return renderGemm(plan, v?.convRows ? { ...gemm, variant: { ...v, rows: v.convRows } } : gemm);
}
