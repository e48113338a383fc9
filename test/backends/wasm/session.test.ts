import { beforeAll, describe, expect, it } from 'vitest';
import { acc, bin, load, ProgramBuilder, store, view } from '../programs.ts';
import type { Session } from '../../../runtime/session.ts';
import type { Artifact } from '../../../runtime/artifact.ts';
import { compileToSession } from './harness.ts';

/** y = x · W + b with W, b params initialised from weights.bin */
function linearProgram() {
  const p = new ProgramBuilder();
  const x = p.input('x', [2, 3]);
  const w = p.param('W', Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]);
  const b = p.param('b', Float32Array.from([10, 20]), [2]);
  const y = p.output('y', [2, 2]);
  const x2 = p.output('x2', [2, 3]);
  p.kernel({ kind: 'matmul', name: 'linear', batch: 1, m: 2, n: 2, k: 3, a: view(x, [0, 3, 1]), b: view(w, [0, 2, 1]), stores: [store(view(y, [0, 2, 1]), bin('add', acc(), load(view(b, [0, 0, 1]))))] });
  p.kernel({ kind: 'elementwise', name: 'double', shape: [2, 3], stores: [store(view(x2, [3, 1]), bin('add', load(view(x, [3, 1])), load(view(x, [3, 1]))))] });
  return p.build();
}

describe('wasm session', () => {
  let session: Session;
  let artifact: Artifact;
  beforeAll(async () => ({ session, artifact } = await compileToSession(linearProgram())));

  it('records its memory layout in the manifest', () => {
    const w = artifact.manifest.wasm!;
    expect(w.entry).toBe('run');
    expect(artifact.files[w.module]).toBeInstanceOf(Uint8Array);
    expect(w.memoryPages! * 65536).toBeGreaterThanOrEqual(w.arenaBase! + artifact.manifest.arenaBytes + w.scratchBytes!);
  });

  it('loads initial weights, runs, and selects outputs', async () => {
    const r = await session.run({ x: [1, 0, 0, 0, 1, 1] });
    expect(Array.from(r.y!)).toEqual([11, 22, 18, 30]);
    expect(Array.from(r.x2!)).toEqual([2, 0, 0, 0, 2, 2]);
    const only = await session.run({ x: new Float32Array(6) }, { outputs: ['x2'] });
    expect(Object.keys(only)).toEqual(['x2']);
    await expect(session.run({ x: new Float32Array(6) }, { outputs: ['nope'] })).rejects.toThrow(/unknown output "nope"/);
  });

  it('validates feeds with errors naming the input', async () => {
    await expect(session.run({})).rejects.toThrow(/missing input "x"/);
    await expect(session.run({ x: [1, 2] })).rejects.toThrow(/input "x" expects 6 elements/);
    await expect(session.run({ x: new Int32Array(6) })).rejects.toThrow(/expects f32 data/);
    await expect(session.run({ x: new Float32Array(6), z: 1 })).rejects.toThrow(/unknown input "z"/);
  });

  it('reads and writes params by name', async () => {
    const params = await session.getParams();
    expect(Array.from(params.W!)).toEqual([1, 2, 3, 4, 5, 6]);
    await session.setParams({ b: [0, 0] });
    expect(Array.from((await session.run({ x: [1, 1, 1, 0, 0, 0] })).y!)).toEqual([9, 12, 0, 0]);
    await expect(session.setParams({ b: [1] })).rejects.toThrow(/"b" expects 2 elements/);
    await expect(session.setParams({ nope: [1] })).rejects.toThrow(/unknown parameter "nope"/);
  });

  it('refuses to run after dispose', async () => {
    const { session: s } = await compileToSession(linearProgram());
    s.dispose();
    await expect(s.run({ x: new Float32Array(6) })).rejects.toThrow(/disposed/);
  });
});
