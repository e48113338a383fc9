/**
 * The jax-js implementation of every case, shared by its wasm and webgpu devices. Whole steps
 * (forward, gradients and the Adam update) go through jit, as a jax-js user would write them.
 * jax-js functions consume their array arguments (reference counting), hence the `.ref`s.
 */
import * as jax from '@jax-js/jax';
import { ADAM, CNN, type BenchCase } from '../cases.ts';
import { NO_ONNX_READER } from '../cases-onnx.ts';
import { checksum, type PreparedCase } from '../system.ts';
import * as W from '../workloads.ts';
import { prepareJaxGptCase } from './gpt-jax.ts';

const { numpy: np, jit, valueAndGrad, nn, lax, random } = jax;
type A = jax.Array;

const arr = (t: W.Tensor): A => np.array(t.data as Float32Array<ArrayBuffer>).reshape(t.shape);

async function readSum(x: A): Promise<number> {
  return checksum((await x.data()) as Float32Array);
}

const dense = (x: A, w: A, b: A) => np.matmul(x, w).add(b);
const mlpForward = (p: A[], x: A) => dense(nn.relu(dense(x, p[0], p[1])), p[2], p[3]);

const convBias = (x: A, k: A, b: A) => lax.conv(x, k, [1, 1], 'SAME').add(b.reshape([1, -1, 1, 1]));
function maxPool2(x: A): A {
  const [n, c, h, w] = x.shape;
  return np.max(x.reshape([n, c, h / 2, 2, w / 2, 2]), [3, 5]);
}
function cnnForward(p: A[], x: A, dropKey?: A): A {
  const n = x.shape[0];
  let h = maxPool2(nn.relu(convBias(x, p[0], p[1])));
  h = maxPool2(nn.relu(convBias(h, p[2], p[3])));
  if (dropKey) h = h.mul(random.bernoulli(dropKey, 1 - CNN.dropout, h.shape)).mul(1 / (1 - CNN.dropout));
  return dense(nn.relu(dense(h.reshape([n, CNN.flat]), p[4], p[5])), p[6], p[7]);
}

/** mean softmax cross-entropy against one-hot labels */
const crossEntropy = (logits: A, labels: A) => np.mean(np.sum(labels.mul(nn.logSoftmax(logits, -1)), -1)).mul(-1);

/**
 * A jitted training step: loss and gradients, then Adam with bias correction folded into the
 * learning rate (lrT), which comes in as an array so the step compiles once.
 */
function adamTrainer(init: A[], loss: (p: A[], x: A, y: A, key?: A) => A, x: A, y: A, withKey: boolean): PreparedCase {
  // the dropout key, when there is one, is a trailing argument: jit takes no undefined arguments
  const step = jit((p: A[], m: A[], v: A[], lrT: A, xb: A, yb: A, ...key: A[]) => {
    const [value, g] = valueAndGrad((pp: A[]) => loss(pp, xb, yb, key[0]))(p.map((q) => q.ref));
    const m2 = m.map((mi, i) => mi.mul(ADAM.beta1).add(g[i].ref.mul(1 - ADAM.beta1)));
    const v2 = v.map((vi, i) => vi.mul(ADAM.beta2).add(g[i].ref.mul(g[i]).mul(1 - ADAM.beta2)));
    const p2 = p.map((pi, i) => pi.sub(m2[i].ref.mul(lrT.ref).div(np.sqrt(v2[i].ref).add(ADAM.eps))));
    lrT.dispose();
    return [value, p2, m2, v2] as const;
  });
  let params = init;
  let m = init.map((q) => np.zerosLike(q.ref));
  let v = init.map((q) => np.zerosLike(q.ref));
  let t = 0;
  return {
    async run() {
      t++;
      const lrT = np.array([ADAM.lr * Math.sqrt(1 - ADAM.beta2 ** t) / (1 - ADAM.beta1 ** t)]);
      const key = withKey ? [random.key(t)] : [];
      const [value, p2, m2, v2] = step(params, m, v, lrT, x.ref, y.ref, ...key) as unknown as [A, A[], A[], A[]];
      params = p2; m = m2; v = v2;
      return readSum(value);
    },
    dispose: () => { [...params, ...m, ...v, x, y].forEach((a) => a.dispose()); step.dispose?.(); },
  };
}

export function prepareJaxCase(c: BenchCase): PreparedCase {
  const w = c.workload;
  switch (w.kind) {
    case 'matmul': {
      const { a, b } = W.matmulInputs(w.n);
      const A_ = arr(a), B_ = arr(b);
      const f = jit((x: A, y: A) => np.matmul(x, y));
      return { run: () => readSum(f(A_.ref, B_.ref)), dispose: () => { A_.dispose(); B_.dispose(); } };
    }
    case 'conv': {
      const d = W.convInputs(w.batch);
      const x = arr(d.x), k = arr(d.w), b = arr(d.b), dy = arr(d.dy);
      const free = () => [x, k, b, dy].forEach((a) => a.dispose());
      if (!w.backward) {
        const f = jit((xx: A, kk: A, bb: A) => convBias(xx, kk, bb));
        return { run: () => readSum(f(x.ref, k.ref, b.ref)), dispose: free };
      }
      const f = jit((args: A[], g: A) => valueAndGrad((aa: A[]) => np.sum(convBias(aa[0], aa[1], aa[2]).mul(g)))(args)[1]);
      return {
        async run() {
          const grads = f([x.ref, k.ref, b.ref], dy.ref) as unknown as A[];
          let s = 0;
          for (const gi of grads) s += await readSum(gi);
          return s;
        },
        dispose: free,
      };
    }
    case 'mlp-infer': {
      const p = Object.values(W.mlpParams()).map(arr);
      const x = arr(W.mlpBatch(w.batch).x);
      const f = jit((pp: A[], xx: A) => mlpForward(pp, xx));
      return { run: () => readSum(f(p.map((q) => q.ref), x.ref)), dispose: () => [...p, x].forEach((a) => a.dispose()) };
    }
    case 'mlp-train': {
      const d = W.mlpBatch(w.batch);
      return adamTrainer(Object.values(W.mlpParams()).map(arr), (p, x, y) => crossEntropy(mlpForward(p, x), y), arr(d.x), arr(d.labels), false);
    }
    case 'cnn-infer': {
      const p = Object.values(W.cnnParams()).map(arr);
      const x = arr(W.cnnBatch(w.batch).x);
      const f = jit((pp: A[], xx: A) => cnnForward(pp, xx));
      return { run: () => readSum(f(p.map((q) => q.ref), x.ref)), dispose: () => [...p, x].forEach((a) => a.dispose()) };
    }
    case 'cnn-train': {
      const d = W.cnnBatch(w.batch);
      return adamTrainer(Object.values(W.cnnParams()).map(arr), (p, x, y, key) => crossEntropy(cnnForward(p, x, key), y), arr(d.x), arr(d.labels), true);
    }
    case 'onnx-infer':
      throw new Error(NO_ONNX_READER.jax);
    case 'gpt-train': case 'gpt-sample': return prepareJaxGptCase(c);
  }
}

export async function initJax(device: 'wasm' | 'webgpu'): Promise<void> {
  const available = await jax.init(device);
  if (!available.includes(device)) throw new Error(`jax-js: device "${device}" is not available here (init returned ${available.join(', ') || 'none'})`);
  jax.defaultDevice(device);
}
