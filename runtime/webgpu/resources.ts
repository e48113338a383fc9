/**
 * The GPU buffers a session owns, counted: every creation and destruction goes through here, so
 * `stats` can show that steady-state runs allocate nothing and that dispose frees everything.
 */
export class BufferLedger {
  created = 0;
  destroyed = 0;
  private readonly live = new Set<GPUBuffer>();

  constructor(private readonly device: GPUDevice) {}

  create(descriptor: GPUBufferDescriptor): GPUBuffer {
    const buffer = this.device.createBuffer(descriptor);
    this.created++;
    this.live.add(buffer);
    return buffer;
  }

  destroy(buffer: GPUBuffer): void {
    if (!this.live.delete(buffer)) return;
    buffer.destroy();
    this.destroyed++;
  }

  destroyAll(): void {
    for (const b of [...this.live]) this.destroy(b);
  }

  get liveCount(): number {
    return this.live.size;
  }
}

/**
 * Mappable readback buffers, pooled per output set (the byte layout of one `outputs` selection):
 * a run takes a free one or creates one, and gives it back once its mapped data is copied out.
 * With pipelined runs several may be in flight; the pool grows to the pipeline depth and stays.
 */
export class StagingPool {
  private readonly free = new Map<string, GPUBuffer[]>();

  constructor(private readonly ledger: BufferLedger) {}

  acquire(key: string, size: number): GPUBuffer {
    const buffer = this.free.get(key)?.pop();
    return buffer ?? this.ledger.create({ label: `axon readback ${key}`, size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  release(key: string, buffer: GPUBuffer): void {
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buffer);
  }

  get size(): number {
    let n = 0;
    for (const list of this.free.values()) n += list.length;
    return n;
  }
}
