/**
 * Forward convolutions of one image (batch 1, the ONNX bench's case) on a pool: split into bands
 * of output rows or into output-channel rows (bytecode/conv.ts oneImageSchedule), with weights
 * packed once and kept across runs while nothing writes them (bytecode/weight-cache.ts). Each is
 * checked against the reference interpreter on repeated runs and after setParams changes the
 * weights (the cached panels must be packed again).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ConvGeometry, Program } from '../../../compiler/kernel/ir.ts';
import { createWasmBackend } from '../../../compiler/backends/wasm/index.ts';
import { oneImageSchedule } from '../../../compiler/backends/wasm/bytecode/conv-one-image.ts';
import { createWasmSession, type WasmSession } from '../../../runtime/wasm/session.ts';
import { nodeWasmWorkers } from '../../../runtime/node/wasm-workers.ts';
import { validateManifest } from '../../../runtime/manifest-validate.ts';
import { acc, bin, buildTestArtifact, contiguous, load, ProgramBuilder, randomF32, randomFeeds, runReference, store, un, view } from '../programs.ts';
import { expectClose } from './harness.ts';

interface Case { name: string; c: number; o: number; hw: number; k: number; stride?: number; pad?: number; dilation?: number; groups?: number; permutedWeights?: boolean; expect: 'bands' | 'rows' | 'images' }

const CASES: Case[] = [
  { name: 'bands3x3', c: 16, o: 24, hw: 20, k: 3, pad: 1, expect: 'bands' },
  { name: 'bands_s2', c: 12, o: 20, hw: 23, k: 3, stride: 2, pad: 1, expect: 'bands' },
  // stride 2 over unit-stride rows: im2col takes every other float four at a time (odd width, dilation)
  { name: 'bands_s2_dilated', c: 8, o: 16, hw: 41, k: 3, stride: 2, pad: 2, dilation: 2, expect: 'bands' },
  { name: 'bands_1x1', c: 32, o: 40, hw: 16, k: 1, expect: 'bands' },
  { name: 'bands_grouped', c: 16, o: 32, hw: 14, k: 3, pad: 1, groups: 2, expect: 'bands' },
  { name: 'rows3x3', c: 64, o: 96, hw: 5, k: 3, pad: 1, expect: 'rows' },
  { name: 'rows_1x1', c: 128, o: 160, hw: 6, k: 1, expect: 'rows' },
  // weights stored [kh, kw, c, o]: gathered into the [o, c·kh·kw] matrix before packing
  { name: 'rows_permuted', c: 40, o: 64, hw: 7, k: 3, pad: 1, permutedWeights: true, expect: 'rows' },
  { name: 'small', c: 3, o: 8, hw: 6, k: 3, pad: 1, expect: 'images' },
];

function geometry(c: Case, batch = 1): ConvGeometry {
  const stride = c.stride ?? 1, pad = c.pad ?? 0, dil = c.dilation ?? 1;
  const out = Math.floor((c.hw + 2 * pad - dil * (c.k - 1) - 1) / stride) + 1;
  return {
    batch, inChannels: c.c, inHeight: c.hw, inWidth: c.hw, outChannels: c.o, kernelHeight: c.k, kernelWidth: c.k, outHeight: out, outWidth: out,
    strideH: stride, strideW: stride, padTop: pad, padLeft: pad, dilationH: dil, dilationW: dil, groups: c.groups ?? 1,
  };
}

/** Every case as a conv with bias + residual + ReLU epilogue over params (cacheable); `weightsAsInputs` feeds the weights instead. */
function program(weightsAsInputs = false, batch = 1): Program {
  const p = new ProgramBuilder();
  CASES.forEach((c, i) => {
    const g = geometry(c, batch);
    const cPerG = c.c / g.groups;
    const xs = [batch, c.c, c.hw, c.hw], ys = [batch, c.o, g.outHeight, g.outWidth];
    const ws = c.permutedWeights ? [c.k, c.k, cPerG, c.o] : [c.o, cPerG, c.k, c.k];
    const wInit = randomF32(ws.reduce((a, b) => a * b, 1), 100 + i);
    const x = p.input(`${c.name}_x`, xs);
    const w = weightsAsInputs ? p.input(`${c.name}_w`, ws) : p.param(`${c.name}_w`, wInit, ws);
    const bias = p.param(`${c.name}_b`, randomF32(c.o, 200 + i), [c.o]);
    const y = p.output(`${c.name}_y`, ys);
    // a residual read at the output's own position (the epilogue runs per GEMM tile)
    const residual = p.input(`${c.name}_r`, ys);
    // strides of w as [o, c, kh, kw]
    const wStrides = c.permutedWeights ? [1, c.o, c.k * cPerG * c.o, cPerG * c.o] : contiguous(ws);
    p.kernel({
      kind: 'conv2d', name: c.name, mode: 'forward', geometry: g, input: view(x, contiguous(xs)), other: view(w, wStrides),
      stores: [store(view(y, contiguous(ys)), un('relu', bin('add', bin('add', acc(), load(view(bias, [0, 1, 0, 0]))), load(view(residual, contiguous(ys))))))],
    });
  });
  return p.build();
}

/** The reference with params replaced by `params` (their init is what a fresh session holds). */
function reference(prog: Program, feeds: Record<string, Float32Array>, params: Record<string, Float32Array> = {}): Record<string, Float64Array> {
  const buffers = prog.buffers.map((b) => (params[b.name] ? { ...b, init: params[b.name]! } : b));
  return runReference({ ...prog, buffers }, feeds);
}

describe('one-image convolutions on a pool, with packed weights kept across runs', () => {
  const sessions: WasmSession[] = [];
  afterAll(() => sessions.forEach((s) => s.dispose()));

  it('picks bands, channel rows or one thread by shape', () => {
    for (const c of CASES) {
      const g = geometry(c);
      const taps = (c.c / g.groups) * c.k * c.k;
      expect(oneImageSchedule(g, c.o / g.groups, taps, g.outHeight * g.outWidth, 2, 6), c.name).toBe(c.expect);
    }
    // ResNet-18's 7×7 layers split by channels, its 56×56 ones by bands
    const resnet = (hw: number, ch: number): ConvGeometry => ({ ...geometry({ name: '', c: ch, o: ch, hw, k: 3, pad: 1, expect: 'bands' }) });
    expect(oneImageSchedule(resnet(7, 512), 512, 4608, 49, 2, 6)).toBe('rows');
    expect(oneImageSchedule(resnet(56, 64), 64, 576, 3136, 2, 6)).toBe('bands');
  });

  for (const threads of [1, 2]) {
    it(`matches the interpreter on ${threads} thread(s), again on a second run, and after setParams`, async () => {
      const prog = program();
      const rendered = await createWasmBackend({ threads: 2 }).render(prog, { name: 'conv-one-image' });
      const artifact = buildTestArtifact(prog, rendered);
      const cache = artifact.manifest.wasm!.weightCache;
      expect(cache, 'every conv reads params only: all are cached').toBeDefined();
      expect(cache!.versionAddress).toBeGreaterThanOrEqual(artifact.manifest.wasm!.arenaBase! + prog.arenaBytes);
      const session = await createWasmSession(artifact, { threads, spawnWorker: nodeWasmWorkers });
      sessions.push(session);
      const check = async (seed: number, params?: Record<string, Float32Array>) => {
        const feeds = randomFeeds(prog, seed) as Record<string, Float32Array>;
        const got = await session.run(feeds);
        const ref = reference(prog, feeds, params);
        for (const { name } of prog.outputs) expectClose(`${name} (seed ${seed}, ${threads} thread(s))`, got[name], ref[name]!, 1e-4);
      };
      await check(1);
      await check(2);
      // new weights for every conv: stale cached panels would give the old results
      const fresh: Record<string, Float32Array> = {};
      for (const s of artifact.manifest.params) if (s.name.endsWith('_w')) fresh[s.name] = randomF32(s.shape.reduce((a, b) => a * b, 1), 999 + s.offset);
      await session.setParams(fresh);
      await check(3, fresh);
      await check(4, fresh);
    });
  }

  it('a batch of 3 split by image on a pool, and in turn on one thread, from the cached weights', async () => {
    const prog = program(false, 3);
    const artifact = buildTestArtifact(prog, await createWasmBackend({ threads: 2 }).render(prog, { name: 'conv-batch' }));
    for (const threads of [1, 2]) {
      const session = await createWasmSession(artifact, { threads, spawnWorker: nodeWasmWorkers });
      sessions.push(session);
      for (const seed of [7, 8]) {
        const feeds = randomFeeds(prog, seed);
        const got = await session.run(feeds);
        const ref = runReference(prog, feeds);
        for (const { name } of prog.outputs) expectClose(`${name} (batch 3, seed ${seed}, ${threads} thread(s))`, got[name], ref[name]!, 1e-4);
      }
    }
  });

  it('caches nothing when the weights are fed on every run', async () => {
    const prog = program(true);
    const rendered = await createWasmBackend({ threads: 2 }).render(prog, { name: 'conv-fed' });
    const artifact = buildTestArtifact(prog, rendered);
    expect(artifact.manifest.wasm!.weightCache).toBeUndefined();
    const session = await createWasmSession(artifact, { threads: 2, spawnWorker: nodeWasmWorkers });
    sessions.push(session);
    for (const seed of [5, 6]) {
      const feeds = randomFeeds(prog, seed);
      const got = await session.run(feeds);
      const ref = runReference(prog, feeds);
      for (const { name } of prog.outputs) expectClose(`${name} (seed ${seed})`, got[name], ref[name]!, 1e-4);
    }
  });

  it('rejects a manifest whose weight-version word lies inside the arena', async () => {
    const prog = program();
    const artifact = buildTestArtifact(prog, await createWasmBackend().render(prog, { name: 'conv-bad' }));
    const m = structuredClone(artifact.manifest);
    m.wasm!.weightCache = { versionAddress: m.wasm!.arenaBase! + 16, bytes: 64 };
    expect(() => validateManifest(JSON.parse(JSON.stringify(m)))).toThrow(/weightCache.*past the arena/);
  });
});
