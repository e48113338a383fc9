/** Node worker_threads for the wasm session's thread pool (see runtime/wasm/threads.ts). */
import { Worker } from 'node:worker_threads';
import { WASM_WORKER_MAIN, type WasmWorkerSpawner } from '../wasm/threads.ts';

const source = `${WASM_WORKER_MAIN}
const { parentPort } = require('node:worker_threads');
parentPort.once('message', (msg) => start(msg, (m) => parentPort.postMessage(m)));`;

export const nodeWasmWorkers: WasmWorkerSpawner = (module, memory, index) => {
  const worker = new Worker(source, { eval: true });
  // a worker parked in its loop must not keep the process alive
  worker.unref();
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  worker.postMessage({ module, memory, index });
  return { ready, terminate: () => void worker.terminate() };
};
