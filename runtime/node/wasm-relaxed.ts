/**
 * Node 20 ships relaxed SIMD behind a V8 flag. Setting it at run time works as long as it
 * happens before the first relaxed module is validated or compiled.
 */
import { setFlagsFromString } from 'node:v8';

export function enableRelaxedSimdInNode(): void {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}
