/**
 * What an ONNX op handler sees while the importer builds the Axon graph: the node's attributes,
 * its inputs as graph tensors or as host constants (values known at import, which is how shape
 * subgraphs fold), and the errors it may raise.
 */
import type { Graph, Tensor } from '../ir/graph.ts';
import type { DType } from '../ir/types.ts';
import { DataType, OnnxError, checkI32, toInt, tensorValues, type AttributeProto, type NodeProto, type DecodedTensor } from './proto.ts';

/** A value known at import time (initializer marked constant, Constant, Shape, or a folded node). */
export interface HostConst {
  dims: number[];
  dtype: DType;
  /** the ONNX element type it stands for (bool/int64/… map onto i32, double onto f32) */
  onnxType: number;
  data: Float64Array;
}

/** A value flowing through the imported graph. */
export type Value =
  | { kind: 'const'; c: HostConst }
  | { kind: 'tensor'; t: Tensor; onnxType: number };

/** The model uses something Axon cannot express (yet); collected, then reported all at once. */
export class UnsupportedError extends OnnxError {
  override name = 'UnsupportedError';
}

/** An input the op needs as an import-time constant is a runtime tensor. */
export class NeedsConstantError extends UnsupportedError {
  override name = 'NeedsConstantError';
  constructor(message: string, readonly valueName: string) { super(message); }
}

export function hostConst(dims: number[], onnxType: number, data: ArrayLike<number>): HostConst {
  const dtype: DType = onnxType === DataType.FLOAT || onnxType === DataType.DOUBLE ? 'f32' : 'i32';
  const d = Float64Array.from(data);
  if (dtype === 'f32') for (let i = 0; i < d.length; i++) d[i] = Math.fround(d[i]!);
  return { dims, dtype, onnxType, data: d };
}

/** A host constant as a graph constant (integers range-checked for i32). */
export function materialize(g: Graph, c: HostConst, what: string): Tensor {
  if (c.dtype === 'i32') checkI32(c.data, what);
  return g.constant(c.data, c.dims, c.dtype);
}

export function fromDecoded(t: DecodedTensor): HostConst {
  return hostConst(t.dims, t.onnxType, t.data);
}

export class OpContext {
  readonly name: string;
  readonly op: string;
  constructor(
    readonly g: Graph,
    readonly node: NodeProto,
    /** the model's opset for the node's domain */
    readonly opset: number,
    private readonly values: readonly (Value | undefined)[],
    private readonly inputNames: readonly string[],
  ) {
    this.op = node.opType ?? '';
    this.name = node.name || `${this.op}(${(node.output ?? []).join(', ')})`;
  }

  get inputCount(): number { return this.values.length; }
  get outputCount(): number { return (this.node.output ?? []).length; }
  /** whether output i is wanted (ONNX marks skipped optional outputs with an empty name) */
  wantsOutput(i: number): boolean { return !!(this.node.output ?? [])[i]; }

  has(i: number): boolean { return this.values[i] !== undefined; }
  value(i: number): Value {
    const v = this.values[i];
    if (!v) throw this.unsupported(`input ${i} is missing`);
    return v;
  }
  isConst(i: number): boolean { return this.values[i]?.kind === 'const'; }
  onnxType(i: number): number {
    const v = this.value(i);
    return v.kind === 'const' ? v.c.onnxType : v.onnxType;
  }

  /** Input i as a graph tensor (a host constant becomes a graph constant). */
  tensor(i: number): Tensor {
    const v = this.value(i);
    if (v.kind === 'tensor') return v.t;
    return materialize(this.g, v.c, `${this.op} "${this.name}" input ${i} ("${this.inputNames[i]}")`);
  }

  /** Input i as an import-time constant, or an error saying the op needs it constant. */
  constant(i: number, what: string): HostConst {
    const v = this.value(i);
    if (v.kind === 'const') return v.c;
    throw new NeedsConstantError(`${this.op} "${this.name}": ${what} (input ${i}, "${this.inputNames[i]}") must be known at import time (an initializer, a Constant, or computed from shapes), but it is a runtime tensor`, this.inputNames[i]!);
  }
  ints(i: number, what: string): number[] { return Array.from(this.constant(i, what).data); }

  unsupported(why: string): UnsupportedError {
    return new UnsupportedError(`${this.op} "${this.name}" (opset ${this.opset}): ${why}`);
  }

  private attribute(name: string): AttributeProto | undefined {
    return (this.node.attribute ?? []).find((a) => a.name === name);
  }
  hasAttr(name: string): boolean { return this.attribute(name) !== undefined; }
  int(name: string, fallback: number): number {
    const a = this.attribute(name);
    return a ? toInt(a.i, `${this.name}.${name}`) : fallback;
  }
  float(name: string, fallback: number): number {
    const a = this.attribute(name);
    return a ? a.f ?? 0 : fallback;
  }
  intList(name: string): number[] | undefined {
    const a = this.attribute(name);
    return a ? (a.ints ?? []).map((v) => toInt(v, `${this.name}.${name}`)) : undefined;
  }
  floatList(name: string): number[] | undefined {
    const a = this.attribute(name);
    return a ? [...(a.floats ?? [])] : undefined;
  }
  string(name: string, fallback: string): string {
    const a = this.attribute(name);
    return a?.s ? new TextDecoder().decode(a.s) : fallback;
  }
  tensorAttr(name: string): HostConst | undefined {
    const a = this.attribute(name);
    return a?.t ? fromDecoded(tensorValues(a.t, `${this.name}.${name}`)) : undefined;
  }
  /** Rejects attributes this handler does not implement when set to anything but their default. */
  rejectAttr(name: string, isDefault: (ctx: this) => boolean): void {
    if (this.hasAttr(name) && !isDefault(this)) throw this.unsupported(`attribute ${name} is not supported`);
  }
}

/** A handler's result per output: a graph tensor (with its ONNX type) or a host constant. */
export type OpResult = Value | undefined;

export interface OpHandler {
  /** opsets this handler implements (inclusive); the importer supports opsets 7–17 overall */
  opsets: [number, number];
  /** inputs that must be import-time constants (shape, axes, pads, …) */
  constInputs?: readonly number[];
  run(ctx: OpContext): OpResult[];
}

export const tensorValue = (t: Tensor, onnxType: number): Value => ({ kind: 'tensor', t, onnxType });
export const constValue = (c: HostConst): Value => ({ kind: 'const', c });
