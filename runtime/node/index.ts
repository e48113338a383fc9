/**
 * The runtime for Node (`axon/runtime/node`): everything in `axon/runtime`, plus artifact files
 * on disk, worker threads and Dawn's WebGPU (the optional package `webgpu`).
 * @module axon/runtime/node
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSession as createBrowserSafeSession, decodeArtifactFile, type SessionOptions } from '../index.ts';
import type { Artifact } from '../artifact.ts';
import { sealArtifact, verifyArtifactFiles } from '../artifact-integrity.ts';
import { filesToLoad, validateManifest } from '../manifest-validate.ts';
import { writeDirAtomic, type DirWriteIo } from './atomic-dir.ts';
import type { Session } from '../session.ts';
import { createNodeWebGpuSession } from './webgpu.ts';
import { nodeWasmWorkers } from './wasm-workers.ts';
import { enableRelaxedSimdInNode } from './wasm-relaxed.ts';

export * from '../index.ts';

/**
 * createSession for Node: Dawn's GPU for WebGPU artifacts (unless a device/gpu is given), and for
 * WASM, worker_threads for threaded artifacts and relaxed SIMD switched on in V8.
 */
export function createSession(artifact: Artifact, options: SessionOptions = {}): Promise<Session> {
  if (artifact.manifest.backend === 'wasm') {
    if (artifact.manifest.wasm?.relaxedModule && options.relaxedSimd !== false) enableRelaxedSimdInNode();
    const threaded = (options.threads ?? 1) > 1 && artifact.manifest.wasm?.threads;
    return createBrowserSafeSession(artifact, threaded ? { spawnWorker: nodeWasmWorkers, ...options } : options);
  }
  return createNodeWebGpuSession(artifact, options);
}

export interface SaveArtifactOptions {
  /** file operations (tests inject failures) */
  io?: DirWriteIo;
}

/**
 * Writes the artifact as directory `dir`: manifest.json (with every file's size and SHA-256),
 * weights.bin and the module files. Atomic: the files go into a temporary sibling that replaces
 * `dir` only when all are written, so a failure leaves the previous artifact whole. An existing
 * `dir` is replaced only if it is empty or holds an artifact (a manifest.json).
 */
export async function saveArtifact(artifact: Artifact, dir: string, options: SaveArtifactOptions = {}): Promise<void> {
  const sealed = await sealArtifact(artifact);
  const files: [string, Uint8Array | string][] = Object.entries(sealed.files);
  files.push(['manifest.json', JSON.stringify(sealed.manifest, null, 1)]);
  await writeDirAtomic(dir, files, { ...(options.io ? { io: options.io } : {}), replaceable: notAnArtifactDir });
}

async function notAnArtifactDir(path: string): Promise<string | null> {
  const entries = await readdir(path);
  if (entries.length === 0 || entries.includes('manifest.json')) return null;
  return `it is a non-empty directory without a manifest.json (not an Axon artifact), so it is not replaced; choose a new or empty folder`;
}

/**
 * Reads an artifact directory: manifest.json, validated, then exactly the files it lists (plain
 * names inside `dir`, regular files only), each checked against its recorded size and SHA-256.
 */
export async function loadArtifact(dir: string): Promise<Artifact> {
  const manifestPath = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new Error(`loadArtifact: ${dir} holds no manifest.json (is it a directory written by 'axon compile'?)`);
    }
    throw new Error(`loadArtifact: cannot read ${manifestPath}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`loadArtifact: ${manifestPath} is not valid JSON (${(e as Error).message})`);
  }
  const manifest = validateManifest(raw, { source: manifestPath, requireFileList: true });
  const raws: Record<string, Uint8Array> = {};
  for (const name of filesToLoad(manifest)) {
    const path = join(dir, name);
    const st = await lstat(path).catch(() => null);
    if (!st) throw new Error(`loadArtifact: ${path} is missing (the manifest lists it)`);
    if (!st.isFile()) throw new Error(`loadArtifact: ${path} is not a regular file (a link or folder); an artifact holds plain files only`);
    const buf = await readFile(path);
    raws[name] = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  await verifyArtifactFiles(manifest, raws, `loadArtifact: ${dir}`);
  const files: Artifact['files'] = {};
  for (const [name, bytes] of Object.entries(raws)) files[name] = decodeArtifactFile(name, bytes);
  return { manifest, files };
}
