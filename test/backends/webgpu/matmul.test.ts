import { describe, expect, it } from 'vitest';
import { renderProgram } from '../../../compiler/backends/webgpu/index.ts';
import { gemmPath } from '../../../compiler/backends/webgpu/kernels/gemm.ts';
import { acc, bin, lit, load, ProgramBuilder, store, un, view } from '../programs.ts';
import { checkProgram } from './harness.ts';
import { testDevice } from './device.ts';

const device = await testDevice();

interface Case { batch: number; m: number; n: number; k: number; transA?: boolean; transB?: boolean; epilogue?: boolean }

/** y[b] = A[b]·B[b] (+ bias, relu); A/B stored transposed when asked, so only strides change. */
function matmul({ batch, m, n, k, transA, transB, epilogue }: Case) {
  const p = new ProgramBuilder();
  const a = p.input('a', transA ? [batch, k, m] : [batch, m, k]);
  const b = p.input('b', transB ? [batch, n, k] : [batch, k, n]);
  const bias = p.input('bias', [n]);
  const y = p.output('y', [batch, m, n]);
  const out = view(y, [m * n, n, 1]);
  p.kernel({
    kind: 'matmul', name: 'mm', batch, m, n, k,
    a: view(a, transA ? [m * k, 1, m] : [m * k, k, 1]),
    b: view(b, transB ? [n * k, 1, k] : [n * k, n, 1]),
    stores: [store(out, epilogue ? un('relu', bin('add', acc(), load(view(bias, [0, 0, 1])))) : acc())],
  });
  return p.build();
}

const cases: Case[] = [
  { batch: 1, m: 1, n: 1, k: 1 },
  { batch: 1, m: 3, n: 7, k: 5 },
  { batch: 1, m: 33, n: 65, k: 7 },
  { batch: 1, m: 65, n: 33, k: 65, epilogue: true },
  { batch: 1, m: 64, n: 300, k: 64 },
  { batch: 1, m: 33, n: 65, k: 33, transA: true },
  { batch: 1, m: 65, n: 33, k: 31, transB: true },
  { batch: 3, m: 40, n: 17, k: 19, transA: true, transB: true, epilogue: true },
  { batch: 2, m: 1, n: 100, k: 70, epilogue: true },
  { batch: 2, m: 100, n: 3, k: 70, transB: true },
  // row-major, 16-byte aligned: the rowblock schedule's vec4 path (edge rows and columns included)
  { batch: 2, m: 37, n: 68, k: 20, epilogue: true },
  { batch: 1, m: 16, n: 260, k: 4 },
  // GEMV (split K inside the workgroup): batch-1 dense layers (vec4 B), a few rows, the transposed skinny case
  { batch: 1, m: 1, n: 128, k: 784, epilogue: true },
  { batch: 2, m: 4, n: 260, k: 40, transA: true },
  { batch: 1, m: 3, n: 30, k: 33 },
  { batch: 1, m: 37, n: 2, k: 50, epilogue: true },
  { batch: 1, m: 1, n: 10, k: 128, transB: true },
  { batch: 1, m: 9, n: 7, k: 1500, transA: true }, // long K: split across lanes though 7 rows
  // rowblock on the transpose (few columns: the transpose wastes fewer lanes)
  { batch: 2, m: 64, n: 18, k: 40, transA: true, epilogue: true },
];

describe.skipIf(!device)('webgpu matmul', () => {
  it('renders aligned row-major operands as vec4 loads, and everything else as scalar loads', () => {
    const source = (c: Case) => Object.values(renderProgram(matmul(c)).files)[0] as string;
    expect(source({ batch: 2, m: 37, n: 68, k: 20 })).toContain('array<vec4<u32>>');
    expect(source({ batch: 1, m: 33, n: 65, k: 33, transA: true })).not.toContain('vec4<u32>');
    expect(source({ batch: 1, m: 32, n: 64, k: 30 })).not.toContain('vec4<u32>');
    // batch-1 dense layer: GEMV with one vec4 load of B per k, partial sums in workgroup memory
    const gemv = source({ batch: 1, m: 1, n: 128, k: 784 });
    expect(gemv).toContain('var<workgroup> partial');
    expect(gemv).toContain('array<vec4<u32>>');
    expect(source({ batch: 1, m: 37, n: 2, k: 50 })).toContain('orig_epilogue(g, col, row, acc)');
    // rowblock over 18 columns would leave most lanes idle: it runs on the transpose
    expect(source({ batch: 2, m: 64, n: 18, k: 40, transA: true })).toContain('orig_epilogue(g, col, row, acc)');
  });

  for (const c of cases) {
    const label = `${c.batch}×[${c.m}×${c.k}]·[${c.k}×${c.n}]${c.transA ? ' Aᵀ' : ''}${c.transB ? ' Bᵀ' : ''}${c.epilogue ? ' +bias relu' : ''}`;
    const path = gemmPath(c.m, c.n, c.k);
    if (path !== 'tiled') {
      it(`${label} (${path})`, async () => { await checkProgram(device!, matmul(c)); });
      continue;
    }
    for (const gemm of ['rowblock', 'workgroup'] as const) {
      it(`${label} (${gemm})`, async () => { await checkProgram(device!, matmul(c), undefined, 1e-4, 1e-5, { gemm }); });
    }
  }

  it('writes several epilogue stores, one of them scaled', async () => {
    const p = new ProgramBuilder();
    const a = p.input('a', [20, 9]);
    const b = p.input('b', [9, 18]);
    const y = p.output('y', [20, 18]);
    const z = p.output('z', [18, 20]);
    p.kernel({
      kind: 'matmul', name: 'mm2', batch: 1, m: 20, n: 18, k: 9, a: view(a, [0, 9, 1]), b: view(b, [0, 18, 1]),
      stores: [store(view(y, [0, 18, 1]), acc()), store(view(z, [0, 1, 20]), bin('mul', acc(), lit(-0.5)))],
    });
    await checkProgram(device!, p.build());
  });
});
