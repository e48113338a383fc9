/**
 * The Axon runtime (browser-safe): load an artifact and run it, with no compiler code.
 * In Node, import runtime/node/index.ts instead: it adds file I/O and Dawn's GPU.
 */
import { validateManifest, type Artifact } from './artifact.ts';
import type { Session } from './session.ts';
import { createWasmSession, type WasmSessionOptions } from './wasm/session.ts';
import { browserCanRunThreads, browserWasmWorkers } from './wasm/browser-workers.ts';
import { createWebGpuSession, type WebGpuSessionOptions } from './webgpu/session.ts';

export type { Artifact, Manifest, TensorSpec } from './artifact.ts';
export type { Session, Feeds, Outputs, TensorData } from './session.ts';

/** WebGPU: the device or GPU to use; WASM: relaxed SIMD, thread count and a worker spawner. */
export type SessionOptions = WebGpuSessionOptions & WasmSessionOptions;

/**
 * In a browser, a threaded WASM session gets Web Workers (runtime/wasm/browser-workers.ts) when the
 * page is cross-origin isolated, and runs on one thread with a console note when it is not.
 */
export function createSession(artifact: Artifact, options: SessionOptions = {}): Promise<Session> {
  const manifest = validateManifest(artifact.manifest);
  if (manifest.backend !== 'wasm') return createWebGpuSession(artifact, options);
  const threads = options.threads ?? 1;
  if (threads > 1 && !options.spawnWorker && manifest.wasm?.threads) {
    return createWasmSession(artifact, browserCanRunThreads(threads) ? { ...options, spawnWorker: browserWasmWorkers } : { ...options, threads: 1 });
  }
  return createWasmSession(artifact, options);
}

/** Fetches an artifact directory written by `axon compile` (or saveArtifact) from a URL. */
export async function fetchArtifact(baseUrl: string): Promise<Artifact> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const res = await fetch(`${base}manifest.json`);
  if (!res.ok) throw new Error(`fetchArtifact: ${base}manifest.json: HTTP ${res.status}`);
  const manifest = validateManifest(await res.json());
  const files: Artifact['files'] = {};
  const names = ['weights.bin', ...artifactFileNames(manifest)];
  await Promise.all(names.map(async (name) => {
    const r = await fetch(`${base}${name}`);
    if (!r.ok) throw new Error(`fetchArtifact: ${base}${name}: HTTP ${r.status}`);
    files[name] = name.endsWith('.wgsl') ? await r.text() : new Uint8Array(await r.arrayBuffer());
  }));
  return { manifest, files };
}

/** The module files an artifact's manifest refers to (besides weights.bin). */
export function artifactFileNames(manifest: Artifact['manifest']): string[] {
  const names = new Set<string>();
  if (manifest.wasm) {
    names.add(manifest.wasm.module);
    if (manifest.wasm.relaxedModule) names.add(manifest.wasm.relaxedModule);
    if (manifest.wasm.threads) {
      names.add(manifest.wasm.threads.module);
      if (manifest.wasm.threads.relaxedModule) names.add(manifest.wasm.threads.relaxedModule);
    }
  }
  for (const d of manifest.webgpu?.dispatches ?? []) names.add(d.shader);
  return [...names];
}
