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
  const ort = (webgpu ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web')) as typeof import('onnxruntime-web');
  // the main entry sits in dist/ beside the .wasm files
  const dist = path.dirname(require.resolve('onnxruntime-web'));
  ort.env.wasm.wasmPaths = pathToFileURL(dist + '/').href;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  return ort;
}
