/**
 * Regression tests for answers the optimizer once got silently wrong (issue 17 §1). Each case
 * builds a small graph and states the float64 answer with plain loops; the reference interpreter,
 * the fused kernel program and both backends (all cases in one artifact) must agree with it.
 */
import { describe, expect, it } from 'vitest';
import { Graph, evaluate, exp, tanh, sum, div, log, mul, add, transpose, mean, matmul, softplus, type Tensor } from '../../compiler/index.ts';
import { canonicalize } from '../../compiler/passes/optimize.ts';
import { compileProgram } from '../../compiler/compile.ts';
import { allocateMemory, runProgram } from '../../compiler/kernel/interpret.ts';
import { BACKENDS, sessionFor, TOL } from '../ops/backends.ts';
import { closeTo } from '../ops/cases.ts';

type Values = Record<string, number[]>;
interface Case {
  name: string;
  /** adds the case's nodes (names prefixed) and returns its feeds and expected outputs/updates */
  build(g: Graph, p: string): { feeds: Values; want: Values };
  /** relative tolerance on the backends (default: the suite's f32 tolerance) */
  rtol?: number;
}

const wave = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + seed));
const f32 = (xs: number[]) => Array.from(Float32Array.from(xs));
/** row-major index helpers */
const at2 = (n1: number) => (i: number, j: number) => i * n1 + j;

const cases: Case[] = [
  {
    // the sum over axis 1 is squeezed to [5] and broadcast as a row: e[i, j] / S[j], not S[i]
    name: 'log(e / squeezed sum) broadcast along another axis (not log-softmax)',
    build(g, p) {
      const z = g.input(`${p}z`, [5, 5]);
      const e = exp(tanh(z));
      g.output(`${p}y`, log(div(e, sum(e, 1, false))));
      const Z = f32(wave(25, 1)), E = Z.map((v) => Math.exp(Math.tanh(v))), ix = at2(5);
      const S = [0, 1, 2, 3, 4].map((i) => [0, 1, 2, 3, 4].reduce((a, j) => a + E[ix(i, j)]!, 0));
      return { feeds: { [`${p}z`]: Z }, want: { [`${p}y`]: E.map((v, k) => Math.log(v / S[k % 5]!)) } };
    },
  },
  {
    // [3, 4, 3] summed over axes [2, −2] leaves S[i] (i over axis 0), broadcast along the last axis
    name: 'rank-3 sum over axes [2, -2], squeezed and broadcast along the last axis',
    build(g, p) {
      const z = g.input(`${p}z`, [3, 4, 3]);
      const e = exp(tanh(z));
      g.output(`${p}y`, log(div(e, sum(e, [2, -2], false))));
      const Z = f32(wave(36, 2)), E = Z.map((v) => Math.exp(Math.tanh(v)));
      const S = [0, 1, 2].map((i) => E.slice(12 * i, 12 * i + 12).reduce((a, b) => a + b, 0));
      return { feeds: { [`${p}z`]: Z }, want: { [`${p}y`]: E.map((v, k) => Math.log(v / S[k % 3]!)) } };
    },
  },
  {
    // merged into one kernel, p0 read p1 through the transpose after p1's new value was stored
    name: 'in-place updates reading each other through a transposed view, and a third reading the first',
    build(g, p) {
      const x = g.input(`${p}x`, [3, 3]);
      const P0 = f32(wave(9, 3)), P1 = f32(wave(9, 4)), S = f32(wave(3, 5)), X = f32(wave(9, 6)), ix = at2(3);
      const p0 = g.param(`${p}p0`, [3, 3], Float32Array.from(P0));
      const p1 = g.param(`${p}p1`, [3, 3], Float32Array.from(P1));
      const s = g.stateTensor(`${p}s`, [3], Float32Array.from(S));
      g.update(p0, mul(transpose(p1), 0.5));
      g.update(p1, add(mul(p1, 2), x));
      g.update(s, add(mul(s, 0.9), mean(p0, 0)));
      g.output(`${p}o`, sum(x));
      return {
        feeds: { [`${p}x`]: X },
        want: {
          [`${p}o`]: [X.reduce((a, b) => a + b, 0)],
          [`${p}p0`]: P0.map((_, k) => 0.5 * P1[ix(k % 3, Math.floor(k / 3))]!),
          [`${p}p1`]: P1.map((v, k) => 2 * v + X[k]!),
          [`${p}s`]: S.map((v, j) => 0.9 * v + (P0[ix(0, j)]! + P0[ix(1, j)]! + P0[ix(2, j)]!) / 3),
        },
      };
    },
  },
  {
    name: 'an update cycle: p0 ← 2·p1ᵀ, p1 ← tanh(p0ᵀ + p1) (each reads the other\'s old value)',
    build(g, p) {
      const P0 = f32(wave(9, 7)), P1 = f32(wave(9, 8)), ix = at2(3);
      const p0 = g.param(`${p}p0`, [3, 3], Float32Array.from(P0));
      const p1 = g.param(`${p}p1`, [3, 3], Float32Array.from(P1));
      g.update(p0, mul(transpose(p1), 2));
      g.update(p1, tanh(add(transpose(p0), p1)));
      g.output(`${p}o`, sum(p0));
      const T = (A: number[], k: number) => A[ix(k % 3, Math.floor(k / 3))]!;
      return {
        feeds: {},
        want: {
          [`${p}o`]: [P0.reduce((a, b) => a + b, 0)],
          [`${p}p0`]: P0.map((_, k) => 2 * T(P1, k)),
          [`${p}p1`]: P1.map((v, k) => Math.tanh(T(P0, k) + v)),
        },
      };
    },
  },
  {
    name: 'a swap: p0 ← p1, p1 ← p0',
    build(g, p) {
      const p0 = g.param(`${p}p0`, [4], Float32Array.from([1, 2, 3, 4]));
      const p1 = g.param(`${p}p1`, [4], Float32Array.from([5, 6, 7, 8]));
      g.update(p0, p1);
      g.update(p1, p0);
      g.output(`${p}o`, sum(p1));
      return { feeds: {}, want: { [`${p}o`]: [26], [`${p}p0`]: [5, 6, 7, 8], [`${p}p1`]: [1, 2, 3, 4] } };
    },
  },
  {
    name: 'an update that reads its own target through another view: p ← pᵀ, q ← q·q (matmul)',
    build(g, p) {
      const P = f32(wave(9, 9)), Q = f32(wave(9, 10)), ix = at2(3);
      const pp = g.param(`${p}p`, [3, 3], Float32Array.from(P));
      const q = g.param(`${p}q`, [3, 3], Float32Array.from(Q));
      g.update(pp, transpose(pp));
      g.update(q, matmul(q, q));
      g.output(`${p}o`, sum(pp));
      return {
        feeds: {},
        want: {
          [`${p}o`]: [P.reduce((a, b) => a + b, 0)],
          [`${p}p`]: P.map((_, k) => P[ix(k % 3, Math.floor(k / 3))]!),
          [`${p}q`]: Q.map((_, k) => [0, 1, 2].reduce((a, m) => a + Q[ix(Math.floor(k / 3), m)]! * Q[ix(m, k % 3)]!, 0)),
        },
      };
    },
  },
  {
    // p's new value (a reduction's epilogue) is written in place; s read it there and p's old value too
    name: 'an update that reads both the old and the new value of another param',
    build(g, p) {
      const X = f32(wave(12, 11)), P = f32(wave(3, 12)), S = f32(wave(3, 13));
      const x = g.input(`${p}x`, [4, 3]);
      const pp = g.param(`${p}p`, [1, 3], Float32Array.from(P));
      const s = g.stateTensor(`${p}s`, [1, 3], Float32Array.from(S));
      const pNew = add(pp, sum(tanh(x), 0, true));
      g.update(pp, pNew);
      g.update(s, mul(pNew, pp));
      g.output(`${p}o`, sum(x));
      const col = [0, 1, 2].map((j) => [0, 1, 2, 3].reduce((a, i) => a + Math.tanh(X[3 * i + j]!), 0));
      return {
        feeds: { [`${p}x`]: X },
        want: {
          [`${p}o`]: [X.reduce((a, b) => a + b, 0)],
          [`${p}p`]: P.map((v, j) => v + col[j]!),
          [`${p}s`]: P.map((v, j) => (v + col[j]!) * v),
        },
      };
    },
  },
  {
    // f32's 1 + eˣ rounds to 1 below x ≈ −16.6: the naive form returns 0 there (and log(0) = −∞)
    name: 'softplus keeps f32 relative precision for very negative x',
    rtol: 1e-5,
    build(g, p) {
      const X = [-80, -30, -20, -16.6, -16, -15, -10, -1, 0, 1, 10, 30];
      const x = g.input(`${p}x`, [X.length]);
      const y: Tensor = softplus(x);
      g.output(`${p}y`, y);
      g.output(`${p}log_y`, log(y));
      const ref = f32(X).map((v) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))));
      return { feeds: { [`${p}x`]: X }, want: { [`${p}y`]: ref, [`${p}log_y`]: ref.map(Math.log) } };
    },
  },
];

function fusedRun(graph: Graph, feeds: Values): Record<string, Float64Array> {
  const { program } = compileProgram(graph);
  const mem = allocateMemory(program);
  for (const i of program.inputs) mem.get(i.buffer)!.set(feeds[i.name]!);
  runProgram(program, mem);
  return Object.fromEntries([...program.outputs, ...program.params, ...program.state].map((o) => [o.name, mem.get(o.buffer)!]));
}

function check(got: Record<string, ArrayLike<number>>, want: Values, atol: number, rtol: number): void {
  for (const [name, w] of Object.entries(want)) {
    expect(got[name], name).toBeDefined();
    expect(closeTo(got[name]!, w, atol, rtol), name).toBeNull();
  }
}

describe('answers the optimizer once got wrong', () => {
  for (const c of cases) {
    it(`${c.name}: reference interpreter and fused program`, () => {
      const g = new Graph('case');
      const { feeds, want } = c.build(g, '');
      const r = evaluate(g, feeds);
      const atol = c.rtol ? 0 : 1e-6;
      check({ ...r.outputs, ...r.updates }, want, atol, 1e-5);
      check(fusedRun(g, feeds), want, atol, 1e-5);
    });
  }

  it('log∘softmax is rewritten only where the sum is broadcast back in place', () => {
    const divs = (build: (e: Tensor) => Tensor) => {
      const g = new Graph('lsm');
      const e = exp(g.input('z', [5, 5]));
      g.output('y', log(div(e, build(e))));
      return canonicalize(g).graph.nodes.filter((n) => n.op === 'div').length;
    };
    expect(divs((e) => sum(e, 1, true))).toBe(0);
    expect(divs((e) => sum(e, 0, false))).toBe(0); // [5] broadcast as a row: in place for axis 0
    expect(divs((e) => sum(e, 1, false))).toBe(1);
  });

  for (const backend of BACKENDS) {
    it(`${backend}: every case in one artifact`, async () => {
      const g = new Graph('wrong_answers');
      const feeds: Values = {};
      const wants: { want: Values; atol: number; rtol: number }[] = [];
      cases.forEach((c, i) => {
        const r = c.build(g, `c${i}/`);
        Object.assign(feeds, r.feeds);
        wants.push({ want: r.want, ...(c.rtol ? { atol: 0, rtol: c.rtol } : TOL[backend]) });
      });
      const s = await sessionFor(g, backend);
      if (!s) return;
      const got = { ...(await s.run(feeds)), ...(await s.getParams(true)) };
      s.dispose();
      for (const { want, atol, rtol } of wants) check(got, want, atol, rtol);
    });
  }
});
