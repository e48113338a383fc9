/** ONNX files on the command line: `--shape name=1,3,224,224` flags and importing a .onnx path. */
import type { ImportedModel } from '../compiler/onnx/import.ts';
import type { Graph, Tensor } from '../compiler/ir/graph.ts';

/**
 * The ONNX modules, loaded on first use: they need the optional package onnx-proto, so commands
 * that never see an .onnx file (and installs without it) do not load it.
 */
export async function loadOnnx(): Promise<{ importer: typeof import('../compiler/onnx/import.ts'); proto: typeof import('../compiler/onnx/proto.ts') }> {
  try {
    const [importer, proto] = await Promise.all([import('../compiler/onnx/import.ts'), import('../compiler/onnx/proto.ts')]);
    return { importer, proto };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes('onnx-proto')) {
      throw new Error('ONNX files need the optional package onnx-proto: npm install onnx-proto');
    }
    throw e;
  }
}

export const isOnnxPath = (spec: string) => /\.onnx$/i.test(spec);

/** Parses repeated `--shape name=d0,d1,…` flags. */
export function parseShapes(flags: readonly string[] | undefined): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const f of flags ?? []) {
    const m = /^([^=]+)=(\d+(?:,\d+)*)$/.exec(f.trim());
    if (!m) throw new Error(`--shape "${f}": expected name=d0,d1,… (e.g. --shape input=1,3,224,224)`);
    out[m[1]!] = m[2]!.split(',').map(Number);
  }
  return out;
}

export async function importOnnxFile(path: string, shapeFlags: readonly string[] | undefined): Promise<ImportedModel> {
  const shapes = parseShapes(shapeFlags);
  return (await loadOnnx()).importer.importOnnx(path, { shapes });
}

/**
 * An ONNX classifier as a TrainableModel, so `axon train | eval | export model.onnx` work: the
 * graph is re-imported at each batch size the CLI asks for and replayed into the CLI's graph
 * (input → x, initializers → params under their ONNX names, first output → logits).
 */
export async function onnxTrainableModel(path: string): Promise<import('./model.ts').TrainableModel> {
  const { readFile } = await import('node:fs/promises');
  const { basename } = await import('node:path');
  const { importer: { importOnnxBytes }, proto } = await loadOnnx();
  const bytes = new Uint8Array(await readFile(path));
  const probe = importOnnxBytes(bytes, { shapes: probeShapes(bytes, proto) });
  if (probe.inputs.length !== 1) throw new Error(`${path}: axon train takes a model with one input (image batch), this one has ${probe.inputs.length}`);
  const [input] = probe.inputs;
  const logits = probe.outputs[0]!;
  return {
    id: `onnx-${basename(path).replace(/\.onnx$/i, '')}`,
    description: `imported from ${path}`,
    inputShape: input!.shape.slice(1),
    classes: logits.shape[logits.shape.length - 1]!,
    defaults: { epochs: 10, batchSize: 64, lr: 1e-3, patience: 3 },
    buildForward: (x) => {
      const m = importOnnxBytes(bytes, { shapes: { [input!.name]: [...x.shape] } });
      return replayInto(m.graph, x);
    },
  };
}

/** batch 1 for a symbolic leading dim, so the structure can be read once */
function probeShapes(bytes: Uint8Array, proto: typeof import('../compiler/onnx/proto.ts')): Record<string, number[]> {
  const { decodeModel, toInt } = proto;
  const m = decodeModel(bytes, 'ONNX model');
  const inits = new Set((m.graph?.initializer ?? []).map((i) => i.name));
  const out: Record<string, number[]> = {};
  for (const vi of m.graph?.input ?? []) {
    if (inits.has(vi.name)) continue;
    const dims = vi.type?.tensorType?.shape?.dim ?? [];
    out[vi.name ?? ''] = dims.map((d, i) => (d.dimValue ? toInt(d.dimValue, 'dim') : i === 0 ? 1 : 0));
  }
  return out;
}

function replayInto(src: Graph, x: Tensor): Tensor {
  const g = x.graph;
  const map = new Map<Tensor, Tensor>();
  for (const n of src.nodes) {
    let t: Tensor;
    if (n.op === 'input') t = x;
    else if (n.op === 'param') t = g.param(n.name!, n.shape, n.value as Float32Array);
    else if (n.op === 'const') t = g.constant(n.value!, n.shape, n.dtype);
    else if (n.op === 'state') t = g.stateTensor(n.name!, n.shape, n.value!, n.dtype);
    else t = g.apply(n.op, n.inputs.map((i) => map.get(i)!), n.attrs as never);
    map.set(n, t);
  }
  return map.get([...src.outputs.values()][0]!)!;
}

export type TrainLoss = 'softmax-cross-entropy' | 'nll';

/**
 * `axon train model.onnx --loss …`: the trainer computes the mean of −log_softmax(output)[label],
 * which is softmax cross-entropy for logits and, as log-softmax leaves log-probabilities
 * unchanged, the NLL for a model ending in LogSoftmax. What it cannot train is probabilities, so
 * the node that makes the first output is checked against the loss asked for.
 */
export async function checkOnnxLoss(path: string, loss: TrainLoss): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  const { proto } = await loadOnnx();
  const m = proto.decodeModel(new Uint8Array(await readFile(path)), path);
  const out = m.graph?.output?.[0]?.name;
  const last = (m.graph?.node ?? []).find((n) => n.output?.includes(out ?? ''));
  const what = last ? `a ${last.opType} node "${last.name || out}"` : 'no node';
  if (last?.opType === 'Softmax') {
    throw new Error(`${path}: output "${out}" comes from ${what}, so it is probabilities; --loss ${loss} needs ${loss === 'nll' ? 'log-probabilities' : 'logits'}: export the model without its final Softmax${loss === 'nll' ? ' (or with LogSoftmax)' : ''}`);
  }
  if (loss === 'nll' && last?.opType !== 'LogSoftmax') {
    throw new Error(`${path}: --loss nll needs log-probabilities, but output "${out}" comes from ${what}; for logits use --loss softmax-cross-entropy`);
  }
}

/** `--data fashion-mnist` names the data set (its default location) unless such a directory exists. */
export async function resolveDataFlag(data: string | undefined): Promise<string | undefined> {
  if (data !== 'fashion-mnist') return data;
  const { existsSync } = await import('node:fs');
  return existsSync(data) ? data : undefined;
}
