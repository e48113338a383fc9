import { describe, expect, it } from 'vitest';
import { renderProgram } from '../../../compiler/backends/webgpu/index.ts';
import { createWebGpuSession } from '../../../runtime/webgpu/session.ts';
import { bin, buildTestArtifact, load, lit, ProgramBuilder, store, view } from '../programs.ts';
import { testDevice } from './device.ts';

const device = await testDevice();

/** w ← w − 0.5·x (in place), y = 2·w: a tiny "training step" with a param. */
function step() {
  const p = new ProgramBuilder();
  const x = p.input('x', [6]);
  const w = p.param('w', new Float32Array([1, 2, 3, 4, 5, 6]));
  const y = p.output('y', [6]);
  const z = p.output('z', [6]);
  p.kernel({ kind: 'elementwise', name: 'sgd', shape: [6], stores: [store(view(w, [1]), bin('sub', load(view(w, [1])), bin('mul', lit(0.5), load(view(x, [1])))))] });
  p.kernel({ kind: 'elementwise', name: 'double', shape: [6], stores: [store(view(y, [1]), bin('mul', load(view(w, [1])), lit(2))), store(view(z, [1]), load(view(x, [1])))] });
  return p.build();
}

describe.skipIf(!device)('webgpu session', () => {
  it('updates params in place across runs, reads back chosen outputs, and sets params', async () => {
    const program = step();
    const session = await createWebGpuSession(buildTestArtifact(program, renderProgram(program)), { device });
    const x = new Float32Array([2, 2, 2, 2, 2, 2]);
    expect(Array.from((await session.run({ x }))['y']!)).toEqual([0, 2, 4, 6, 8, 10]);
    const second = await session.run({ x: [1, 1, 1, 1, 1, 1] }, { outputs: ['y'] });
    expect(Object.keys(second)).toEqual(['y']);
    expect(Array.from(second['y']!)).toEqual([-1, 1, 3, 5, 7, 9]);
    expect(Array.from((await session.getParams())['w']!)).toEqual([-0.5, 0.5, 1.5, 2.5, 3.5, 4.5]);
    await session.setParams({ w: [10, 10, 10, 10, 10, 10] });
    expect(Array.from((await session.run({ x }))['y']!)).toEqual([18, 18, 18, 18, 18, 18]);
    await expect(session.run({ x: [1] })).rejects.toThrow(/input "x" expects 6 elements/);
    await expect(session.run({ x }, { outputs: ['nope'] })).rejects.toThrow(/unknown output "nope"/);
    await expect(session.setParams({ w: [1] })).rejects.toThrow(/"w" expects 6 elements/);
    session.dispose();
    await expect(session.run({ x })).rejects.toThrow(/disposed/);
  });

  it('runs overlapping calls one after another', async () => {
    const program = step();
    const session = await createWebGpuSession(buildTestArtifact(program, renderProgram(program)), { device });
    const results = await Promise.all([1, 2, 3].map((v) => session.run({ x: new Float32Array(6).fill(v) }, { outputs: ['z'] })));
    expect(results.map((r) => r['z']![0])).toEqual([1, 2, 3]);
    session.dispose();
  });

  it('names the kernel and file when a shader is invalid', async () => {
    const program = step();
    const artifact = buildTestArtifact(program, renderProgram(program));
    const file = artifact.manifest.webgpu!.dispatches[1]!.shader;
    artifact.files[file] = (artifact.files[file] as string).replace('fn main', 'fn main_broken');
    await expect(createWebGpuSession(artifact, { device })).rejects.toThrow(/kernel "double" \(kernel_001\.wgsl\)/);
    const bad = buildTestArtifact(program, renderProgram(program));
    bad.files[file] = 'this is not wgsl';
    await expect(createWebGpuSession(bad, { device })).rejects.toThrow(/kernel "double" .*invalid WGSL/s);
  });
});
