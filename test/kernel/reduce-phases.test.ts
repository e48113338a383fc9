/**
 * Multi-phase reduce kernels (ReduceKernel.phases): several reductions over the same rows in
 * one kernel, a later phase reading an earlier phase's result at the same point. Each renderer
 * (reference interpreter, WASM bytecode on 1 and 2 threads, the AssemblyScript-source path,
 * WGSL serial and tree variants) must give what the phases give as separate kernels; and
 * `fuseRowReductions` must join only where that rule holds.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, evaluate, losses, nn, optim, trainStep } from '../../compiler/index.ts';
import { compile, compileProgram } from '../../compiler/compile.ts';
import { allocateMemory, runProgram } from '../../compiler/kernel/interpret.ts';
import { createSession } from '../../runtime/node/index.ts';
import type { Session } from '../../runtime/session.ts';
import { sessionFor } from '../ops/backends.ts';
import { closeTo } from '../ops/cases.ts';
import type { Expr, Kernel, Program, ReduceKernel, ReducePhase } from '../../compiler/kernel/ir.ts';
import { fuseRowReductions } from '../../compiler/kernel/reduce-fusion.ts';
import { checkUpdateHazards } from '../../compiler/kernel/hazards.ts';
import { createWasmBackend } from '../../compiler/backends/wasm/index.ts';
import { createNodeCompileHost } from '../../compiler/backends/wasm/node-host.ts';
import { reduceTasks } from '../../compiler/backends/wasm/bytecode/reduce.ts';
import { MemoryLayout } from '../../compiler/backends/wasm/layout.ts';
import { useTreeReduce } from '../../compiler/backends/webgpu/kernels/reduce.ts';
import { createWasmSession, type WasmSession } from '../../runtime/wasm/session.ts';
import { nodeWasmWorkers } from '../../runtime/node/wasm-workers.ts';
import { acc, bin, buildTestArtifact, lit, load, ProgramBuilder, randomF32, runReference, store, un, view } from '../backends/programs.ts';
import { expectClose } from '../backends/wasm/harness.ts';
import { checkProgram } from '../backends/webgpu/harness.ts';
import { requireWebGPU } from '../backends/webgpu/device.ts';

/**
 * Row softmax statistics as one three-phase kernel over x[rows, cols] (rows inner-reduced): the
 * row max; Σ exp(x − max) reading the max back at the same row, with a log-sum-exp epilogue that
 * reads it too; the argmax (i32). A second kernel folds over the leading axis (the vector-over-
 * outputs path): a column mean, then Σ(x − mean)² with a variance epilogue.
 */
function phasedProgram(rows: number, cols: number): Program {
  const p = new ProgramBuilder();
  const x = p.input('x', [rows, cols]);
  const m = p.output('max', [rows]), s = p.output('sumexp', [rows]), lse = p.output('lse', [rows]), arg = p.output('argmax', [rows], 'i32');
  const xv = load(view(x, [cols, 1]));
  const mAt = load(view(m, [1, 0]));
  p.kernel({
    kind: 'reduce', name: 'rowstats', shape: [rows], reduceShape: [cols],
    phases: [
      { reduce: 'max', body: xv, stores: [store(view(m, [1]), acc())] },
      { reduce: 'sum', body: un('exp', bin('sub', xv, mAt)), stores: [store(view(s, [1]), acc()), store(view(lse, [1]), bin('add', un('log', acc()), load(view(m, [1]))))] },
      { reduce: 'argmax', body: xv, stores: [store(view(arg, [1]), acc('i32'))] },
    ],
  });
  const mean = p.temp([cols]), variance = p.output('variance', [cols]);
  const xc = load(view(x, [1, cols]));
  const centred = bin('sub', xc, load(view(mean, [1, 0])));
  p.kernel({
    kind: 'reduce', name: 'colstats', shape: [cols], reduceShape: [rows],
    phases: [
      { reduce: 'sum', body: xc, stores: [store(view(mean, [1]), bin('mul', acc(), lit(1 / rows)))] },
      { reduce: 'sum', body: bin('mul', centred, centred), stores: [store(view(variance, [1]), bin('mul', acc(), lit(1 / rows)))] },
    ],
  });
  return p.build();
}

/** The same program with every phase as a kernel of its own. */
function split(program: Program): Program {
  return { ...program, kernels: program.kernels.flatMap<Kernel>((k) => (k.kind === 'reduce' ? k.phases.map((p) => ({ ...k, phases: [p] })) : [k])) };
}

function feedsFor(rows: number, cols: number) {
  const x = randomF32(rows * cols, 7, -4, 4);
  for (let i = 0; i < x.length; i += 13) x[i] = Math.round(x[i]!); // ties for max/argmax
  return { x };
}

describe('multi-phase reduce: every renderer against the phases run as separate kernels', () => {
  const sessions: WasmSession[] = [];
  afterAll(() => sessions.forEach((s) => s.dispose()));

  // 5×37: small (serial everywhere); 300×500: split across WASM threads and WGSL's tree variant
  for (const [rows, cols] of [[5, 37], [300, 500]] as const) {
    const program = phasedProgram(rows, cols);
    const feeds = feedsFor(rows, cols);
    const want = runReference(split(program), feeds);

    it(`${rows}×${cols}: the interpreter runs the phases point by point as the separate kernels do`, () => {
      const got = runReference(program, feeds);
      for (const name of Object.keys(want)) expect(Array.from(got[name]!), name).toEqual(Array.from(want[name]!));
    });

    for (const threads of [1, 2]) {
      it(`${rows}×${cols}: WASM bytecode, ${threads} thread(s)`, async () => {
        const rendered = await createWasmBackend(threads > 1 ? { threads } : {}).render(program, { name: 'phases' });
        const session = await createWasmSession(buildTestArtifact(program, rendered), threads > 1 ? { threads, spawnWorker: nodeWasmWorkers } : {});
        sessions.push(session);
        if (threads > 1 && rows === 300) {
          // the big kernels really are split: each task runs every phase over its own rows
          const layout = new MemoryLayout(program, 1024);
          for (const k of program.kernels) expect(reduceTasks(threads, layout, k as ReduceKernel), k.name).toBeGreaterThan(1);
        }
        for (const seed of [0, 1]) {
          const f = seed ? { x: feedsFor(rows, cols).x.map((v) => -v) } : feeds;
          const ref = seed ? runReference(split(program), f) : want;
          const got = await session.run(f);
          for (const name of Object.keys(ref)) expectClose(`${name} (run ${seed})`, got[name], ref[name]!, 1e-5);
        }
      });
    }

    it(`${rows}×${cols}: WASM AssemblyScript-source path (codegen 'asc')`, async () => {
      const backend = createWasmBackend({ codegen: 'asc', host: createNodeCompileHost({ cacheDir: false }) });
      const session = await createWasmSession(buildTestArtifact(program, await backend.render(program, { name: 'phases' })));
      sessions.push(session);
      const got = await session.run(feeds);
      for (const name of Object.keys(want)) expectClose(name, got[name], want[name]!, 1e-5);
    }, 240_000);

    it(`${rows}×${cols}: WebGPU (${useTreeReduce(rows, cols) ? 'tree' : 'serial'} variant)`, async () => {
      const device = await requireWebGPU();
      expect(useTreeReduce(rows, cols)).toBe(rows === 300);
      await checkProgram(device, program, feeds, 1e-4, 1e-5);
    });
  }
});

describe('fuseRowReductions joins only reductions that read the earlier result at the same point', () => {
  const p = new ProgramBuilder();
  const x = p.input('x', [4, 6]), idx = p.input('idx', [4], 'i32');
  const m = p.temp([4]), s = p.temp([4]), t = p.temp([4]);
  const xv = load(view(x, [6, 1]));
  const reduceOf = (name: string, reduce: ReducePhase['reduce'], body: Expr, into: number, reduceShape = [6]): ReduceKernel => ({
    kind: 'reduce', name, shape: [4], reduceShape, phases: [{ reduce, body, stores: [store(view(into, [1]), acc())] }],
  });
  const max = reduceOf('max', 'max', xv, m);
  const sumAt = (mView: number[], into = s) => reduceOf('sum', 'sum', un('exp', bin('sub', xv, load(view(m, mView)))), into);
  const fuse = (...ks: Kernel[]) => fuseRowReductions(ks, new Map());

  it('joins Σexp(x − max) into the row max, and a third phase after both', () => {
    const [joined, ...rest] = fuse(max, sumAt([1, 0]));
    expect(rest).toEqual([]);
    expect(joined!.kind === 'reduce' && joined.phases.map((q) => q.reduce)).toEqual(['max', 'sum']);
    const third = reduceOf('third', 'max', bin('mul', xv, load(view(s, [1, 0]))), t);
    const all = fuse(max, sumAt([1, 0]), third);
    expect(all.map((k) => k.name)).toEqual(['max_sum_third']);
    expect((all[0] as ReduceKernel).phases.map((q) => q.reduce)).toEqual(['max', 'sum', 'max']);
    // the joined kernel has no in-place hazard: the later phases read the earlier results at their own point
    expect(checkUpdateHazards(all[0]!)).toBeNull();
  });

  it('keeps them apart when the later one reads another row of the result, gathers it, or the shapes differ', () => {
    expect(fuse(max, sumAt([0, 0])).length).toBe(2); // row 0's max broadcast to every row
    expect(fuse(max, sumAt([1, 1])).length).toBe(2); // walks m along the reduced axis
    const gathered = reduceOf('g', 'sum', { op: 'gather', view: view(m, [0, 0]), index: load(view(idx, [1, 0]), 'i32'), stride: 1, extent: 4, dtype: 'f32' }, s);
    expect(fuse(max, gathered).length).toBe(2);
    expect(fuse(max, reduceOf('other', 'sum', load(view(x, [6, 2])), s, [3])).length).toBe(2);
  });

  it('keeps them apart when the later one writes what the earlier one reads or writes', () => {
    expect(fuse(max, sumAt([1, 0], m)).length).toBe(2);
    expect(fuse(reduceOf('readsS', 'max', bin('add', xv, load(view(s, [0, 0]))), m), sumAt([1, 0])).length).toBe(2);
  });
});

/**
 * A layer-norm MLP's SGD step: the norm's mean and variance are one kernel, its backward row
 * sums another, and in the update phase the bias and norm-parameter gradients (sums over the
 * batch) join into one kernel whose phases each write a param in place. Two steps match the
 * unfused reference interpreter, and one step matches it on WASM (1 and 2 threads) and WebGPU.
 */
describe('multi-phase reduces in a training step (forward, backward and in-place updates)', () => {
  const g = new Graph('ln_mlp');
  const x = g.input('x', [8, 16]);
  const h = nn.sequential(nn.dense(16), nn.layerNorm({ name: 'ln' }), nn.relu(), nn.dense(5))(x, new nn.ModelContext(g, { seed: 2 }));
  g.output('loss', losses.softmaxCrossEntropy(h, g.input('y', [8], 'i32')));
  const step = trainStep(g, { optimizer: optim.sgd({ lr: 0.1 }) });
  const { program } = compileProgram(step);
  const feeds = { x: Float32Array.from({ length: 128 }, (_, i) => Math.sin(0.7 * i)), y: Int32Array.from([0, 4, 3, 3, 1, 2, 0, 4]) };
  const paramBuffers = new Set(program.params.map((p) => p.buffer));

  it('joins the norm statistics, the softmax statistics, the norm backward sums and the in-place bias/norm updates', () => {
    const phased = program.kernels.filter((k): k is ReduceKernel => k.kind === 'reduce' && k.phases.length > 1);
    expect(phased.map((k) => [k.shape, k.reduceShape, k.phases.map((p) => p.reduce).join('+')])).toEqual([
      [[8, 1], [16], 'sum+sum'], // mean, variance
      [[8, 1], [5], 'max+sum'], // softmax
      [[8, 1], [16], 'sum+sum'], // the norm's backward row sums
      [[16], [8], 'sum+sum+sum'], // dense1 bias, ln gain and ln bias, each written in place
    ]);
    const written = phased[3]!.phases.map((p) => p.stores.filter((st) => paramBuffers.has(st.view.buffer)).map((st) => program.buffers[st.view.buffer]!.name));
    expect(written).toEqual([['dense1/b'], ['ln/gamma'], ['ln/beta']]);
  });

  it('two fused steps equal two steps of the unfused reference (loss and every param)', () => {
    const mem = allocateMemory(program);
    let values: Record<string, Float64Array> = {};
    for (let s = 0; s < 2; s++) {
      for (const i of program.inputs) mem.get(i.buffer)!.set(feeds[i.name as 'x' | 'y']);
      runProgram(program, mem);
      const ref = evaluate(step, feeds, { values });
      values = ref.updates;
      expect(mem.get(program.outputs[0]!.buffer)![0]).toBeCloseTo(ref.outputs.loss![0]!, 5);
    }
    for (const p of program.params) Array.from(mem.get(p.buffer)!).forEach((v, i) => expect(v, p.name).toBeCloseTo(values[p.name]![i]!, 5));
  });

  const ref = evaluate(step, feeds);
  const sessions: [string, () => Promise<Session>, number][] = [
    ['wasm, 1 thread', () => sessionFor(step, 'wasm'), 1e-4],
    ['wasm, 2 threads', async () => createSession(await compile(step, { backend: 'wasm', threads: 2 }), { threads: 2 }), 1e-4],
    ['webgpu', () => sessionFor(step, 'webgpu'), 1e-3],
  ];
  for (const [name, open, rtol] of sessions) {
    it(`${name}: one step's loss and updated params match the reference`, async () => {
      const s = await open();
      try {
        const out = await s.run(feeds);
        expect(closeTo(out.loss!, ref.outputs.loss!, 1e-6, rtol), 'loss').toBeNull();
        const params = await s.getParams();
        for (const p of program.params) expect(closeTo(params[p.name]!, ref.updates[p.name]!, 1e-6, rtol), p.name).toBeNull();
      } finally {
        s.dispose();
      }
    });
  }
});
