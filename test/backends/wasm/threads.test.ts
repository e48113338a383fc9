import { afterAll, describe, expect, it } from 'vitest';
import type { ConvGeometry, PoolGeometry, Program } from '../../../compiler/kernel/ir.ts';
import { createWasmBackend } from '../../../compiler/backends/wasm/index.ts';
import { createWasmSession, type WasmSession } from '../../../runtime/wasm/session.ts';
import { nodeWasmWorkers } from '../../../runtime/node/wasm-workers.ts';
import { acc, bin, buildTestArtifact, contiguous, lit, load, ProgramBuilder, random, randomFeeds, runReference, select, store, un, view } from '../programs.ts';
import { expectClose } from './harness.ts';
import { GEMM_PARALLEL_MIN_MACS, matmulSchedule } from '../../../compiler/backends/wasm/bytecode/gemm.ts';
import { reduceTasks } from '../../../compiler/backends/wasm/bytecode/reduce.ts';
import { MemoryLayout } from '../../../compiler/backends/wasm/layout.ts';

function program(): Program {
  const p = new ProgramBuilder();
  const [B, m, n, k] = [2, 37, 70, 45];
  const a = p.input('a', [B, m, k]);
  const b = p.input('b', [k, n]);
  const bias = p.input('bias', [n]);
  const y = p.output('y', [B, m, n]);
  const raw = p.output('raw', [B, m, n]);
  p.kernel({
    kind: 'matmul', name: 'linear', batch: B, m, n, k, a: view(a, [m * k, k, 1]), b: view(b, [0, n, 1]),
    stores: [store(view(y, [m * n, n, 1]), un('relu', bin('add', acc(), load(view(bias, [0, 0, 1]))))), store(view(raw, [m * n, n, 1]), acc())],
  });
  // GEMMs big enough to split (≥ GEMM_PARALLEL_MIN_MACS): one item by rows (M ≥ N, a partial last
  // slice) and three items by columns, both with fused epilogues that must see whole-matrix rows
  for (const [name, B2, m2, n2, k2] of [['rows', 1, 200, 30, 180], ['cols', 3, 20, 150, 120]] as const) {
    const a2 = p.input(`${name}_a`, [B2, m2, k2]), b2 = p.input(`${name}_b`, [B2, k2, n2]), bias2 = p.input(`${name}_bias`, [m2, n2]);
    const y2 = p.output(`${name}_y`, [B2, m2, n2]);
    p.kernel({
      kind: 'matmul', name: `split_${name}`, batch: B2, m: m2, n: n2, k: k2, a: view(a2, [m2 * k2, k2, 1]), b: view(b2, [k2 * n2, n2, 1]),
      stores: [store(view(y2, [m2 * n2, n2, 1]), un('relu', bin('add', acc(), load(view(bias2, [0, n2, 1])))))],
    });
  }
  // reduces with ≥ REDUCE_PARALLEL_MIN_WORK steps split along their first output axis: over the inner
  // axis (vector fold), the outer axis (vector over outputs, epilogue), two output axes, argmax
  const r = p.input('r', [300, 500]);
  const rowsum = p.output('rowsum', [300]), colrelu = p.output('colrelu', [500]), rowmax = p.output('rowmax', [3, 100]), argmax = p.output('argmax', [300], 'i32');
  p.kernel({ kind: 'reduce', name: 'rowsum', shape: [300], reduceShape: [500], phases: [{ reduce: 'sum', body: load(view(r, [500, 1])), stores: [store(view(rowsum, [1]), acc())] }] });
  p.kernel({ kind: 'reduce', name: 'colrelu', shape: [500], reduceShape: [300], phases: [{ reduce: 'sum', body: load(view(r, [1, 500])), stores: [store(view(colrelu, [1]), un('relu', acc()))] }] });
  p.kernel({ kind: 'reduce', name: 'rowmax', shape: [3, 100], reduceShape: [500], phases: [{ reduce: 'max', body: load(view(r, [50000, 500, 1])), stores: [store(view(rowmax, [100, 1]), acc())] }] });
  p.kernel({ kind: 'reduce', name: 'argmax', shape: [300], reduceShape: [500], phases: [{ reduce: 'argmax', body: load(view(r, [500, 1])), stores: [store(view(argmax, [1]), acc('i32'))] }] });
  const g: ConvGeometry = { batch: 3, inChannels: 3, inHeight: 9, inWidth: 9, outChannels: 6, kernelHeight: 3, kernelWidth: 3, outHeight: 9, outWidth: 9, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1 };
  const xs = [3, 3, 9, 9], ws = [6, 3, 3, 3], ys = [3, 6, 9, 9];
  const x = p.input('x', xs), w = p.input('w', ws), dy = p.input('dy', ys);
  const conv = p.output('conv', ys), dw = p.output('dw', ws);
  p.kernel({ kind: 'conv2d', name: 'fwd', mode: 'forward', geometry: g, input: view(x, contiguous(xs)), other: view(w, contiguous(ws)), stores: [store(view(conv, contiguous(ys)), acc())] });
  // forward and stride-1 input_grad split the batch across threads (3 images on a smaller pool), with an epilogue
  const dx = p.output('dx', xs), convRelu = p.output('conv_relu', ys);
  p.kernel({ kind: 'conv2d', name: 'fwd_relu', mode: 'forward', geometry: g, input: view(x, contiguous(xs)), other: view(w, contiguous(ws)), stores: [store(view(convRelu, contiguous(ys)), un('relu', acc()))] });
  p.kernel({ kind: 'conv2d', name: 'dx', mode: 'input_grad', geometry: g, input: view(dy, contiguous(ys)), other: view(w, contiguous(ws)), stores: [store(view(dx, contiguous(xs)), acc())] });
  // weight_grad accumulates over images: each GEMM call must finish before the next one starts
  p.kernel({ kind: 'conv2d', name: 'dw', mode: 'weight_grad', geometry: g, input: view(x, contiguous(xs)), other: view(dy, contiguous(ys)), stores: [store(view(dw, contiguous(ws)), acc())] });
  // one input channel: the few-taps weight gradient (dWᵀ = col·dyᵀ), also split by image
  const g1: ConvGeometry = { ...g, inChannels: 1 };
  const x1 = p.input('x1', [3, 1, 9, 9]), dw1 = p.output('dw1', [6, 1, 3, 3]);
  p.kernel({ kind: 'conv2d', name: 'dw1', mode: 'weight_grad', geometry: g1, input: view(x1, contiguous([3, 1, 9, 9])), other: view(dy, contiguous(ys)), stores: [store(view(dw1, contiguous([6, 1, 3, 3])), acc())] });
  // pooling splits the batch too: the 2×2 vector path and the generic 3×3/stride-2/padded loop
  for (const [name, kk, stride, pad] of [['pool2', 2, 2, 0], ['pool3', 3, 2, 1]] as const) {
    const out = (n: number) => Math.floor((n + 2 * pad - kk) / stride) + 1;
    const pg: PoolGeometry = { batch: 3, channels: 6, inHeight: 9, inWidth: 9, outHeight: out(9), outWidth: out(9), kernelHeight: kk, kernelWidth: kk, strideH: stride, strideW: stride, padTop: pad, padLeft: pad };
    const ps = [3, 6, pg.outHeight, pg.outWidth];
    const pdy = p.input(`${name}_dy`, ps), py = p.output(`${name}_y`, ps), pdx = p.output(`${name}_dx`, ys);
    p.kernel({ kind: 'pool2d', name: `${name}_max`, mode: 'max', geometry: pg, input: view(conv, contiguous(ys)), stores: [store(view(py, contiguous(ps)), acc())] });
    p.kernel({ kind: 'pool2d', name: `${name}_grad`, mode: 'max_grad', geometry: pg, input: view(conv, contiguous(ys)), grad: view(pdy, contiguous(ps)), stores: [store(view(pdx, contiguous(ys)), acc())] });
  }
  // large elementwise nests are split into row ranges: 2-D with a broadcast and dropout-style RNG, and 1-D with a tail
  const big = p.input('big', [40, 513]), rowScale = p.input('row_scale', [513]), seed = p.input('seed', [1], 'i32');
  const drop = p.output('dropout', [40, 513]), flat = p.output('flat', [40 * 513]);
  const bigLoad = load(view(big, [513, 1]));
  p.kernel({
    kind: 'elementwise', name: 'dropout', shape: [40, 513],
    stores: [store(view(drop, [513, 1]), select(bin('ge', random(load(view(seed, [0, 0]), 'i32')), lit(0.5)), bin('mul', bigLoad, load(view(rowScale, [0, 1]))), lit(0)))],
  });
  p.kernel({ kind: 'elementwise', name: 'flat', shape: [40 * 513], stores: [store(view(flat, [1]), un('relu', load(view(big, [1]))))] });
  return p.build();
}

describe('wasm thread pool (shared memory, worker_threads)', () => {
  const sessions: WasmSession[] = [];
  afterAll(() => sessions.forEach((s) => s.dispose()));

  it('splits GEMMs across threads and matches the interpreter on repeated runs', async () => {
    const prog = program();
    const rendered = await createWasmBackend({ threads: 3 }).render(prog, { name: 'threads' });
    const artifact = buildTestArtifact(prog, rendered);
    expect(artifact.manifest.wasm!.threads?.maxThreads).toBe(3);
    const session = await createWasmSession(artifact, { threads: 3, spawnWorker: nodeWasmWorkers });
    sessions.push(session);
    expect(session.threads).toBe(3);
    expect(session.moduleFile).toBe('program.threads.wasm');
    for (const seed of [1, 2, 3]) {
      const feeds = randomFeeds(prog, seed);
      const got = await session.run(feeds);
      const ref = runReference(prog, feeds);
      for (const { name } of prog.outputs) expectClose(`${name} (seed ${seed})`, got[name], ref[name]!, 1e-4);
    }
  });

  it('keeps small matmuls on the calling thread and splits big ones into one fork-join', () => {
    // the attention products of the bench's char-gpt are 32 items of 128×128×32: one job of 32 tasks
    expect(matmulSchedule(2, { batch: 32, m: 128, n: 128, k: 32 })).toEqual({ kind: 'split', axis: 'rows', parts: 1, slice: 144, tasks: 32 });
    expect(matmulSchedule(2, { batch: 2, m: 37, n: 70, k: 45 })).toEqual({ kind: 'serial' });
    expect(matmulSchedule(2, { batch: 1, m: 64, n: 64, k: 64 })).toEqual({ kind: 'serial' });
    expect(matmulSchedule(1, { batch: 1, m: 1024, n: 512, k: 128 })).toEqual({ kind: 'serial' });
    expect(matmulSchedule(2, { batch: 1, m: 1024, n: 512, k: 128 })).toEqual({ kind: 'split', axis: 'rows', parts: 8, slice: 144, tasks: 8 });
    expect(matmulSchedule(2, { batch: 1, m: 128, n: 512, k: 1024 })).toEqual({ kind: 'split', axis: 'columns', parts: 8, slice: 64, tasks: 8 });
    expect(matmulSchedule(3, { batch: 1, m: 200, n: 30, k: 180 })).toMatchObject({ kind: 'split', axis: 'rows', parts: 3 });
    expect(matmulSchedule(3, { batch: 3, m: 20, n: 150, k: 120 })).toMatchObject({ kind: 'split', axis: 'columns', parts: 3, tasks: 9 });
    expect(200 * 30 * 180).toBeGreaterThanOrEqual(GEMM_PARALLEL_MIN_MACS);
  });

  it('splits only the big reduces, and none that write what they read', () => {
    const prog = program();
    const layout = new MemoryLayout(prog, 1024);
    const tasks = Object.fromEntries(prog.kernels.filter((k) => k.kind === 'reduce').map((k) => [k.name, reduceTasks(3, layout, k)]));
    // rowmax's first output axis has 3 rows: at most 3 tasks
    expect(tasks).toEqual({ rowsum: 12, colrelu: 12, rowmax: 3, argmax: 12 });
    const small = new ProgramBuilder();
    const x = small.input('x', [5, 37]), y = small.output('y', [5]);
    small.kernel({ kind: 'reduce', name: 'mean', shape: [5], reduceShape: [37], phases: [{ reduce: 'sum', body: load(view(x, [37, 1])), stores: [store(view(y, [1]), acc())] }] });
    const sp = small.build();
    expect(reduceTasks(2, new MemoryLayout(sp, 1024), sp.kernels[0]! as Extract<Program['kernels'][number], { kind: 'reduce' }>)).toBe(1);
    expect(reduceTasks(1, layout, prog.kernels.find((k) => k.name === 'rowsum')! as Extract<Program['kernels'][number], { kind: 'reduce' }>)).toBe(1);
  });

  it('needs a worker spawner for more than one thread', async () => {
    const prog = program();
    const artifact = buildTestArtifact(prog, await createWasmBackend({ threads: 3 }).render(prog, { name: 'threads' }));
    await expect(createWasmSession(artifact, { threads: 2 })).rejects.toThrow(/needs a spawnWorker/);
  });
});
