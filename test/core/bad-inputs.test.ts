import { gzipSync } from 'node:zlib';
/**
 * Bad input, one row per case: each must fail with a message naming what is wrong (the op, the
 * attribute, the input, the file), never be accepted silently. Graph-building rows run on the
 * builders alone; running rows on both backends; CLI rows through the CLI in-process. Then the
 * opt-in non-finite guard: a NaN batch leaves params and optimizer state exactly unchanged.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Graph, compile, gradients, losses, nn, optim, trainStep, SKIPPED_OUTPUT } from '../../compiler/index.ts';
import * as F from '../../compiler/index.ts';
import type { Session } from '../../runtime/session.ts';
import { trainLoop, type TrainEvent } from '../../runtime/train/loop.ts';
import { BACKENDS, sessionFor } from '../ops/backends.ts';
import { capture } from '../cli/fixtures/capture.ts';

interface Row { name: string; run: () => unknown; message: RegExp }

const ctx = (g: Graph) => new nn.ModelContext(g, { seed: 1 });
const image = (g: Graph) => g.input('x', [1, 4, 8, 8]);
const userSite = /\n {4}at .*bad-inputs\.test\.ts:\d+:\d+/;

const graphRows: Row[] = [
  { name: 'transpose perm of the wrong length', run: () => F.transpose(new Graph().input('x', [2, 3]), [0]), message: /^transpose\(f32\[2, 3\]\): perm \[0\] has 1 axes but the tensor has 2/ },
  { name: 'transpose perm that is not a permutation', run: () => F.transpose(new Graph().input('x', [2, 3]), [0, 0]), message: /^transpose\(f32\[2, 3\]\): perm \[0, 0\] is not a permutation of the axes 0\.\.1/ },
  { name: 'conv dilation 0', run: () => { const g = new Graph(); nn.conv2d(2, 3, { dilation: 0 })(image(g), ctx(g)); }, message: /^conv2d\(f32\[1, 4, 8, 8\]\): dilation \[0, 0\] must be 2 positive integers/ },
  { name: 'conv negative padding', run: () => { const g = new Graph(); nn.conv2d(2, 3, { padding: -1 })(image(g), ctx(g)); }, message: /^conv2d\(f32\[1, 4, 8, 8\]\): padding \[-1, -1, -1, -1\] must be 4 non-negative integers/ },
  { name: 'conv stride 0', run: () => { const g = new Graph(); nn.conv2d(2, 3, { stride: 0 })(image(g), ctx(g)); }, message: /^conv2d\(f32\[1, 4, 8, 8\]\): stride \[0, 0\] must be 2 positive integers/ },
  { name: 'conv primitive with stride 0', run: () => { const g = new Graph(); F.conv2d(image(g), g.input('w', [2, 4, 3, 3]), { stride: [0, 1], pad: [0, 0, 0, 0], dilation: [1, 1], groups: 1 }); }, message: /^conv2d\(f32\[1, 4, 8, 8\], f32\[2, 4, 3, 3\]\): stride \[0, 1\] must be 2 positive integers/ },
  { name: 'conv groups that do not divide the channels', run: () => { const g = new Graph(); nn.conv2d(3, 3, { groups: 3 })(image(g), ctx(g)); }, message: /^conv2d\(f32\[1, 4, 8, 8\]\): groups=3 must divide the input channels \(4\) and the output channels \(3\)/ },
  { name: 'transposed conv with a fractional stride', run: () => { const g = new Graph(); nn.convTranspose2d(2, 3, { stride: 1.5 })(image(g), ctx(g)); }, message: /^convTranspose2d\(f32\[1, 4, 8, 8\]\): stride \[1\.5, 1\.5\] must be 2 positive integers/ },
  { name: 'pool stride 0', run: () => { const g = new Graph(); nn.maxPool2d(2, { stride: 0 })(image(g), ctx(g)); }, message: /^maxpool2d\(f32\[1, 4, 8, 8\]\): stride \[0, 0\] must be 2 positive integers/ },
  { name: 'pool kernel 0', run: () => { const g = new Graph(); nn.avgPool2d(0)(image(g), ctx(g)); }, message: /^avgpool2d\(f32\[1, 4, 8, 8\]\): kernel \[0, 0\] must be 2 positive integers/ },
  { name: 'a graph with no outputs', run: () => { const g = new Graph('empty'); g.input('x', [2]); return compile(g, { backend: 'wasm' }); }, message: /^compile: graph "empty" has no outputs and no updates/ },
  { name: 'gradients w.r.t. a tensor of another graph', run: () => { const a = new Graph('a'), b = new Graph('b'); gradients(F.sum(a.input('x', [2])), [b.input('z', [2])]); }, message: /^gradients: wrt\[0\] z#0: f32\[2\] belongs to graph "b", but the loss is in graph "a"/ },
  { name: 'gradients w.r.t. an i32 tensor', run: () => { const g = new Graph(); const i = g.input('i', [2], 'i32'); gradients(F.sum(F.add(g.input('x', [2]), F.cast(i, 'f32'))), [i]); }, message: /^gradients: wrt\[0\] i#0: i32\[2\] is i32; only f32 tensors have gradients/ },
  { name: 'a NaN constant', run: () => new Graph().constant([1, NaN]), message: /^constant holds NaN at element 1 of 2; values must be finite/ },
  { name: 'an Infinity scalar operand', run: () => F.add(new Graph().input('x', [2]), -Infinity), message: /^constant holds -Infinity at element 0; values must be finite/ },
  { name: 'a NaN initial param', run: () => new Graph().param('w', [2], new Float32Array([0, NaN])), message: /^param "w": initial value holds NaN at element 1 of 2/ },
];

describe('bad input while building graphs', () => {
  it.each(graphRows)('$name', async ({ run, message }) => {
    let error: Error | undefined;
    try { await run(); } catch (e) { error = e as Error; }
    expect(error, 'accepted without an error').toBeDefined();
    expect(error!.message).toMatch(message);
  });

  it('errors point at the user\'s call site', () => {
    expect(() => nn.conv2d(2, 3, { stride: 0 })(image(new Graph()), ctx(new Graph()))).toThrow(userSite);
    expect(() => F.transpose(new Graph().input('x', [2, 3]), [1])).toThrow(userSite);
    expect(() => new Graph().constant(NaN)).toThrow(userSite);
  });

  it('constant folding never creates a non-finite constant (the op stays)', async () => {
    const g = new Graph('fold');
    const x = g.input('x', [2]);
    g.output('y', F.add(x, F.log(g.constant(0))));
    const s = await sessionFor(g, 'wasm');
    expect(Array.from((await s.run({ x: [1, 2] })).y!)).toEqual([-Infinity, -Infinity]);
    s.dispose();
  });
});

function mlp(): Graph {
  const g = new Graph('feeds');
  g.output('y', F.tanh(g.input('x', [2, 3])));
  return g;
}
function classifier(): Graph {
  const g = new Graph('cls');
  g.output('loss', losses.softmaxCrossEntropy(g.input('x', [2, 3]), g.input('y', [2], 'i32')));
  return g;
}
function withParam(): Graph {
  const g = new Graph('p');
  g.output('y', F.mul(g.input('x', [2]), g.param('w', [2], new Float32Array([1, 2]))));
  return g;
}

type RunRow = { name: string; graph: () => Graph; run: (s: Session) => Promise<unknown>; message: RegExp };
const x6 = new Float32Array(6);
const runRows: RunRow[] = [
  { name: 'a feed that is a string', graph: mlp, run: (s) => s.run({ x: 'abcdef' as never }), message: /^input "x" is a string \("abcdef"\); expected a Float32Array \(or an array of numbers\) with 6 elements for shape \[2, 3\]/ },
  { name: 'a feed that is an object', graph: mlp, run: (s) => s.run({ x: { a: 1 } as never }), message: /^input "x" is an object \(Object\); expected a Float32Array/ },
  { name: 'a feed that is null', graph: mlp, run: (s) => s.run({ x: null as never }), message: /^input "x" is null; expected a Float32Array/ },
  { name: 'a feed that is a nested array', graph: mlp, run: (s) => s.run({ x: [[1, 2, 3], [4, 5, 6]] as never }), message: /^input "x" is a nested array; flatten nested arrays first/ },
  { name: 'a feed array holding a string', graph: mlp, run: (s) => s.run({ x: [1, 2, '3', 4, 5, 6] as never }), message: /^input "x": element 2 is a string \("3"\), not a number/ },
  { name: 'a feed of another typed array', graph: mlp, run: (s) => s.run({ x: new Float64Array(6) as never }), message: /^input "x" expects f32 data \(Float32Array\) but got Float64Array/ },
  { name: 'feeds that are not an object', graph: mlp, run: (s) => s.run([x6] as never), message: /^run\(feeds\): feeds must be an object mapping input names to arrays, got an array/ },
  { name: 'setParams with an Int32Array for an f32 param', graph: withParam, run: (s) => s.setParams({ w: new Int32Array([1, 2]) }), message: /^setParams: "w" expects f32 data \(Float32Array\) but got Int32Array/ },
  { name: 'setParams with the wrong length', graph: withParam, run: (s) => s.setParams({ w: new Float32Array(3) }), message: /^setParams: "w" expects 2 elements \(shape \[2\]\) but got 3/ },
  { name: 'setParams with a NaN', graph: withParam, run: (s) => s.setParams({ w: new Float32Array([NaN, 0]) }), message: /^setParams: "w" holds NaN at element 0; params and state must be finite/ },
  { name: 'an i32 label out of range', graph: classifier, run: (s) => s.run({ x: x6, y: new Int32Array([0, 3]) }), message: /^input "y" holds class labels in \[0, 3\) but element 1 is 3/ },
  { name: 'a negative i32 label', graph: classifier, run: (s) => s.run({ x: x6, y: new Int32Array([-1, 0]) }), message: /^input "y" holds class labels in \[0, 3\) but element 0 is -1/ },
  { name: 'a fractional label', graph: classifier, run: (s) => s.run({ x: x6, y: [1.5, 0] }), message: /^input "y" is i32 but element 0 is 1\.5, not an integer/ },
  { name: 'NaN in a feed with checkFinite', graph: mlp, run: (s) => s.run({ x: new Float32Array([0, 0, Infinity, 0, 0, 0]) }, { checkFinite: true }), message: /^input "x" holds Infinity at element 2 \(run option checkFinite\)/ },
];

describe.each(BACKENDS)('%s: bad input while running', (backend) => {
  it.each(runRows)('$name', async ({ graph, run, message }) => {
    const s = await sessionFor(graph(), backend);
    try {
      await expect(run(s)).rejects.toThrow(message);
    } finally {
      s.dispose();
    }
  });

  it('NaN in a feed without checkFinite is fed as is and propagates (documented)', async () => {
    const s = await sessionFor(mlp(), backend);
    const y = (await s.run({ x: new Float32Array([NaN, 0, 0, 0, 0, 1]) })).y!;
    expect(Number.isNaN(y[0]!)).toBe(true);
    expect(y[5]).toBeCloseTo(Math.tanh(1), 6);
    s.dispose();
  });
});

/** dense 3 → 2 classes, Adam, optionally guarded */
function step(skipNonFinite: boolean): Graph {
  const g = new Graph('guarded');
  const x = g.input('x', [4, 3]), y = g.input('y', [4], 'i32');
  const logits = nn.dense(2)(x, ctx(g));
  g.output('loss', losses.softmaxCrossEntropy(logits, y));
  return trainStep(g, { optimizer: optim.adam({ lr: 0.1 }), skipNonFinite });
}
const good = { x: Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)), y: new Int32Array([0, 1, 1, 0]) };
const poisoned = { x: good.x.map((v, i) => (i === 5 ? NaN : v)), y: good.y };
const inf = { x: good.x.map((v, i) => (i === 0 ? Infinity : v)), y: good.y };
const values = async (s: Session) => Object.fromEntries(Object.entries(await s.getParams(true)).map(([k, v]) => [k, Array.from(v)]));

describe.each(BACKENDS)('%s: skipNonFinite', (backend) => {
  it('a NaN or Infinity batch leaves params, optimizer state and step counter exactly unchanged', async () => {
    const s = await sessionFor(step(true), backend);
    expect((await s.run(good))[SKIPPED_OUTPUT]![0]).toBe(0);
    const before = await values(s);
    for (const bad of [poisoned, inf]) {
      const out = await s.run(bad);
      expect(out[SKIPPED_OUTPUT]![0]).toBe(1);
      expect(await values(s)).toEqual(before);
    }
    const out = await s.run(good);
    expect(out[SKIPPED_OUTPUT]![0]).toBe(0);
    const after = await values(s);
    expect(after['dense1/w']).not.toEqual(before['dense1/w']);
    expect(after['adam/step']).toEqual([before['adam/step']![0]! + 1]);
    expect(Object.values(after).flat().every(Number.isFinite)).toBe(true);
    s.dispose();
  });

  it('without the guard the same batch poisons the params (why the guard exists)', async () => {
    const s = await sessionFor(step(false), backend);
    await s.run(poisoned);
    expect((await values(s))['dense1/w']!.some(Number.isNaN)).toBe(true);
    s.dispose();
  });

  it('the training loop reports skipped steps and keeps them out of the epoch loss', async () => {
    const s = await sessionFor(step(true), backend);
    const images = Float32Array.from({ length: 8 * 3 }, (_, i) => Math.cos(i));
    images[13] = NaN; // sample 4: the second batch of 4
    const events: TrainEvent[] = [];
    const r = await trainLoop({
      train: s, data: { images, labels: new Int32Array([0, 1, 1, 0, 1, 0, 0, 1]), count: 8, sampleShape: [3], classNames: ['a', 'b'] },
      trainIndices: Int32Array.from({ length: 8 }, (_, i) => i), epochs: 2, patience: 0, seed: 1, onEvent: (e) => events.push(e), restoreBest: false,
    });
    const skipped = events.filter((e) => e.type === 'skipped-step');
    expect(skipped).toHaveLength(2);
    expect(r.state.history.map((h) => h.skippedSteps)).toEqual([1, 1]);
    expect(r.state.history.every((h) => Number.isFinite(h.trainLoss))).toBe(true);
    expect(Object.values(await values(s)).flat().every(Number.isFinite)).toBe(true);
    s.dispose();
  });
});

// --- the CLI ---
const tmp = mkdtempSync(join(tmpdir(), 'axon-bad-inputs-'));
let artifact: Promise<string> | undefined;
/** a compiled xor-mlp artifact for the `axon run` rows (compiled once) */
const artifactDir = () => (artifact ??= capture(['compile', 'xor-mlp', '-o', join(tmp, 'xor'), '--batch-size', '4']).then((c) => {
  if (c.code !== 0) throw new Error(c.err);
  return join(tmp, 'xor');
}));
let trained: ReturnType<typeof capture> | undefined;
const trainXorMlp = () => (trained ??= capture(['train', 'xor-mlp', '--epochs', '1', '--data', tmp, '--threads', '64', '--out', join(tmp, 'run'), '--no-pictures', '--no-dead-relu', '--json']));

function file(name: string, content: string): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}
function corruptGzipData(): string {
  const d = join(tmp, 'gz');
  mkdirSync(d, { recursive: true });
  // valid labels (read first, for the split) and a truncated images file (decoded while the step compiles)
  const labels = Buffer.alloc(8 + 10);
  labels.writeUInt32BE(0x00000801, 0);
  labels.writeUInt32BE(10, 4);
  writeFileSync(join(d, 'train-labels-idx1-ubyte.gz'), gzipSync(labels));
  writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
  return d;
}

interface CliRow { name: string; run: () => Promise<{ code: number; err: string }>; code: number; message: RegExp }
const cliRows: CliRow[] = [
  { name: '--data ignored by a model with built-in data', run: trainXorMlp, code: 0, message: /note: model "xor-mlp" brings its own data; --data \S+ is ignored/ },
  { name: '--threads above the core count', run: trainXorMlp, code: 0, message: /note: --threads 64 is more than this machine's \d+ cores/ },
  { name: '--skip-nonfinite on a model with its own unguarded training graph', run: () => capture(['train', 'perceptron-and', '--epochs', '1', '--skip-nonfinite', '--out', join(tmp, 'perc'), '--no-pictures', '--no-dead-relu', '--json']), code: 0, message: /note: --skip-nonfinite has no effect on model "perceptron-and"/ },
  { name: 'run --inputs with invalid JSON', run: async () => capture(['run', await artifactDir(), '--inputs', file('bad.json', '{"x": [1,')]), code: 1, message: /--inputs \S+bad\.json: not valid JSON/ },
  { name: 'run --input with invalid JSON', run: async () => capture(['run', await artifactDir(), '--input', `x=${file('bad2.json', '[1, 2')}`]), code: 1, message: /--input x=\S+bad2\.json: not valid JSON/ },
  { name: 'run --input naming a directory', run: async () => { mkdirSync(join(tmp, 'adir.json'), { recursive: true }); return capture(['run', await artifactDir(), '--input', `x=${join(tmp, 'adir.json')}`]); }, code: 1, message: /--input x=\S+adir\.json: is a directory, not a file/ },
  { name: 'train --data with a corrupt gzip file', run: () => capture(['train', 'mlp', '--epochs', '1', '--data', corruptGzipData(), '--out', join(tmp, 'gzrun')]), code: 1, message: /axon: \S+train-images-idx3-ubyte\.gz: not a readable gzip file \(unexpected end of file\)/ },
  { name: 'compile -o under /proc', run: () => capture(['compile', 'xor-mlp', '-o', '/proc/axon-out']), code: 1, message: /-o \/proc\/axon-out: \/proc\/axon-out is in a virtual file system/ },
  { name: 'train --out under /proc', run: () => capture(['train', 'xor-mlp', '--out', '/proc/axon-run/x']), code: 1, message: /--out \/proc\/axon-run\/x: \/proc\/axon-run\/x is in a virtual file system/ },
  { name: 'compile -o naming a file', run: () => capture(['compile', 'xor-mlp', '-o', file('afile', '')]), code: 1, message: /-o \S+afile: \S+afile exists and is not a directory/ },
];

describe('bad input on the command line', () => {
  it.each(cliRows)('$name', async ({ run, code, message }) => {
    const r = await run();
    expect(r.err).toMatch(message);
    expect(r.code, r.err).toBe(code);
  });
});
