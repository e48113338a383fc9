/**
 * The artifact format (docs/artifact-format.md): the file list with sizes and hashes, the version
 * policy in both directions (this runtime reads format 1 artifacts; a newer format is refused
 * with what to do), and atomic saves (a failed write leaves the previous artifact whole, with no
 * temporary folders left behind).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, compile, matmul, add } from '../../compiler/index.ts';
import { bakeWeights, createSession, loadArtifact, saveArtifact, type Artifact } from '../../runtime/node/index.ts';
import { ARTIFACT_VERSION } from '../../runtime/artifact.ts';
import { realDirIo, removeStaleDirTemporaries } from '../../runtime/node/atomic-dir.ts';
import { sealArtifact, verifyArtifactFiles } from '../../runtime/artifact-integrity.ts';

const root = mkdtempSync(join(tmpdir(), 'axon-artifact-format-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const X = [0.5, -1, 2, 0.25, 3, -2];
async function linear(name: string, bias: number): Promise<Artifact> {
  const g = new Graph(name);
  const x = g.input('x', [2, 3]);
  const w = g.param('w', [3, 2], Float32Array.of(1, 2, 3, 4, 5, 6));
  g.output('y', add(matmul(x, w), bias));
  return compile(g, { backend: 'wasm' });
}
async function runDir(dir: string): Promise<number[]> {
  const s = await createSession(await loadArtifact(dir));
  try {
    return Array.from((await s.run({ x: X })).y!);
  } finally {
    s.dispose();
  }
}
// x·w + bias by hand: rows [0.5, -1, 2] and [0.25, 3, -2] times w = [[1, 2], [3, 4], [5, 6]]
const expected = (bias: number) => [7.5 + bias, 9 + bias, -0.75 + bias, 0.5 + bias];

let v1: Artifact;
let v2: Artifact;
beforeAll(async () => {
  v1 = await linear('old', 1);
  v2 = await linear('new', 2);
}, 120_000);

describe('the manifest lists every file with its size and SHA-256', () => {
  it('compile() and saveArtifact record exactly the files written, with their real sizes and hashes', async () => {
    const dir = join(root, 'listed');
    await saveArtifact(v2, dir);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(m.formatVersion).toBe(ARTIFACT_VERSION);
    expect(m.version).toBeUndefined();
    const onDisk = readdirSync(dir).filter((f) => f !== 'manifest.json').sort();
    expect(m.files.map((f: { name: string }) => f.name)).toEqual(onDisk);
    expect(onDisk).toEqual(expect.arrayContaining(['program.wasm', 'weights.bin']));
    for (const f of m.files) {
      const bytes = readFileSync(join(dir, f.name));
      expect(f.bytes).toBe(bytes.length);
      expect(f.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(v2.manifest.files).toEqual(m.files);
    expect(await runDir(dir)).toEqual(expected(2));
  });

  it('the list is generic: an extra file is listed, loaded and checked like the others', async () => {
    const dir = join(root, 'extra');
    await saveArtifact({ ...v2, files: { ...v2.files, 'kernels-extra.wasm': Uint8Array.of(0, 97, 115, 109) } }, dir);
    const loaded = await loadArtifact(dir);
    expect(loaded.files['kernels-extra.wasm']).toEqual(Uint8Array.of(0, 97, 115, 109));
    writeFileSync(join(dir, 'kernels-extra.wasm'), Uint8Array.of(0, 97, 115, 110));
    await expect(loadArtifact(dir)).rejects.toThrow(/kernels-extra\.wasm does not belong to this artifact \(hash mismatch/);
  });

  it('a removed file is dropped from the list when saved (e.g. the generated source)', async () => {
    const dir = join(root, 'trimmed');
    const files = { ...v2.files };
    delete files['program.as.ts'];
    await saveArtifact({ ...v2, files }, dir);
    expect(existsSync(join(dir, 'program.as.ts'))).toBe(false);
    expect(await runDir(dir)).toEqual(expected(2));
  });
});

describe('without Web Crypto (a browser page over plain HTTP)', () => {
  it('sizes are still checked, hashes are skipped with one warning, and compiling in memory still works', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.stubGlobal('crypto', undefined);
    try {
      const files = { ...v2.files, 'weights.bin': new Uint8Array(24) };
      await verifyArtifactFiles(v2.manifest, files, 'page');
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/no Web Crypto .* hashes are not checked, only sizes/));
      await expect(verifyArtifactFiles(v2.manifest, { ...files, 'weights.bin': new Uint8Array(20) }, 'page')).rejects.toThrow(/weights\.bin is 4 bytes shorter/);
      expect((await sealArtifact(v2)).manifest.files).toBeUndefined();
    } finally {
      vi.unstubAllGlobals();
      warn.mockRestore();
    }
    await expect(verifyArtifactFiles(v2.manifest, { ...v2.files, 'weights.bin': new Uint8Array(24) }, 'node')).rejects.toThrow(/weights\.bin does not belong/);
  });
});

describe('version policy', () => {
  /** What Axon 0.1.0 wrote: `version: 1`, no file list. */
  async function writeFormat1(dir: string): Promise<void> {
    await saveArtifact(v1, dir);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    delete m.formatVersion;
    delete m.files;
    m.version = 1;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  }

  it('a newer runtime reads an older artifact: format 1 (no file list) loads and runs', async () => {
    const dir = join(root, 'format1');
    await writeFormat1(dir);
    const a = await loadArtifact(dir);
    expect(a.manifest.formatVersion).toBe(1);
    expect(Object.keys(a.files).sort()).toEqual(['program.wasm', 'weights.bin']);
    expect(await runDir(dir)).toEqual(expected(1));
  });

  it('format 1 artifacts get the same name and bounds checks (they have no hashes to check)', async () => {
    const dir = join(root, 'format1-bad');
    await writeFormat1(dir);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    m.wasm.module = '../format1/program.wasm';
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    await expect(loadArtifact(dir)).rejects.toThrow(/manifest\.wasm\.module: "\.\.\/format1\/program\.wasm" is not a plain file name/);
  });

  it('an older runtime meets a newer artifact: a format above ARTIFACT_VERSION is refused with "upgrade axon"', async () => {
    const dir = join(root, 'future');
    await saveArtifact(v2, dir);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    m.formatVersion = ARTIFACT_VERSION + 1;
    m.axonVersion = '9.0.0';
    // a future format may change any field; the refusal must come before the schema is applied
    m.inputs = 'changed in format 3';
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    await expect(loadArtifact(dir)).rejects.toThrow(
      `artifact format ${ARTIFACT_VERSION + 1} is newer than this runtime (${ARTIFACT_VERSION}); upgrade axon (the artifact was written by Axon 9.0.0)`,
    );
  });

  it('fields a newer writer adds within the same format are ignored (additive changes need no new version)', async () => {
    const dir = join(root, 'additive');
    await saveArtifact(v2, dir);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    m.futureHint = { anything: true };
    m.wasm.futureFlag = 1;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    expect(await runDir(dir)).toEqual(expected(2));
  });
});

describe('atomic saves', () => {
  const failingOn = (name: string, error = 'ENOSPC: no space left on device, write') => ({
    ...realDirIo,
    writeFile: async (path: string, data: Uint8Array | string) => {
      if (path.endsWith(`/${name}`)) {
        await realDirIo.writeFile(path, typeof data === 'string' ? data.slice(0, 3) : data.subarray(0, 3));
        throw new Error(error);
      }
      return realDirIo.writeFile(path, data);
    },
  });

  it('a write failing midway (full disk) leaves the previous artifact whole and no temporaries', async () => {
    const parent = join(root, 'atomic-write');
    const dir = join(parent, 'art');
    await saveArtifact(v1, dir);
    const before = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
    // weights.bin is written after program.wasm: the new program is already complete when the disk fills
    await expect(saveArtifact(v2, dir, { io: failingOn('weights.bin') }))
      .rejects.toThrow(/writing .*art failed \(the previous contents, if any, are unchanged\): ENOSPC/);
    expect(readdirSync(parent)).toEqual(['art']);
    const after = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const f of Object.keys(before)) expect(after[f]!.equals(before[f]!), f).toBe(true);
    expect(await runDir(dir)).toEqual(expected(1));
  });

  it('a failing swap (rename) puts the previous artifact back', async () => {
    const parent = join(root, 'atomic-rename');
    const dir = join(parent, 'art');
    await saveArtifact(v1, dir);
    let renames = 0;
    const io = { ...realDirIo, rename: async (from: string, to: string) => {
      if (++renames === 2) throw new Error('EIO: simulated failure of the second rename');
      return realDirIo.rename(from, to);
    } };
    await expect(saveArtifact(v2, dir, { io })).rejects.toThrow(/EIO: simulated failure/);
    expect(readdirSync(parent)).toEqual(['art']);
    expect(await runDir(dir)).toEqual(expected(1));
  });

  it('a successful save replaces the whole directory: no file of the old artifact survives', async () => {
    const dir = join(root, 'atomic-replace', 'art');
    await saveArtifact({ ...v1, files: { ...v1.files, 'old-only.bin': Uint8Array.of(1) } }, dir);
    await saveArtifact(v2, dir);
    expect(existsSync(join(dir, 'old-only.bin'))).toBe(false);
    expect(readdirSync(join(root, 'atomic-replace'))).toEqual(['art']);
    expect(await runDir(dir)).toEqual(expected(2));
  });

  it('the leftovers of a killed save (dead pid) are removed by the next save; a live one is kept', async () => {
    const parent = join(root, 'atomic-stale');
    mkdirSync(join(parent, `.art.axon-tmp-${2 ** 22 + 1}-abc123`), { recursive: true });
    mkdirSync(join(parent, `.art.axon-old-${2 ** 22 + 1}-def456`));
    mkdirSync(join(parent, `.art.axon-tmp-${process.pid}-live01`));
    mkdirSync(join(parent, `.other.axon-tmp-${2 ** 22 + 1}-abc123`));
    await saveArtifact(v2, join(parent, 'art'));
    expect(readdirSync(parent).sort()).toEqual([`.art.axon-tmp-${process.pid}-live01`, `.other.axon-tmp-${2 ** 22 + 1}-abc123`, 'art']);
    expect(await removeStaleDirTemporaries(join(parent, 'other'))).toHaveLength(1);
  });

  it('refuses to replace a folder that is not an artifact, a file, or a place under /proc', async () => {
    const notArtifact = join(root, 'my-folder');
    mkdirSync(notArtifact);
    writeFileSync(join(notArtifact, 'notes.txt'), 'keep me');
    await expect(saveArtifact(v2, notArtifact)).rejects.toThrow(/my-folder: it is a non-empty directory without a manifest\.json \(not an Axon artifact\), so it is not replaced/);
    expect(readFileSync(join(notArtifact, 'notes.txt'), 'utf8')).toBe('keep me');
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    await expect(saveArtifact(v2, file)).rejects.toThrow(/a-file: it exists and is not a directory/);
    await expect(saveArtifact(v2, '/proc/axon-test/art')).rejects.toThrow(/cannot create \/proc\/axon-test\/art: \/proc is (a kernel file system|not writable)/);
  });

  it('bakeWeights writes given values into weights.bin and reseals the file list', async () => {
    const baked = await bakeWeights(v1, { w: Float32Array.of(0, 0, 0, 0, 0, 1) });
    const dir = join(root, 'baked');
    await saveArtifact(baked, dir);
    // w = [[0, 0], [0, 0], [0, 1]]: y = [0, x2] + 1
    expect(await runDir(dir)).toEqual([1, 3, 1, -1]);
    expect(baked.manifest.files!.find((f) => f.name === 'weights.bin')!.sha256).not.toBe(v1.manifest.files!.find((f) => f.name === 'weights.bin')!.sha256);
    await expect(bakeWeights(v1, { w: new Float32Array(5) }, 'ck.axckpt')).rejects.toThrow(/ck\.axckpt: "w" has 5 values, but "w" is f32\[3, 2\] \(6 values\)/);
    await expect(bakeWeights(v1, { w: new Int32Array(6) }, 'ck.axckpt')).rejects.toThrow(/ck\.axckpt: "w" must be f32 \(Float32Array\), got Int32Array/);
    await expect(bakeWeights(v1, { nope: new Float32Array(1) }, 'ck.axckpt')).rejects.toThrow(/"nope" is not a param or state tensor of "old"/);
    await expect(bakeWeights(v1, { w: Float32Array.of(0, 0, NaN, 0, 0, 0) }, 'ck.axckpt')).rejects.toThrow(/"w" holds NaN at index 2; refusing to bake non-finite weights/);
  });
});
