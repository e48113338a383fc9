/** Loads onnxruntime-web in Node with its wasm files from the package directory. */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * `webgpu` picks the browser build with the WebGPU EP (the Node entry has only wasm); it
 * finds the GPU through navigator.gpu, which must be installed first.
 */
export async function loadOrtWeb(threads: number, webgpu = false) {
  const require = createRequire(import.meta.url);
  if (webgpu) copySharedWriteBuffers();
  const ort = (webgpu ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web')) as typeof import('onnxruntime-web');
  // the main entry sits in dist/ beside the .wasm files
  const dist = path.dirname(require.resolve('onnxruntime-web'));
  ort.env.wasm.wasmPaths = pathToFileURL(dist + '/').href;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  return ort;
}

/**
 * ORT's WebGPU EP uploads straight from its wasm heap, a SharedArrayBuffer (the build is
 * threaded), with `queue.writeBuffer(buffer, offset, heapView, 0, size)`. Browsers accept shared
 * views; Dawn's Node binding rejects them with a bare `Error: Invalid argument` at the first
 * session.run. Such uploads go through an unshared copy of the range instead.
 */
function copySharedWriteBuffers(): void {
  const queue = (globalThis as { GPUQueue?: { prototype: GPUQueue } }).GPUQueue?.prototype;
  if (!queue) throw new Error('onnxruntime-web WebGPU: no GPUQueue global (install navigator.gpu first)');
  const original = queue.writeBuffer as (...args: unknown[]) => undefined;
  if ((original as { unshared?: true }).unshared) return;
  const writeBuffer = function (this: GPUQueue, buffer: GPUBuffer, offset: number, data: ArrayBufferView | ArrayBuffer, dataOffset = 0, size?: number) {
    if (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer) {
      const bytesPerElement = (data as Uint8Array).BYTES_PER_ELEMENT ?? 1;
      const start = data.byteOffset + dataOffset * bytesPerElement;
      const length = (size ?? data.byteLength / bytesPerElement - dataOffset) * bytesPerElement;
      return original.call(this, buffer, offset, new Uint8Array(data.buffer, start, length).slice(), 0, length);
    }
    return original.call(this, buffer, offset, data, dataOffset, size);
  };
  queue.writeBuffer = Object.assign(writeBuffer, { unshared: true as const }) as GPUQueue['writeBuffer'];
}
