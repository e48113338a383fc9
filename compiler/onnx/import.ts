/**
 * importOnnx(bytes | path, options) → an Axon Graph that compiles like any other.
 *
 * - Initializers become trainable params (float) unless `options.constants` marks them constant;
 *   integer initializers are always import-time constants (they are shapes, axes, indices).
 * - Shape subgraphs fold at import: every node whose inputs are all import-time constants is
 *   evaluated then (by the reference interpreter, so no second copy of any op's math), and
 *   `Shape` of a static tensor is a constant; so Shape → Gather → Concat → Reshape chains vanish.
 * - Shapes are static: a symbolic input dimension must be fixed by `options.shapes`.
 * - int64 and bool map to i32 (constants range-checked); float64 computes in f32 (noted).
 * - Every unsupported op type (with node names and opset) is reported in one error.
 */
import { Graph, type Tensor } from '../ir/graph.ts';
import { GraphError } from '../ir/errors.ts';
import { fmtType, type DType } from '../ir/types.ts';
import { evaluate } from '../interpreter/evaluate.ts';
import { DataType, OnnxError, axonDType, dataTypeName, decodeModel, tensorValues, toInt, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.ts';
import { OpContext, UnsupportedError, NeedsConstantError, materialize, constValue, fromDecoded, hostConst, tensorValue, type HostConst, type OpHandler, type Value } from './context.ts';
import { onnxOps } from './ops/index.ts';

/** opsets 1–6 import where each handler's rules cover them (legacy broadcasting with an axis does not) */
export const MIN_OPSET = 1;
export const MAX_OPSET = 17;

export interface ImportOptions {
  /** fixes symbolic (or overrides) input dims: { input: [1, 3, 224, 224] } */
  shapes?: Record<string, readonly number[]>;
  /** initializers to keep as constants instead of trainable params: true = all of them */
  constants?: boolean | readonly string[];
  /** graph inputs whose values are known at import (they become constants, e.g. a Reshape's shape) */
  inputValues?: Record<string, { dims: readonly number[]; data: ArrayLike<number>; onnxType?: number }>;
  /** reads external-data files (defaults to the model's folder when a path is given) */
  readExternal?: (location: string, offset: number, length: number | undefined) => Uint8Array;
  /** graph name (default: the ONNX graph's name) */
  name?: string;
}

export interface OnnxTensorInfo {
  name: string;
  shape: number[];
  dtype: DType;
  /** the ONNX element type name (FLOAT, INT64, BOOL, …) */
  onnxType: string;
}

export interface ImportedModel {
  graph: Graph;
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
  /** initializer names that became trainable params */
  params: string[];
  opset: number;
  /** op type → node count */
  opCounts: Record<string, number>;
  /** things the user should know (float64 computed as f32, …) */
  notes: string[];
}

interface Source { bytes: Uint8Array; label: string; readExternal?: ImportOptions['readExternal'] }

async function loadSource(src: Uint8Array | string, options: ImportOptions): Promise<Source> {
  if (typeof src !== 'string') return { bytes: src, label: 'ONNX model', ...(options.readExternal ? { readExternal: options.readExternal } : {}) };
  const { readFile } = await import('node:fs/promises');
  const bytes = new Uint8Array(await readFile(src));
  const readExternal = options.readExternal ?? (await externalReader(src));
  return { bytes, label: src, readExternal };
}

/** Reads external-data files next to the model; a location that leaves the model's folder is an error. */
async function externalReader(modelPath: string): Promise<NonNullable<ImportOptions['readExternal']>> {
  const { readFileSync, realpathSync } = await import('node:fs');
  const { dirname, resolve, relative, isAbsolute, sep } = await import('node:path');
  const base = realpathSync(dirname(resolve(modelPath)));
  const cache = new Map<string, Uint8Array>();
  return (location, offset, length) => {
    const inside = (p: string) => { const r = relative(base, p); return r !== '' && !r.startsWith('..' + sep) && r !== '..' && !isAbsolute(r); };
    const target = resolve(base, location);
    if (isAbsolute(location) || !inside(target)) throw new OnnxError(`${modelPath}: external data location "${location}" is outside the model's folder ${base}`);
    let buf = cache.get(target);
    if (!buf) {
      let real: string;
      try { real = realpathSync(target); } catch { throw new OnnxError(`${modelPath}: external data file "${location}" not found in ${base}`); }
      if (!inside(real)) throw new OnnxError(`${modelPath}: external data file "${location}" links outside the model's folder ${base}`);
      buf = new Uint8Array(readFileSync(real));
      cache.set(target, buf);
    }
    const end = length === undefined ? buf.length : offset + length;
    if (offset < 0 || end > buf.length) throw new OnnxError(`${modelPath}: external data "${location}" range ${offset}..${end} is outside the file (${buf.length} bytes)`);
    return buf.subarray(offset, end);
  };
}

export function modelOpset(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? toInt(entry.version, 'opset_import') : 1;
}

function inputShape(vi: ValueInfoProto, options: ImportOptions): number[] {
  const name = vi.name ?? '';
  const fixed = options.shapes?.[name];
  const dims = vi.type?.tensorType?.shape?.dim ?? [];
  if (fixed) {
    if (vi.type?.tensorType?.shape && fixed.length !== dims.length) throw new OnnxError(`input "${name}": options.shapes gives ${fixed.length} dims [${fixed.join(', ')}] but the model's input has rank ${dims.length}`);
    dims.forEach((d, i) => {
      if (d.dimValue !== undefined && d.dimValue !== null && toInt(d.dimValue, name) > 0 && toInt(d.dimValue, name) !== fixed[i]) throw new OnnxError(`input "${name}": options.shapes sets dim ${i} to ${fixed[i]}, but the model fixes it at ${toInt(d.dimValue, name)}`);
    });
    return [...fixed];
  }
  if (!vi.type?.tensorType?.shape) throw new OnnxError(`input "${name}" has no shape in the model; fix it with { shapes: { "${name}": [...] } } (CLI: --shape ${name}=…)`);
  return dims.map((d, i) => {
    const v = d.dimValue !== undefined && d.dimValue !== null ? toInt(d.dimValue, name) : 0;
    if (v > 0) return v;
    const sym = d.dimParam ? `symbolic dim "${d.dimParam}"` : 'an unknown dim';
    throw new OnnxError(`input "${name}": dim ${i} is ${sym}; Axon compiles static shapes, so fix it with { shapes: { "${name}": [${dims.map((e, j) => (j === i ? '?' : e.dimValue ? toInt(e.dimValue, name) : '?')).join(', ')}] } } (CLI: --shape ${name}=…)`);
  });
}

function info(name: string, shape: readonly number[], dtype: DType, onnxType: number): OnnxTensorInfo {
  return { name, shape: [...shape], dtype, onnxType: dataTypeName(onnxType) };
}

/** Graph inputs (by name) that feed an op input which must be an import-time constant. */
export function constantInputNames(bytes: Uint8Array): string[] {
  const model = decodeModel(bytes, 'ONNX model');
  const g = model.graph;
  if (!g) return [];
  const inputs = new Set((g.input ?? []).map((i) => i.name ?? ''));
  const out = new Set<string>();
  for (const node of g.node ?? []) {
    const h = onnxOps[node.opType ?? ''];
    for (const i of h?.constInputs ?? []) {
      const n = (node.input ?? [])[i];
      if (n && inputs.has(n)) out.add(n);
    }
  }
  return [...out];
}

/** importOnnx for bytes already in memory (no external-data files unless options.readExternal). */
export function importOnnxBytes(bytes: Uint8Array, options: ImportOptions = {}): ImportedModel {
  return buildGraph(decodeModel(bytes, 'ONNX model'), { bytes, label: 'ONNX model', ...(options.readExternal ? { readExternal: options.readExternal } : {}) }, options);
}

export async function importOnnx(src: Uint8Array | string, options: ImportOptions = {}): Promise<ImportedModel> {
  const source = await loadSource(src, options);
  const model = decodeModel(source.bytes, source.label);
  return buildGraph(model, source, options);
}

function buildGraph(model: ModelProto, source: Source, options: ImportOptions): ImportedModel {
  const where = source.label;
  const gp = model.graph;
  if (!gp) throw new OnnxError(`${where}: the model has no graph`);
  const opset = modelOpset(model);
  if (opset < MIN_OPSET || opset > MAX_OPSET) throw new UnsupportedError(`${where}: opset ${opset} is not supported (Axon imports opsets ${MIN_OPSET}–${MAX_OPSET}); convert the model with onnx.version_converter`);
  const notes: string[] = [];
  const g = new Graph(options.name ?? (gp.name || 'onnx'));
  const values = new Map<string, Value>();
  const noteDouble = (what: string) => { if (!notes.some((n) => n.startsWith('float64'))) notes.push(`float64 values (first: ${what}) compute in f32`); };

  // --- initializers: params or constants
  const constantSet = options.constants === true ? undefined : new Set(options.constants || []);
  const isConstant = (name: string) => options.constants === true || constantSet!.has(name);
  const params: string[] = [];
  const initializerNames = new Set<string>();
  for (const init of gp.initializer ?? []) {
    const name = init.name ?? '';
    initializerNames.add(name);
    const t = tensorValues(init as TensorProto, `${where}: initializer`, source.readExternal);
    if (t.onnxType === DataType.DOUBLE) noteDouble(`initializer "${name}"`);
    if (t.dtype === 'f32' && !isConstant(name) && t.dims.every((d) => d > 0)) {
      const p = g.param(name, t.dims, Float32Array.from(t.data));
      params.push(name);
      values.set(name, tensorValue(p, t.onnxType));
    } else {
      values.set(name, constValue(fromDecoded(t)));
    }
  }
  for (const sp of gp.sparseInitializer ?? []) throw new UnsupportedError(`${where}: sparse initializer "${sp.values?.name ?? '?'}" is not supported`);

  // --- inputs
  const inputs: OnnxTensorInfo[] = [];
  for (const vi of gp.input ?? []) {
    const name = vi.name ?? '';
    if (initializerNames.has(name)) continue; // IR < 4 lists initializers as inputs too
    const tt = vi.type?.tensorType;
    if (!tt) throw new UnsupportedError(`${where}: input "${name}" is not a tensor (sequence, map and optional inputs are not supported)`);
    const onnxType = tt.elemType ?? 0;
    const dtype = axonDType(onnxType);
    if (!dtype) throw new UnsupportedError(`${where}: input "${name}" has element type ${dataTypeName(onnxType)}, which Axon does not support (f32, f64→f32, integers and bool→i32)`);
    if (onnxType === DataType.DOUBLE) noteDouble(`input "${name}"`);
    const pinned = options.inputValues?.[name];
    if (pinned) {
      values.set(name, constValue(hostConst([...pinned.dims], pinned.onnxType ?? onnxType, pinned.data)));
      continue;
    }
    const shape = inputShape(vi, options);
    if (shape.some((d) => d < 1)) throw new UnsupportedError(`${where}: input "${name}" has shape [${shape.join(', ')}]; empty tensors are not supported`);
    values.set(name, tensorValue(g.input(name, shape, dtype), onnxType));
    inputs.push(info(name, shape, dtype, onnxType));
  }
  for (const name of Object.keys(options.shapes ?? {})) {
    if (!(gp.input ?? []).some((i) => i.name === name)) throw new OnnxError(`${where}: options.shapes names "${name}", which is not an input; inputs are ${(gp.input ?? []).map((i) => i.name).join(', ')}`);
  }

  // --- every unsupported op type first, so one error lists them all
  const nodes = gp.node ?? [];
  const opCounts: Record<string, number> = {};
  const problems = new Map<string, { nodes: string[]; reasons: Set<string> }>();
  const report = (opType: string, node: string, reason: string) => {
    const p = problems.get(opType) ?? { nodes: [], reasons: new Set<string>() };
    p.nodes.push(node);
    p.reasons.add(reason);
    problems.set(opType, p);
  };
  const handlers = new Map<NodeProto, OpHandler>();
  for (const node of nodes) {
    const op = node.opType ?? '';
    opCounts[op] = (opCounts[op] ?? 0) + 1;
    const label = node.name || `${op}(${(node.output ?? []).join(', ')})`;
    if (node.domain && node.domain !== 'ai.onnx') { report(op, label, `domain "${node.domain}" is not supported`); continue; }
    const h = onnxOps[op];
    if (!h) { report(op, label, 'no such op in Axon\'s ONNX importer'); continue; }
    if (opset < h.opsets[0] || opset > h.opsets[1]) { report(op, label, `supported for opsets ${h.opsets[0]}–${h.opsets[1]}`); continue; }
    const legacyAxis = opset < 7 && (node.attribute ?? []).some((a) => a.name === 'broadcast') && (node.attribute ?? []).some((a) => a.name === 'axis') && ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'And', 'Or', 'Xor', 'Equal', 'Less', 'Greater', 'PRelu', 'Gemm'].includes(op);
    if (legacyAxis) { report(op, label, 'legacy broadcasting with an axis (opset < 7)'); continue; }
    handlers.set(node, h);
  }

  // --- build
  const poisoned = new Set<string>();
  let unchecked = 0;
  for (const node of nodes) {
    const outs = node.output ?? [];
    const h = handlers.get(node);
    const ins = (node.input ?? []).map((n) => (n ? n : undefined));
    if (!h || ins.some((n) => n !== undefined && poisoned.has(n))) {
      if (h) unchecked++;
      outs.forEach((o) => poisoned.add(o));
      continue;
    }
    const missing = ins.find((n) => n !== undefined && !values.has(n));
    if (missing) throw new OnnxError(`${where}: node "${node.name || node.opType}" reads "${missing}", which no earlier node, input or initializer defines (the graph is not topologically sorted or is incomplete)`);
    const vals = ins.map((n) => (n === undefined ? undefined : values.get(n)));
    const op = node.opType ?? '';
    const label = node.name || `${op}(${outs.join(', ')})`;
    try {
      const allConst = vals.every((v) => v === undefined || v.kind === 'const') && vals.some((v) => v !== undefined || op === 'Constant' || op === 'ConstantOfShape');
      const results = allConst ? fold(h, node, opset, vals, ins) : h.run(new OpContext(g, node, opset, vals, ins.map((n) => n ?? '')));
      outs.forEach((o, i) => {
        if (!o) return;
        const r = results[i];
        if (!r) throw new UnsupportedError(`${op} "${label}": output ${i} ("${o}") is not supported`);
        values.set(o, r);
      });
    } catch (e) {
      if (e instanceof UnsupportedError) report(op, label, e.message.replace(`${op} "${label}" (opset ${opset}): `, ''));
      else if (e instanceof GraphError) report(op, label, `cannot be built: ${e.message.split('\n')[0]}`);
      else throw e;
      outs.forEach((o) => poisoned.add(o));
    }
  }

  if (problems.size > 0) {
    const lines = [...problems].map(([op, p]) => {
      const shown = p.nodes.slice(0, 6).map((n) => `"${n}"`).join(', ') + (p.nodes.length > 6 ? `, … (${p.nodes.length} nodes)` : '');
      return `  ${op} (opset ${opset}) at ${shown}: ${[...p.reasons].slice(0, 3).join('; ')}`;
    });
    const note = unchecked ? `\n  (${unchecked} later node${unchecked > 1 ? 's' : ''} of supported types depend on these and could not be checked)` : '';
    throw new UnsupportedError(`${where}: ${problems.size} unsupported op type${problems.size > 1 ? 's' : ''}:\n${lines.join('\n')}${note}`);
  }

  // --- outputs
  const outputs: OnnxTensorInfo[] = [];
  for (const vi of gp.output ?? []) {
    const name = vi.name ?? '';
    const v = values.get(name);
    if (!v) throw new OnnxError(`${where}: output "${name}" is not computed by any node`);
    let t: Tensor = v.kind === 'tensor' ? v.t : materialize(g, v.c, `output "${name}"`);
    // an output that is an input or param itself (Identity models) is computed as a copy
    if (t.op === 'input' || t.op === 'param') t = g.apply('stop_gradient', [t], {});
    const onnxType = v.kind === 'tensor' ? v.onnxType : v.c.onnxType;
    g.output(name, t);
    outputs.push(info(name, t.shape, t.dtype, onnxType));
  }
  return { graph: g, inputs, outputs, params, opset, opCounts, notes };
}

/**
 * Evaluates a node whose inputs are all import-time constants: the handler builds it in a scratch
 * graph and the reference interpreter computes it, so folding uses the same op semantics as
 * everything else.
 */
function fold(h: OpHandler, node: NodeProto, opset: number, vals: (Value | undefined)[], names: (string | undefined)[]): (Value | undefined)[] {
  const scratch = new Graph('fold');
  const results = h.run(new OpContext(scratch, node, opset, vals, names.map((n) => n ?? '')));
  const pending = results.flatMap((r, i) => (r?.kind === 'tensor' ? [[i, r] as const] : []));
  if (pending.length === 0) return results;
  for (const [i, r] of pending) if (r.kind === 'tensor') scratch.output(`o${i}`, r.t);
  const { outputs } = evaluate(scratch, {});
  return results.map((r, i) => {
    if (r?.kind !== 'tensor') return r;
    return constValue(hostConst([...r.t.shape], r.onnxType, outputs[`o${i}`]!));
  });
}

export { OnnxError, UnsupportedError, NeedsConstantError };
export type { HostConst };
export const describeType = (t: Tensor) => fmtType(t);
