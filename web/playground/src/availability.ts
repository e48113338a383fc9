/** Which backends this browser can run, and why not when it cannot. */
import type { Backend as BackendName } from '../../../runtime/index.ts';

export interface Availability {
  ok: boolean;
  reason: string;
}

/** The smallest module using a SIMD instruction (i8x16.splat of 0): validates only where WASM SIMD is on. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

function wasmSimd(): Availability {
  if (typeof WebAssembly !== 'object') return { ok: false, reason: 'this browser has no WebAssembly' };
  try {
    return WebAssembly.validate(SIMD_PROBE) ? { ok: true, reason: 'WebAssembly SIMD' } : { ok: false, reason: 'this browser does not support WebAssembly SIMD' };
  } catch (e) {
    return { ok: false, reason: `WebAssembly SIMD check failed: ${(e as Error).message}` };
  }
}

async function webgpu(): Promise<Availability> {
  if (!('gpu' in navigator) || !navigator.gpu) {
    return { ok: false, reason: window.isSecureContext ? 'this browser does not expose WebGPU (navigator.gpu)' : 'WebGPU needs a secure context (https or localhost)' };
  }
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { ok: false, reason: 'WebGPU is present but no adapter is available (blocklisted GPU or driver?)' };
    const info = adapter.info;
    const name = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ');
    return { ok: true, reason: name ? `WebGPU: ${name}` : 'WebGPU' };
  } catch (e) {
    return { ok: false, reason: `requesting a WebGPU adapter failed: ${(e as Error).message}` };
  }
}

export async function detectBackends(): Promise<Record<BackendName, Availability>> {
  return { wasm: wasmSimd(), webgpu: await webgpu() };
}
