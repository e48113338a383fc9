/**
 * The WebGPU session: the arena buffers holding every tensor (one, or one per segment when the
 * arena is larger than one binding, arena.ts), all pipelines compiled in parallel during load,
 * bind groups shared by dispatches binding the same segments, and per run a single command buffer (one compute pass with every
 * dispatch, then copies of the requested outputs into a pooled staging buffer), submitted once.
 * Runs are encoded and submitted in call order the moment they are called, so a caller may start
 * the next run before the previous one's readback resolved (pipelining): the queue orders the GPU
 * work, and each in-flight run owns its staging buffer until its data is copied out.
 * Works with navigator.gpu in browsers; Node callers pass the GPU from runtime/node/webgpu.ts.
 */
import { elementCount, type Artifact, type Manifest, type TensorSpec } from '../artifact.ts';
import { checkParamValues, validateFeeds, type Feeds, type Outputs, type RunOptions, type Session, type TensorData } from '../session.ts';
import { ArenaLayouts, checkArenaLimits, dispatchBindings, GpuArena, largestBufferBytes } from './arena.ts';
import { requestArenaDevice } from './device.ts';
import { createPipelines } from './pipelines.ts';
import { BufferLedger, StagingPool } from './resources.ts';

export interface WebGpuSessionOptions {
  /** run on this device (the session will not destroy it) */
  device?: GPUDevice;
  /** where to get an adapter when no device is given (default: navigator.gpu) */
  gpu?: GPU;
}

export interface WebGpuSessionStats {
  /** createWebGpuSession to ready, ms (device, arena upload, pipelines) */
  loadMs: number;
  /** compiling every pipeline (in parallel, asynchronously), ms */
  pipelineMs: number;
  pipelines: number;
  runs: number;
  /** the first run, call to resolved outputs, ms (llvmpipe compiles shaders lazily on first use) */
  firstRunMs: number | undefined;
  /** mean of the runs after the first, ms */
  steadyRunMs: number | undefined;
  lastRunMs: number | undefined;
  buffersCreated: number;
  buffersDestroyed: number;
  liveBuffers: number;
  /** pooled staging buffers not in use right now */
  idleStagingBuffers: number;
  /** submitted runs/reads whose results have not resolved yet */
  inFlight: number;
}

/** A WebGPU session: the common Session plus counters, and a dispose that settles in-flight maps. */
export interface WebGpuSession extends Session {
  readonly backend: 'webgpu';
  readonly stats: WebGpuSessionStats;
  /** Waits for in-flight readbacks (destroying a buffer or device under a pending map is unsafe), then frees every buffer. */
  dispose(): Promise<void>;
}

const bytesOf = (s: TensorSpec) => elementCount(s.shape) * 4;

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

/** Pushes validation and OOM scopes, runs `fn`, pops both (synchronously: safe with concurrent callers). */
function withErrorScopes(device: GPUDevice, fn: () => void): Promise<GPUError | null> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let thrown: { error: unknown } | undefined;
  try {
    fn();
  } catch (error) {
    thrown = { error };
  }
  const scopes = Promise.all([device.popErrorScope(), device.popErrorScope()]);
  if (thrown) {
    scopes.catch(() => undefined);
    throw thrown.error;
  }
  return scopes.then(([validation, oom]) => validation ?? oom);
}

export async function createWebGpuSession(artifact: Artifact, options: WebGpuSessionOptions = {}): Promise<WebGpuSession> {
  const started = performance.now();
  const manifest = artifact.manifest;
  if (manifest.backend !== 'webgpu' || !manifest.webgpu) throw new Error(`webgpu: artifact "${manifest.name}" was compiled for the ${manifest.backend} backend`);
  const ownsDevice = !options.device;
  const device = options.device ?? (await requestArenaDevice(options.gpu ?? defaultGpu(), largestBufferBytes(manifest), manifest.webgpu.features));
  try {
    return await WebGpuSessionImpl.load(device, ownsDevice, artifact, started);
  } catch (e) {
    if (ownsDevice) device.destroy();
    throw e;
  }
}

class WebGpuSessionImpl implements WebGpuSession {
  readonly backend = 'webgpu' as const;
  private disposing: Promise<void> | undefined;
  private lostReason: string | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly staging: StagingPool;
  private runs = 0;
  private firstRunMs: number | undefined;
  private lastRunMs: number | undefined;
  private steadyTotalMs = 0;

  private constructor(
    readonly manifest: Manifest,
    private readonly device: GPUDevice,
    private readonly ownsDevice: boolean,
    private readonly ledger: BufferLedger,
    private readonly arena: GpuArena,
    /** per dispatch: the bind group of the segments it binds */
    private readonly bindGroups: GPUBindGroup[],
    private readonly pipelines: GPUComputePipeline[],
    private readonly timing: { loadMs: number; pipelineMs: number; pipelines: number },
  ) {
    this.staging = new StagingPool(ledger);
    void device.lost.then((info) => { this.lostReason = `${info.reason}${info.message ? `: ${info.message}` : ''}`; });
  }

  static async load(device: GPUDevice, ownsDevice: boolean, artifact: Artifact, started: number): Promise<WebGpuSessionImpl> {
    const m = artifact.manifest;
    checkArenaLimits(m, device.limits);
    const maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
    for (const d of m.webgpu!.dispatches) {
      if (d.workgroups.some((n) => n > maxGroups)) {
        throw new Error(`webgpu: kernel "${d.name}" (${d.shader}) dispatches [${d.workgroups.join(', ')}] workgroups, more than this device's ${maxGroups} per dimension`);
      }
    }
    const layouts = new ArenaLayouts(device);
    const pipelineStart = performance.now();
    let pipelineMs = 0;
    const pipelinesReady = createPipelines(device, artifact, layouts).then((p) => { pipelineMs = performance.now() - pipelineStart; return p; });
    const ledger = new BufferLedger(device);
    let arena: GpuArena | undefined;
    let bindGroups: GPUBindGroup[] = [];
    const weights = weightsOf(artifact);
    let err: GPUError | null;
    try {
      err = await withErrorScopes(device, () => {
        arena = GpuArena.create(device, layouts, ledger, m);
        for (const seg of m.init) {
          if (seg.source + seg.bytes > weights.byteLength) throw new Error(`webgpu: init segment at weights.bin[${seg.source}..+${seg.bytes}] is past its end (${weights.byteLength} bytes)`);
          const at = arena.locate(seg.offset, seg.bytes, `init segment weights.bin[${seg.source}..+${seg.bytes}]`);
          device.queue.writeBuffer(at.buffer, at.offset, weights, seg.source, seg.bytes);
        }
        bindGroups = m.webgpu!.dispatches.map((d) => arena!.bindGroup(dispatchBindings(d)));
      });
    } catch (e) {
      ledger.destroyAll();
      pipelinesReady.catch(() => undefined);
      throw e;
    }
    if (err) {
      ledger.destroyAll();
      pipelinesReady.catch(() => undefined);
      throw new Error(`webgpu: creating the ${m.arenaBytes}-byte arena for "${m.name}" failed: ${err.message}`);
    }
    try {
      const pipelines = await pipelinesReady;
      const timing = { loadMs: performance.now() - started, pipelineMs, pipelines: new Set(pipelines).size };
      return new WebGpuSessionImpl(m, device, ownsDevice, ledger, arena!, bindGroups, pipelines, timing);
    } catch (e) {
      ledger.destroyAll();
      throw e;
    }
  }

  get stats(): WebGpuSessionStats {
    return {
      ...this.timing,
      runs: this.runs,
      firstRunMs: this.firstRunMs,
      steadyRunMs: this.runs > 1 ? this.steadyTotalMs / (this.runs - 1) : undefined,
      lastRunMs: this.lastRunMs,
      buffersCreated: this.ledger.created,
      buffersDestroyed: this.ledger.destroyed,
      liveBuffers: this.ledger.liveCount,
      idleStagingBuffers: this.staging.size,
      inFlight: this.pending.size,
    };
  }

  private check(what: string): void {
    if (this.disposing) throw new Error(`webgpu: ${what} on a disposed session of "${this.manifest.name}"`);
    if (this.lostReason !== undefined) throw new Error(`webgpu: ${what} of "${this.manifest.name}": the GPU device was lost (${this.lostReason})`);
  }

  async run(feeds: Feeds, options: RunOptions = {}): Promise<Outputs> {
    this.check('run');
    const data = validateFeeds(this.manifest, feeds, options);
    const specs = this.outputSpecs(options.outputs);
    const started = performance.now();
    const dispatches = this.manifest.webgpu!.dispatches;
    const out = await this.submit(specs, 'run', (encoder) => {
      for (const [spec, values] of data) this.write(spec, values);
      const pass = encoder.beginComputePass({ label: this.manifest.name });
      let bound: GPUBindGroup | undefined;
      dispatches.forEach((d, i) => {
        if (this.bindGroups[i] !== bound) pass.setBindGroup(0, (bound = this.bindGroups[i]!));
        pass.setPipeline(this.pipelines[i]!);
        pass.dispatchWorkgroups(...d.workgroups);
      });
      pass.end();
    });
    const ms = performance.now() - started;
    if (this.runs === 0) this.firstRunMs = ms;
    else this.steadyTotalMs += ms;
    this.runs++;
    this.lastRunMs = ms;
    return out;
  }

  async getParams(includeState = false): Promise<Record<string, TensorData>> {
    this.check('getParams');
    const specs = includeState ? [...this.manifest.params, ...this.manifest.state] : this.manifest.params;
    return this.submit(specs, 'getParams', () => undefined);
  }

  async setParams(values: Record<string, TensorData | number[]>): Promise<void> {
    this.check('setParams');
    const checked = checkParamValues(this.manifest, values);
    // Queue writes are ordered with submissions: runs called earlier see the old values.
    for (const [spec, data] of checked) this.write(spec, data);
  }

  private write(spec: TensorSpec, values: TensorData): void {
    const at = this.arena.locate(spec.offset, bytesOf(spec), `"${spec.name}"`);
    this.device.queue.writeBuffer(at.buffer, at.offset, values);
  }

  dispose(): Promise<void> {
    this.disposing ??= Promise.allSettled([...this.pending]).then(() => {
      this.ledger.destroyAll();
      if (this.ownsDevice) this.device.destroy();
    });
    return this.disposing;
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

  /**
   * After a failed run: validates each dispatch alone (encoded, never submitted) to name the
   * kernel whose dispatch is invalid; undefined when no single dispatch fails on its own.
   */
  private async findFailingDispatch(): Promise<string | undefined> {
    const dispatches = this.manifest.webgpu!.dispatches;
    const checks = dispatches.map((d, i) => withErrorScopes(this.device, () => {
      const encoder = this.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setBindGroup(0, this.bindGroups[i]!);
      pass.setPipeline(this.pipelines[i]!);
      pass.dispatchWorkgroups(...d.workgroups);
      pass.end();
      encoder.finish();
    }));
    const errors = await Promise.all(checks.map((c) => c.catch((e: Error) => e)));
    const i = errors.findIndex((e) => e);
    return i < 0 ? undefined : `kernel "${dispatches[i]!.name}" (${dispatches[i]!.shader}, dispatch ${i + 1} of ${dispatches.length})`;
  }

  /**
   * Encodes `work` and the copies of `specs` into a staging buffer, and submits, all before the
   * first await (so calls reach the queue in call order); then maps the staging buffer.
   */
  private submit(specs: TensorSpec[], what: string, work: (encoder: GPUCommandEncoder) => void): Promise<Record<string, TensorData>> {
    const total = specs.reduce((n, s) => n + bytesOf(s), 0);
    const key = specs.map((s) => s.name).join('\u0000');
    let staging: GPUBuffer | undefined;
    const scopes = withErrorScopes(this.device, () => {
      const encoder = this.device.createCommandEncoder({ label: `${this.manifest.name} ${what}` });
      work(encoder);
      if (total > 0) {
        staging = this.staging.acquire(key, total);
        let at = 0;
        for (const s of specs) {
          const from = this.arena.locate(s.offset, bytesOf(s), `"${s.name}"`);
          encoder.copyBufferToBuffer(from.buffer, from.offset, staging, at, bytesOf(s));
          at += bytesOf(s);
        }
      }
      this.device.queue.submit([encoder.finish()]);
    });
    const result = this.collect(specs, what, scopes, staging, key);
    this.pending.add(result);
    const forget = () => this.pending.delete(result);
    result.then(forget, forget);
    return result;
  }

  private async collect(specs: TensorSpec[], what: string, scopes: Promise<GPUError | null>, staging: GPUBuffer | undefined, key: string): Promise<Record<string, TensorData>> {
    const fail = (message: string) => new Error(`webgpu: ${what} of "${this.manifest.name}" failed: ${message}`);
    const err = await scopes.catch((e: Error) => e);
    if (err) {
      const culprit = what === 'run' ? await this.findFailingDispatch() : undefined;
      const message = culprit ? `in ${culprit}: ${err.message}` : err.message;
      // The copy may still be queued: only reuse the buffer once the queue is past it.
      if (staging) await this.device.queue.onSubmittedWorkDone().then(() => this.staging.release(key, staging!), () => undefined);
      throw fail(message);
    }
    const out: Record<string, TensorData> = {};
    if (!staging) {
      await this.device.queue.onSubmittedWorkDone();
      for (const s of specs) out[s.name] = s.dtype === 'i32' ? new Int32Array(0) : new Float32Array(0);
      return out;
    }
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (e) {
      throw fail(this.lostReason !== undefined ? `the GPU device was lost (${this.lostReason})` : (e as Error).message);
    }
    const bytes = staging.getMappedRange();
    let at = 0;
    for (const s of specs) {
      const n = elementCount(s.shape);
      out[s.name] = s.dtype === 'i32' ? new Int32Array(bytes.slice(at, at + n * 4)) : new Float32Array(bytes.slice(at, at + n * 4));
      at += n * 4;
    }
    staging.unmap();
    this.staging.release(key, staging);
    return out;
  }
}
