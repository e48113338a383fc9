/**
 * The graph IR: a static DAG of tensors. Each tensor is the single output of one node; leaves are
 * inputs (fed per run), params (trainable, with initial values), state (non-trained values
 * carried between runs, e.g. optimizer moments) and consts. `updates` maps params/state to their
 * new values after one run, which is how a training step is expressed.
 */
import { CallSite, GraphError, userCallSite } from './errors.ts';
import { fmtType, sizeOf, type DType, type Shape, type TensorType } from './types.ts';
import type { OpAttrs, OpName } from '../ops/attrs.ts';
import { shapeRules } from '../ops/shapes.ts';
import { nonFiniteError } from '../ops/validate.ts';

export type LeafKind = 'input' | 'param' | 'state' | 'const';

export class Tensor implements TensorType {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly op: OpName | LeafKind,
    readonly inputs: readonly Tensor[],
    readonly attrs: Readonly<Record<string, unknown>>,
    readonly shape: Shape,
    readonly dtype: DType,
    /** leaf name (input/param/state) */
    readonly name: string | undefined,
    /** initial value of params, state and consts */
    readonly value: Float32Array | Int32Array | undefined,
    /** where the user created it (formatted on demand) */
    readonly callSite: CallSite | undefined,
  ) {}

  /** the user's source location that created this tensor, if known */
  get site(): string | undefined { return this.callSite?.location; }

  get size(): number { return sizeOf(this.shape); }
  get rank(): number { return this.shape.length; }
  isLeaf(): boolean { return this.op === 'input' || this.op === 'param' || this.op === 'state' || this.op === 'const'; }
  toString(): string { return `${this.name ?? this.op}#${this.id}: ${fmtType(this)}`; }
}

export class Graph {
  readonly nodes: Tensor[] = [];
  readonly inputs = new Map<string, Tensor>();
  readonly params = new Map<string, Tensor>();
  readonly state = new Map<string, Tensor>();
  readonly outputs = new Map<string, Tensor>();
  /** param/state leaf → its value after one run */
  readonly updates = new Map<Tensor, Tensor>();
  /** i32 inputs that a loss reads as class indices → the class count (runtimes check fed labels lie in [0, count)) */
  readonly classIndexInputs = new Map<string, number>();

  constructor(readonly name = 'model') {}

  private push(op: OpName | LeafKind, inputs: Tensor[], attrs: Record<string, unknown>, type: TensorType, name?: string, value?: Float32Array | Int32Array, site: CallSite | undefined = new CallSite()): Tensor {
    const t = new Tensor(this, this.nodes.length, op, inputs, attrs, [...type.shape], type.dtype, name, value, site);
    this.nodes.push(t);
    return t;
  }

  private checkName(kind: string, name: string): void {
    if (!name || typeof name !== 'string') throw new GraphError(`${kind} needs a non-empty name`, userCallSite());
    if (this.inputs.has(name) || this.params.has(name) || this.state.has(name)) throw new GraphError(`${kind} "${name}": the name is already used in graph "${this.name}"`, userCallSite());
  }

  private checkShape(kind: string, name: string, shape: Shape): void {
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new GraphError(`${kind} "${name}": shape [${String(shape)}] must be a list of positive integers`, userCallSite());
  }

  input(name: string, shape: Shape, dtype: DType = 'f32'): Tensor {
    this.checkName('input', name);
    this.checkShape('input', name, shape);
    const t = this.push('input', [], {}, { shape, dtype }, name);
    this.inputs.set(name, t);
    return t;
  }

  /** A trainable parameter; `init` is its initial value (see frontend/init.ts for initializers). */
  param(name: string, shape: Shape, init: Float32Array | ((shape: Shape) => Float32Array)): Tensor {
    this.checkName('param', name);
    this.checkShape('param', name, shape);
    const value = typeof init === 'function' ? init(shape) : init;
    nonFiniteError(`param "${name}": initial value`, value, userCallSite());
    if (value.length !== sizeOf(shape)) throw new GraphError(`param "${name}": initial value has ${value.length} elements, shape ${fmtType({ shape, dtype: 'f32' })} needs ${sizeOf(shape)}`, userCallSite());
    const t = this.push('param', [], {}, { shape, dtype: 'f32' }, name, new Float32Array(value));
    this.params.set(name, t);
    return t;
  }

  /** Non-trainable state carried across runs (optimizer moments, running statistics, counters). */
  stateTensor(name: string, shape: Shape, init: Float32Array | Int32Array, dtype: DType = 'f32'): Tensor {
    this.checkName('state', name);
    this.checkShape('state', name, shape);
    if (init.length !== sizeOf(shape)) throw new GraphError(`state "${name}": initial value has ${init.length} elements, needs ${sizeOf(shape)}`, userCallSite());
    nonFiniteError(`state "${name}": initial value`, init, userCallSite());
    const t = this.push('state', [], {}, { shape, dtype }, name, dtype === 'i32' ? new Int32Array(init) : new Float32Array(init));
    this.state.set(name, t);
    return t;
  }

  constant(value: number | ArrayLike<number>, shape: Shape = typeof value === 'number' ? [] : [value.length], dtype: DType = 'f32'): Tensor {
    const arr = typeof value === 'number' ? [value] : Array.from(value);
    if (arr.length !== sizeOf(shape)) throw new GraphError(`constant: ${arr.length} values do not fill shape [${shape.join(', ')}]`, userCallSite());
    nonFiniteError('constant', arr, userCallSite());
    return this.push('const', [], {}, { shape, dtype }, undefined, dtype === 'i32' ? Int32Array.from(arr) : Float32Array.from(arr));
  }

  /** Appends a primitive op; its shape/dtype rule runs now, so errors point at the caller. */
  apply<K extends OpName>(op: K, inputs: Tensor[], attrs: OpAttrs[K], callSite?: CallSite): Tensor {
    const site = callSite ?? new CallSite();
    for (const t of inputs) {
      if (!(t instanceof Tensor)) throw new GraphError(`${op}: expected tensors as inputs, got ${typeof t}`, site.location);
      if (t.graph !== this) throw new GraphError(`${op}: ${t} belongs to graph "${t.graph.name}", not "${this.name}"`, site.location);
    }
    let type: TensorType;
    try {
      type = shapeRules[op](inputs, attrs as never);
    } catch (e) {
      const msg = (e as Error).message;
      throw new GraphError(`${op}(${inputs.map((t) => fmtType(t)).join(', ')}): ${msg}`, site.location);
    }
    return this.push(op, inputs, attrs as Record<string, unknown>, type, undefined, undefined, site);
  }

  output(name: string, t: Tensor): Tensor {
    if (t.graph !== this) throw new GraphError(`output "${name}": tensor belongs to another graph`, userCallSite());
    if (this.outputs.has(name)) throw new GraphError(`output "${name}" is already defined`, userCallSite());
    this.outputs.set(name, t);
    return t;
  }

  /** Declares that after a run, `target` (a param or state) holds `value`. */
  update(target: Tensor, value: Tensor): void {
    if (target.op !== 'param' && target.op !== 'state') throw new GraphError(`update: ${target} is not a param or state tensor`, userCallSite());
    if (value.shape.join() !== target.shape.join() || value.dtype !== target.dtype) throw new GraphError(`update of "${target.name}": new value ${fmtType(value)} does not match ${fmtType(target)}`, userCallSite());
    this.updates.set(target, value);
  }

  /** A copy of the graph (same node ids), so transformations never change the caller's graph. */
  clone(name = this.name): { graph: Graph; map: Map<Tensor, Tensor> } {
    const g = new Graph(name);
    const map = new Map<Tensor, Tensor>();
    for (const n of this.nodes) {
      const t = new Tensor(g, n.id, n.op, n.inputs.map((i) => map.get(i)!), n.attrs, n.shape, n.dtype, n.name, n.value, n.callSite);
      g.nodes.push(t);
      map.set(n, t);
    }
    for (const [k, v] of this.inputs) g.inputs.set(k, map.get(v)!);
    for (const [k, v] of this.params) g.params.set(k, map.get(v)!);
    for (const [k, v] of this.state) g.state.set(k, map.get(v)!);
    for (const [k, v] of this.outputs) g.outputs.set(k, map.get(v)!);
    for (const [k, v] of this.updates) g.updates.set(map.get(k)!, map.get(v)!);
    for (const [k, v] of this.classIndexInputs) g.classIndexInputs.set(k, v);
    return { graph: g, map };
  }
}
