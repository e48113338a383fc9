/**
 * A small typed WebAssembly bytecode encoder: LEB128, value and function types, a function
 * body builder with named opcodes (a misspelt opcode is a type error), structured control flow
 * and memory operations, and module sections. Enough for the backend's generated program code
 * (i32/i64/f32/f64 scalars, v128 SIMD incl. relaxed madd, atomics are left to the library).
 */

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';
export const VALTYPE: { readonly [T in ValType]: number } = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

export interface FuncType {
  params: readonly ValType[];
  results: readonly ValType[];
}

export function typeKey(t: FuncType): string {
  return `${t.params.join(',')}->${t.results.join(',')}`;
}

/** A growable byte buffer (bulk copies with TypedArray.set: linking copies the whole library). */
export class Bytes {
  private buf = new Uint8Array(256);
  private n = 0;
  private reserve(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }
  byte(x: number): this { this.reserve(1); this.buf[this.n++] = x & 0xff; return this; }
  raw(xs: ArrayLike<number> | Bytes): this {
    const src = xs instanceof Bytes ? xs.view() : xs;
    this.reserve(src.length);
    if (src instanceof Uint8Array) this.buf.set(src, this.n);
    else for (let i = 0; i < src.length; i++) this.buf[this.n + i] = src[i]! & 0xff;
    this.n += src.length;
    return this;
  }
  u32(x: number): this {
    x >>>= 0;
    do {
      let byte = x & 0x7f;
      x >>>= 7;
      if (x !== 0) byte |= 0x80;
      this.byte(byte);
    } while (x !== 0);
    return this;
  }
  s32(x: number): this {
    x |= 0;
    while (true) {
      const byte = x & 0x7f;
      x >>= 7;
      if ((x === 0 && (byte & 0x40) === 0) || (x === -1 && (byte & 0x40) !== 0)) return this.byte(byte);
      this.byte(byte | 0x80);
    }
  }
  name(s: string): this {
    const utf8 = new TextEncoder().encode(s);
    return this.u32(utf8.length).raw(utf8);
  }
  /** a length-prefixed payload */
  sized(payload: Bytes | ArrayLike<number>): this {
    return this.u32(payload.length).raw(payload);
  }
  get length(): number { return this.n; }
  /** the bytes written so far (a view, valid until the next write) */
  view(): Uint8Array { return this.buf.subarray(0, this.n); }
  toUint8Array(): Uint8Array { return this.buf.slice(0, this.n); }
}

export function encodeFuncType(t: FuncType, out: Bytes): void {
  out.byte(0x60).u32(t.params.length);
  for (const p of t.params) out.byte(VALTYPE[p]);
  out.u32(t.results.length);
  for (const r of t.results) out.byte(VALTYPE[r]);
}

/** Plain (one-byte) opcodes. */
const OPS = {
  unreachable: 0x00, nop: 0x01, drop: 0x1a, select: 0x1b, return: 0x0f,
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49, 'i32.gt_s': 0x4a, 'i32.gt_u': 0x4b,
  'i32.le_s': 0x4c, 'i32.le_u': 0x4d, 'i32.ge_s': 0x4e, 'i32.ge_u': 0x4f,
  'f32.eq': 0x5b, 'f32.ne': 0x5c, 'f32.lt': 0x5d, 'f32.gt': 0x5e, 'f32.le': 0x5f, 'f32.ge': 0x60,
  'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c, 'i32.div_s': 0x6d, 'i32.rem_s': 0x6f,
  'i32.and': 0x71, 'i32.or': 0x72, 'i32.xor': 0x73, 'i32.shl': 0x74, 'i32.shr_s': 0x75, 'i32.shr_u': 0x76,
  'f32.abs': 0x8b, 'f32.neg': 0x8c, 'f32.ceil': 0x8d, 'f32.floor': 0x8e, 'f32.trunc': 0x8f, 'f32.nearest': 0x90, 'f32.sqrt': 0x91,
  'f32.add': 0x92, 'f32.sub': 0x93, 'f32.mul': 0x94, 'f32.div': 0x95, 'f32.min': 0x96, 'f32.max': 0x97,
  'f64.neg': 0x9a, 'f64.sqrt': 0x9f, 'f64.add': 0xa0, 'f64.sub': 0xa1, 'f64.mul': 0xa2, 'f64.div': 0xa3,
  'i32.wrap_i64': 0xa7, 'f32.convert_i32_s': 0xb2, 'f32.convert_i32_u': 0xb3, 'f32.demote_f64': 0xb6,
  'f64.convert_i32_s': 0xb7, 'f64.promote_f32': 0xbb,
} as const;

/** 0xFC-prefixed opcodes (saturating truncation, bulk memory). */
const FC_OPS = { 'i64.trunc_sat_f32_s': 4, 'i64.trunc_sat_f64_s': 6, 'memory.fill': 11, 'memory.copy': 10 } as const;

/** 0xFD-prefixed SIMD opcodes (without memory ops and lane ops, see below). */
const SIMD_OPS = {
  'i32x4.splat': 17, 'f32x4.splat': 19,
  'i32x4.eq': 55, 'i32x4.ne': 56, 'i32x4.lt_s': 57, 'i32x4.gt_s': 59, 'i32x4.le_s': 61, 'i32x4.ge_s': 63,
  'f32x4.eq': 65, 'f32x4.ne': 66, 'f32x4.lt': 67, 'f32x4.gt': 68, 'f32x4.le': 69, 'f32x4.ge': 70,
  'v128.not': 77, 'v128.and': 78, 'v128.andnot': 79, 'v128.or': 80, 'v128.xor': 81, 'v128.bitselect': 82,
  'f32x4.ceil': 103, 'f32x4.floor': 104, 'f32x4.trunc': 105, 'f32x4.nearest': 106,
  'i32x4.abs': 160, 'i32x4.neg': 161, 'i32x4.shl': 171, 'i32x4.shr_s': 172, 'i32x4.shr_u': 173,
  'i32x4.add': 174, 'i32x4.sub': 177, 'i32x4.mul': 181, 'i32x4.min_s': 182, 'i32x4.max_s': 184,
  'f32x4.abs': 224, 'f32x4.neg': 225, 'f32x4.sqrt': 227, 'f32x4.add': 228, 'f32x4.sub': 229, 'f32x4.mul': 230, 'f32x4.div': 231,
  'f32x4.min': 232, 'f32x4.max': 233, 'f32x4.pmin': 234, 'f32x4.pmax': 235,
  'i32x4.trunc_sat_f32x4_s': 248, 'f32x4.convert_i32x4_s': 250, 'f32x4.convert_i32x4_u': 251,
  'f32x4.relaxed_madd': 261,
} as const;

/** Memory instructions: opcode and natural alignment (log2 bytes). */
const MEM_OPS = {
  'i32.load': [[0x28], 2], 'f32.load': [[0x2a], 2], 'i32.store': [[0x36], 2], 'f32.store': [[0x38], 2],
  'v128.load': [[0xfd, 0], 4], 'v128.load32_splat': [[0xfd, 9], 2], 'v128.store': [[0xfd, 11], 4],
} as const;

export type Op = keyof typeof OPS | keyof typeof FC_OPS | keyof typeof SIMD_OPS;
export type MemOp = keyof typeof MEM_OPS;
export type LaneOp = 'f32x4.extract_lane' | 'i32x4.extract_lane';
const LANE_OPS: { readonly [K in LaneOp]: number } = { 'i32x4.extract_lane': 27, 'f32x4.extract_lane': 31 };

/** Block type of a structured instruction: none or one result. */
export type BlockType = ValType | 'void';

/**
 * One function's body. Locals are allocated with `local(type)`; instructions are appended in
 * stack order. `calls` names functions symbolically so the linker can number them.
 */
export class FunctionBuilder {
  readonly code = new Bytes();
  private readonly locals: ValType[] = [];
  private depth = 0;

  constructor(readonly type: FuncType) {}

  /** A fresh local of type `t` (parameters are locals 0…params−1). */
  local(t: ValType): number {
    this.locals.push(t);
    return this.type.params.length + this.locals.length - 1;
  }

  op(name: Op): this {
    if (name in OPS) this.code.byte(OPS[name as keyof typeof OPS]);
    else if (name in FC_OPS) this.code.byte(0xfc).u32(FC_OPS[name as keyof typeof FC_OPS]);
    else this.code.byte(0xfd).u32(SIMD_OPS[name as keyof typeof SIMD_OPS]);
    if (name === 'memory.fill') this.code.byte(0);
    if (name === 'memory.copy') this.code.byte(0).byte(0);
    return this;
  }

  i32(x: number): this { this.code.byte(0x41).s32(x); return this; }
  f32(x: number): this {
    const buf = new Uint8Array(new Float32Array([x]).buffer);
    this.code.byte(0x43).raw(buf);
    return this;
  }
  f64(x: number): this {
    const buf = new Uint8Array(new Float64Array([x]).buffer);
    this.code.byte(0x44).raw(buf);
    return this;
  }
  /** v128.const of four i32 or f32 lanes */
  v128(lanes: readonly number[], as: 'i32' | 'f32'): this {
    const buf = new Uint8Array((as === 'i32' ? new Int32Array(lanes) : new Float32Array(lanes)).buffer);
    this.code.byte(0xfd).u32(12).raw(buf);
    return this;
  }
  lane(name: LaneOp, lane: number): this { this.code.byte(0xfd).u32(LANE_OPS[name]).byte(lane); return this; }

  get(l: number): this { this.code.byte(0x20).u32(l); return this; }
  set(l: number): this { this.code.byte(0x21).u32(l); return this; }
  tee(l: number): this { this.code.byte(0x22).u32(l); return this; }

  /** Loads and stores; `offset` is the constant byte offset added to the address operand. */
  mem(name: MemOp, offset = 0): this {
    const [bytes, align] = MEM_OPS[name];
    this.code.raw(bytes).u32(align).u32(offset);
    return this;
  }

  call(funcIndex: number): this { this.code.byte(0x10).u32(funcIndex); return this; }

  block(t: BlockType = 'void'): this { return this.structured(0x02, t); }
  loop(t: BlockType = 'void'): this { return this.structured(0x03, t); }
  if(t: BlockType = 'void'): this { return this.structured(0x04, t); }
  else(): this { this.code.byte(0x05); return this; }
  end(): this {
    if (this.depth === 0) throw new Error('wasm encoder: end() without an open block');
    this.depth--;
    this.code.byte(0x0b);
    return this;
  }
  br(depth: number): this { this.code.byte(0x0c).u32(depth); return this; }
  brIf(depth: number): this { this.code.byte(0x0d).u32(depth); return this; }

  private structured(opcode: number, t: BlockType): this {
    this.depth++;
    this.code.byte(opcode).byte(t === 'void' ? 0x40 : VALTYPE[t]);
    return this;
  }

  /**
   * `for (i = lo; i < hi; i += step) body()`, with lo/hi pushing an i32 each. The test sits at the
   * top so an empty range runs no iteration.
   */
  forRange(i: number, lo: () => void, hi: () => void, step: number, body: () => void): this {
    lo();
    this.set(i);
    this.block().loop();
    this.get(i); hi(); this.op('i32.ge_s').brIf(1);
    body();
    this.get(i).i32(step).op('i32.add').set(i);
    this.br(0).end().end();
    return this;
  }

  /** The function body as the code section wants it (locals, instructions, end), size-prefixed. */
  encode(): Bytes {
    if (this.depth !== 0) throw new Error(`wasm encoder: ${this.depth} block(s) left open`);
    const body = new Bytes();
    // run-length groups of equal local types
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    body.u32(groups.length);
    for (const [n, t] of groups) body.u32(n).byte(VALTYPE[t]);
    body.raw(this.code).byte(0x0b);
    return new Bytes().sized(body);
  }
}

export const SECTION = { custom: 0, type: 1, import: 2, function: 3, table: 4, memory: 5, global: 6, export: 7, start: 8, element: 9, code: 10, data: 11, datacount: 12 } as const;

export function section(id: number, payload: Bytes | ArrayLike<number>, out: Bytes): void {
  out.byte(id).sized(payload);
}

export const WASM_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Limits of a memory or table: `max` undefined means none; `shared` is for memories. */
export function encodeLimits(min: number, max: number | undefined, shared: boolean, out: Bytes): void {
  out.byte((max === undefined ? 0 : 1) | (shared ? 2 : 0)).u32(min);
  if (max !== undefined) out.u32(max);
}

/** A self-contained module of functions with an optional exported memory (used by tests and probes). */
export function encodeModule(spec: {
  functions: { builder: FunctionBuilder; export?: string }[];
  memoryPages?: number;
}): Uint8Array {
  const types: FuncType[] = [];
  const typeIndex = new Map<string, number>();
  const typeOf = (t: FuncType): number => {
    const key = typeKey(t);
    let i = typeIndex.get(key);
    if (i === undefined) { i = types.length; types.push(t); typeIndex.set(key, i); }
    return i;
  };
  const funcTypes = spec.functions.map((f) => typeOf(f.builder.type));
  const out = new Bytes().raw(WASM_HEADER);
  const ts = new Bytes().u32(types.length);
  for (const t of types) encodeFuncType(t, ts);
  section(SECTION.type, ts, out);
  const fs = new Bytes().u32(funcTypes.length);
  for (const t of funcTypes) fs.u32(t);
  section(SECTION.function, fs, out);
  if (spec.memoryPages !== undefined) {
    const ms = new Bytes().u32(1);
    encodeLimits(spec.memoryPages, undefined, false, ms);
    section(SECTION.memory, ms, out);
  }
  const exports = spec.functions.flatMap((f, i) => (f.export ? [[f.export, i] as const] : []));
  const es = new Bytes().u32(exports.length + (spec.memoryPages !== undefined ? 1 : 0));
  for (const [name, i] of exports) es.name(name).byte(0).u32(i);
  if (spec.memoryPages !== undefined) es.name('memory').byte(2).u32(0);
  section(SECTION.export, es, out);
  const cs = new Bytes().u32(spec.functions.length);
  for (const f of spec.functions) cs.raw(f.builder.encode());
  section(SECTION.code, cs, out);
  return out.toUint8Array();
}
