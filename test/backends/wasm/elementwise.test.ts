import { describe, expect, it } from 'vitest';
import { bin, index, lit, load, ProgramBuilder, random, randomF32, randomFeeds, randomI32, select, store, un, view } from '../programs.ts';
import type { UnaryAlu } from '../../../compiler/kernel/ir.ts';
import { checkAgainstInterpreter, compileToSession } from './harness.ts';

describe('wasm elementwise kernels', () => {
  it('broadcasts, transposes, odd sizes, every f32 ALU op, multiple and in-place stores', async () => {
    const p = new ProgramBuilder();
    const x = p.input('x', [3, 10]);
    const bias = p.input('bias', [10]);
    const t = p.input('t', [7, 5]);
    const odd = p.input('odd', [7, 13, 3]);
    const w = p.param('w', randomF32(37, 9));
    const g = p.input('g', [37]);
    const scalar = p.input('s', []);
    // broadcast add + relu: bias has stride 0 on rows
    const o1 = p.output('bias_relu', [3, 10]);
    p.kernel({ kind: 'elementwise', name: 'bias_relu', shape: [3, 10], stores: [store(view(o1, [10, 1]), un('relu', bin('add', load(view(x, [10, 1])), load(view(bias, [0, 1])))))] });
    // transposed read: o[i, j] = t[j, i] · 2 (inner stride 5: scalar path)
    const o2 = p.output('transpose', [5, 7]);
    p.kernel({ kind: 'elementwise', name: 'transpose', shape: [5, 7], stores: [store(view(o2, [7, 1]), bin('mul', load(view(t, [1, 5])), lit(2)))] });
    // every unary op on an odd-sized 3-D space, one output each
    const fns: UnaryAlu[] = ['neg', 'exp', 'log', 'sqrt', 'recip', 'abs', 'sign', 'floor', 'tanh', 'sigmoid', 'relu', 'step'];
    const ov = view(odd, [39, 3, 1]);
    const safe = (fn: UnaryAlu) => (fn === 'log' || fn === 'sqrt' ? un('abs', load(ov)) : fn === 'recip' ? bin('add', un('abs', load(ov)), lit(0.5)) : bin('mul', load(ov), lit(3)));
    for (const fn of fns) {
      const o = p.output(`u_${fn}`, [7, 13, 3]);
      p.kernel({ kind: 'elementwise', name: `u_${fn}`, shape: [7, 13, 3], stores: [store(view(o, [39, 3, 1]), un(fn, safe(fn)))] });
    }
    // binary ops incl. pow and comparisons (x against its broadcast first column)
    for (const fn of ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'lt', 'le', 'gt', 'ge', 'eq', 'ne'] as const) {
      const o = p.output(`b_${fn}`, [3, 10]);
      const a = fn === 'pow' ? un('abs', load(view(x, [10, 1]))) : load(view(x, [10, 1]));
      const b = fn === 'eq' || fn === 'ne' ? load(view(x, [10, 0])) : load(view(bias, [0, 1]));
      p.kernel({ kind: 'elementwise', name: `b_${fn}`, shape: [3, 10], stores: [store(view(o, [10, 1]), bin(fn, a, b))] });
    }
    // select on a comparison, with a scalar broadcast operand
    const o3 = p.output('select', [3, 10]);
    p.kernel({
      kind: 'elementwise', name: 'select', shape: [3, 10],
      stores: [store(view(o3, [10, 1]), select(bin('gt', load(view(x, [10, 1])), lit(0)), load(view(x, [10, 1])), load(view(scalar, [0, 0]))))],
    });
    // multiple stores, one in place: an SGD step that also returns the old weight
    const old = p.output('old_w', [37]);
    p.kernel({
      kind: 'elementwise', name: 'sgd', shape: [37],
      stores: [
        store(view(w, [1]), bin('sub', load(view(w, [1])), bin('mul', lit(0.1), load(view(g, [1]))))),
        store(view(old, [1]), load(view(w, [1]))),
      ],
    });
    // in place through a different view of the same buffer: later points see s[0] already updated,
    // so this must not run four lanes at a time
    const s9 = p.stateBuffer('s9', randomF32(9, 4));
    p.kernel({ kind: 'elementwise', name: 'prefix', shape: [9], stores: [store(view(s9, [1]), bin('add', load(view(s9, [1])), load(view(s9, [0]))))] });
    // exp over its whole f32 range (flush to zero below, the SIMD polynomial's range reduction)
    const wide = p.input('wide', [67]);
    const expWide = p.output('exp_wide', [67]);
    p.kernel({ kind: 'elementwise', name: 'exp_wide', shape: [67], stores: [store(view(expWide, [1]), un('exp', load(view(wide, [1]))))] });
    // rank-0 kernel
    const o4 = p.output('scalar_out', []);
    p.kernel({ kind: 'elementwise', name: 'scalar', shape: [], stores: [store(view(o4, []), bin('mul', load(view(scalar, [])), lit(-3)))] });
    const program = p.build();
    const feeds = randomFeeds(program, 1);
    feeds.wide = randomF32(67, 11, -95, 88.5);
    await checkAgainstInterpreter(program, { feeds, rtol: 2e-6 });
  });

  it('i32 math, conversions, index and the counter-based RNG match exactly', async () => {
    const p = new ProgramBuilder();
    const a = p.input('a', [4, 9], 'i32');
    const b = p.input('b', [4, 9], 'i32');
    const f = p.input('f', [4, 9]);
    const seed = p.input('seed', [], 'i32');
    const av = load(view(a, [9, 1]), 'i32');
    const bv = load(view(b, [9, 1]), 'i32');
    for (const fn of ['add', 'sub', 'mul', 'div', 'max', 'min', 'lt', 'le', 'gt', 'ge', 'eq', 'ne'] as const) {
      const o = p.output(`i_${fn}`, [4, 9], 'i32');
      p.kernel({ kind: 'elementwise', name: `i_${fn}`, shape: [4, 9], stores: [store(view(o, [9, 1]), bin(fn, av, bv))] });
    }
    for (const fn of ['neg', 'abs', 'sign', 'relu', 'step'] as const) {
      const o = p.output(`iu_${fn}`, [4, 9], 'i32');
      p.kernel({ kind: 'elementwise', name: `iu_${fn}`, shape: [4, 9], stores: [store(view(o, [9, 1]), un(fn, av))] });
    }
    const toI = p.output('to_i32', [4, 9], 'i32');
    const toF = p.output('to_f32', [4, 9]);
    const idx = p.output('index', [4, 9], 'i32');
    p.kernel({
      kind: 'elementwise', name: 'convert', shape: [4, 9],
      stores: [
        store(view(toI, [9, 1]), un('to_i32', bin('mul', load(view(f, [9, 1])), lit(7.5)), 'i32')),
        store(view(toF, [9, 1]), bin('mul', un('to_f32', av, 'f32'), lit(0.25))),
        store(view(idx, [9, 1]), bin('add', bin('mul', index(0), lit(100, 'i32')), index(1))),
      ],
    });
    // a dropout mask and the raw uniforms over an odd space
    const u = p.output('uniform', [5, 7, 3]);
    const mask = p.output('mask', [5, 7, 3]);
    const sv = load(view(seed, [0, 0, 0]), 'i32');
    p.kernel({
      kind: 'elementwise', name: 'rng', shape: [5, 7, 3],
      stores: [
        store(view(u, [21, 3, 1]), random(sv)),
        store(view(mask, [21, 3, 1]), select(bin('ge', random(sv), lit(0.3)), lit(1 / 0.7), lit(0))),
      ],
    });
    // rows that do not collapse (padded output rows): vector lanes take the 2-D linear index
    const rows = p.output('uniform_rows', [4, 10]);
    p.kernel({ kind: 'elementwise', name: 'rng_rows', shape: [4, 9], stores: [store(view(rows, [10, 1]), bin('mul', random(load(view(seed, [0, 0]), 'i32')), lit(3)))] });
    const feeds = { a: randomI32(36, 3, -20, 20), b: randomI32(36, 4, -5, 5), f: randomF32(36, 5, -3, 3), seed: new Int32Array([1234567]) };
    feeds.b[3] = 0; // integer division by zero is 0 in the IR
    // f32 → i32 wraps out-of-range values like `| 0` and maps NaN to 0, in vector lanes and the scalar tail
    feeds.f.set([NaN, 3e8, -3e8, 1e6, NaN], 0);
    feeds.f.set([3e8, NaN], 34);
    // i32 results are integers, so 1e-7 only forgives f32 rounding of f32 outputs
    await checkAgainstInterpreter(p.build(), { feeds, rtol: 1e-7 });
  });

  it('runs repeatedly and keeps in-place state between runs', async () => {
    const p = new ProgramBuilder();
    const counter = p.stateBuffer('counter', new Float32Array([0, 10, 20, 30, 40]));
    const out = p.output('out', [5]);
    const inc = p.input('inc', [1]);
    p.kernel({
      kind: 'elementwise', name: 'count', shape: [5],
      stores: [store(view(counter, [1]), bin('add', load(view(counter, [1])), load(view(inc, [0])))), store(view(out, [1]), load(view(counter, [1])))],
    });
    const { session } = await compileToSession(p.build());
    await session.run({ inc: [1] });
    const r = await session.run({ inc: [2] });
    expect(Array.from(r.out!)).toEqual([1, 11, 21, 31, 41]);
    expect(Array.from((await session.getParams(true)).counter!)).toEqual([3, 13, 23, 33, 43]);
  });
});
