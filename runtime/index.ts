/**
 * The Axon runtime (`axon/runtime`, browser-safe): load an artifact and run it, with no compiler
 * code. In Node, import `axon/runtime/node` instead: it adds file I/O and Dawn's GPU.
 * @module axon/runtime
 */
import type { Artifact } from './artifact.ts';
import { verifyArtifactFiles } from './artifact-integrity.ts';
import { checkInitAgainstWeights, filesToLoad, validateManifest } from './manifest-validate.ts';
import type { Session } from './session.ts';
import { createWasmSession, type WasmSessionOptions } from './wasm/session.ts';
import { browserCanRunThreads, browserWasmWorkers } from './wasm/browser-workers.ts';
import { createWebGpuSession, type WebGpuSessionOptions } from './webgpu/session.ts';

export type { Artifact, ArtifactFile, Backend, Manifest, TensorSpec } from './artifact.ts';
export type { Session, Feeds, Outputs, TensorData } from './session.ts';
export { artifactFileNames, checkFileName, validateManifest } from './manifest-validate.ts';
export { sealArtifact, verifyArtifactFiles } from './artifact-integrity.ts';
export { bakeWeights } from './artifact-weights.ts';

/** WebGPU: the device or GPU to use; WASM: relaxed SIMD, thread count and a worker spawner. */
export type SessionOptions = WebGpuSessionOptions & WasmSessionOptions;

/**
 * In a browser, a threaded WASM session gets Web Workers (runtime/wasm/browser-workers.ts) when the
 * page is cross-origin isolated, and runs on one thread with a console note when it is not.
 */
export function createSession(artifact: Artifact, options: SessionOptions = {}): Promise<Session> {
  const manifest = validateManifest(artifact.manifest, { source: `artifact "${String(artifact.manifest?.name)}"` });
  const weights = artifact.files['weights.bin'];
  checkInitAgainstWeights(manifest, weights === undefined ? 0 : typeof weights === 'string' ? new TextEncoder().encode(weights).length : weights.byteLength);
  const checked = { manifest, files: artifact.files };
  if (manifest.backend !== 'wasm') return createWebGpuSession(checked, options);
  const threads = options.threads ?? 1;
  if (threads > 1 && !options.spawnWorker && manifest.wasm?.threads) {
    return createWasmSession(checked, browserCanRunThreads(threads) ? { ...options, spawnWorker: browserWasmWorkers } : { ...options, threads: 1 });
  }
  return createWasmSession(checked, options);
}

/** Text files (WGSL shaders) are handed to sessions as strings, every other file as bytes. */
export function decodeArtifactFile(name: string, bytes: Uint8Array): Uint8Array | string {
  return name.endsWith('.wgsl') ? new TextDecoder().decode(bytes) : bytes;
}

/**
 * Fetches an artifact directory written by `axon compile` (or saveArtifact) from a URL: the
 * manifest, then exactly the files it lists (plain names, resolved inside `baseUrl`), each
 * checked against its recorded size and SHA-256.
 */
export async function fetchArtifact(baseUrl: string): Promise<Artifact> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const manifestUrl = `${base}manifest.json`;
  const res = await fetch(manifestUrl);
  if (!res.ok) throw new Error(`fetchArtifact: ${manifestUrl}: HTTP ${res.status}`);
  let raw: unknown;
  try {
    raw = await res.json();
  } catch (e) {
    throw new Error(`fetchArtifact: ${manifestUrl} is not valid JSON (${(e as Error).message})`);
  }
  const manifest = validateManifest(raw, { source: manifestUrl, requireFileList: true });
  const raws: Record<string, Uint8Array> = {};
  await Promise.all(filesToLoad(manifest).map(async (name) => {
    const url = `${base}${name}`;
    const r = await fetch(url);
    if (!r.ok) throw new Error(`fetchArtifact: ${url}: HTTP ${r.status}`);
    raws[name] = new Uint8Array(await r.arrayBuffer());
  }));
  await verifyArtifactFiles(manifest, raws, `fetchArtifact: ${base}`);
  const files: Artifact['files'] = {};
  for (const [name, bytes] of Object.entries(raws)) files[name] = decodeArtifactFile(name, bytes);
  return { manifest, files };
}
