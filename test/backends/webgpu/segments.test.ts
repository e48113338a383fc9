/**
 * Arenas larger than one GPU buffer (WebGPU binds at most maxStorageBufferBindingSize bytes per
 * storage buffer, 128 MiB on llvmpipe): the planner splits the arena into segments no tensor
 * crosses, each becomes its own buffer, and each kernel binds the segments it touches. The limit
 * is lowered to a 4 KiB here so a small CNN training step spans many segments, and its
 * outputs, params and optimizer state after a step must match the reference interpreter.
 */
import { describe, expect, it } from 'vitest';
import { Graph, losses, nn, optim, trainStep } from '../../../compiler/index.ts';
import { compile, compileProgram } from '../../../compiler/compile.ts';
import { renderProgram } from '../../../compiler/backends/webgpu/index.ts';
import { checkArenaLimits, segmentSizes } from '../../../runtime/webgpu/arena.ts';
import { createWebGpuSession } from '../../../runtime/webgpu/session.ts';
import { buildTestArtifact, randomFeeds } from '../programs.ts';
import { checkProgram } from './harness.ts';
import { testDevice } from './device.ts';

const device = await testDevice();

function smallCnnStep(): Graph {
  const g = new Graph('segmented_cnn');
  const x = g.input('x', [2, 2, 8, 8]);
  const labels = g.input('labels', [2], 'i32');
  const ctx = new nn.ModelContext(g, { seed: 3, training: true });
  const logits = nn.sequential(
    nn.conv2d(4, 3, { padding: 1 }), nn.relu(), nn.maxPool2d(2),
    nn.flatten(), nn.dense(16), nn.relu(), nn.dense(5),
  )(x, ctx);
  g.output('loss', losses.softmaxCrossEntropy(logits, labels));
  return trainStep(g, { optimizer: optim.adam({ lr: 1e-2 }) });
}

const LIMIT = 4096;

describe.skipIf(!device)('webgpu arena split into several buffers', () => {
  it('a CNN training step spanning many 4 KiB buffers matches the reference interpreter', async () => {
    const { program } = compileProgram(smallCnnStep(), { segmentBytes: LIMIT });
    const rendered = renderProgram(program);
    const artifact = buildTestArtifact(program, rendered);
    const sizes = segmentSizes(artifact.manifest);
    expect(artifact.manifest.webgpu!.segmentBytes).toBe(LIMIT);
    expect(sizes.length).toBeGreaterThan(4);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(LIMIT);
    // no tensor crosses a segment boundary
    for (const b of program.buffers) {
      const bytes = b.size * 4;
      if (bytes > 0) expect(Math.floor(b.offset / LIMIT), b.name).toBe(Math.floor((b.offset + bytes - 1) / LIMIT));
    }
    const dispatches = artifact.manifest.webgpu!.dispatches;
    expect(dispatches.some((d) => d.bindings!.length >= 3)).toBe(true);
    expect(new Set(dispatches.map((d) => d.bindings!.join(','))).size).toBeGreaterThan(3);
    const feeds = randomFeeds(program, 5);
    feeds['labels'] = new Int32Array([1, 4]);
    await checkProgram(device!, program, feeds, 2e-3, 1e-4);
  });

  it('runs twice in place and reads params back across buffers like the one-buffer arena', async () => {
    const graph = smallCnnStep();
    const split = await compile(graph, { backend: 'webgpu', maxBufferBytes: LIMIT });
    const whole = await compile(graph, { backend: 'webgpu' });
    expect(whole.manifest.webgpu!.segmentBytes).toBeUndefined();
    expect(whole.manifest.webgpu!.dispatches.every((d) => d.bindings!.join() === '0')).toBe(true);
    const feeds = { x: Float32Array.from({ length: 256 }, (_, i) => Math.sin(i)), labels: new Int32Array([2, 0]) };
    const results = [];
    for (const artifact of [split, whole]) {
      const session = await createWebGpuSession(artifact, { device: device! });
      const losses = [];
      for (let i = 0; i < 2; i++) losses.push((await session.run(feeds))['loss']![0]!);
      results.push({ losses, params: await session.getParams(true) });
      await session.dispose();
    }
    expect(results[0]!.losses).toEqual(results[1]!.losses);
    for (const [name, values] of Object.entries(results[1]!.params)) expect(Array.from(results[0]!.params[name]!), name).toEqual(Array.from(values));
  });

  it('refuses a tensor larger than the buffer limit, and segments larger than the device binds', () => {
    expect(() => compileProgram(smallCnnStep(), { segmentBytes: 1024 })).toThrow(/"dense1\/w" \[64, 16\] needs 4096 bytes, more than the 1024-byte GPU buffer limit/);
    const { program } = compileProgram(smallCnnStep(), { segmentBytes: LIMIT });
    const manifest = buildTestArtifact(program, renderProgram(program)).manifest;
    const limits = { maxStorageBufferBindingSize: 2048, maxBufferSize: 1 << 20, maxStorageBuffersPerShaderStage: 8 } as GPUSupportedLimits;
    expect(() => checkArenaLimits(manifest, limits)).toThrow(/recompile with maxBufferBytes ≤ 2048/);
    const few = { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 20, maxStorageBuffersPerShaderStage: 2 } as GPUSupportedLimits;
    expect(() => checkArenaLimits(manifest, few)).toThrow(/binds \d arena buffers, more than this device's 2/);
  });
});
