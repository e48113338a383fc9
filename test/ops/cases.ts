/**
 * Maps each golden case (test/goldens) to Axon's frontend, and builds one graph per family that
 * holds every case's forward outputs and gradients, so a family costs one compile per backend.
 */
import { Graph, type Tensor } from '../../compiler/index.ts';
import * as F from '../../compiler/frontend/math.ts';
import * as A from '../../compiler/frontend/activations.ts';
import * as L from '../../compiler/frontend/losses.ts';
import { channelBias, convTranspose2dOp, padOf } from '../../compiler/frontend/nn.ts';
import { batchNormOp } from '../../compiler/frontend/normalization.ts';
import { gradients } from '../../compiler/autodiff/grad.ts';
import type { GoldenCase } from '../goldens/load.ts';
import { compositeBuilders } from './composite-cases.ts';

type Attrs = Record<string, unknown>;
type Build = (ins: Tensor[], a: Attrs) => Record<string, Tensor>;

const out = (t: Tensor) => ({ out: t });
const unary = (f: (x: Tensor) => Tensor): Build => ([x]) => out(f(x!));
const binary = (f: (a: Tensor, b: Tensor) => Tensor): Build => ([a, b]) => out(f(a!, b!));
const pair = (v: unknown) => v as [number, number];
const pool = (a: Attrs) => { const p = pair(a.padding); return { kernel: pair(a.kernel), stride: pair(a.stride), pad: [p[0], p[0], p[1], p[1]] as [number, number, number, number] }; };
const biasNchw = (y: Tensor, b: Tensor | undefined) => (b ? channelBias(y, b) : y);

export const builders: Record<string, Build> = {
  neg: unary(F.neg), exp: unary(F.exp), log: unary(F.log), sqrt: unary(F.sqrt), abs: unary(F.abs),
  sigmoid: unary(F.sigmoid), tanh: unary(F.tanh), relu: unary(F.relu), sign: unary(F.sign), step: unary(F.step),
  softplus: unary(A.softplus),
  leakyRelu: ([x], a) => out(A.leakyRelu(x!, a.alpha as number)),
  elu: ([x], a) => out(A.elu(x!, a.alpha as number)),
  add: binary(F.add), sub: binary(F.sub), mul: binary(F.mul), div: binary(F.div),
  maximum: binary(F.maximum), minimum: binary(F.minimum), pow: binary(F.pow),
  softmax: ([x], a) => out(A.softmax(x!, a.axis as number)),
  logSoftmax: ([x], a) => out(A.logSoftmax(x!, a.axis as number)),
  sum: ([x], a) => out(F.sum(x!, a.axes as number[], a.keepDims as boolean)),
  mean: ([x], a) => out(F.mean(x!, a.axes as number[], a.keepDims as boolean)),
  max: ([x], a) => out(F.max(x!, a.axes as number[], a.keepDims as boolean)),
  argmax: ([x], a) => out(F.argmax(x!, a.axis as number)),
  reshape: ([x], a) => out(F.reshape(x!, a.shape as number[])),
  transpose: ([x], a) => out(F.transpose(x!, a.perm as number[])),
  flatten: ([x]) => out(F.flatten(x!, 1)),
  matmul: binary(F.matmul),
  dense: ([x, w, b]) => out(b ? F.add(F.matmul(x!, w!), b) : F.matmul(x!, w!)),
  conv2d: ([x, w, b], a) => {
    const [kh, kw] = [w!.shape[2]!, w!.shape[3]!];
    const dil = pair(a.dilation), stride = pair(a.stride);
    const pad = padOf(a.padding as never, kh, kw, dil[0], dil[1], stride, 'conv2d');
    return out(biasNchw(F.conv2d(x!, w!, { stride, pad, dilation: dil, groups: a.groups as number }), b));
  },
  convTranspose2d: ([x, w, b], a) => out(biasNchw(convTranspose2dOp(x!, w!, {
    stride: pair(a.stride), padding: pair(a.padding), outputPadding: pair(a.outputPadding), dilation: pair(a.dilation), groups: a.groups as number,
  }), b)),
  // issue 12 primitives (goldens: math.json, indexing.json)
  erf: unary(F.erf), sin: unary(F.sin), cos: unary(F.cos), floor: unary(F.floor), ceil: unary(F.ceil), round: unary(F.round),
  mod: binary(F.mod), lessEqual: binary(F.lessEqual), greaterEqual: binary(F.greaterEqual), notEqual: binary(F.notEqual),
  min: ([x], a) => out(F.min(x!, a.axes as number[], a.keepDims as boolean)),
  batchedMatmul: ([a, b], at) => out(F.matmul(a!, b!, { transposeA: at.transposeA as boolean, transposeB: at.transposeB as boolean })),
  pad: ([x], a) => out(F.pad(x!, a.widths as [number, number][], a.value as number)),
  padMode: ([x], a) => out(F.padMode(x!, a.widths as [number, number][], a.mode as 'edge' | 'reflect')),
  slice: ([x], a) => out(F.slice(x!, a.ranges as F.SliceRange[])),
  flip: ([x], a) => out(F.flip(x!, a.axes as number[])),
  concat: (ins, a) => out(F.concat(ins, a.axis as number)),
  gather: ([x, idx], a) => out(F.gather(x!, idx!, a.axis as number)),
  scatterAdd: ([u, idx], a) => out(F.scatterAdd(u!, idx!, a.axis as number, a.size as number)),
  maxPool2d: ([x], a) => out(F.maxPool2d(x!, pool(a))),
  avgPool2d: ([x], a) => out(F.avgPool2d(x!, pool(a))),
  squaredError: binary(L.squaredError), mse: binary(L.mse),
  binaryCrossEntropy: binary(L.binaryCrossEntropy), binaryCrossEntropyWithLogits: binary(L.binaryCrossEntropyWithLogits),
  softmaxCrossEntropy: binary(L.softmaxCrossEntropy), nllLoss: binary(L.nllLoss), klDivergence: binary(L.klDivergence),
  hinge: binary(L.hinge), diceLoss: binary(L.diceLoss),
  logisticRegression: ([w, b, x, y], a) => out(L.logisticRegressionObjective(x!, y!, w!, b!, a.C as number)),
  batchNorm: ([x, gamma, beta, rm, rv], a) => {
    const r = batchNormOp(x!, gamma!, beta!, rm!, rv!, { training: a.training as boolean, momentum: a.momentum as number, eps: a.eps as number });
    return { out: r.y, ...(r.runningMean ? { runningMean: r.runningMean, runningVar: r.runningVar! } : {}) };
  },
  ...compositeBuilders,
};

export interface FamilyGraph {
  graph: Graph;
  feeds: Record<string, Float32Array | Int32Array>;
  /** output name → the golden values it must match */
  expected: { name: string; caseId: string; want: ArrayLike<number>; kind: 'out' | 'grad' }[];
}

/** All cases of a family in one graph: outputs "<id>/<out>" and "<id>/grad/<input>". */
export function familyGraph(family: string, cases: GoldenCase[]): FamilyGraph {
  const g = new Graph(`goldens_${family}`);
  const feeds: FamilyGraph['feeds'] = {};
  const expected: FamilyGraph['expected'] = [];
  for (const c of cases) {
    const build = builders[c.op];
    if (!build) throw new Error(`no Axon builder for golden op "${c.op}" (case ${c.id})`);
    const ins = Object.entries(c.inputs).map(([name, t]) => {
      const key = `${c.id}/${name}`;
      feeds[key] = t.dtype === 'i32' ? Int32Array.from(t.data) : Float32Array.from(t.data);
      return g.input(key, t.shape, t.dtype);
    });
    const outs = build(ins, c.attrs as Attrs);
    for (const [name, t] of Object.entries(outs)) {
      g.output(`${c.id}/${name}`, t);
      expected.push({ name: `${c.id}/${name}`, caseId: c.id, want: c.outputs[name]!.data, kind: 'out' });
    }
    const gradNames = Object.keys(c.grads ?? {});
    if (!gradNames.length) continue;
    const o = outs.out!;
    let loss = o;
    if (c.cotangent) {
      const ctKey = `${c.id}/__cotangent`;
      feeds[ctKey] = Float32Array.from(c.cotangent.data);
      loss = F.sum(F.mul(o, g.input(ctKey, c.cotangent.shape)));
    }
    const wrt = gradNames.map((n) => g.inputs.get(`${c.id}/${n}`)!);
    gradients(loss, wrt).forEach((d, i) => {
      g.output(`${c.id}/grad/${gradNames[i]}`, d);
      expected.push({ name: `${c.id}/grad/${gradNames[i]}`, caseId: c.id, want: c.grads[gradNames[i]!]!.data, kind: 'grad' });
    });
  }
  return { graph: g, feeds, expected };
}

/** |got − want| ≤ atol + rtol·|want| elementwise; returns a description of the worst miss or null */
export function closeTo(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): string | null {
  if (got.length !== want.length) return `length ${got.length} vs ${want.length}`;
  let worst = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i]! - want[i]!) / (atol + rtol * Math.abs(want[i]!));
    if (!(excess <= worst)) { worst = excess; at = i; }
  }
  return worst > 1 || Number.isNaN(worst) ? `element ${at}: got ${got[at]}, want ${want[at]} (${worst.toFixed(2)}× the tolerance)` : null;
}
