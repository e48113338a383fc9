// pool2d on the wasm backend against the reference interpreter: assembly/pool.ts's row-buffer
// vector path (any window, row-contiguous input: stride 1 and 2 vector taps, other strides
// scalar over the buffer), the 2×2/stride-2 max path and the scalar loop (strided rows), with
// padding, windows past the right/bottom edge (ceil mode) or entirely in padding, NaN and -∞
// inputs for max; one thread (plain and relaxed builds) and a pool of 2 (planes split across
// threads, batch 1 included).
import { afterAll, describe, expect, it } from 'vitest';
import type { PoolGeometry, Program } from '../../../compiler/kernel/ir.ts';
import { createWasmBackend } from '../../../compiler/backends/wasm/index.ts';
import { createNodeCompileHost } from '../../../compiler/backends/wasm/node-host.ts';
import { PARALLEL_MIN_TAPS } from '../../../compiler/backends/wasm/pool.ts';
import { createWasmSession, type WasmSession } from '../../../runtime/wasm/session.ts';
import { nodeWasmWorkers } from '../../../runtime/node/wasm-workers.ts';
import type { Feeds } from '../../../runtime/session.ts';
import { acc, bin, buildTestArtifact, contiguous, load, ProgramBuilder, randomFeeds, runReference, store, un, view } from '../programs.ts';
import { checkAgainstInterpreter, expectClose } from './harness.ts';

interface Window { k: [number, number]; stride: [number, number]; pad: [number, number]; ceil?: boolean }

function geometry(batch: number, channels: number, inH: number, inW: number, w: Window): PoolGeometry {
  const round = w.ceil ? Math.ceil : Math.floor;
  const out = (n: number, i: 0 | 1) => round((n + 2 * w.pad[i] - w.k[i]) / w.stride[i]) + 1;
  return {
    batch, channels, inHeight: inH, inWidth: inW, outHeight: out(inH, 0), outWidth: out(inW, 1),
    kernelHeight: w.k[0], kernelWidth: w.k[1], strideH: w.stride[0], strideW: w.stride[1], padTop: w.pad[0], padLeft: w.pad[1],
  };
}

const windows: [string, Window][] = [
  ['k3s2p1', { k: [3, 3], stride: [2, 2], pad: [1, 1] }], // ResNet's max pool
  ['k3s1p1', { k: [3, 3], stride: [1, 1], pad: [1, 1] }],
  ['k2s2', { k: [2, 2], stride: [2, 2], pad: [0, 0] }],
  ['k5s3p2', { k: [5, 5], stride: [3, 3], pad: [2, 2] }], // stride 3: scalar taps over the row buffer
  ['k3s2_ceil', { k: [3, 3], stride: [2, 2], pad: [0, 0], ceil: true }], // last windows past the edge
  ['k2s1p2', { k: [2, 2], stride: [1, 1], pad: [2, 2] }], // the outer windows lie entirely in padding
  ['k1x3s2', { k: [1, 3], stride: [1, 2], pad: [0, 1] }],
  ['k3x1s2', { k: [3, 1], stride: [2, 2], pad: [1, 0] }], // one tap per row: stride 2 without an odd tap
  ['k2s2p1', { k: [2, 2], stride: [2, 2], pad: [1, 1] }],
];

/** A window on a plane of inH × inW. */
type Case = [name: string, window: Window, inH: number, inW: number];

/** Every window on rows of 13 and 22 floats: full vectors and scalar tails in both passes. */
const small: Case[] = windows.flatMap(([name, w]) => [[name, w, 9, 13], [name, w, 10, 22]] as Case[]);

/** Planes large enough (12 channels, batch 1) that a threaded build splits them across the pool. */
const LARGE_CHANNELS = 12;
const window = (name: string): Window => windows.find(([n]) => n === name)![1];
const large: Case[] = [['k3s2p1', window('k3s2p1'), 96, 101], ['k3s1p1', window('k3s1p1'), 50, 53], ['k2s2', window('k2s2'), 150, 150]];

/** Each case: max/avg forward and gradients (x for max gets NaN, -∞ and ties); then a strided-rows and an NHWC pool. */
function program(batch: number, channels: number, cases: Case[] = small): Program {
  const p = new ProgramBuilder();
  for (const [name, w, inH, inW] of cases) {
    const g = geometry(batch, channels, inH, inW, w);
    const xs = [batch, channels, inH, inW], ys = [batch, channels, g.outHeight, g.outWidth];
    const id = `${name}_${inH}x${inW}`;
    for (const mode of ['max', 'avg'] as const) {
      const x = p.input(`${id}_${mode}_x`, xs);
      const dy = p.input(`${id}_${mode}_dy`, ys);
      p.kernel({ kind: 'pool2d', name: `${id}_${mode}`, mode, geometry: g, input: view(x, contiguous(xs)), stores: [store(view(p.output(`${id}_${mode}`, ys), contiguous(ys)), acc())] });
      const grad = mode === 'max' ? 'max_grad' : 'avg_grad';
      p.kernel({
        kind: 'pool2d', name: `${id}_${grad}`, mode: grad, geometry: g, input: view(x, contiguous(xs)), grad: view(dy, contiguous(ys)),
        stores: [store(view(p.output(`${id}_${grad}`, xs), contiguous(xs)), acc())],
      });
    }
  }
  // rows with a pitch wider than the plane (a column slice): the vector path with sH ≠ inW, and a fused epilogue
  const g = geometry(batch, channels, 9, 13, windows[0]![1]);
  const wide = p.input('slice_x', [batch, channels, 9, 17]);
  const bias = p.input('slice_b', [channels]);
  const ys = [batch, channels, g.outHeight, g.outWidth];
  for (const mode of ['max', 'avg'] as const) {
    p.kernel({
      kind: 'pool2d', name: `slice_${mode}`, mode, geometry: g, input: view(wide, contiguous([batch, channels, 9, 17]), 2),
      stores: [store(view(p.output(`slice_${mode}`, ys), contiguous(ys)), un('relu', bin('add', acc(), load(view(bias, [0, 1, 0, 0])))))],
    });
  }
  // NHWC input (element stride of a row ≠ 1): the scalar loop
  const nhwc = p.input('nhwc_x', [batch, 9, 13, channels]);
  for (const mode of ['max', 'avg'] as const) {
    p.kernel({
      kind: 'pool2d', name: `nhwc_${mode}`, mode, geometry: g, input: view(nhwc, [9 * 13 * channels, 1, 13 * channels, channels]),
      stores: [store(view(p.output(`nhwc_${mode}`, ys), contiguous(ys)), acc())],
    });
  }
  // gradients stored through a permuted (NHWC) view, scaled: through the accumulator and an epilogue,
  // not written directly as the contiguous acc() stores above
  const dy = p.input('perm_dy', ys);
  for (const mode of ['max_grad', 'avg_grad'] as const) {
    p.kernel({
      kind: 'pool2d', name: `perm_${mode}`, mode, geometry: g, input: view(wide, contiguous([batch, channels, 9, 17]), 2), grad: view(dy, contiguous(ys)),
      stores: [store(view(p.output(`perm_${mode}`, [batch, 9, 13, channels]), [9 * 13 * channels, 1, 13 * channels, channels]), bin('mul', acc(), load(view(bias, [0, 1, 0, 0]))))],
    });
  }
  return p.build();
}

/** Random feeds; the max inputs get few distinct values (ties), NaNs, a -∞ row and -∞ blocks. */
function feeds(prog: Program, seed: number): Feeds {
  const f = randomFeeds(prog, seed);
  for (const name of Object.keys(f)) {
    if (!name.endsWith('_max_x')) continue;
    const v = Float32Array.from(f[name]!, (x) => Math.round(x * 2));
    for (let i = 0; i < v.length; i += 7) v[i] = NaN;
    for (let i = 3; i < v.length; i += 11) v[i] = -Infinity;
    // the first plane's first two rows: all -∞ with NaN holes (windows of nothing but -∞/NaN)
    v.fill(-Infinity, 0, 26);
    v[1] = NaN; v[2] = NaN; v[14] = NaN;
    f[name] = v;
  }
  return f;
}

const RTOL = 2e-6;

describe('wasm pool2d: every window against the interpreter', () => {
  const sessions: WasmSession[] = [];
  afterAll(() => sessions.forEach((s) => s.dispose()));

  for (const batch of [1, 2]) {
    it(`one thread, batch ${batch} (plain and relaxed SIMD)`, async () => {
      const prog = program(batch, 3);
      const f = feeds(prog, 11 + batch);
      sessions.push(await checkAgainstInterpreter(prog, { rtol: RTOL, feeds: f }));
      sessions.push(await checkAgainstInterpreter(prog, { rtol: RTOL, feeds: f, relaxedSimd: true }));
    });

    it(`a pool of 2 threads, batch ${batch} (large planes split across threads, small ones on the calling thread)`, async () => {
      // batch 2: one large case is enough (the interpreter's gradients are slow on large planes)
      await checkThreaded(program(batch, LARGE_CHANNELS, [...(batch === 1 ? large : large.slice(0, 1)), ...small]), 'bytecode', 21 + batch);
    });
  }

  it("the 'asc' renderer (the old path) calls the same library functions (a pool of 2, batch 1)", async () => {
    // asc + binaryen compile slowly: two windows on one plane size
    const prog = program(1, LARGE_CHANNELS, large.slice(0, 1));
    await checkThreaded(prog, 'asc', 31);
  }, 120_000);

  it('the large planes are above the threaded builds\' threshold', () => {
    for (const [name, w, inH, inW] of large) {
      const g = geometry(1, LARGE_CHANNELS, inH, inW, w);
      expect(g.channels * g.outHeight * g.outWidth * g.kernelHeight * g.kernelWidth, name).toBeGreaterThanOrEqual(PARALLEL_MIN_TAPS);
    }
  });

  async function checkThreaded(prog: Program, codegen: 'asc' | 'bytecode', seed: number, threads = 2): Promise<void> {
    const backend = createWasmBackend({ threads, codegen, ...(codegen === 'asc' ? { host: createNodeCompileHost({ cacheDir: false }) } : {}) });
    const artifact = buildTestArtifact(prog, await backend.render(prog, { name: `pool_${codegen}_${threads}` }));
    const session = await createWasmSession(artifact, threads > 1 ? { threads, spawnWorker: nodeWasmWorkers } : {});
    sessions.push(session);
    const f = feeds(prog, seed);
    const ref = runReference(prog, f);
    for (let rep = 0; rep < 2; rep++) {
      const got = await session.run(f);
      for (const { name } of prog.outputs) expectClose(`${name} (${codegen}, ${threads} threads, run ${rep})`, got[name], ref[name]!, RTOL);
    }
  }
});
