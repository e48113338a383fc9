/** Loads tfjs-backend-wasm from its package directory, with SIMD and optionally threads. */
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { tfjsVersion, useBackend } from './tfjs.ts';
import type { SystemInfo } from '../system.ts';

export async function initTfjsWasm(threads: number): Promise<SystemInfo> {
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(dist + '/');
  // tfjs reports no thread support in Node; forcing it is how we find out whether it works
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  if (threads > 1) wasm.setThreadsCount(threads);
  const restore = threads > 1 ? pthreadWorkersFromFiles(path.join(dist, '..', 'wasm-out')) : () => {};
  try {
    await useBackend('wasm');
  } finally {
    restore();
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  if (!simd) throw new Error('tfjs-backend-wasm: this Node has no wasm SIMD');
  // The pthread workers now load (8 are preallocated), but XNNPACK's pool still comes back with
  // one thread in Node (none of the workers ever runs, also when the pool is re-created later):
  // a "2 threads" row that runs on one would be a wrong label, so the system says so instead.
  if (wasm.getThreadsCount() < threads) {
    throw new Error(`tfjs-backend-wasm in Node: setThreadsCount(${threads}) gives a pool of ${wasm.getThreadsCount()} thread(s) (the pthread workers load but never run)`);
  }
  return { versions: { '@tensorflow/tfjs-core': tfjsVersion(), '@tensorflow/tfjs-backend-wasm': wasm.version_wasm }, notes: [`SIMD, ${wasm.getThreadsCount()} thread(s)`] };
}

/** The pthread worker's import of its main script from a Blob, which Node's importScripts shim cannot read. */
const BLOB_IMPORT = 'else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

/**
 * The threaded build starts its pthreads from Blob URLs (the worker script, and inside it the
 * main script), and Node's worker_threads refuse them: `ERR_WORKER_PATH: The worker script or
 * module filename must be an absolute path … Received "blob:nodedata:…"`. The emscripten worker
 * script itself supports Node, so while the backend initializes (its pool starts then),
 * URL.createObjectURL hands emscripten a file holding that script, edited to import the main
 * script from its file in the package instead of from the Blob. Returns the undo.
 */
function pthreadWorkersFromFiles(wasmOut: string): () => void {
  // the script as a string inside a module, its string literals' \n escapes turned into newlines (tfjs re-escapes them the same way)
  const module = createRequire(import.meta.url)(path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const contents = module.wasmWorkerContents.replace(/\n/g, '\\n');
  if (!contents.includes(BLOB_IMPORT)) throw new Error('tfjs-backend-wasm: the pthread worker script changed; bench/peers/tfjs-wasm.ts cannot start its threads in Node');
  const mainScript = path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tfjs-wasm-')), 'pthread-worker.cjs');
  writeFileSync(file, contents.replace(BLOB_IMPORT, `else{importScripts(${JSON.stringify(mainScript)})}`));
  const original = URL.createObjectURL;
  URL.createObjectURL = (obj: Blob) => (obj.type === 'application/javascript' ? file : original(obj));
  return () => { URL.createObjectURL = original; };
}
