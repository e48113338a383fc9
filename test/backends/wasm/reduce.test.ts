import { describe, it } from 'vitest';
import { acc, bin, lit, load, ProgramBuilder, randomF32, store, un, view } from '../programs.ts';
import { checkAgainstInterpreter } from './harness.ts';

describe('wasm reduce kernels', () => {
  it('sum / max / argmax over inner, outer and several axes, with epilogues', async () => {
    const p = new ProgramBuilder();
    const x = p.input('x', [5, 37]);
    const y = p.input('y', [37, 6]);
    const z = p.input('z', [2, 3, 4, 5]);
    const xv = load(view(x, [37, 1]));
    // inner contiguous sum with an epilogue: mean·2 + 1
    const mean = p.output('mean2p1', [5]);
    p.kernel({ kind: 'reduce', name: 'mean', shape: [5], reduceShape: [37], phases: [{ reduce: 'sum', body: xv, stores: [store(view(mean, [1]), bin('add', bin('mul', acc(), lit(2 / 37)), lit(1)))] }] });
    // sum of squares over the outer axis (inner output axis contiguous)
    const colsum = p.output('colsum', [6]);
    p.kernel({ kind: 'reduce', name: 'colsum', shape: [6], reduceShape: [37], phases: [{ reduce: 'sum', body: bin('mul', load(view(y, [1, 6])), load(view(y, [1, 6]))), stores: [store(view(colsum, [1]), acc())] }] });
    // outer-axis max with a relu epilogue and a second store
    const colmax = p.output('colmax', [6]);
    const colmaxNeg = p.output('colmax_neg', [6]);
    p.kernel({
      kind: 'reduce', name: 'colmax', shape: [6], reduceShape: [37], phases: [{ reduce: 'max', body: load(view(y, [1, 6])),
      stores: [store(view(colmax, [1]), un('relu', acc())), store(view(colmaxNeg, [1]), un('neg', acc()))] }],
    });
    // max and argmax over the inner axis
    const rowmax = p.output('rowmax', [5]);
    p.kernel({ kind: 'reduce', name: 'rowmax', shape: [5], reduceShape: [37], phases: [{ reduce: 'max', body: xv, stores: [store(view(rowmax, [1]), acc())] }] });
    const argmax = p.output('argmax', [5], 'i32');
    p.kernel({ kind: 'reduce', name: 'argmax', shape: [5], reduceShape: [37], phases: [{ reduce: 'argmax', body: xv, stores: [store(view(argmax, [1]), acc('i32'))] }] });
    // several reduced axes, including a non-contiguous permutation: z[a, b, c, d] summed over (d, b)
    const multi = p.output('multi', [2, 4]);
    p.kernel({ kind: 'reduce', name: 'multi', shape: [2, 4], reduceShape: [5, 3], phases: [{ reduce: 'sum', body: load(view(z, [60, 5, 1, 20])), stores: [store(view(multi, [4, 1]), acc())] }] });
    const arg2 = p.output('argmax2', [2], 'i32');
    p.kernel({ kind: 'reduce', name: 'argmax2', shape: [2], reduceShape: [3, 4, 5], phases: [{ reduce: 'argmax', body: load(view(z, [60, 20, 5, 1])), stores: [store(view(arg2, [1]), acc('i32'))] }] });
    // full reduction to a scalar
    const total = p.output('total', []);
    p.kernel({ kind: 'reduce', name: 'total', shape: [], reduceShape: [2, 3, 4, 5], phases: [{ reduce: 'sum', body: load(view(z, [60, 20, 5, 1])), stores: [store(view(total, []), acc())] }] });
    // softmax over rows: max, then exp-sum, then normalize (three kernels through temps)
    const m = p.temp([5]);
    const s = p.temp([5]);
    const softmax = p.output('softmax', [5, 37]);
    p.kernel({ kind: 'reduce', name: 'sm_max', shape: [5], reduceShape: [37], phases: [{ reduce: 'max', body: xv, stores: [store(view(m, [1]), acc())] }] });
    const shifted = un('exp', bin('sub', xv, load(view(m, [1, 0]))));
    p.kernel({ kind: 'reduce', name: 'sm_sum', shape: [5], reduceShape: [37], phases: [{ reduce: 'sum', body: shifted, stores: [store(view(s, [1]), un('recip', acc()))] }] });
    p.kernel({ kind: 'elementwise', name: 'sm_norm', shape: [5, 37], stores: [store(view(softmax, [37, 1]), bin('mul', un('exp', bin('sub', xv, load(view(m, [1, 0])))), load(view(s, [1, 0]))))] });
    // i32 sum
    const ints = p.input('ints', [3, 11], 'i32');
    const isum = p.output('isum', [3], 'i32');
    p.kernel({ kind: 'reduce', name: 'isum', shape: [3], reduceShape: [11], phases: [{ reduce: 'sum', body: load(view(ints, [11, 1]), 'i32'), stores: [store(view(isum, [1]), acc('i32'))] }] });

    const program = p.build();
    const feeds = { x: randomF32(5 * 37, 1, -3, 3), y: randomF32(37 * 6, 2), z: randomF32(120, 3), ints: Int32Array.from({ length: 33 }, (_, i) => i * 7 - 100) };
    feeds.x[40] = NaN; // row 1: max and argmax must return the first NaN like the interpreter
    await checkAgainstInterpreter(program, { feeds, rtol: 1e-5 });
  });
});
