/** Artifacts: save → load → run gives identical outputs; feeds are validated; build errors are clear. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Graph, compile, matmul, add, relu, sum, trainStep, optim } from '../../compiler/index.ts';
import { loadArtifact, saveArtifact, createSession } from '../../runtime/node/index.ts';
import { BACKENDS, sessionFor } from '../ops/backends.ts';
import { requireWebGPU } from '../backends/webgpu/device.ts';

const xData = Float32Array.from({ length: 12 }, (_, i) => Math.cos(i));

describe('artifacts', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: save → load → run gives identical outputs`, async () => {
      const g = new Graph('roundtrip');
      const x = g.input('x', [3, 4]);
      const w = g.param('w', [4, 5], Float32Array.from({ length: 20 }, (_, i) => Math.sin(i)));
      g.output('y', relu(matmul(x, w)));
      const artifact = await compile(g, { backend });
      const dir = await mkdtemp(join(tmpdir(), 'axon-art-'));
      try {
        await saveArtifact(artifact, dir);
        const loaded = await loadArtifact(dir);
        expect(loaded.manifest).toEqual(JSON.parse(JSON.stringify(artifact.manifest)));
        const device = backend === 'webgpu' ? await requireWebGPU() : undefined;
        const opts = device ? { device } : {};
        const a = await createSession(artifact, opts);
        const b = await createSession(loaded, opts);
        const ya = (await a.run({ x: xData })).y!;
        const yb = (await b.run({ x: xData })).y!;
        expect(Array.from(yb)).toEqual(Array.from(ya));
        expect(ya.some((v) => v > 0)).toBe(true);
        a.dispose(); b.dispose();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it(`${backend}: bad feeds name the input and what was expected`, async () => {
      const g = new Graph('feeds');
      const x = g.input('x', [2, 3]);
      const k = g.input('k', [2], 'i32');
      g.output('y', add(x, 1));
      g.output('k2', add(k, 1));
      const s = await sessionFor(g, backend);
      const good = { x: new Float32Array(6), k: new Int32Array(2) };
      await expect(s.run({ k: good.k })).rejects.toThrow(/missing input "x" \(f32\[2, 3\]\)/);
      await expect(s.run({ ...good, z: [1] })).rejects.toThrow(/unknown input "z".*x: f32\[2, 3\]/);
      await expect(s.run({ ...good, x: new Float32Array(5) })).rejects.toThrow(/input "x" expects 6 elements \(shape \[2, 3\]\) but got 5/);
      await expect(s.run({ ...good, k: new Float32Array(2) })).rejects.toThrow(/input "k" expects i32/);
      const out = await s.run({ x: [1, 2, 3, 4, 5, 6], k: [7, 8] });
      expect(Array.from(out.y!)).toEqual([2, 3, 4, 5, 6, 7]);
      expect(Array.from(out.k2!)).toEqual([8, 9]);
      s.dispose();
    });
  }

  it('shape errors at build time name the op, the shapes and the call site', () => {
    const g = new Graph('bad');
    const x = g.input('x', [2, 3]);
    const w = g.param('w', [4, 5], new Float32Array(20));
    expect(() => matmul(x, w)).toThrow(/matmul\(f32\[2, 3\], f32\[4, 5\]\): inner dimensions differ: 3 .* vs 4[\s\S]*artifact\.test\.ts/);
    expect(() => add(x, g.input('y', [4]))).toThrow(/add: shapes \[2, 3\] and \[4\] cannot be broadcast/);
    expect(() => g.input('x', [1])).toThrow(/input "x": the name is already used/);
  });

  it('training artifacts export params and optimizer state and accept them back', async () => {
    const g = new Graph('lin');
    const x = g.input('x', [2, 2]);
    const w = g.param('w', [2, 1], new Float32Array([0.5, -0.5]));
    g.output('loss', sum(matmul(x, w)));
    const step = trainStep(g, { optimizer: optim.adam({ lr: 0.1 }) });
    const s = await createSession(await compile(step, { backend: 'wasm' }));
    await s.run({ x: [1, 2, 3, 4] });
    const p = await s.getParams(true);
    expect(Object.keys(p).sort()).toEqual(['adam/step', 'adam/w/m', 'adam/w/v', 'w']);
    expect(p['adam/step']![0]).toBe(1);
    expect(p.w![0]).toBeCloseTo(0.4, 5);
    await s.setParams({ w: [1, 1] });
    expect(Array.from((await s.getParams()).w!)).toEqual([1, 1]);
    await expect(s.setParams({ nope: [1] })).rejects.toThrow(/unknown parameter "nope"/);
    s.dispose();
  });
});
