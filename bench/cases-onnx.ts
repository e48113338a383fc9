/**
 * Issue 14 §8: real architectures from ONNX files, the same file for every system. The files are
 * exported from torchvision (random weights, batch 1) by scripts/make-onnx-models.py into the
 * ignored cache; they are too large for git (ResNet-18 is 45 MB). Each system reads the file
 * itself: Axon through importOnnx, ONNX Runtime directly; TF.js and jax-js have no ONNX reader.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mulberry32 } from '../runtime/data/prng.ts';
import type { BenchCase } from './cases.ts';

export const ONNX_MODEL_DIR = 'node_modules/.cache/axon/onnx-models';

/** multiply-adds × 2 per image, as torchvision's model cards count them (GFLOPS at 224×224) */
const MODELS = {
  resnet18: { file: 'resnet18.onnx', input: [1, 3, 224, 224], flops: 2 * 1.814e9, title: 'ResNet-18 (torchvision)' },
  mobilenetv2: { file: 'mobilenet_v2.onnx', input: [1, 3, 224, 224], flops: 2 * 0.301e9, title: 'MobileNetV2 (torchvision)' },
} as const;
export type OnnxBenchModel = keyof typeof MODELS;

export type OnnxWorkload = { kind: 'onnx-infer'; model: OnnxBenchModel; batch: 1 };

export const ONNX_CASES: BenchCase[] = (Object.keys(MODELS) as OnnxBenchModel[]).map((model) => ({
  name: `${model}-infer-b1`,
  workload: { kind: 'onnx-infer', model, batch: 1 },
  metric: 'samples_per_s',
  samples: 1,
  quick: false,
  description: `${MODELS[model].title} inference from ${MODELS[model].file}, batch 1, 3×224×224 (${(MODELS[model].flops / 1e9).toFixed(2)} GFLOP)`,
}));

/** The ONNX file of a case, or an error that says how to generate it. */
export function onnxCaseFile(w: OnnxWorkload): string {
  const path = `${ONNX_MODEL_DIR}/${MODELS[w.model].file}`;
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: generate the ONNX models once with \`/usr/bin/python3 scripts/make-onnx-models.py\` (needs Debian's python3-torch, python3-torchvision, python3-onnx; or \`AXON_SETUP_PYTHON=1 bash scripts/setup-system.sh\`)`);
  }
  return path;
}

export const onnxCaseBytes = (w: OnnxWorkload): Uint8Array => readFileSync(onnxCaseFile(w));

/** The models' graph input and output names (as scripts/make-onnx-models.py exports them). */
export const ONNX_IO = { input: 'input', output: 'logits' } as const;

/** One deterministic image in [-1, 1), the same for every system. */
export function onnxCaseInput(w: OnnxWorkload): { shape: number[]; data: Float32Array } {
  const shape: number[] = [...MODELS[w.model].input];
  const next = mulberry32(61);
  return { shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next() * 2 - 1) };
}

/** Why the peers without an ONNX reader cannot run these cases (reported as "not supported"). */
export const NO_ONNX_READER = {
  tfjs: 'TF.js cannot read ONNX: tfjs-converter takes TF SavedModel/Keras/TF-Hub only, and the ONNX → TF path (onnx-tf, then tensorflowjs_converter) needs Python TensorFlow, which Debian does not package',
  jax: 'jax-js reads ONNX only through its separate @jax-js/onnx package, which is not installed here',
} as const;

/** supports() for systems without an ONNX reader that run every other case */
export const unlessOnnx = (why: string) => (c: BenchCase): true | string => (c.workload.kind === 'onnx-infer' ? why : true);
