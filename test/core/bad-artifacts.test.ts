/**
 * Artifacts and checkpoints are untrusted data. One row per bad input, each with the message
 * fragment it must be refused with (issue 17 §2 and the checkpoint items of §3): path traversal,
 * damaged or mixed files, malformed manifests, out-of-arena offsets, and checkpoints that do not
 * fit the model. Good inputs still load (the last rows of each table).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { appendFileSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Graph, compile, matmul, relu } from '../../compiler/index.ts';
import { createSession, fetchArtifact, loadArtifact, saveArtifact, type Artifact } from '../../runtime/node/index.ts';
import type { Manifest } from '../../runtime/artifact.ts';
import { loadCheckpoint, saveCheckpoint } from '../../runtime/node/checkpoint.ts';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../runtime/train/checkpoint-format.ts';
import { fitCheckpoint } from '../../runtime/train/checkpoint-fit.ts';
import { trainCommand, type TrainFlags } from '../../cli/commands/train.ts';
import { syntheticFashionDir } from '../cli/fixtures/synthetic-data.ts';

const root = mkdtempSync(join(tmpdir(), 'axon-bad-artifacts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** y = relu(x·w); the other artifact has a different program (no relu), so its program.wasm differs. */
async function tinyArtifact(name: string, seed: number, withRelu = true): Promise<Artifact> {
  const g = new Graph(name);
  const x = g.input('x', [2, 3]);
  const w = g.param('w', [3, 4], Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + seed)));
  g.output('y', withRelu ? relu(matmul(x, w)) : matmul(x, w));
  return compile(g, { backend: 'wasm' });
}

type Json = Record<string, any>;
/** A manifest edit and/or file edit on a copy of the good artifact directory ('written': it wrote manifest.json itself). */
type Tamper = (dir: string, manifest: Json) => void | 'written';

let base = '';
let other = '';
let counter = 0;
const X = [1, 2, 3, 4, 5, 6];

beforeAll(async () => {
  base = join(root, 'base');
  other = join(root, 'other');
  await saveArtifact(await tinyArtifact('base', 0), base);
  await saveArtifact(await tinyArtifact('other', 5, false), other);
}, 120_000);

/** Copies the good artifact to DIR/a/b/art (so "../../../x" stays inside the test folder), tampers, loads and runs it. */
async function loadTampered(tamper: Tamper): Promise<number[]> {
  const dir = join(root, `case-${counter++}`, 'a', 'b', 'art');
  mkdirSync(join(dir, '..'), { recursive: true });
  cpSync(base, dir, { recursive: true });
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Json;
  if (tamper(dir, m) !== 'written') writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  const s = await createSession(await loadArtifact(dir));
  try {
    return Array.from((await s.run({ x: X })).y!);
  } finally {
    s.dispose();
  }
}

const manifestRows: [string, Tamper, RegExp][] = [
  ['module path ../../../outside/evil.wasm (a real file there)', (d, m) => {
    mkdirSync(join(d, '../../../outside'), { recursive: true });
    copyFileSync(join(d, 'program.wasm'), join(d, '../../../outside/evil.wasm'));
    m.wasm.module = '../../../outside/evil.wasm';
  }, /manifest\.wasm\.module: "\.\.\/\.\.\/\.\.\/outside\/evil\.wasm" is not a plain file name inside the artifact \(it points outside the artifact directory\)/],
  ['module path /etc/passwd', (_d, m) => { m.wasm.module = '/etc/passwd'; }, /manifest\.wasm\.module: "\/etc\/passwd" is not a plain file name/],
  ['module path with a backslash', (_d, m) => { m.wasm.module = '..\\evil.wasm'; }, /manifest\.wasm\.module: "\.\.\\\\evil\.wasm" is not a plain file name .*points outside/],
  ['module path is a URL', (_d, m) => { m.wasm.module = 'https://evil.example/x.wasm'; }, /manifest\.wasm\.module: "https:\/\/evil\.example\/x\.wasm" is not a plain file name inside the artifact \(it is a URL\)/],
  ['module path is empty', (_d, m) => { m.wasm.module = ''; }, /manifest\.wasm\.module: "" is not a plain file name inside the artifact \(it is empty\)/],
  ['module path holds NUL', (_d, m) => { m.wasm.module = 'program.wasm\u0000.png'; }, /manifest\.wasm\.module: .* \(it contains a NUL character\)/],
  ['module path is ..', (_d, m) => { m.wasm.module = '..'; }, /manifest\.wasm\.module: "\.\." is not a plain file name/],
  ['file list names ../weights.bin', (_d, m) => { m.files[0].name = '../weights.bin'; }, /manifest\.files\[0\]\.name: "\.\.\/weights\.bin" is not a plain file name/],
  ['file list names a %-escaped ..', (_d, m) => { m.files[0].name = '%2e%2e'; }, /manifest\.files\[0\]\.name: "%2e%2e" is not a plain file name .*characters other than/],
  ['weights.bin 1,000 bytes longer', (d) => { appendFileSync(join(d, 'weights.bin'), new Uint8Array(1000)); }, /weights\.bin is 1,000 bytes longer than the manifest says/],
  ['weights.bin 8 bytes shorter', (d) => { truncateSync(join(d, 'weights.bin'), readFileSync(join(d, 'weights.bin')).length - 8); }, /weights\.bin is 8 bytes shorter than the manifest says/],
  ['weights.bin same size, one byte changed', (d) => {
    const b = readFileSync(join(d, 'weights.bin'));
    b[0]! ^= 0xff;
    writeFileSync(join(d, 'weights.bin'), b);
  }, /weights\.bin does not belong to this artifact \(hash mismatch/],
  ['program.wasm of another artifact', (d) => { copyFileSync(join(other, 'program.wasm'), join(d, 'program.wasm')); }, /program\.wasm (does not belong to this artifact \(hash mismatch|is \d[\d,]* bytes (longer|shorter) than the manifest says)/],
  ['program.wasm missing', (d) => { rmSync(join(d, 'program.wasm')); }, /art\/program\.wasm is missing \(the manifest lists it\)/],
  ['program.wasm is a symlink', (d) => {
    rmSync(join(d, 'program.wasm'));
    symlinkSync(join(other, 'program.wasm'), join(d, 'program.wasm'));
  }, /program\.wasm is not a regular file/],
  ['manifest.json is not JSON', (d) => { writeFileSync(join(d, 'manifest.json'), '{"format": "axon-artifact",'); return 'written'; }, /manifest\.json is not valid JSON/],
  ['manifest lacks inputs', (_d, m) => { delete m.inputs; }, /manifest\.inputs: expected an array, got nothing \(the field is missing\)/],
  ['manifest params is an object', (_d, m) => { m.params = { w: m.params[0] }; }, /manifest\.params: expected an array, got an object/],
  ['manifest lacks init', (_d, m) => { delete m.init; }, /manifest\.init: expected an array, got nothing/],
  ['manifest lacks the file list', (_d, m) => { delete m.files; }, /manifest\.files: missing; a format-2 artifact lists every file/],
  ['file list omits program.wasm', (_d, m) => { m.files = m.files.filter((f: Json) => f.name !== 'program.wasm'); }, /manifest\.files: does not list "program\.wasm", which the manifest refers to/],
  ['file hash is not hex', (_d, m) => { m.files[0].sha256 = 'abc'; }, /manifest\.files\[0\]\.sha256: expected a SHA-256 as 64 lowercase hex digits, got "abc"/],
  ['backend wasm without a wasm section', (_d, m) => { delete m.wasm; }, /manifest\.wasm: missing; an artifact for the wasm backend needs its wasm section/],
  ['backend "cuda"', (_d, m) => { m.backend = 'cuda'; }, /manifest\.backend: expected "wasm" or "webgpu", got "cuda"/],
  ['dtype f16', (_d, m) => { m.inputs[0].dtype = 'f16'; }, /manifest\.inputs\[0\]\.dtype: expected "f32" or "i32", got "f16"/],
  ['shape with -2', (_d, m) => { m.inputs[0].shape = [-2, 3]; }, /manifest\.inputs\[0\]\.shape\[0\]: expected an integer ≥ 0, got number -2/],
  ['duplicate input name', (_d, m) => { m.inputs.push({ ...m.inputs[0] }); }, /manifest\.inputs\[1\]\.name: "x" appears twice/],
  ['output past the arena', (_d, m) => { m.outputs[0].offset = m.arenaBytes + 64; }, /manifest\.outputs\[0\]: "y" \(f32\[2, 4\], 32 bytes at offset \d+\) extends past the end of the \d+-byte arena/],
  ['param offset negative', (_d, m) => { m.params[0].offset = -16; }, /manifest\.params\[0\]\.offset: expected an integer ≥ 0, got number -16/],
  ['param offset unaligned', (_d, m) => { m.params[0].offset += 2; }, /manifest\.params\[0\]\.offset: \d+ is not a multiple of 4/],
  ['init segment reads past weights.bin', (_d, m) => { m.init[0].source = 1 << 20; }, /manifest\.init\[0\]: reads weights\.bin bytes 1048576\.\.\d+, but weights\.bin has 48 bytes/],
  ['init segment writes past the arena', (_d, m) => { m.init[0].offset = m.arenaBytes; }, /manifest\.init\[0\]: copies 48 bytes to arena offset \d+, past the end of the \d+-byte arena/],
  ['arenaBytes "big"', (_d, m) => { m.arenaBytes = 'big'; }, /manifest\.arenaBytes: expected an integer ≥ 0, got "big"/],
  ['memoryPages too small', (_d, m) => { m.wasm.memoryPages = 0; }, /manifest\.wasm\.memoryPages: 0 pages \(0 bytes\) cannot hold the arena/],
  ['workgroups of two entries (webgpu section on a wasm artifact)', (_d, m) => {
    m.webgpu = { dispatches: [{ name: 'k', shader: 'k.wgsl', entryPoint: 'main', workgroups: [1, 1] }] };
  }, /manifest\.webgpu\.dispatches\[0\]\.workgroups: expected 3 entries, got 2/],
  ['format version newer than the runtime', (_d, m) => { m.formatVersion = 3; }, /artifact format 3 is newer than this runtime \(2\); upgrade axon/],
  ['format version 0', (_d, m) => { m.formatVersion = 0; }, /manifest\.formatVersion: expected an integer ≥ 1, got number 0/],
  ['not an Axon manifest', (_d, m) => { m.format = 'onnx'; }, /not an Axon artifact manifest \(expected "format": "axon-artifact", got "onnx"\)/],
];

describe('bad artifacts are refused with a message naming the field or file', () => {
  it.each(manifestRows)('%s', async (_name, tamper, message) => {
    await expect(loadTampered(tamper)).rejects.toThrow(message);
  });

  it('the untampered copy loads and runs (the rows above fail for their reason only)', async () => {
    const y = await loadTampered(() => {});
    expect(y.some((v) => v > 0)).toBe(true);
  });

  it('a traversal name reaches no file outside the artifact (nothing outside is read)', async () => {
    const outside = join(root, 'never-read.wasm');
    writeFileSync(outside, 'not wasm');
    await expect(loadTampered((_d, m) => { m.files.push({ name: '../../../../never-read.wasm', bytes: 8, sha256: '0'.repeat(64) }); }))
      .rejects.toThrow(/manifest\.files\[\d\]\.name: "\.\.\/\.\.\/\.\.\/\.\.\/never-read\.wasm" is not a plain file name/);
  });
});

describe('fetchArtifact checks names, sizes and hashes too', () => {
  /** Serves `dir` through a fake fetch at http://host/art/, recording every URL asked for. */
  async function fetchTampered(tamper: Tamper): Promise<{ error: unknown; asked: string[] }> {
    const dir = join(root, `fetch-${counter++}`);
    cpSync(base, dir, { recursive: true });
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Json;
    tamper(dir, m);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    const asked: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      asked.push(url);
      const name = decodeURIComponent(url.replace('http://host/art/', ''));
      try {
        return new Response(readFileSync(resolve(dir, name)));
      } catch {
        return new Response('not found', { status: 404 });
      }
    });
    try {
      await fetchArtifact('http://host/art');
      return { error: null, asked };
    } catch (error) {
      return { error, asked };
    } finally {
      vi.unstubAllGlobals();
    }
  }

  it.each([
    ['module ../evil.wasm', (_d: string, m: Json) => { m.wasm.module = '../evil.wasm'; }, /http:\/\/host\/art\/manifest\.json: manifest\.wasm\.module: "\.\.\/evil\.wasm" is not a plain file name/],
    ['file list names a URL', (_d: string, m: Json) => { m.files[1].name = 'http://evil.example/x'; }, /manifest\.files\[1\]\.name: "http:\/\/evil\.example\/x" is not a plain file name inside the artifact \(it is a URL\)/],
    ['weights.bin longer', (d: string) => { appendFileSync(join(d, 'weights.bin'), new Uint8Array(1000)); }, /fetchArtifact: http:\/\/host\/art\/: weights\.bin is 1,000 bytes longer than the manifest says/],
    ['program.wasm of another artifact', (d: string) => { copyFileSync(join(other, 'program.wasm'), join(d, 'program.wasm')); }, /program\.wasm (does not belong to this artifact|is .* than the manifest says)/],
  ] as const)('%s', async (_name, tamper, message) => {
    const { error, asked } = await fetchTampered(tamper);
    expect(String(error)).toMatch(message);
    for (const url of asked) expect(url.startsWith('http://host/art/') && !url.slice('http://host/art/'.length).includes('/')).toBe(true);
  });

  it('a good artifact is fetched file by file and runs', async () => {
    const dir = base;
    vi.stubGlobal('fetch', async (url: string) => new Response(readFileSync(join(dir, url.replace('http://host/art/', '')))));
    try {
      const a = await fetchArtifact('http://host/art/');
      expect(Object.keys(a.files).sort()).toEqual(a.manifest.files!.map((f) => f.name));
      const s = await createSession(a);
      expect(Array.from((await s.run({ x: X })).y!).some((v) => v > 0)).toBe(true);
      s.dispose();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('checkpoints that do not fit the model are refused with the file and the tensor', () => {
  const manifest: Pick<Manifest, 'name' | 'params' | 'state'> = {
    name: 'm.train',
    params: [{ name: 'w', shape: [2, 3], dtype: 'f32', offset: 0 }, { name: 'b', shape: [3], dtype: 'f32', offset: 24 }],
    state: [{ name: 'adam/step', shape: [], dtype: 'f32', offset: 36 }, { name: 'adam/w/m', shape: [2, 3], dtype: 'f32', offset: 40 }],
  };
  const good = (): Checkpoint => ({
    modelId: 'm', epoch: 2, metadata: {},
    params: { w: new Float32Array(6).fill(0.5), b: Float32Array.of(1, 2, 3) },
    state: { 'adam/step': Float32Array.of(7), 'adam/w/m': new Float32Array(6) },
  });
  const rows: [string, (c: Checkpoint) => void, boolean, RegExp][] = [
    ['lacks a param', (c) => { delete c.params.b; }, false, /run\/last\.axckpt: lacks param "b" \(f32\[3\]\) of "m\.train"/],
    ['lacks the optimizer state (resume)', (c) => { c.state = {}; }, true, /run\/last\.axckpt: has no optimizer state \(needed to resume "m\.train": adam\/step, adam\/w\/m\)/],
    ['lacks one state tensor (resume)', (c) => { delete c.state['adam/step']; }, true, /lacks optimizer state "adam\/step"/],
    ['a param of the wrong dtype', (c) => { c.params.b = Int32Array.of(1, 2, 3); }, false, /run\/last\.axckpt: param "b" is i32, but the model's "b" is f32\[3\]/],
    ['a param of the wrong size', (c) => { c.params.w = new Float32Array(4); }, false, /param "w" has 4 values, but the model's "w" is f32\[2, 3\] \(6 values\); was it trained with other model options \(e\.g\. --hidden\)\?/],
    ['a state tensor of the wrong size', (c) => { c.state['adam/w/m'] = new Float32Array(5); }, true, /state tensor "adam\/w\/m" has 5 values/],
    ['a param the model does not have', (c) => { c.params.ghost = new Float32Array(1); }, false, /param "ghost" is not in "m\.train" \(its params: w, b\)/],
  ];
  it.each(rows)('%s', (_name, tamper, needState, message) => {
    const c = good();
    tamper(c);
    expect(() => fitCheckpoint(c, manifest, { what: 'run/last.axckpt', needState })).toThrow(message);
  });
  it('a best checkpoint (no optimizer state) still fits for evaluation; a full one fits to resume', () => {
    const c = good();
    c.state = {};
    expect(Object.keys(fitCheckpoint(c, manifest, { what: 'best' }).params)).toEqual(['w', 'b']);
    const full = fitCheckpoint(good(), manifest, { what: 'last', needState: true });
    expect(Object.keys(full.state)).toEqual(['adam/step', 'adam/w/m']);
  });

  it.each([
    ['a NaN param', (c: Checkpoint) => { c.params.b![1] = NaN; }, /c\.axckpt: param "b" holds NaN at index 1; the run that saved it diverged/],
    ['an Infinity param', (c: Checkpoint) => { c.params.w![5] = -Infinity; }, /c\.axckpt: param "w" holds -Infinity at index 5/],
    ['a NaN optimizer moment', (c: Checkpoint) => { c.state['adam/w/m']![0] = NaN; }, /c\.axckpt: state tensor "adam\/w\/m" holds NaN at index 0/],
  ] as const)('decoding refuses %s', (_name, tamper, message) => {
    const c = good();
    tamper(c);
    expect(() => decodeCheckpoint(encodeCheckpoint(c), { what: 'c.axckpt' })).toThrow(message);
  });

  it('decoding refuses a header whose tensor list is malformed', () => {
    const bytes = encodeCheckpoint(good());
    const text = new TextDecoder().decode(bytes);
    const at = text.indexOf('"group":"param"');
    const bad = Uint8Array.from(bytes);
    bad.set(new TextEncoder().encode('"group":"other"'), at);
    expect(() => decodeCheckpoint(bad, { what: 'c.axckpt' })).toThrow(/c\.axckpt: header\.tensors\[0\]\.group: expected "param" or "state", got "other"/);
  });
});

describe('axon train --resume refuses checkpoints that do not fit, and cleans up after killed saves', () => {
  const MODEL = resolve(import.meta.dirname, '../train/fixtures/linear-model.ts');
  const data = syntheticFashionDir(64, 16);
  const flags = (over: Partial<TrainFlags>): TrainFlags => ({
    backend: 'wasm', threads: 0, resume: false, json: true, overfitBatch: false, valFraction: 0.25, pictures: false, deadRelu: false, data, ...over,
  });
  let trained = '';
  beforeAll(async () => {
    trained = mkdtempSync(join(root, 'run-'));
    await trainCommand(MODEL, flags({ out: trained, epochs: 1, seed: 3 }), { reporter: () => {}, log: () => {} });
  }, 60_000);

  async function resumeWith(tamper: (c: Checkpoint) => void, extra: (dir: string) => void = () => {}) {
    const out = mkdtempSync(join(root, 'resume-'));
    cpSync(trained, out, { recursive: true });
    const last = join(out, 'checkpoints', 'last.axckpt');
    const c = loadCheckpoint(last);
    tamper(c);
    saveCheckpoint(last, c);
    extra(out);
    const logs: string[] = [];
    const summary = await trainCommand(MODEL, flags({ out, epochs: 2, resume: true }), { reporter: () => {}, log: (s) => logs.push(s) });
    return { out, logs, summary };
  }

  it.each([
    ['last.axckpt lacks param W', (c: Checkpoint) => { delete c.params.W; }, /checkpoints\/last\.axckpt: lacks param "W" \(f32\[784, 10\]\) of "linear-train"/],
    ['last.axckpt lacks the optimizer state', (c: Checkpoint) => { c.state = {}; }, /checkpoints\/last\.axckpt: has no optimizer state \(needed to resume "linear-train": step\)/],
    ['last.axckpt param b is i32', (c: Checkpoint) => { c.params.b = new Int32Array(10); }, /checkpoints\/last\.axckpt: param "b" is i32, but the model's "b" is f32\[10\]/],
    ['last.axckpt param W is too short', (c: Checkpoint) => { c.params.W = new Float32Array(7); }, /param "W" has 7 values, but the model's "W" is f32\[784, 10\] \(7840 values\)/],
  ] as const)('%s', async (_name, tamper, message) => {
    await expect(resumeWith(tamper)).rejects.toThrow(message);
  });

  it('a NaN param in last.axckpt is refused with the file and the name', async () => {
    const out = mkdtempSync(join(root, 'resume-'));
    cpSync(trained, out, { recursive: true });
    const last = join(out, 'checkpoints', 'last.axckpt');
    const c = loadCheckpoint(last);
    c.params.b![2] = NaN;
    // saveCheckpoint writes it (a diverged run could have); reading it back is what refuses
    saveCheckpoint(last, c);
    await expect(trainCommand(MODEL, flags({ out, epochs: 2, resume: true }), { reporter: () => {}, log: () => {} }))
      .rejects.toThrow(/checkpoints\/last\.axckpt: param "b" holds NaN at index 2/);
  });

  it('a resumed run removes the temporary files of a killed checkpoint save, and continues', async () => {
    // pid 2^22 + 1 is above Linux's default pid_max, so no process has it
    const stale = `.last.axckpt.${2 ** 22 + 1}.1700000000000.tmp`;
    const { out, logs, summary } = await resumeWith(() => {}, (dir) => writeFileSync(join(dir, 'checkpoints', stale), 'half a checkpoint'));
    expect(summary.epochs).toBe(2);
    expect(readdirSync(join(out, 'checkpoints')).sort()).toEqual(['best.axckpt', 'last.axckpt']);
    expect(logs.join('\n')).toMatch(new RegExp(`note: removed .*${stale.replace(/\./g, '\\.')}, left by an interrupted checkpoint save`));
  });
});
