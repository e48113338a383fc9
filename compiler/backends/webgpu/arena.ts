/**
 * How kernels address memory. The arena is one storage buffer, or, when the planner split it
 * (Program.segmentBytes: WebGPU binds at most maxStorageBufferBindingSize bytes per buffer),
 * one buffer per segment. A kernel binds each segment it touches once, in increasing segment
 * order at bindings 0, 1, …, as `arenaS: array<u32>` (S the segment index): f32 and i32 are
 * bitcasts of the same words, so i32 bit patterns that look like NaNs survive. Baking element
 * offsets within the segment into the shaders sidesteps WebGPU's storage-buffer offset
 * alignment (minStorageBufferOffsetAlignment) entirely: no buffer is ever bound at an offset.
 * (A second, vec4-typed binding of the same buffer is not an option: Dawn rejects two writable
 * bindings aliasing one buffer in a dispatch.)
 */
import type { BufferDecl, DType, Program, View } from '../../kernel/ir.ts';

/** Matches an arena word access `arenaS[index]` (index without brackets), for rewriting it. */
export const ARENA_WORD = /\b(arena\d+)\[([^[\]]+)\]/g;

export class ArenaLayout {
  private readonly byId: Map<number, BufferDecl>;
  private readonly used = new Set<number>();
  private readonly segmentBytes: number | undefined;

  constructor(program: Program, private readonly kernelName: string) {
    this.byId = new Map(program.buffers.map((b) => [b.id, b]));
    this.segmentBytes = program.segmentBytes;
  }

  buffer(id: number): BufferDecl {
    const b = this.byId.get(id);
    if (!b) throw new Error(`webgpu: kernel "${this.kernelName}" uses buffer ${id}, which the program does not declare`);
    if (b.offset % 4 !== 0) throw new Error(`webgpu: buffer "${b.name}" has arena offset ${b.offset}, not a multiple of 4 bytes`);
    return b;
  }

  private segment(b: BufferDecl): number {
    return this.segmentBytes === undefined ? 0 : Math.floor(b.offset / this.segmentBytes);
  }

  /** Element index of the view's origin in its segment's buffer. */
  base(view: View): number {
    const b = this.buffer(view.buffer);
    return (b.offset - this.segment(b) * (this.segmentBytes ?? 0)) / 4 + view.offset;
  }

  /** The WGSL name of the binding holding the view's buffer (marks that segment as bound). */
  name(view: View): string {
    const s = this.segment(this.buffer(view.buffer));
    this.used.add(s);
    return `arena${s}`;
  }

  dtype(view: View): DType {
    return this.buffer(view.buffer).dtype;
  }

  /** WGSL i32 expression for the element (in its segment) the view reads at index vars `vars`. */
  index(view: View, vars: readonly string[]): string {
    if (view.strides.length > vars.length) {
      throw new Error(`webgpu: kernel "${this.kernelName}" has a view of buffer ${view.buffer} with ${view.strides.length} strides in a ${vars.length}-D space`);
    }
    const terms = [String(this.base(view))];
    view.strides.forEach((s, d) => {
      if (s === 1) terms.push(vars[d]!);
      else if (s !== 0) terms.push(`${vars[d]} * ${s}`);
    });
    return terms.length === 1 ? terms[0]! : `(${terms.join(' + ')})`;
  }

  /** `arenaS[index]`: the word of the view's buffer at element `index` of its segment. */
  word(view: View, index: string): string {
    return `${this.name(view)}[${index}]`;
  }

  /** The segments this kernel touched so far, in binding order. */
  segments(): number[] {
    return [...this.used].sort((a, b) => a - b);
  }

  /** The binding declarations for the touched segments, as `array<element>`. */
  declarations(element = 'u32'): string {
    const segments = this.segments();
    // a kernel that touches no memory still declares one binding (its pipeline layout has one)
    if (segments.length === 0) this.used.add(0);
    return this.segments().map((s, i) => `@group(0) @binding(${i}) var<storage, read_write> arena${s}: array<${element}>;`).join('\n');
  }
}

/** A word (`arenaS[i]`) read as `dtype`. */
export function loadWord(word: string, dtype: DType): string {
  return `bitcast<${dtype}>(${word})`;
}

export function storeWord(word: string, value: string): string {
  return `${word} = bitcast<u32>(${value});`;
}

/** The view's element at index vars `vars`, as f32 (i32 buffers are converted). */
export function loadF32(arena: ArenaLayout, view: View, vars: readonly string[]): string {
  const word = loadWord(arena.word(view, arena.index(view, vars)), arena.dtype(view));
  return arena.dtype(view) === 'f32' ? word : `f32(${word})`;
}
