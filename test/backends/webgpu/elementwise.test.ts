import { describe, expect, it } from 'vitest';
import type { BinaryAlu, UnaryAlu } from '../../../compiler/kernel/ir.ts';
import { hashUniform } from '../../../compiler/kernel/random.ts';
import { bin, index, lit, load, ProgramBuilder, random, randomF32, randomI32, select, store, un, view } from '../programs.ts';
import { checkProgram, runOnGpu } from './harness.ts';
import { testDevice } from './device.ts';

const device = await testDevice();

const UNARY: UnaryAlu[] = ['neg', 'exp', 'log', 'sqrt', 'recip', 'abs', 'sign', 'floor', 'tanh', 'sigmoid', 'relu', 'step', 'to_f32', 'to_i32'];
const BINARY: BinaryAlu[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'lt', 'le', 'gt', 'ge', 'eq', 'ne'];

describe.skipIf(!device)('webgpu elementwise', () => {
  it('adds with a broadcast row and a transposed operand over an odd shape', async () => {
    const p = new ProgramBuilder();
    const a = p.input('a', [37, 5]);
    const bt = p.input('bt', [5, 37]);
    const row = p.input('row', [5]);
    const y = p.output('y', [37, 5]);
    p.kernel({
      kind: 'elementwise', name: 'add3', shape: [37, 5],
      stores: [store(view(y, [5, 1]), bin('add', bin('mul', load(view(a, [5, 1])), load(view(bt, [1, 37]))), load(view(row, [0, 1]))))],
    });
    await checkProgram(device!, p.build());
  });

  it('renders every f32 unary op, including extreme and special inputs', async () => {
    const special = [0, -0, 1, -1, 0.5, -0.5, 1e-7, -1e-7, 3.7, -3.7, 20, -20, 88, -88, 89, -89, 150, -150, 1e30, -1e30, Infinity, -Infinity, NaN];
    const x = new Float32Array([...special, ...randomF32(41, 7, -6, 6)]);
    const p = new ProgramBuilder();
    const xi = p.input('x', [x.length]);
    for (const fn of UNARY) {
      const y = p.output(`y_${fn}`, [x.length]);
      // to_i32 on out-of-range floats saturates on the GPU and wraps in JS: keep it in range.
      const arg = fn === 'to_i32' ? bin('min', bin('max', load(view(xi, [1])), lit(-1e9)), lit(1e9)) : load(view(xi, [1]));
      p.kernel({ kind: 'elementwise', name: `u_${fn}`, shape: [x.length], stores: [store(view(y, [1]), un(fn, arg))] });
    }
    await checkProgram(device!, p.build(), { x }, 1e-4, 1e-6);
  });

  it('renders every f32 binary op, with NaN and infinities', async () => {
    const a = new Float32Array([...randomF32(60, 3, -4, 4), 0, -2, -2, 2, NaN, 1, Infinity, 3, 0, 5]);
    const b = new Float32Array([...randomF32(60, 4, -4, 4), 0, 3, 0.5, -1, 1, NaN, 2, 3, -1, 5]);
    const p = new ProgramBuilder();
    const ai = p.input('a', [a.length]), bi = p.input('b', [b.length]);
    for (const fn of BINARY) {
      const y = p.output(`y_${fn}`, [a.length]);
      p.kernel({ kind: 'elementwise', name: `b_${fn}`, shape: [a.length], stores: [store(view(y, [1]), bin(fn, load(view(ai, [1])), load(view(bi, [1]))))] });
    }
    await checkProgram(device!, p.build(), { a, b }, 1e-4, 1e-6);
  });

  it('does integer math on i32 (truncating division, division by zero, pow, comparisons)', async () => {
    const a = new Int32Array([...randomI32(40, 5, -50, 50), 7, -7, 7, -7, 0, 2147483647, -2147483648, 3]);
    const b = new Int32Array([...randomI32(40, 6, -6, 6), 2, 2, -2, -2, 0, 1, -1, 5]);
    const p = new ProgramBuilder();
    const ai = p.input('a', [a.length], 'i32'), bi = p.input('b', [b.length], 'i32');
    const A = load(view(ai, [1]), 'i32'), B = load(view(bi, [1]), 'i32');
    for (const fn of BINARY) {
      const rhs = fn === 'pow' ? bin('min', bin('max', B, lit(0, 'i32')), lit(5, 'i32')) : B;
      const lhs = fn === 'pow' ? bin('min', bin('max', A, lit(-50, 'i32')), lit(50, 'i32')) : A;
      const y = p.output(`y_${fn}`, [a.length], 'i32');
      p.kernel({ kind: 'elementwise', name: `i_${fn}`, shape: [a.length], stores: [store(view(y, [1]), bin(fn, lhs, rhs))] });
    }
    for (const fn of ['neg', 'abs', 'sign', 'relu', 'step', 'to_f32'] as UnaryAlu[]) {
      const dt = fn === 'to_f32' ? 'f32' : 'i32';
      const y = p.output(`u_${fn}`, [a.length], dt);
      p.kernel({ kind: 'elementwise', name: `iu_${fn}`, shape: [a.length], stores: [store(view(y, [1]), un(fn, bin('max', A, lit(-2147483647, 'i32')), dt))] });
    }
    const out = await checkProgram(device!, p.build(), { a, b }, 0, 0);
    expect(out['y_div']).toBeInstanceOf(Int32Array);
  });

  it('selects, reads index axes, and evaluates all stores before writing (in-place swap)', async () => {
    const p = new ProgramBuilder();
    const u = p.param('u', randomF32(12, 9), [3, 4]);
    const v = p.param('v', randomF32(12, 10), [3, 4]);
    const y = p.output('y', [3, 4]);
    const U = load(view(u, [4, 1])), V = load(view(v, [4, 1]));
    const cond = bin('lt', index(1), index(0), 'i32');
    p.kernel({
      kind: 'elementwise', name: 'swap_select', shape: [3, 4],
      stores: [
        store(view(u, [4, 1]), V),
        store(view(v, [4, 1]), U),
        store(view(y, [4, 1]), select(cond, bin('add', U, un('to_f32', index(1), 'f32')), V)),
      ],
    });
    await checkProgram(device!, p.build(), {});
  });

  it('draws random numbers bit-identical to kernel/random.ts, seeded from an input', async () => {
    const p = new ProgramBuilder();
    const seed = p.input('seed', [1], 'i32');
    const y = p.output('y', [33, 70]);
    p.kernel({ kind: 'elementwise', name: 'rng', shape: [33, 70], stores: [store(view(y, [70, 1]), random(load(view(seed, [0, 0]), 'i32')))] });
    for (const s of [0, 12345, -7]) {
      const out = await runOnGpu(device!, p.build(), { seed: new Int32Array([s]) });
      const expected = Float32Array.from({ length: 33 * 70 }, (_, i) => hashUniform(s, i));
      expect(Array.from(out['y']!)).toEqual(Array.from(expected));
    }
  });

  it('folds launches beyond 65535 workgroups into a 2-D grid', async () => {
    const n = 65535 * 64 + 1000;
    const p = new ProgramBuilder();
    const y = p.output('y', [n], 'i32');
    p.kernel({ kind: 'elementwise', name: 'iota', shape: [n], stores: [store(view(y, [1]), bin('mul', index(0), lit(3, 'i32')))] });
    const out = (await runOnGpu(device!, p.build(), {}))['y']!;
    let bad = -1;
    for (let i = 0; i < n; i++) if (out[i] !== Math.imul(i, 3)) { bad = i; break; }
    expect(bad, `first wrong element of ${n}`).toBe(-1);
  });

  it('handles a rank-0 output and a scalar broadcast', async () => {
    const p = new ProgramBuilder();
    const x = p.input('x', []);
    const y = p.output('y', []);
    p.kernel({ kind: 'elementwise', name: 'scalar', shape: [], stores: [store(view(y, []), un('exp', load(view(x, []))))] });
    await checkProgram(device!, p.build(), { x: new Float32Array([0.75]) });
  });
});
