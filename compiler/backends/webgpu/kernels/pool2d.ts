/**
 * 2-D pooling, one invocation per output point: max/avg over [n,c,oh,ow] read their window;
 * the gradients run over x's space [n,c,ih,iw] and gather from every window containing the
 * element (max_grad recomputes each window's first maximum, so no argmax buffer is needed).
 */
import type { PoolKernel, Program } from '../../../kernel/ir.ts';
import { ArenaLayout, loadF32 } from '../arena.ts';
import { grid1d, unflatten } from '../grid.ts';
import { volume } from '../literals.ts';
import { assemble, ENTRY_POINT, type KernelShader } from '../shader.ts';
import { epilogueLines } from './epilogue.ts';

export const POOL_WORKGROUP = 64;

export function renderPool2d(k: PoolKernel, program: Program): KernelShader {
  const g = k.geometry;
  const arena = new ArenaLayout(program, k.name);
  const forward = k.mode === 'max' || k.mode === 'avg';
  const shape = forward ? [g.batch, g.channels, g.outHeight, g.outWidth] : [g.batch, g.channels, g.inHeight, g.inWidth];
  const vars = forward ? ['n', 'c', 'oh', 'ow'] : ['n', 'c', 'ih', 'iw'];
  const taps = g.kernelHeight * g.kernelWidth;
  const inside = (h: string, w: string) => `${h} >= 0 && ${w} >= 0 && ${h} < ${g.inHeight} && ${w} < ${g.inWidth}`;
  const total = volume(shape);
  const grid = grid1d(Math.ceil(total / POOL_WORKGROUP), k.name);
  const lines = [
    `let lin = i32(${grid.groupId} * ${POOL_WORKGROUP}u + lid.x);`,
    `if (lin >= ${total}) { return; }`,
    ...unflatten('lin', shape, vars, ''),
  ];
  if (forward) {
    lines.push(
      'var m = -ax_inf();',
      'var s = 0.0;',
      `for (var kh = 0; kh < ${g.kernelHeight}; kh++) {`,
      `  for (var kw = 0; kw < ${g.kernelWidth}; kw++) {`,
      `    let ih = oh * ${g.strideH} - ${g.padTop} + kh;`,
      `    let iw = ow * ${g.strideW} - ${g.padLeft} + kw;`,
      `    if (${inside('ih', 'iw')}) {`,
      `      let v = ${loadF32(arena, k.input, ['n', 'c', 'ih', 'iw'])};`,
      '      if (v > m) { m = v; }',
      '      s += v;',
      '    }',
      '  }',
      '}',
      k.mode === 'max' ? 'let acc = m;' : `let acc = s / ${taps}.0;`,
    );
  } else {
    if (!k.grad) throw new Error(`webgpu: pool2d "${k.name}" (${k.mode}) has no grad view`);
    const dy = loadF32(arena, k.grad, ['n', 'c', 'oh', 'ow']);
    // Windows that do not overlap (stride ≥ kernel, FashionSimpleNet's 2×2/2): an element lies in at
    // most one, found by division. The general loop over every (kh, kw) runs all its iterations
    // masked on SIMD-emulated GPUs (llvmpipe), each rescanning a window: 4× the loads for 2×2/2.
    const disjoint = g.strideH >= g.kernelHeight && g.strideW >= g.kernelWidth;
    lines.push('var acc = 0.0;');
    if (disjoint) {
      lines.push(
        `let oh = (ih + ${g.padTop}) / ${g.strideH};`,
        `let ow = (iw + ${g.padLeft}) / ${g.strideW};`,
        `if (ih + ${g.padTop} - oh * ${g.strideH} < ${g.kernelHeight} && iw + ${g.padLeft} - ow * ${g.strideW} < ${g.kernelWidth} && oh < ${g.outHeight} && ow < ${g.outWidth}) {`,
        '  {',
      );
    } else {
      lines.push(
        `for (var kh = 0; kh < ${g.kernelHeight}; kh++) {`,
        `  for (var kw = 0; kw < ${g.kernelWidth}; kw++) {`,
        `    let th = ih + ${g.padTop} - kh;`,
        `    let tw = iw + ${g.padLeft} - kw;`,
        `    if (th < 0 || tw < 0 || th % ${g.strideH} != 0 || tw % ${g.strideW} != 0) { continue; }`,
        `    let oh = th / ${g.strideH};`,
        `    let ow = tw / ${g.strideW};`,
        `    if (oh >= ${g.outHeight} || ow >= ${g.outWidth}) { continue; }`,
      );
    }
    if (k.mode === 'avg_grad') lines.push(`    acc += ${dy} / ${taps}.0;`);
    else {
      lines.push(
        '    var best = -ax_inf();',
        '    var bh = -1;',
        '    var bw = -1;',
        `    for (var a = 0; a < ${g.kernelHeight}; a++) {`,
        `      for (var b = 0; b < ${g.kernelWidth}; b++) {`,
        `        let h2 = oh * ${g.strideH} - ${g.padTop} + a;`,
        `        let w2 = ow * ${g.strideW} - ${g.padLeft} + b;`,
        `        if (${inside('h2', 'w2')}) {`,
        `          let v = ${loadF32(arena, k.input, ['n', 'c', 'h2', 'w2'])};`,
        '          if (v > best) { best = v; bh = h2; bw = w2; }',
        '        }',
        '      }',
        '    }',
        `    if (bh == ih && bw == iw) { acc += ${dy}; }`,
      );
    }
    lines.push('  }', '}');
  }
  lines.push(...epilogueLines(arena, { vars, shape }, k.stores));
  const body = `@compute @workgroup_size(${POOL_WORKGROUP})
fn ${ENTRY_POINT}(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
${lines.map((l) => `  ${l}`).join('\n')}
}`;
  return { ...assemble(k.name, body, arena), workgroups: grid.workgroups };
}
