/**
 * How kernels address memory. The whole arena is ONE storage buffer, bound once per pipeline
 * (binding 0) as `arena: array<u32>`: f32 and i32 are bitcasts of the same words, so i32 bit
 * patterns that look like NaNs survive. Baking absolute element offsets into the shaders
 * sidesteps WebGPU's storage-buffer offset alignment (minStorageBufferOffsetAlignment) entirely:
 * no buffer is ever bound at an offset. (A second, vec4-typed binding of the same buffer is not
 * an option: Dawn rejects two writable bindings aliasing one buffer in a dispatch.)
 */
import type { BufferDecl, DType, Program, View } from '../../kernel/ir.ts';

export const ARENA_BINDINGS = '@group(0) @binding(0) var<storage, read_write> arena: array<u32>;';

export class ArenaLayout {
  private readonly byId: Map<number, BufferDecl>;

  constructor(program: Program, private readonly kernelName: string) {
    this.byId = new Map(program.buffers.map((b) => [b.id, b]));
  }

  buffer(id: number): BufferDecl {
    const b = this.byId.get(id);
    if (!b) throw new Error(`webgpu: kernel "${this.kernelName}" uses buffer ${id}, which the program does not declare`);
    if (b.offset % 4 !== 0) throw new Error(`webgpu: buffer "${b.name}" has arena offset ${b.offset}, not a multiple of 4 bytes`);
    return b;
  }

  /** Absolute element index of the view's origin in the arena. */
  base(view: View): number {
    return this.buffer(view.buffer).offset / 4 + view.offset;
  }

  dtype(view: View): DType {
    return this.buffer(view.buffer).dtype;
  }

  /** WGSL i32 expression for the arena element the view reads at index vars `vars`. */
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
}

/** `arena[i]` read as `dtype`. */
export function loadWord(index: string, dtype: DType): string {
  return `bitcast<${dtype}>(arena[${index}])`;
}

export function storeWord(index: string, value: string): string {
  return `arena[${index}] = bitcast<u32>(${value});`;
}

/** The view's element at index vars `vars`, as f32 (i32 buffers are converted). */
export function loadF32(arena: ArenaLayout, view: View, vars: readonly string[]): string {
  const word = loadWord(arena.index(view, vars), arena.dtype(view));
  return arena.dtype(view) === 'f32' ? word : `f32(${word})`;
}
