import { describe, expect, it } from 'vitest';
import { enableRelaxedSimdInNode } from '../../../runtime/node/wasm-relaxed.ts';
import { createWasmSession, hostSupportsRelaxedSimd } from '../../../runtime/wasm/session.ts';
import type { ConvGeometry } from '../../../compiler/kernel/ir.ts';
import { acc, bin, contiguous, load, ProgramBuilder, store, un, view } from '../programs.ts';
import { checkAgainstInterpreter, compileToSession } from './harness.ts';

function program() {
  const p = new ProgramBuilder();
  // m spans two m-blocks of the 6-row relaxed tiles (126 + 5), k two k-blocks
  const [m, n, k] = [131, 29, 300];
  const a = p.input('a', [m, k]);
  const b = p.input('b', [n, k]);
  const bias = p.input('bias', [n]);
  const y = p.output('y', [m, n]);
  p.kernel({ kind: 'matmul', name: 'mm', batch: 1, m, n, k, a: view(a, [0, k, 1]), b: view(b, [0, 1, k]), stores: [store(view(y, [0, n, 1]), un('relu', bin('add', acc(), load(view(bias, [0, 0, 1])))))] });
  const g: ConvGeometry = { batch: 1, inChannels: 3, inHeight: 8, inWidth: 8, outChannels: 5, kernelHeight: 3, kernelWidth: 3, outHeight: 8, outWidth: 8, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1 };
  const x = p.input('x', [1, 3, 8, 8]);
  const w = p.input('w', [5, 3, 3, 3]);
  const c = p.output('conv', [1, 5, 8, 8]);
  p.kernel({ kind: 'conv2d', name: 'conv', mode: 'forward', geometry: g, input: view(x, contiguous([1, 3, 8, 8])), other: view(w, contiguous([5, 3, 3, 3])), stores: [store(view(c, contiguous([1, 5, 8, 8])), acc())] });
  return p.build();
}

describe('wasm relaxed-SIMD build', () => {
  it('is chosen when the host validates relaxed SIMD, and matches the interpreter', async () => {
    enableRelaxedSimdInNode();
    expect(hostSupportsRelaxedSimd()).toBe(true);
    const session = await checkAgainstInterpreter(program(), { relaxedSimd: true, rtol: 5e-4 });
    expect(session.moduleFile).toBe('program.relaxed.wasm');
  });

  it('falls back to the plain SIMD module when asked to', async () => {
    const { artifact } = await compileToSession(program(), { relaxedSimd: true });
    expect(artifact.manifest.wasm!.relaxedModule).toBe('program.relaxed.wasm');
    // the relaxed build really uses f32x4.relaxed_madd (opcode 0xfd 0x85 0x02); the plain one never does
    const hasMadd = (bytes: Uint8Array) => bytes.some((b, i) => b === 0xfd && bytes[i + 1] === 0x85 && bytes[i + 2] === 0x02);
    expect(hasMadd(artifact.files['program.relaxed.wasm'] as Uint8Array)).toBe(true);
    expect(hasMadd(artifact.files['program.wasm'] as Uint8Array)).toBe(false);
    const session = await createWasmSession(artifact, { relaxedSimd: false });
    expect(session.moduleFile).toBe('program.wasm');
  });
});
