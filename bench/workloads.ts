/**
 * Deterministic inputs and initial weights for every case, in one canonical layout (NCHW
 * activations, OIHW conv filters, dense weights as [in, out] so y = x·W + b). Every system gets
 * the same numbers and converts layouts itself, so first-run checksums are comparable.
 */
import { CNN, CONV, MLP, type Workload } from './cases.ts';
import { mulberry32 } from '../runtime/data/prng.ts';

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** mulberry32 (shared with the data pipeline): tiny, fast and reproducible; benchmark inputs, not statistics */
const rng = mulberry32;

function uniform(shape: number[], scale: number, seed: number): Tensor {
  const next = rng(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = (next() * 2 - 1) * scale;
  return { shape, data };
}

/** Glorot-uniform-like scale from fan-in + fan-out. */
const glorot = (fanIn: number, fanOut: number) => Math.sqrt(6 / (fanIn + fanOut));
const zeros = (shape: number[]): Tensor => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

/** One-hot labels [batch, classes], cycling through the classes. */
function oneHot(batch: number, classes: number): Tensor {
  const t = zeros([batch, classes]);
  for (let i = 0; i < batch; i++) t.data[i * classes + (i * 7 + 3) % classes] = 1;
  return t;
}

export interface MlpParams { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor }
export interface CnnParams { k1: Tensor; c1: Tensor; k2: Tensor; c2: Tensor; w3: Tensor; b3: Tensor; w4: Tensor; b4: Tensor }

export function mlpParams(): MlpParams {
  return {
    w1: uniform([MLP.input, MLP.hidden], glorot(MLP.input, MLP.hidden), 11),
    b1: uniform([MLP.hidden], 0.01, 12),
    w2: uniform([MLP.hidden, MLP.classes], glorot(MLP.hidden, MLP.classes), 13),
    b2: uniform([MLP.classes], 0.01, 14),
  };
}

export function cnnParams(): CnnParams {
  return {
    k1: uniform([CNN.c1, 1, 3, 3], glorot(9, CNN.c1 * 9), 21),
    c1: uniform([CNN.c1], 0.01, 22),
    k2: uniform([CNN.c2, CNN.c1, 3, 3], glorot(CNN.c1 * 9, CNN.c2 * 9), 23),
    c2: uniform([CNN.c2], 0.01, 24),
    w3: uniform([CNN.flat, CNN.hidden], glorot(CNN.flat, CNN.hidden), 25),
    b3: uniform([CNN.hidden], 0.01, 26),
    w4: uniform([CNN.hidden, CNN.classes], glorot(CNN.hidden, CNN.classes), 27),
    b4: uniform([CNN.classes], 0.01, 28),
  };
}

export function matmulInputs(n: number) {
  return { a: uniform([n, n], 1, 1), b: uniform([n, n], 1, 2) };
}

export function convInputs(batch: number) {
  const { inC, outC, size, kernel } = CONV;
  return {
    x: uniform([batch, inC, size, size], 1, 31),
    w: uniform([outC, inC, kernel, kernel], glorot(inC * 9, outC * 9), 32),
    b: uniform([outC], 0.01, 33),
    /** upstream gradient dL/dy for the backward case, so every output element matters */
    dy: uniform([batch, outC, size, size], 1, 34),
  };
}

export const mlpBatch = (batch: number) => ({ x: uniform([batch, MLP.input], 1, 41), labels: oneHot(batch, MLP.classes) });
export const cnnBatch = (batch: number) => ({ x: uniform([batch, 1, CNN.image, CNN.image], 1, 51), labels: oneHot(batch, CNN.classes) });

/** Dropout changes the loss by design, so training checksums are only compared without it. */
export const hasRandomness = (w: Workload) => w.kind === 'cnn-train';

// ---- layout helpers the NHWC systems use ----

/** [N, C, H, W] → [N, H, W, C] */
export function nchwToNhwc(t: Tensor): Tensor {
  const [n, c, h, w] = t.shape;
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    out[((i * h + y) * w + x) * c + ch] = t.data[((i * c + ch) * h + y) * w + x];
  }
  return { shape: [n, h, w, c], data: out };
}

/** conv filter [O, I, KH, KW] → [KH, KW, I, O] */
export function oihwToHwio(t: Tensor): Tensor {
  const [o, i, kh, kw] = t.shape;
  const out = new Float32Array(t.data.length);
  for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    out[((y * kw + x) * i + b) * o + a] = t.data[((a * i + b) * kh + y) * kw + x];
  }
  return { shape: [kh, kw, i, o], data: out };
}

/**
 * The dense layer after flatten sees (C, H, W) order in NCHW but (H, W, C) in NHWC; permuting
 * its rows keeps the two layouts computing the same function.
 */
export function flattenRowsChwToHwc(w: Tensor, c: number, h: number, wd: number): Tensor {
  const cols = w.shape[1];
  const out = new Float32Array(w.data.length);
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) {
    const src = (ch * h + y) * wd + x, dst = (y * wd + x) * c + ch;
    out.set(w.data.subarray(src * cols, src * cols + cols), dst * cols);
  }
  return { shape: w.shape, data: out };
}
