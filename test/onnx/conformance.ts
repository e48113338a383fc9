/**
 * The ONNX node-test conformance runner (Debian's libonnx-testdata): each case is imported,
 * run on a backend and compared with the expected outputs. Shared by `npm run onnx-conformance`
 * (every case, every backend → docs/onnx-conformance.md) and the fixed subset in the test suite.
 *
 * Classes: passed; unsupported (a clear import error: an op, attribute or dtype Axon does not
 * handle); failed (a wrong answer or any other error — the target is none).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importOnnx, constantInputNames, OnnxError, type ImportedModel } from '../../compiler/onnx/import.ts';
import { decodeModel, decodeTensor, tensorValues, type DecodedTensor } from '../../compiler/onnx/proto.ts';
import { evaluate } from '../../compiler/interpreter/evaluate.ts';
import { Graph, type Tensor } from '../../compiler/ir/graph.ts';
import { compile } from '../../compiler/compile.ts';
import { createSession } from '../../runtime/node/index.ts';

export const NODE_SUITE = '/usr/share/libonnx-testdata/data/node';
export type Backend = 'reference' | 'wasm' | 'webgpu';
export type Outcome = 'passed' | 'unsupported' | 'failed';

export interface CaseResult {
  case: string;
  ops: string[];
  outcome: Outcome;
  detail?: string;
}

export interface LoadedCase {
  name: string;
  ops: string[];
  model?: ImportedModel;
  feeds: Record<string, Float32Array | Int32Array>;
  expected: { name: string; value: DecodedTensor }[];
  /** set when the case cannot be imported (unsupported) or crashed on import (failed) */
  early?: CaseResult;
}

export function listCases(dir = NODE_SUITE): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((d) => existsSync(join(dir, d, 'model.onnx'))).sort();
}

function readTensors(dir: string, prefix: string): DecodedTensor[] {
  const files = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.pb'));
  files.sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)));
  return files.map((f) => tensorValues(decodeTensor(readFileSync(join(dir, f)), f), join(dir, f)));
}

/** Imports a case; inputs that feed import-time-constant slots (a Reshape's shape, …) are pinned. */
export async function loadCase(name: string, dir = NODE_SUITE): Promise<LoadedCase> {
  const root = join(dir, name);
  const bytes = new Uint8Array(readFileSync(join(root, 'model.onnx')));
  let ops: string[] = [];
  try {
    const m = decodeModel(bytes, name);
    ops = [...new Set((m.graph?.node ?? []).map((n) => (n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType ?? '')))].sort();
    const inits = new Set((m.graph?.initializer ?? []).map((i) => i.name));
    const inputNames = (m.graph?.input ?? []).map((i) => i.name ?? '').filter((n) => !inits.has(n));
    const outputNames = (m.graph?.output ?? []).map((o) => o.name ?? '');
    const nonTensor = [...(m.graph?.input ?? []), ...(m.graph?.output ?? [])].find((v) => !v.type?.tensorType);
    if (nonTensor) throw new OnnxError(`"${nonTensor.name}" is not a tensor (sequence, map and optional values are not supported)`);
    const data = join(root, 'test_data_set_0');
    const ins = readTensors(data, 'input_');
    const outs = readTensors(data, 'output_');
    const pinnedNames = new Set(constantInputNames(bytes));
    const inputValues: Record<string, { dims: number[]; data: Float64Array; onnxType: number }> = {};
    const feeds: Record<string, Float32Array | Int32Array> = {};
    inputNames.forEach((n, i) => {
      const t = ins[i];
      if (!t) return;
      if (pinnedNames.has(n)) inputValues[n] = { dims: t.dims, data: t.data, onnxType: t.onnxType };
      else feeds[n] = t.dtype === 'i32' ? Int32Array.from(t.data) : Float32Array.from(t.data);
    });
    const shapes = Object.fromEntries(inputNames.flatMap((n, i) => (ins[i] && !pinnedNames.has(n) ? [[n, ins[i]!.dims]] : [])));
    const model = await importOnnx(bytes, { inputValues, shapes, name });
    return { name, ops, model, feeds, expected: outputNames.map((n, i) => ({ name: n, value: outs[i]! })) };
  } catch (e) {
    const err = e as Error;
    const outcome: Outcome = e instanceof OnnxError ? 'unsupported' : 'failed';
    return { name, ops, feeds: {}, expected: [], early: { case: name, ops, outcome, detail: firstLine(err) } };
  }
}

const firstLine = (e: Error) => `${e.name}: ${e.message}`.split('\n').slice(0, 3).join(' | ').slice(0, 300);

/** Compares with ONNX's default tolerance (rtol 1e-3) and an absolute floor for f32 kernels. */
export function compare(expected: DecodedTensor, shape: readonly number[], actual: ArrayLike<number>): string | undefined {
  if (expected.dims.join() !== shape.join()) return `shape [${shape.join(', ')}], expected [${expected.dims.join(', ')}]`;
  if (actual.length !== expected.data.length) return `${actual.length} values, expected ${expected.data.length}`;
  const exact = expected.dtype === 'i32';
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!, e = expected.data[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (exact ? a !== e : !(Math.abs(a - e) <= 1e-5 + 1e-3 * Math.abs(e)) && a !== e) return `value ${i}: ${a}, expected ${e}`;
  }
  return undefined;
}

function check(c: LoadedCase, outputs: Record<string, ArrayLike<number>>, prefix = ''): CaseResult {
  for (const { name, value } of c.expected) {
    const t = c.model!.graph.outputs.get(name)!;
    const diff = compare(value, t.shape, outputs[prefix + name]!);
    if (diff) return { case: c.name, ops: c.ops, outcome: 'failed', detail: `output "${name}": ${diff}` };
  }
  return { case: c.name, ops: c.ops, outcome: 'passed' };
}

export function runReference(c: LoadedCase): CaseResult {
  if (c.early) return c.early;
  try {
    return check(c, evaluate(c.model!.graph, c.feeds).outputs);
  } catch (e) {
    return { case: c.name, ops: c.ops, outcome: 'failed', detail: firstLine(e as Error) };
  }
}

/**
 * Copies several imported graphs into one (names prefixed by case index), so a backend compiles
 * and runs a whole batch of cases at once; compiling each case alone would cost minutes.
 */
export function mergeCases(cases: LoadedCase[]): { graph: Graph; feeds: Record<string, Float32Array | Int32Array> } {
  const g = new Graph('onnx-conformance');
  const feeds: Record<string, Float32Array | Int32Array> = {};
  cases.forEach((c, k) => {
    const src = c.model!.graph;
    const map = new Map<Tensor, Tensor>();
    const p = `c${k}/`;
    for (const n of src.nodes) {
      let t: Tensor;
      if (n.op === 'input') t = g.input(p + n.name!, n.shape, n.dtype);
      else if (n.op === 'param') t = g.param(p + n.name!, n.shape, n.value as Float32Array);
      else if (n.op === 'const') t = g.constant(n.value!, n.shape, n.dtype);
      else if (n.op === 'state') t = g.stateTensor(p + n.name!, n.shape, n.value!, n.dtype);
      else t = g.apply(n.op, n.inputs.map((i) => map.get(i)!), n.attrs as never);
      map.set(n, t);
    }
    for (const [name, t] of src.outputs) g.output(p + name, map.get(t)!);
    for (const [name, v] of Object.entries(c.feeds)) feeds[p + name] = v;
  });
  return { graph: g, feeds };
}

/**
 * Runs cases (that import) on a compiled backend in merged batches; a batch that fails to compile
 * or run is split in halves until the failing case is alone, so one crash never hides others.
 */
export async function runBackend(cases: LoadedCase[], backend: 'wasm' | 'webgpu', batchSize = 64, device?: GPUDevice): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const todo = cases.filter((c) => !c.early);
  for (const c of cases) if (c.early) results.push(c.early);
  const runBatch = async (batch: LoadedCase[]): Promise<void> => {
    try {
      const { graph, feeds } = mergeCases(batch);
      const artifact = await compile(graph, { backend });
      const session = await createSession(artifact, device ? { device } : {});
      try {
        const outs = await session.run(feeds);
        batch.forEach((c, k) => results.push(check(c, outs, `c${k}/`)));
      } finally {
        session.dispose();
      }
    } catch (e) {
      if (batch.length === 1) { results.push({ case: batch[0]!.name, ops: batch[0]!.ops, outcome: 'failed', detail: firstLine(e as Error) }); return; }
      const half = Math.ceil(batch.length / 2);
      await runBatch(batch.slice(0, half));
      await runBatch(batch.slice(half));
    }
  };
  for (let i = 0; i < todo.length; i += batchSize) await runBatch(todo.slice(i, i + batchSize));
  const order = new Map(cases.map((c, i) => [c.name, i]));
  return results.sort((a, b) => order.get(a.case)! - order.get(b.case)!);
}
