/**
 * The arena on the GPU: one storage buffer per segment of the manifest's arena (one buffer for
 * the whole arena when the artifact has no segmentBytes). Tensor offsets in the manifest are
 * arena offsets; `locate` turns one into (buffer, offset in it). Dispatches bind the segments
 * they touch at bindings 0, 1, …; pipelines and bind groups are shared by every dispatch with
 * the same binding count / the same segment list.
 */
import type { Manifest, WebGpuDispatch } from '../artifact.ts';
import type { BufferLedger } from './resources.ts';

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/** The byte size of each GPU buffer the manifest's arena needs. */
export function segmentSizes(manifest: Manifest): number[] {
  const seg = manifest.webgpu?.segmentBytes;
  const total = manifest.arenaBytes;
  if (seg === undefined || total <= seg) return [Math.max(16, roundUp(total, 16))];
  const sizes: number[] = [];
  for (let at = 0; at < total; at += seg) sizes.push(Math.max(16, roundUp(Math.min(seg, total - at), 16)));
  return sizes;
}

/** The largest single GPU buffer the artifact needs (what the device must bind and allocate). */
export function largestBufferBytes(manifest: Manifest): number {
  return Math.max(...segmentSizes(manifest));
}

export const dispatchBindings = (d: WebGpuDispatch): number[] => d.bindings ?? [0];

/**
 * Checks the artifact's segments against the device: each fits one binding and one buffer, each
 * dispatch binds existing segments in increasing order, and no more than the device allows.
 */
export function checkArenaLimits(manifest: Manifest, limits: GPUSupportedLimits): void {
  const sizes = segmentSizes(manifest);
  const largest = Math.max(...sizes);
  const bindable = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (largest > bindable) {
    const how = sizes.length > 1 ? `split into ${sizes.length} buffers of up to ${largest} bytes` : `one ${largest}-byte buffer`;
    throw new Error(`webgpu: the model's arena (${manifest.arenaBytes} bytes, ${how}) needs buffers larger than this device binds (${bindable} bytes per storage buffer); recompile with maxBufferBytes ≤ ${bindable}`);
  }
  for (const d of manifest.webgpu?.dispatches ?? []) {
    const b = dispatchBindings(d);
    if (b.length === 0 || b.some((s, i) => !Number.isInteger(s) || s < 0 || s >= sizes.length || (i > 0 && s <= b[i - 1]!))) {
      throw new Error(`webgpu: kernel "${d.name}" binds arena segments [${b.join(', ')}], but the arena has ${sizes.length} segment(s) (bindings must be increasing segment indices)`);
    }
    if (b.length > limits.maxStorageBuffersPerShaderStage) {
      throw new Error(`webgpu: kernel "${d.name}" binds ${b.length} arena buffers, more than this device's ${limits.maxStorageBuffersPerShaderStage} storage buffers per shader stage; recompile with a larger maxBufferBytes`);
    }
  }
}

/** One bind-group layout per binding count: `count` read-write storage buffers at 0..count-1. */
export class ArenaLayouts {
  private readonly byCount = new Map<number, GPUBindGroupLayout>();

  constructor(private readonly device: GPUDevice) {}

  get(count: number): GPUBindGroupLayout {
    let layout = this.byCount.get(count);
    if (!layout) {
      const entries = Array.from({ length: count }, (_, binding): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } }));
      layout = this.device.createBindGroupLayout({ label: `axon arena ×${count}`, entries });
      this.byCount.set(count, layout);
    }
    return layout;
  }
}

export class GpuArena {
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly segmentBytes: number;

  private constructor(
    private readonly device: GPUDevice,
    private readonly layouts: ArenaLayouts,
    readonly buffers: GPUBuffer[],
    manifest: Manifest,
    private readonly label: string,
  ) {
    this.segmentBytes = manifest.webgpu?.segmentBytes ?? Number.POSITIVE_INFINITY;
  }

  /** Creates the buffers (inside the caller's error scopes); `usage` adds to STORAGE. */
  static create(device: GPUDevice, layouts: ArenaLayouts, ledger: BufferLedger, manifest: Manifest, usage = GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC): GpuArena {
    const sizes = segmentSizes(manifest);
    const buffers = sizes.map((size, s) => ledger.create({ label: sizes.length > 1 ? `${manifest.name} arena ${s}` : `${manifest.name} arena`, size, usage: GPUBufferUsage.STORAGE | usage }));
    return new GpuArena(device, layouts, buffers, manifest, manifest.name);
  }

  /** The buffer and offset in it of arena bytes [offset, offset + bytes), which lie in one segment. */
  locate(offset: number, bytes: number, what: string): { buffer: GPUBuffer; offset: number } {
    const s = Number.isFinite(this.segmentBytes) ? Math.floor(offset / this.segmentBytes) : 0;
    const start = Number.isFinite(this.segmentBytes) ? s * this.segmentBytes : 0;
    const buffer = this.buffers[s];
    if (!buffer || offset + bytes > start + buffer.size) {
      throw new Error(`webgpu: ${what} (arena bytes ${offset}..${offset + bytes}) does not lie inside one arena buffer of "${this.label}"`);
    }
    return { buffer, offset: offset - start };
  }

  /** The bind group for a dispatch's segment list (shared by every dispatch with that list). */
  bindGroup(bindings: number[]): GPUBindGroup {
    const key = bindings.join(',');
    let group = this.bindGroups.get(key);
    if (!group) {
      group = this.device.createBindGroup({
        label: `${this.label} arena [${key}]`,
        layout: this.layouts.get(bindings.length),
        entries: bindings.map((s, binding) => ({ binding, resource: { buffer: this.buffers[s]! } })),
      });
      this.bindGroups.set(key, group);
    }
    return group;
  }
}
