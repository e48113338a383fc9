/**
 * Axon as a benchmarked system: each case is one graph (inference, a gradient, or a whole
 * training step with Adam), compiled once in prepare() and then run as one session call.
 * Weights live in the artifact (as tfjs keeps them on its backend); per-run inputs are fed.
 */
import { Graph, compile, gradients, losses, nn, optim, trainStep, add, matmul, relu, sum, mul, flatten, conv2d, maxPool2d, type Tensor } from '../../compiler/node.ts';
import type { CompileOptions } from '../../compiler/compile.ts';
import { createSession, type Session } from '../../runtime/node/index.ts';
import type { Feeds } from '../../runtime/session.ts';
import { ADAM, CNN, type BenchCase } from '../cases.ts';
import * as W from '../workloads.ts';
import { ONNX_IO, onnxCaseFile, onnxCaseInput, type OnnxWorkload } from '../cases-onnx.ts';
import { checksum, type PreparedCase } from '../system.ts';
import { compileWithAsc } from './axon-asc.ts';
import { prepareAxonGptCase } from './gpt-axon.ts';

export interface AxonVariant {
  backend: CompileOptions['backend'];
  relaxedSimd?: boolean;
  /** WASM: threads per step, main included (builds the shared-memory module too) */
  threads?: number;
  /** 'asc': the old code path (bench/peers/axon-asc.ts), for before/after rows */
  codegen?: 'asc';
  /** WebGPU: compile kernel variants for this adapter (subgroups, lane counts) */
  webgpuAdapter?: CompileOptions['webgpuAdapter'];
}

const param = (g: Graph, name: string, t: W.Tensor) => g.param(name, t.shape, t.data);
/** one-hot rows → class indices (Axon's cross-entropy takes i32 labels) */
const labelsOf = (oneHot: W.Tensor) => Int32Array.from({ length: oneHot.shape[0]! }, (_, i) => {
  const row = oneHot.data.subarray(i * oneHot.shape[1]!, (i + 1) * oneHot.shape[1]!);
  return row.indexOf(1);
});
const pad1 = { stride: [1, 1] as [number, number], pad: [1, 1, 1, 1] as [number, number, number, number], dilation: [1, 1] as [number, number], groups: 1 };
const pool2 = { kernel: [2, 2] as [number, number], stride: [2, 2] as [number, number], pad: [0, 0, 0, 0] as [number, number, number, number] };

function mlp(g: Graph, x: Tensor): Tensor {
  const p = W.mlpParams();
  const h = relu(add(matmul(x, param(g, 'w1', p.w1)), param(g, 'b1', p.b1)));
  return add(matmul(h, param(g, 'w2', p.w2)), param(g, 'b2', p.b2));
}

function cnn(g: Graph, x: Tensor, training: boolean): Tensor {
  const p = W.cnnParams();
  let h = maxPool2d(relu(nn.channelBias(conv2d(x, param(g, 'k1', p.k1), pad1), param(g, 'c1', p.c1))), pool2);
  h = maxPool2d(relu(nn.channelBias(conv2d(h, param(g, 'k2', p.k2), pad1), param(g, 'c2', p.c2))), pool2);
  h = nn.dropout(CNN.dropout)(flatten(h), new nn.ModelContext(g, { training }));
  h = relu(add(matmul(h, param(g, 'w3', p.w3)), param(g, 'b3', p.b3)));
  return add(matmul(h, param(g, 'w4', p.w4)), param(g, 'b4', p.b4));
}

const adam = () => optim.adam({ lr: ADAM.lr, beta1: ADAM.beta1, beta2: ADAM.beta2, eps: ADAM.eps });

/** The case's graph and the feeds of one run. */
function caseGraph(c: BenchCase): { graph: Graph; feeds: Feeds } {
  const w = c.workload;
  const g = new Graph(c.name);
  switch (w.kind) {
    case 'matmul': {
      const { a, b } = W.matmulInputs(w.n);
      g.output('c', matmul(param(g, 'a', a), param(g, 'b', b)));
      return { graph: g, feeds: {} };
    }
    case 'conv': {
      const d = W.convInputs(w.batch);
      const x = g.input('x', d.x.shape), k = param(g, 'w', d.w), b = param(g, 'b', d.b);
      const y = nn.channelBias(conv2d(x, k, pad1), b);
      if (!w.backward) { g.output('y', y); return { graph: g, feeds: { x: d.x.data } }; }
      const dy = g.input('dy', d.dy.shape);
      const [gx, gk, gb] = gradients(sum(mul(y, dy)), [x, k, b]);
      g.output('gx', gx!); g.output('gw', gk!); g.output('gb', gb!);
      return { graph: g, feeds: { x: d.x.data, dy: d.dy.data } };
    }
    case 'mlp-infer': {
      const d = W.mlpBatch(w.batch);
      g.output('logits', mlp(g, g.input('x', d.x.shape)));
      return { graph: g, feeds: { x: d.x.data } };
    }
    case 'mlp-train': {
      const d = W.mlpBatch(w.batch);
      g.output('loss', losses.softmaxCrossEntropy(mlp(g, g.input('x', d.x.shape)), g.input('y', [w.batch], 'i32')));
      return { graph: trainStep(g, { optimizer: adam() }), feeds: { x: d.x.data, y: labelsOf(d.labels) } };
    }
    case 'cnn-infer': {
      const d = W.cnnBatch(w.batch);
      g.output('logits', cnn(g, g.input('x', d.x.shape), false));
      return { graph: g, feeds: { x: d.x.data } };
    }
    case 'cnn-train': {
      const d = W.cnnBatch(w.batch);
      g.output('loss', losses.softmaxCrossEntropy(cnn(g, g.input('x', d.x.shape), true), g.input('y', [w.batch], 'i32')));
      return { graph: trainStep(g, { optimizer: adam() }), feeds: { x: d.x.data, y: labelsOf(d.labels), seed: 1 } };
    }
    case 'onnx-infer':
      throw new Error('ONNX cases are imported (async): see onnxCaseGraph');
    case 'gpt-train': case 'gpt-sample': throw new Error(`${c.name}: prepared by bench/peers/gpt-axon.ts`);
  }
}

/** An ONNX case: the file imported as it is (no bench-side rewriting), its weights in the artifact. */
async function onnxCaseGraph(w: OnnxWorkload): Promise<{ graph: Graph; feeds: Feeds }> {
  // lazily: onnx-proto is an optional dependency of axon/onnx, needed by these cases only
  const { importOnnx } = await import('../../compiler/onnx/import.ts');
  const x = onnxCaseInput(w);
  const m = await importOnnx(onnxCaseFile(w), { shapes: { [ONNX_IO.input]: x.shape } });
  return { graph: m.graph, feeds: { [ONNX_IO.input]: x.data } };
}

export async function prepareAxonCase(c: BenchCase, variant: AxonVariant): Promise<PreparedCase> {
  if (c.workload.kind === 'gpt-train' || c.workload.kind === 'gpt-sample') return prepareAxonGptCase(c, variant);
  const { graph, feeds } = c.workload.kind === 'onnx-infer' ? await onnxCaseGraph(c.workload) : caseGraph(c);
  const threads = variant.threads ?? 1;
  const artifact = variant.codegen === 'asc'
    ? await compileWithAsc(graph, { ...(variant.relaxedSimd ? { relaxedSimd: true } : {}), ...(threads > 1 ? { threads } : {}) })
    : await compile(graph, { backend: variant.backend, ...(variant.relaxedSimd ? { relaxedSimd: true } : {}), ...(threads > 1 ? { threads } : {}), ...(variant.webgpuAdapter ? { webgpuAdapter: variant.webgpuAdapter } : {}) });
  const session: Session = await createSession(artifact, threads > 1 ? { threads } : {});
  const names = [...graph.outputs.keys()];
  // WebGPU compiles its pipelines on the first run (tens of seconds for a whole CNN on llvmpipe);
  // for the ONNX models that belongs to preparing them, as ORT's session creation does its own
  if (c.workload.kind === 'onnx-infer') await session.run(feeds);
  return {
    run: async () => {
      const out = await session.run(feeds);
      return names.reduce((s, n) => s + checksum(out[n]!), 0);
    },
    dispose: () => session.dispose(),
  };
}
