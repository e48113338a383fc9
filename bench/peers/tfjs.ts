/**
 * The TensorFlow.js implementation of every case, shared by its backends. It uses what a tfjs
 * user would for speed: NHWC layout, fused conv/matmul + bias + ReLU ops, tf.train.adam.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node build ships no gradients; the union package's build registers them on the same core
import '@tensorflow/tfjs';
import { ADAM, CNN, type BenchCase } from '../cases.ts';
import { NO_ONNX_READER } from '../cases-onnx.ts';
import { checksum, type PreparedCase } from '../system.ts';
import * as W from '../workloads.ts';
import { prepareTfjsGptCase } from './gpt-tfjs.ts';

const t = (x: W.Tensor) => tf.tensor(x.data, x.shape);
const nhwc = (x: W.Tensor) => t(W.nchwToNhwc(x));
const hwio = (x: W.Tensor) => t(W.oihwToHwio(x));

async function readSum(x: tf.Tensor): Promise<number> {
  const v = await x.data();
  x.dispose();
  return checksum(v as Float32Array);
}

function mlpVars() {
  const p = W.mlpParams();
  return { w1: tf.variable(t(p.w1)), b1: tf.variable(t(p.b1)), w2: tf.variable(t(p.w2)), b2: tf.variable(t(p.b2)) };
}
type MlpVars = ReturnType<typeof mlpVars>;
const mlpForward = (v: MlpVars, x: tf.Tensor2D) =>
  tf.fused.matMul({ a: tf.fused.matMul({ a: x, b: v.w1 as tf.Tensor2D, bias: v.b1, activation: 'relu' }), b: v.w2 as tf.Tensor2D, bias: v.b2 });

function cnnVars() {
  const p = W.cnnParams();
  return {
    k1: tf.variable(hwio(p.k1)), c1: tf.variable(t(p.c1)), k2: tf.variable(hwio(p.k2)), c2: tf.variable(t(p.c2)),
    w3: tf.variable(t(W.flattenRowsChwToHwc(p.w3, CNN.c2, 7, 7))), b3: tf.variable(t(p.b3)), w4: tf.variable(t(p.w4)), b4: tf.variable(t(p.b4)),
  };
}
type CnnVars = ReturnType<typeof cnnVars>;
function cnnForward(v: CnnVars, x: tf.Tensor4D, training: boolean): tf.Tensor2D {
  const conv = (h: tf.Tensor4D, k: tf.Variable, b: tf.Variable) =>
    tf.maxPool(tf.fused.conv2d({ x: h, filter: k as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' }), 2, 2, 'valid');
  let h = conv(conv(x, v.k1, v.c1), v.k2, v.c2);
  if (training) h = tf.dropout(h, CNN.dropout) as tf.Tensor4D;
  const flat = tf.reshape(h, [x.shape[0], CNN.flat]) as tf.Tensor2D;
  return tf.fused.matMul({ a: tf.fused.matMul({ a: flat, b: v.w3 as tf.Tensor2D, bias: v.b3, activation: 'relu' }), b: v.w4 as tf.Tensor2D, bias: v.b4 }) as tf.Tensor2D;
}

function trainer(vars: Record<string, tf.Variable>, loss: () => tf.Scalar): PreparedCase {
  const opt = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
  const list = Object.values(vars);
  return {
    run: () => readSum(opt.minimize(loss, true, list)!),
    dispose: () => { opt.dispose(); list.forEach((x) => x.dispose()); },
  };
}

function disposer(...xs: tf.Tensor[]) {
  return () => xs.forEach((x) => x.dispose());
}

export function prepareTfjsCase(c: BenchCase): PreparedCase {
  const w = c.workload;
  switch (w.kind) {
    case 'matmul': {
      const { a, b } = W.matmulInputs(w.n);
      const A = t(a) as tf.Tensor2D, B = t(b) as tf.Tensor2D;
      return { run: () => readSum(tf.matMul(A, B)), dispose: disposer(A, B) };
    }
    case 'conv': {
      const d = W.convInputs(w.batch);
      const x = nhwc(d.x) as tf.Tensor4D, k = hwio(d.w) as tf.Tensor4D, b = t(d.b), dy = nhwc(d.dy);
      const conv = (xx: tf.Tensor4D, kk: tf.Tensor4D, bb: tf.Tensor) => tf.fused.conv2d({ x: xx, filter: kk, strides: 1, pad: 'same', bias: bb });
      if (!w.backward) return { run: () => readSum(conv(x, k, b)), dispose: disposer(x, k, b, dy) };
      const grads = tf.grads((xx: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(conv(xx as tf.Tensor4D, kk as tf.Tensor4D, bb), dy)));
      return {
        run: async () => {
          const [gx, gk, gb] = grads([x, k, b]);
          // read every gradient: the sum of all three is the checksum
          return (await readSum(gx)) + (await readSum(gk)) + (await readSum(gb));
        },
        dispose: disposer(x, k, b, dy),
      };
    }
    case 'mlp-infer': {
      const v = mlpVars();
      const x = t(W.mlpBatch(w.batch).x) as tf.Tensor2D;
      return { run: () => readSum(tf.tidy(() => mlpForward(v, x))), dispose: disposer(x, ...Object.values(v)) };
    }
    case 'mlp-train': {
      const v = mlpVars();
      const d = W.mlpBatch(w.batch);
      const x = t(d.x) as tf.Tensor2D, y = t(d.labels);
      const p = trainer(v, () => tf.losses.softmaxCrossEntropy(y, mlpForward(v, x)) as tf.Scalar);
      return { run: p.run, dispose: () => { p.dispose(); x.dispose(); y.dispose(); } };
    }
    case 'cnn-infer': {
      const v = cnnVars();
      const x = nhwc(W.cnnBatch(w.batch).x) as tf.Tensor4D;
      return { run: () => readSum(tf.tidy(() => cnnForward(v, x, false))), dispose: disposer(x, ...Object.values(v)) };
    }
    case 'cnn-train': {
      const v = cnnVars();
      const d = W.cnnBatch(w.batch);
      const x = nhwc(d.x) as tf.Tensor4D, y = t(d.labels);
      const p = trainer(v, () => tf.losses.softmaxCrossEntropy(y, cnnForward(v, x, true)) as tf.Scalar);
      return { run: p.run, dispose: () => { p.dispose(); x.dispose(); y.dispose(); } };
    }
    case 'onnx-infer':
      throw new Error(NO_ONNX_READER.tfjs);
    case 'gpt-train': case 'gpt-sample': return prepareTfjsGptCase(c);
  }
}

/** Sets a tfjs backend and fails loudly if tfjs quietly fell back to another one. */
export async function useBackend(name: string): Promise<void> {
  // tfjs logs why a backend failed instead of throwing; keep that reason for the report
  const logged: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => { logged.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ')); };
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } finally {
    console.warn = warn;
  }
  if (!ok || tf.getBackend() !== name) {
    const why = logged.filter((l) => !/^Initialization of backend/.test(l)).pop() ?? 'no reason logged';
    throw new Error(`tfjs backend "${name}" failed to initialize: ${why.split('\n')[0]}`);
  }
}

const KERNELS_NEEDED: Partial<Record<BenchCase['workload']['kind'], string[]>> = {
  'cnn-train': ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'],
};

/** Cases needing kernels the active backend lacks are "not supported", with the kernel named. */
export function tfjsSupports(c: BenchCase): true | string {
  if (c.workload.kind === 'onnx-infer') return NO_ONNX_READER.tfjs;
  const needed = c.workload.kind === 'conv' && c.workload.backward ? ['Conv2DBackpropFilter', 'Conv2DBackpropInput'] : KERNELS_NEEDED[c.workload.kind] ?? [];
  const missing = needed.filter((k) => !tf.getKernel(k, tf.getBackend()));
  return missing.length ? `tfjs backend "${tf.getBackend()}" has no ${missing.join(', ')} kernel (needed for the backward pass)` : true;
}

export const tfjsVersion = () => tf.version_core;
