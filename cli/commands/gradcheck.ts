/**
 * `axon gradcheck MODEL`: the model's training loss (forward + softmax cross-entropy, dropout
 * mask fixed by the seed) at a small batch, its symbolic gradients against float64 central
 * finite differences on the reference interpreter, per param. Lecture 003's "check your
 * gradients" as a command.
 */
import { gradCheck } from '../../compiler/index.ts';
import { mulberry32 } from '../../runtime/data/prng.ts';
import { loadFashionMnist } from '../../runtime/node/fashion-mnist.ts';
import { modelGraph } from '../compile-model.ts';
import { loadModel, type TrainableModel } from '../model.ts';
import { modelOptions } from './analysis-steps.ts';

export interface GradcheckFlags {
  batchSize?: number;
  /** elements checked per param, spread evenly (default 4) */
  elements?: number;
  /** largest relative error that passes (default 1e-4) */
  tolerance?: number;
  /** finite-difference step (default 1e-6) */
  eps?: number;
  seed?: number;
  /**
   * the first training images instead of seeded random inputs. Real images have exact zeros
   * (background), which put zero-initialized conv biases exactly on ReLU kinks, where finite
   * differences measure the half slope: expect failures there that are not bugs.
   */
  dataInputs?: boolean;
  /** only these params (default: all) */
  params?: string[];
  data?: string;
  options?: Record<string, number>;
}

export interface GradcheckRow {
  param: string;
  shape: number[];
  checked: number;
  worstRelativeError: number;
  pass: boolean;
}

export interface GradcheckResult {
  model: string;
  batchSize: number;
  inputs: string;
  tolerance: number;
  pass: boolean;
  seconds: number;
  params: GradcheckRow[];
}

export async function gradcheckCommand(spec: string, flags: GradcheckFlags, io: { log?: (s: string) => void } = {}): Promise<GradcheckResult> {
  const log = io.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const model = await loadModel(spec);
  const batchSize = flags.batchSize ?? 2;
  const seed = flags.seed ?? 1;
  const tolerance = flags.tolerance ?? 1e-4;
  const graph = modelGraph(model, batchSize, seed, true, modelOptions(model, flags.options));
  const { x, y, source } = inputs(model, batchSize, seed, flags, log);
  const feeds: Record<string, ArrayLike<number> | number> = { x, y };
  if (graph.inputs.has('seed')) feeds.seed = seed;
  const t0 = performance.now();
  const unknown = (flags.params ?? []).filter((p) => !graph.params.has(p));
  if (unknown.length) throw new Error(`gradcheck: model "${model.id}" has no param ${unknown.join(', ')}; its params are ${[...graph.params.keys()].join(', ')}`);
  const wrt = flags.params ?? [...graph.params.keys()];
  const report = gradCheck(graph, 'loss', feeds, { wrt, maxElements: flags.elements ?? 4, eps: flags.eps ?? 1e-6 });
  const seconds = (performance.now() - t0) / 1000;
  const params = wrt.map((name): GradcheckRow => {
    const t = graph.params.get(name)!;
    const worst = report.worst[name]!;
    return { param: name, shape: [...t.shape], checked: report.checkedElements[name]!, worstRelativeError: worst, pass: worst <= tolerance };
  });
  return { model: model.id, batchSize, inputs: source, tolerance, pass: params.every((p) => p.pass), seconds, params };
}

/** Seeded uniform noise over the pixel range, or (--data-inputs) the first samples of the data set. */
function inputs(model: TrainableModel, batchSize: number, seed: number, flags: GradcheckFlags, log: (s: string) => void) {
  const size = model.inputShape.reduce((a, b) => a * b, 1);
  if (flags.dataInputs) {
    try {
      const ds = model.dataset ? model.dataset('train') : loadFashionMnist('train', { dir: flags.data, limit: batchSize, ...model.defaults?.normalize });
      if (ds.count >= batchSize && ds.sampleShape.join('x') === model.inputShape.join('x')) {
        return { x: ds.images.slice(0, batchSize * size), y: ds.labels.slice(0, batchSize), source: `first ${batchSize} training samples` };
      }
      log(`note: the data set does not fit a batch of ${batchSize} [${model.inputShape.join(', ')}] samples; using seeded random inputs`);
    } catch (e) {
      log(`note: no data set (${(e as Error).message.split('\n')[0]}); using seeded random inputs`);
    }
  }
  const rand = mulberry32(seed);
  const { mean = 0, std = 1 } = model.defaults?.normalize ?? {};
  const x = Float32Array.from({ length: batchSize * size }, () => (rand() - mean) / std);
  const y = Int32Array.from({ length: batchSize }, (_, i) => i % model.classes);
  return { x, y, source: `seeded random inputs (seed ${seed})` };
}

export function formatGradcheck(r: GradcheckResult): string {
  const width = Math.max(5, ...r.params.map((p) => p.param.length));
  const lines = [
    `gradient check of "${r.model}" (batch ${r.batchSize}, ${r.inputs}; float64 central differences, tolerance ${r.tolerance}):`,
    `  ${'param'.padEnd(width)}  ${'shape'.padEnd(16)} checked  worst rel. error  result`,
  ];
  for (const p of r.params) {
    lines.push(`  ${p.param.padEnd(width)}  ${`[${p.shape.join(', ')}]`.padEnd(16)} ${String(p.checked).padStart(7)}  ${p.worstRelativeError.toExponential(2).padStart(15)}  ${p.pass ? 'ok' : 'FAIL'}`);
  }
  lines.push(`${r.pass ? 'PASS' : 'FAIL'}: ${r.params.filter((p) => !p.pass).length} of ${r.params.length} params above tolerance (${r.seconds.toFixed(2)} s)`);
  return lines.join('\n');
}
