/**
 * Web Workers for the wasm thread pool in a browser (see threads.ts). A shared WebAssembly.Memory
 * needs SharedArrayBuffer, which a page only has when it is cross-origin isolated (served with
 * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`);
 * otherwise sessions run on one thread and say so once on the console.
 */
import { WASM_WORKER_MAIN, type WasmWorkerSpawner } from './threads.ts';

const WORKER_SOURCE = `${WASM_WORKER_MAIN}
self.onmessage = (event) => { self.onmessage = null; start(event.data, (m) => self.postMessage(m)); };`;

let workerUrl: string | undefined;

/** Spawns a classic worker from a Blob URL (no extra file to serve); it inherits the page's COEP. */
export const browserWasmWorkers: WasmWorkerSpawner = (module, memory, index) => {
  workerUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(workerUrl, { name: `axon-wasm-${index}` });
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (e) => reject(new Error(`wasm worker ${index}: ${e.message || 'failed to start'}`));
  });
  worker.postMessage({ module, memory, index });
  return { ready, terminate: () => worker.terminate() };
};

let noted = false;

/**
 * Whether this page can run a wasm thread pool: it is a browser page that is cross-origin
 * isolated and has Worker and SharedArrayBuffer. When threads were asked for but cannot run, a
 * note says why (once per page).
 */
export function browserCanRunThreads(requested: number): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; SharedArrayBuffer?: unknown };
  const ok = g.crossOriginIsolated === true && typeof g.Worker === 'function' && typeof g.SharedArrayBuffer === 'function';
  if (!ok && requested > 1 && !noted) {
    noted = true;
    console.info(`Axon: running WebAssembly on 1 thread instead of ${requested}: the page is not cross-origin isolated `
      + '(serve it with "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp" for SharedArrayBuffer and worker threads).');
  }
  return ok;
}
