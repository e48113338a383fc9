/** Loads tfjs-backend-wasm from its package directory, with SIMD and optionally threads. */
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { tfjsVersion, useBackend } from './tfjs.ts';
import type { SystemInfo } from '../system.ts';

export async function initTfjsWasm(threads: number): Promise<SystemInfo> {
  const require = createRequire(import.meta.url);
  wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + '/');
  // tfjs reports no thread support in Node; forcing it is how we find out whether it works
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  if (threads > 1) wasm.setThreadsCount(threads);
  await useBackend('wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  if (!simd) throw new Error('tfjs-backend-wasm: this Node has no wasm SIMD');
  return { versions: { '@tensorflow/tfjs-core': tfjsVersion(), '@tensorflow/tfjs-backend-wasm': wasm.version_wasm }, notes: [`SIMD, ${wasm.getThreadsCount()} thread(s)`] };
}
