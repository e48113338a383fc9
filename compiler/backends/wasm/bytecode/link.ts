/**
 * Appends generated functions to a prebuilt kernel-library module (a static link at the byte
 * level). The library comes first, unchanged, so none of its code needs relocating: its
 * function, type, global and table indices stay valid; the program's types, functions and table
 * entries are numbered after the library's. The result is one module per variant, so calls into
 * the library are ordinary direct calls and the library's call_indirect reaches the program's
 * epilogues and pool tasks through the one function table.
 */
import { Bytes, encodeFuncType, encodeLimits, FunctionBuilder, section, SECTION, typeKey, WASM_HEADER, type FuncType } from './encoder.ts';

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array, start = 0, readonly end = b.length) { this.pos = start; }
  byte(): number { return this.b[this.pos++]!; }
  u32(): number {
    let result = 0, shift = 0, byte: number;
    do { byte = this.b[this.pos++]!; result |= (byte & 0x7f) << shift; shift += 7; } while (byte & 0x80);
    return result >>> 0;
  }
  name(): string { const n = this.u32(); const s = new TextDecoder().decode(this.b.subarray(this.pos, this.pos + n)); this.pos += n; return s; }
  limits(): { min: number; max?: number; shared: boolean } {
    const flags = this.byte();
    const min = this.u32();
    return { min, ...(flags & 1 ? { max: this.u32() } : {}), shared: (flags & 2) !== 0 };
  }
  /** skips a constant expression up to its `end` */
  constExpr(): { i32?: number } {
    const op = this.byte();
    let value: number | undefined;
    if (op === 0x41) { // i32.const (signed LEB)
      let result = 0, shift = 0, byte: number;
      do { byte = this.byte(); result |= (byte & 0x7f) << shift; shift += 7; } while (byte & 0x80);
      if (shift < 32 && (byte & 0x40)) result |= ~0 << shift;
      value = result | 0;
    } else {
      while (this.b[this.pos] !== 0x0b) this.pos++;
    }
    if (this.byte() !== 0x0b) throw new Error('wasm link: unsupported constant expression in the kernel library');
    return value === undefined ? {} : { i32: value };
  }
}

/** What the linker needs to know of a library module; parsed once per library file. */
export interface LibraryModule {
  bytes: Uint8Array;
  sections: Map<number, { start: number; end: number }>;
  typeCount: number;
  importedFuncs: number;
  definedFuncs: number;
  /** the library's function-table size (its element segments fill [0, tableSize)) */
  tableSize: number;
  /** memory: imported shared (threaded build) or defined by the module */
  memory: { imported: boolean; shared: boolean };
  /** first byte past the library's static data; generated layouts start after it */
  dataEnd: number;
  exports: Map<string, { kind: number; index: number }>;
}

export function parseLibrary(bytes: Uint8Array): LibraryModule {
  if (!WASM_HEADER.every((b, i) => bytes[i] === b)) throw new Error('wasm link: the kernel library is not a wasm module');
  const sections = new Map<number, { start: number; end: number }>();
  const r = new Reader(bytes, 8);
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    if (id !== SECTION.custom) sections.set(id, { start: r.pos, end: r.pos + size });
    r.pos += size;
  }
  const at = (id: number): Reader | undefined => { const s = sections.get(id); return s && new Reader(bytes, s.start, s.end); };
  const typeCount = at(SECTION.type)?.u32() ?? 0;
  let importedFuncs = 0;
  let memory = { imported: false, shared: false };
  const imp = at(SECTION.import);
  if (imp) {
    for (let n = imp.u32(); n > 0; n--) {
      imp.name(); imp.name();
      const kind = imp.byte();
      if (kind === 0) { importedFuncs++; imp.u32(); }
      else if (kind === 1) { imp.byte(); imp.limits(); throw new Error('wasm link: a kernel library importing its table is not supported'); }
      else if (kind === 2) memory = { imported: true, shared: imp.limits().shared };
      else if (kind === 3) { imp.byte(); imp.byte(); }
    }
  }
  const definedFuncs = at(SECTION.function)?.u32() ?? 0;
  let tableSize = 0;
  const tab = at(SECTION.table);
  if (tab && tab.u32() > 0) { tab.byte(); tableSize = tab.limits().min; }
  const exports = new Map<string, { kind: number; index: number }>();
  const ex = at(SECTION.export);
  if (ex) for (let n = ex.u32(); n > 0; n--) { const name = ex.name(); exports.set(name, { kind: ex.byte(), index: ex.u32() }); }
  let dataEnd = 0;
  const data = at(SECTION.data);
  if (data) {
    for (let n = data.u32(); n > 0; n--) {
      const flags = data.u32();
      if (flags === 2) data.u32();
      const offset = flags === 1 ? undefined : data.constExpr().i32;
      const size = data.u32();
      data.pos += size;
      if (offset !== undefined) dataEnd = Math.max(dataEnd, offset + size);
    }
  }
  return { bytes, sections, typeCount, importedFuncs, definedFuncs, tableSize, memory, dataEnd, exports };
}

/** Index of a library function export (a missing one is a build mismatch). */
export function libraryFunction(lib: LibraryModule, name: string): number {
  const e = lib.exports.get(name);
  if (!e || e.kind !== 0) throw new Error(`wasm link: the kernel library does not export function "${name}" (rebuild it: npm run build:kernels)`);
  return e.index;
}

export interface ProgramCode {
  /** generated functions, numbered after the library's: function i has index firstFunction + i */
  functions: FunctionBuilder[];
  /** functions (indices into `functions`) the library calls through the table, in table order after the library's entries */
  tableEntries: number[];
  exports: { name: string; func: number }[];
  memoryPages: number;
}

/** Index the first generated function gets. */
export function firstFunction(lib: LibraryModule): number {
  return lib.importedFuncs + lib.definedFuncs;
}

export function link(lib: LibraryModule, program: ProgramCode): Uint8Array {
  const raw = (id: number): Uint8Array | undefined => { const s = lib.sections.get(id); return s && lib.bytes.subarray(s.start, s.end); };
  /** a section's vector without its count: (count, rest) */
  const vec = (id: number): { count: number; rest: Uint8Array } => {
    const s = lib.sections.get(id);
    if (!s) return { count: 0, rest: new Uint8Array(0) };
    const r = new Reader(lib.bytes, s.start, s.end);
    const count = r.u32();
    return { count, rest: lib.bytes.subarray(r.pos, s.end) };
  };
  const base = firstFunction(lib);
  const out = new Bytes().raw(WASM_HEADER);

  // types: the library's, then the program's distinct ones
  const newTypes: FuncType[] = [];
  const typeIndex = new Map<string, number>();
  const funcTypes = program.functions.map((f) => {
    const key = typeKey(f.type);
    let i = typeIndex.get(key);
    if (i === undefined) { i = lib.typeCount + newTypes.length; newTypes.push(f.type); typeIndex.set(key, i); }
    return i;
  });
  const types = vec(SECTION.type);
  const ts = new Bytes().u32(types.count + newTypes.length).raw(types.rest);
  for (const t of newTypes) encodeFuncType(t, ts);
  section(SECTION.type, ts, out);

  // imports: the same, with a shared memory's limits set to the program's
  const imports = raw(SECTION.import);
  if (imports) {
    const r = new Reader(imports);
    const is = new Bytes();
    const n = r.u32();
    is.u32(n);
    for (let i = 0; i < n; i++) {
      const start = r.pos;
      r.name(); r.name();
      const kind = r.byte();
      if (kind === 2) {
        is.raw(imports.subarray(start, r.pos - 1)).byte(2);
        const l = r.limits();
        encodeLimits(program.memoryPages, program.memoryPages, l.shared, is);
        continue;
      }
      if (kind === 0) r.u32(); else if (kind === 3) { r.byte(); r.byte(); }
      is.raw(imports.subarray(start, r.pos));
    }
    section(SECTION.import, is, out);
  }

  const funcs = vec(SECTION.function);
  const fs = new Bytes().u32(funcs.count + funcTypes.length).raw(funcs.rest);
  for (const t of funcTypes) fs.u32(t);
  section(SECTION.function, fs, out);

  const tableSize = Math.max(lib.tableSize, 1) + program.tableEntries.length;
  const tab = new Bytes().u32(1).byte(0x70);
  encodeLimits(tableSize, tableSize, false, tab);
  section(SECTION.table, tab, out);

  if (!lib.memory.imported) {
    const ms = new Bytes().u32(1);
    encodeLimits(program.memoryPages, undefined, false, ms);
    section(SECTION.memory, ms, out);
  }
  const globals = raw(SECTION.global);
  if (globals) section(SECTION.global, globals, out);

  const es = new Bytes().u32(program.exports.length + (lib.memory.imported ? 0 : 1));
  for (const e of program.exports) es.name(e.name).byte(0).u32(base + e.func);
  if (!lib.memory.imported) es.name('memory').byte(2).u32(0);
  section(SECTION.export, es, out);

  const start = raw(SECTION.start);
  if (start) section(SECTION.start, start, out);

  // element segments: the library's, then one at the end of its range for the program's entries
  const elems = vec(SECTION.element);
  const entryBase = Math.max(lib.tableSize, 1);
  const el = new Bytes().u32(elems.count + (program.tableEntries.length ? 1 : 0)).raw(elems.rest);
  if (program.tableEntries.length) {
    el.u32(0).byte(0x41).s32(entryBase).byte(0x0b).u32(program.tableEntries.length);
    for (const f of program.tableEntries) el.u32(base + f);
  }
  section(SECTION.element, el, out);

  const dc = raw(SECTION.datacount);
  if (dc) section(SECTION.datacount, dc, out);

  const code = vec(SECTION.code);
  const cs = new Bytes().u32(code.count + program.functions.length).raw(code.rest);
  for (const f of program.functions) cs.raw(f.encode());
  section(SECTION.code, cs, out);

  const data = raw(SECTION.data);
  if (data) section(SECTION.data, data, out);
  return out.toUint8Array();
}

/** Table index the i-th program table entry gets. */
export function tableIndexOf(lib: LibraryModule, entry: number): number {
  return Math.max(lib.tableSize, 1) + entry;
}
