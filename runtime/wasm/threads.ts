/**
 * How a wasm session gets worker threads for its pool, independent of the host: Node passes
 * runtime/node/wasm-workers.ts; a browser page browser-workers.ts (Web Workers; runtime/index.ts's
 * createSession picks it when the page is cross-origin isolated).
 * Each worker instantiates the same module on the same shared memory and calls
 * `workerLoop(index)`, which returns only after the session calls `threadsStop()`.
 */
export interface WasmWorkerHandle {
  /** resolves once the worker has instantiated the module and entered its loop */
  ready: Promise<void>;
  terminate(): void;
}

export type WasmWorkerSpawner = (module: WebAssembly.Module, memory: WebAssembly.Memory, index: number) => WasmWorkerHandle;

/** The worker's whole program, as plain JS shared by hosts (it receives one message). */
export const WASM_WORKER_MAIN = `
async function start({ module, memory, index }, post) {
  const instance = await WebAssembly.instantiate(module, { env: { memory, abort() { throw new Error('wasm kernel aborted in worker ' + index); } } });
  post('ready');
  instance.exports.workerLoop(index);
}`;
