import { describe, it } from 'vitest';
import { acc, bin, load, ProgramBuilder, store, un, view } from '../programs.ts';
import { checkAgainstInterpreter } from './harness.ts';

const tol = (k: number) => 1e-6 * (k + 4);

describe('wasm matmul kernels', () => {
  it('tile edges: odd m, n, k including k past one k-block and m past one m-block', async () => {
    const p = new ProgramBuilder();
    const shapes: [number, number, number][] = [[1, 1, 1], [3, 7, 5], [7, 3, 33], [33, 65, 7], [65, 33, 65], [4, 8, 300], [130, 9, 3]];
    for (const [m, n, k] of shapes) {
      const a = p.input(`a${m}x${k}`, [m, k]);
      const b = p.input(`b${k}x${n}`, [k, n]);
      const c = p.output(`c${m}x${n}x${k}`, [m, n]);
      p.kernel({ kind: 'matmul', name: `mm${m}x${n}x${k}`, batch: 1, m, n, k, a: view(a, [0, k, 1]), b: view(b, [0, n, 1]), stores: [store(view(c, [0, n, 1]), acc())] });
    }
    await checkAgainstInterpreter(p.build(), { rtol: tol(300) });
  });

  it('transposed A and/or B, batches, bias + relu epilogue', async () => {
    const p = new ProgramBuilder();
    const [B, m, n, k] = [3, 13, 17, 11];
    const aT = p.input('aT', [B, k, m]); // A stored transposed
    const bT = p.input('bT', [B, n, k]); // B stored transposed
    const a = p.input('a', [B, m, k]);
    const bias = p.input('bias', [n]);
    const vA = view(a, [m * k, k, 1]);
    const vAT = view(aT, [k * m, 1, m]);
    const vBT = view(bT, [n * k, 1, k]);
    const cases = [['tA', vAT, vBT], ['tB', vA, vBT], ['tAB', vAT, vBT]] as const;
    for (const [name, va, vb] of cases) {
      const c = p.output(name, [B, m, n]);
      p.kernel({ kind: 'matmul', name, batch: B, m, n, k, a: va, b: vb, stores: [store(view(c, [m * n, n, 1]), acc())] });
    }
    // fused epilogue: relu(acc + bias[n]) plus the raw product, B shared across the batch (stride 0)
    const shared = p.input('shared', [k, n]);
    const y = p.output('bias_relu', [B, m, n]);
    const raw = p.output('raw', [B, m, n]);
    p.kernel({
      kind: 'matmul', name: 'linear', batch: B, m, n, k, a: vA, b: view(shared, [0, n, 1]),
      stores: [
        store(view(y, [m * n, n, 1]), un('relu', bin('add', acc(), load(view(bias, [0, 0, 1]))))),
        store(view(raw, [m * n, n, 1]), acc()),
      ],
    });
    // output written transposed: c[b, n, m]
    const cT = p.output('cT', [B, n, m]);
    p.kernel({ kind: 'matmul', name: 'outT', batch: B, m, n, k, a: vA, b: vBT, stores: [store(view(cT, [m * n, 1, m]), acc())] });
    await checkAgainstInterpreter(p.build(), { rtol: tol(k) });
  });
});
