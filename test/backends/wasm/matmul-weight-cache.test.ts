/**
 * Matmuls whose B (x·W's weights) no kernel writes keep it packed across runs
 * (bytecode/weight-cache.ts): on one thread and split by rows or columns on a pool, with B
 * row-major or transposed, M = 1 (a batch-1 layer), a tile epilogue, and one B shared by a
 * batch. Checked against the interpreter on repeated runs and after setParams changes B.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Program } from '../../../compiler/kernel/ir.ts';
import { createWasmBackend } from '../../../compiler/backends/wasm/index.ts';
import { matmulSchedule } from '../../../compiler/backends/wasm/bytecode/gemm.ts';
import { createWasmSession, type WasmSession } from '../../../runtime/wasm/session.ts';
import { nodeWasmWorkers } from '../../../runtime/node/wasm-workers.ts';
import { acc, bin, buildTestArtifact, load, ProgramBuilder, randomF32, randomFeeds, runReference, store, un, view } from '../programs.ts';
import { expectClose } from './harness.ts';

interface Case { name: string; batch: number; m: number; n: number; k: number; transposed?: boolean }

const CASES: Case[] = [
  { name: 'gemv', batch: 1, m: 1, n: 1000, k: 512 },
  { name: 'rows', batch: 1, m: 300, n: 40, k: 130 },
  { name: 'cols', batch: 1, m: 64, n: 333, k: 100, transposed: true },
  { name: 'batched', batch: 3, m: 20, n: 150, k: 120 },
  { name: 'small', batch: 1, m: 5, n: 7, k: 9 },
];

function program(): Program {
  const p = new ProgramBuilder();
  CASES.forEach((c, i) => {
    const a = p.input(`${c.name}_a`, [c.batch, c.m, c.k]);
    const bShape = c.transposed ? [c.n, c.k] : [c.k, c.n];
    const b = p.param(`${c.name}_b`, randomF32(c.k * c.n, 300 + i), bShape);
    const bias = p.param(`${c.name}_bias`, randomF32(c.n, 400 + i), [c.n]);
    const y = p.output(`${c.name}_y`, [c.batch, c.m, c.n]);
    p.kernel({
      kind: 'matmul', name: c.name, batch: c.batch, m: c.m, n: c.n, k: c.k,
      a: view(a, [c.m * c.k, c.k, 1]), b: view(b, c.transposed ? [0, 1, c.k] : [0, c.n, 1]),
      stores: [store(view(y, [c.m * c.n, c.n, 1]), un('relu', bin('add', acc(), load(view(bias, [0, 0, 1])))))],
    });
  });
  return p.build();
}

describe('matmul weights packed once and kept across runs', () => {
  const sessions: WasmSession[] = [];
  afterAll(() => sessions.forEach((s) => s.dispose()));

  it('covers the serial and both split schedules on 2 threads', () => {
    const kinds = CASES.map((c) => { const s = matmulSchedule(2, c); return s.kind === 'split' ? s.axis : s.kind; });
    expect(kinds).toEqual(['serial', 'rows', 'columns', 'columns', 'serial']);
    // the batch-1 layer splits once it is big enough
    expect(matmulSchedule(2, { batch: 1, m: 1, n: 4096, k: 1024 })).toMatchObject({ kind: 'split', axis: 'columns' });
  });

  it('can be turned off (the weights are then packed on every run)', async () => {
    const prog = program();
    const artifact = buildTestArtifact(prog, await createWasmBackend({ weightCache: false }).render(prog, { name: 'matmul-nocache' }));
    expect(artifact.manifest.wasm!.weightCache).toBeUndefined();
    const session = await createWasmSession(artifact);
    sessions.push(session);
    const feeds = randomFeeds(prog, 9);
    const got = await session.run(feeds);
    const ref = runReference(prog, feeds);
    for (const { name } of prog.outputs) expectClose(name, got[name], ref[name]!, 1e-4);
  });

  for (const threads of [1, 2]) {
    it(`matches the interpreter on ${threads} thread(s), on a second run and after setParams`, async () => {
      const prog = program();
      const artifact = buildTestArtifact(prog, await createWasmBackend({ threads: 2 }).render(prog, { name: 'matmul-cache' }));
      expect(artifact.manifest.wasm!.weightCache).toBeDefined();
      const session = await createWasmSession(artifact, { threads, spawnWorker: nodeWasmWorkers });
      sessions.push(session);
      let params: Record<string, Float32Array> = {};
      const check = async (seed: number) => {
        const feeds = randomFeeds(prog, seed);
        const got = await session.run(feeds);
        const buffers = prog.buffers.map((b) => (params[b.name] ? { ...b, init: params[b.name]! } : b));
        const ref = runReference({ ...prog, buffers }, feeds);
        for (const { name } of prog.outputs) expectClose(`${name} (seed ${seed}, ${threads} thread(s))`, got[name], ref[name]!, 1e-4);
      };
      await check(1);
      await check(2);
      params = Object.fromEntries(artifact.manifest.params.filter((s) => s.name.endsWith('_b')).map((s) => [s.name, randomF32(s.shape.reduce((a, b) => a * b, 1), 777 + s.offset)]));
      await session.setParams(params);
      await check(3);
    });
  }
});
