/**
 * The WebGPU session: one arena buffer holding every tensor, all pipelines compiled during load,
 * one bind group, and per run a single command buffer (one compute pass with every dispatch, then
 * copies of the requested outputs into a staging buffer), submitted once and mapped asynchronously.
 * Works with navigator.gpu in browsers; Node callers pass the GPU from runtime/node/webgpu.ts.
 */
import { elementCount, type Artifact, type Manifest, type TensorSpec } from '../artifact.ts';
import { checkParamValues, validateFeeds, type Feeds, type Outputs, type RunOptions, type Session, type TensorData } from '../session.ts';
import { captureErrors, requestArenaDevice } from './device.ts';
import { arenaBindGroupLayout, createPipelines } from './pipelines.ts';

export interface WebGpuSessionOptions {
  /** run on this device (the session will not destroy it) */
  device?: GPUDevice;
  /** where to get an adapter when no device is given (default: navigator.gpu) */
  gpu?: GPU;
}

const bytesOf = (s: TensorSpec) => elementCount(s.shape) * 4;
const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

function defaultGpu(): GPU {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) throw new Error('webgpu: no navigator.gpu here; in Node use createNodeWebGpuSession from runtime/node/webgpu.ts, or pass options.gpu');
  return gpu;
}

function weightsOf(artifact: Artifact): Uint8Array {
  const w = artifact.files['weights.bin'];
  if (w === undefined) return new Uint8Array(0);
  if (typeof w === 'string') throw new Error('webgpu: weights.bin must be binary (Uint8Array), not a string');
  return w;
}

export async function createWebGpuSession(artifact: Artifact, options: WebGpuSessionOptions = {}): Promise<Session> {
  const manifest = artifact.manifest;
  if (manifest.backend !== 'webgpu' || !manifest.webgpu) throw new Error(`webgpu: artifact "${manifest.name}" was compiled for the ${manifest.backend} backend`);
  const ownsDevice = !options.device;
  const device = options.device ?? (await requestArenaDevice(options.gpu ?? defaultGpu(), manifest.arenaBytes));
  try {
    return await WebGpuSession.load(device, ownsDevice, artifact);
  } catch (e) {
    if (ownsDevice) device.destroy();
    throw e;
  }
}

class WebGpuSession implements Session {
  readonly backend = 'webgpu' as const;
  private tail: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private lostReason: string | undefined;

  private constructor(
    readonly manifest: Manifest,
    private readonly device: GPUDevice,
    private readonly ownsDevice: boolean,
    private readonly arena: GPUBuffer,
    private readonly bindGroup: GPUBindGroup,
    private readonly pipelines: GPUComputePipeline[],
  ) {
    void device.lost.then((info) => { this.lostReason = info.message || info.reason; });
  }

  static async load(device: GPUDevice, ownsDevice: boolean, artifact: Artifact): Promise<WebGpuSession> {
    const m = artifact.manifest;
    if (m.arenaBytes > device.limits.maxStorageBufferBindingSize) {
      throw new Error(`webgpu: the model's arena needs ${m.arenaBytes} bytes but the device binds at most ${device.limits.maxStorageBufferBindingSize} bytes per storage buffer`);
    }
    const layout = arenaBindGroupLayout(device);
    const pipelinesReady = createPipelines(device, artifact, layout);
    let arena: GPUBuffer | undefined;
    let bindGroup: GPUBindGroup | undefined;
    const size = Math.max(16, roundUp(m.arenaBytes, 16));
    const weights = weightsOf(artifact);
    const err = await captureErrors(device, () => {
      arena = device.createBuffer({ label: `${m.name} arena`, size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
      for (const seg of m.init) {
        if (seg.source + seg.bytes > weights.byteLength) throw new Error(`webgpu: init segment at weights.bin[${seg.source}..+${seg.bytes}] is past its end (${weights.byteLength} bytes)`);
        device.queue.writeBuffer(arena, seg.offset, weights, seg.source, seg.bytes);
      }
      bindGroup = device.createBindGroup({ layout, entries: [{ binding: 0, resource: { buffer: arena } }] });
    });
    if (err) {
      arena?.destroy();
      pipelinesReady.catch(() => undefined);
      throw new Error(`webgpu: creating the ${size}-byte arena for "${m.name}" failed: ${err.message}`);
    }
    try {
      return new WebGpuSession(m, device, ownsDevice, arena!, bindGroup!, await pipelinesReady);
    } catch (e) {
      arena!.destroy();
      throw e;
    }
  }

  /** Runs GPU work one call at a time: each call owns its staging buffer while mapped. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }

  private check(what: string): void {
    if (this.disposed) throw new Error(`webgpu: ${what} on a disposed session of "${this.manifest.name}"`);
    if (this.lostReason !== undefined) throw new Error(`webgpu: ${what}: the GPU device was lost (${this.lostReason})`);
  }

  async run(feeds: Feeds, options: RunOptions = {}): Promise<Outputs> {
    this.check('run');
    const data = validateFeeds(this.manifest, feeds);
    const specs = this.outputSpecs(options.outputs);
    return this.serialized(async () => {
      const dispatches = this.manifest.webgpu!.dispatches;
      return this.readBack(specs, 'run', (encoder) => {
        for (const [spec, values] of data) this.device.queue.writeBuffer(this.arena, spec.offset, values);
        const pass = encoder.beginComputePass({ label: this.manifest.name });
        pass.setBindGroup(0, this.bindGroup);
        dispatches.forEach((d, i) => {
          pass.setPipeline(this.pipelines[i]!);
          pass.dispatchWorkgroups(...d.workgroups);
        });
        pass.end();
      });
    });
  }

  async getParams(includeState = false): Promise<Record<string, TensorData>> {
    this.check('getParams');
    const specs = includeState ? [...this.manifest.params, ...this.manifest.state] : this.manifest.params;
    return this.serialized(() => this.readBack(specs, 'getParams', () => undefined));
  }

  async setParams(values: Record<string, TensorData | number[]>): Promise<void> {
    this.check('setParams');
    const checked = checkParamValues(this.manifest, values);
    await this.serialized(async () => {
      for (const [spec, data] of checked) this.device.queue.writeBuffer(this.arena, spec.offset, data);
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.arena.destroy();
    if (this.ownsDevice) this.device.destroy();
  }

  private outputSpecs(names: string[] | undefined): TensorSpec[] {
    if (!names) return this.manifest.outputs;
    const byName = new Map(this.manifest.outputs.map((s) => [s.name, s]));
    return names.map((n) => {
      const s = byName.get(n);
      if (!s) throw new Error(`run: unknown output "${n}" for model "${this.manifest.name}"; its outputs are ${[...byName.keys()].join(', ')}`);
      return s;
    });
  }

  /** Encodes `work`, copies `specs` out of the arena, submits once and maps the copies. */
  private async readBack(specs: TensorSpec[], what: string, work: (encoder: GPUCommandEncoder) => void): Promise<Record<string, TensorData>> {
    const total = specs.reduce((n, s) => n + bytesOf(s), 0);
    let staging: GPUBuffer | undefined;
    const err = await captureErrors(this.device, () => {
      const encoder = this.device.createCommandEncoder({ label: `${this.manifest.name} ${what}` });
      work(encoder);
      if (total > 0) {
        staging = this.device.createBuffer({ label: 'axon readback', size: total, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
        let at = 0;
        for (const s of specs) {
          encoder.copyBufferToBuffer(this.arena, s.offset, staging, at, bytesOf(s));
          at += bytesOf(s);
        }
      }
      this.device.queue.submit([encoder.finish()]);
    });
    if (err) {
      staging?.destroy();
      throw new Error(`webgpu: ${what} of "${this.manifest.name}" failed: ${err.message}`);
    }
    const out: Record<string, TensorData> = {};
    if (!staging) {
      await this.device.queue.onSubmittedWorkDone();
      for (const s of specs) out[s.name] = s.dtype === 'i32' ? new Int32Array(0) : new Float32Array(0);
      return out;
    }
    try {
      await staging.mapAsync(GPUMapMode.READ);
      const bytes = staging.getMappedRange();
      let at = 0;
      for (const s of specs) {
        const n = elementCount(s.shape);
        out[s.name] = s.dtype === 'i32' ? new Int32Array(bytes.slice(at, at + n * 4)) : new Float32Array(bytes.slice(at, at + n * 4));
        at += n * 4;
      }
      staging.unmap();
    } finally {
      staging.destroy();
    }
    return out;
  }
}
