/**
 * The runtime for Node (`axon/runtime/node`): everything in `axon/runtime`, plus artifact files
 * on disk, worker threads and Dawn's WebGPU (the optional package `webgpu`).
 * @module axon/runtime/node
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { artifactFileNames, createSession as createBrowserSafeSession, type SessionOptions } from '../index.ts';
import { validateManifest, type Artifact } from '../artifact.ts';
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

/** Writes manifest.json, weights.bin and the module files into `dir` (created if needed). */
export async function saveArtifact(artifact: Artifact, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, data] of Object.entries(artifact.files)) {
    const tmp = join(dir, `.${name}.tmp`);
    await writeFile(tmp, data);
    await rename(tmp, join(dir, name));
  }
  const tmp = join(dir, '.manifest.json.tmp');
  await writeFile(tmp, JSON.stringify(artifact.manifest, null, 1));
  await rename(tmp, join(dir, 'manifest.json'));
}

export async function loadArtifact(dir: string): Promise<Artifact> {
  let text: string;
  try {
    text = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch {
    throw new Error(`loadArtifact: ${dir} holds no manifest.json (is it a directory written by 'axon compile'?)`);
  }
  const manifest = validateManifest(JSON.parse(text));
  const files: Artifact['files'] = {};
  for (const name of ['weights.bin', ...artifactFileNames(manifest)]) {
    const buf = await readFile(join(dir, name));
    files[name] = name.endsWith('.wgsl') ? buf.toString('utf8') : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  return { manifest, files };
}
