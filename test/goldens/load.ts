// Typed access to the PyTorch goldens written by scripts/make-goldens.py (format: README.md here).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type GoldenDType = 'f32' | 'i32';

/** A row-major tensor; shape [] is a scalar holding one value. */
export interface GoldenTensor {
  shape: number[];
  /** present on inputs and outputs; cotangents and grads are always f32 */
  dtype?: GoldenDType;
  data: number[];
}

export interface GoldenCase {
  id: string;
  op: string;
  attrs: Record<string, unknown>;
  /** in the op's argument order (JSON key order is preserved by JSON.parse) */
  inputs: Record<string, GoldenTensor>;
  /** upstream gradient of outputs.out; null when out is a scalar (seed 1) or has no grads */
  cotangent: GoldenTensor | null;
  outputs: Record<string, GoldenTensor>;
  /** gradient of outputs.out (weighted by the cotangent) with respect to the named inputs */
  grads: Record<string, GoldenTensor>;
}

const goldensDir = dirname(fileURLToPath(import.meta.url));

/** Names of the families present (file stems), e.g. 'elementwise', 'conv', 'optim'. */
export function listGoldenFamilies(): string[] {
  return readdirSync(goldensDir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .sort();
}

export function loadGoldens(family: string): GoldenCase[] {
  const path = join(goldensDir, `${family}.json`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`no golden family '${family}' (expected ${path}); have: ${listGoldenFamilies().join(', ')}`);
  }
  return JSON.parse(text) as GoldenCase[];
}

export function goldenSize(tensor: GoldenTensor): number {
  return tensor.shape.reduce((n, d) => n * d, 1);
}

/** f32 tensors become Float64Array (full golden precision), i32 tensors Int32Array. */
export function toTypedArray(tensor: GoldenTensor): Float64Array | Int32Array {
  return tensor.dtype === 'i32' ? Int32Array.from(tensor.data) : Float64Array.from(tensor.data);
}

/** Inputs and cotangents are exactly float32-representable, so this conversion is lossless for them. */
export function toFloat32Array(tensor: GoldenTensor): Float32Array {
  if (tensor.dtype === 'i32') throw new Error('toFloat32Array: golden tensor is i32');
  return Float32Array.from(tensor.data);
}
