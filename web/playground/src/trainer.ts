/**
 * One training run: compiles the train-step and eval artifacts in the browser, opens their
 * sessions on the chosen backend, and trains / evaluates on demand. The UI's animation loop
 * decides how many steps to run per frame.
 */
import { createSession, type Feeds, type Session } from '../../../runtime/index.ts';
import { requestArenaDevice } from '../../../runtime/webgpu/device.ts';
import { largestBufferBytes } from '../../../runtime/webgpu/arena.ts';
import { mulberry32, permutation } from '../../../runtime/data/index.ts';
import { compile, trainStep } from '../../../compiler/index.ts';
import type { Backend as BackendName } from '../../../runtime/index.ts';
import { evalGraph, optimizerFor, trainGraph, type ModelConfig } from './model.ts';
import { featurize } from './features.ts';
import { EXTENT, type Points, type Split } from './datasets.ts';

/** Heat-map resolution: the eval artifact takes GRID² points at once. */
export const GRID = 40;
const EVAL_POINTS = GRID * GRID;

export interface GridOutputs {
  /** P(class 1) per grid cell, row 0 at the top (x2 = +EXTENT) */
  prob: Float32Array;
  /** per hidden layer, [cells, units] activations */
  hidden: Float32Array[];
}

export class Trainer {
  steps = 0;
  private order: Int32Array;
  private cursor = 0;
  private readonly hasSeed: boolean;
  private readonly evalX = new Float32Array(EVAL_POINTS * 8);
  private readonly gridXY: Float32Array;
  private readonly rand = mulberry32(1234);

  private constructor(
    readonly config: ModelConfig,
    readonly data: Split,
    readonly backend: BackendName,
    /** milliseconds from graph to both sessions ready */
    readonly compileMs: number,
    private readonly train: Session,
    private readonly evaluator: Session,
    private readonly device: GPUDevice | undefined,
  ) {
    this.order = permutation(data.train.labels.length, this.rand);
    this.hasSeed = train.manifest.inputs.some((s) => s.name === 'seed');
    this.gridXY = new Float32Array(EVAL_POINTS * 2);
    for (let r = 0; r < GRID; r++) {
      for (let c = 0; c < GRID; c++) {
        const i = r * GRID + c;
        this.gridXY[2 * i] = -EXTENT + (2 * EXTENT * (c + 0.5)) / GRID;
        this.gridXY[2 * i + 1] = EXTENT - (2 * EXTENT * (r + 0.5)) / GRID;
      }
    }
  }

  /** `threads`: WASM worker threads per step (main included); 1 unless the page is cross-origin isolated */
  static async create(config: ModelConfig, data: Split, backend: BackendName, threads = 1): Promise<Trainer> {
    if (data.train.labels.length + data.test.labels.length > EVAL_POINTS) {
      throw new Error(`playground: at most ${EVAL_POINTS} points fit the eval artifact`);
    }
    const t0 = performance.now();
    const [trainArtifact, evalArtifact] = await Promise.all([
      compile(trainStep(trainGraph(config), { optimizer: optimizerFor(config) }), { backend, threads }),
      compile(evalGraph(config, EVAL_POINTS), { backend }),
    ]);
    let device: GPUDevice | undefined;
    if (backend === 'webgpu') {
      if (!navigator.gpu) throw new Error('WebGPU is not available in this browser');
      device = await requestArenaDevice(navigator.gpu, Math.max(largestBufferBytes(trainArtifact.manifest), largestBufferBytes(evalArtifact.manifest)));
    }
    const options = device ? { device } : {};
    const [train, evaluator] = await Promise.all([createSession(trainArtifact, { ...options, threads }), createSession(evalArtifact, options)]);
    return new Trainer(config, data, backend, performance.now() - t0, train, evaluator, device);
  }

  /** Threads the training session runs each step on (WASM sessions with a worker pool: more than 1). */
  get threads(): number {
    return (this.train as { threads?: number }).threads ?? 1;
  }

  /** Training epochs done so far (steps × batch / training points). */
  get epoch(): number {
    return (this.steps * this.config.batchSize) / this.data.train.labels.length;
  }

  /**
   * `count` SGD/Adam steps on the next mini-batches; returns their data losses. The runs are all
   * started before any is awaited: WebGPU sessions pipeline them (the next run is submitted while
   * the previous readback is in flight), so each step does not pay a full GPU round trip.
   */
  async stepMany(count: number): Promise<number[]> {
    const runs: Promise<number>[] = [];
    for (let i = 0; i < count; i++) runs.push(this.startStep());
    return Promise.all(runs);
  }

  private startStep(): Promise<number> {
    const { batchSize, features } = this.config;
    // fresh arrays per step: a pipelined run may read its feeds after the next step is prepared
    const xy = new Float32Array(batchSize * 2), y = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      if (this.cursor === this.order.length) {
        this.order = permutation(this.order.length, this.rand);
        this.cursor = 0;
      }
      const id = this.order[this.cursor++]!;
      xy[2 * i] = this.data.train.xy[2 * id]!;
      xy[2 * i + 1] = this.data.train.xy[2 * id + 1]!;
      y[i] = this.data.train.labels[id]!;
    }
    const feeds: Feeds = { x: featurize(xy, batchSize, features, new Float32Array(batchSize * features.length)), y };
    if (this.hasSeed) feeds.seed = this.steps;
    this.steps++;
    return this.train.run(feeds, { outputs: ['dataLoss'] }).then((out) => out.dataLoss![0]!);
  }

  /** Copies the trained params into the eval session (call before evaluating). */
  async syncParams(): Promise<void> {
    await this.evaluator.setParams(await this.train.getParams());
  }

  async evaluateGrid(): Promise<GridOutputs> {
    const k = this.config.features.length;
    const out = await this.evaluator.run({ x: featurize(this.gridXY, EVAL_POINTS, this.config.features, this.evalX.subarray(0, EVAL_POINTS * k)) });
    return {
      prob: class1Probabilities(out.logits as Float32Array, EVAL_POINTS),
      hidden: this.config.hidden.map((_, i) => out[`h${i + 1}`] as Float32Array),
    };
  }

  /** Mean cross-entropy on the whole training and test sets (no dropout, no L2 term). */
  async losses(): Promise<{ train: number; test: number }> {
    const { train, test } = this.data;
    const nTrain = train.labels.length, n = nTrain + test.labels.length;
    const xy = new Float32Array(EVAL_POINTS * 2);
    xy.set(train.xy, 0);
    xy.set(test.xy, nTrain * 2);
    const k = this.config.features.length;
    const out = await this.evaluator.run({ x: featurize(xy, n, this.config.features, this.evalX.subarray(0, EVAL_POINTS * k)) }, { outputs: ['logits'] });
    const logits = out.logits as Float32Array;
    return { train: meanCrossEntropy(logits, 0, train), test: meanCrossEntropy(logits, nTrain, test) };
  }

  dispose(): void {
    this.train.dispose();
    this.evaluator.dispose();
    this.device?.destroy();
  }
}

function class1Probabilities(logits: Float32Array, n: number): Float32Array {
  const p = new Float32Array(n);
  for (let i = 0; i < n; i++) p[i] = 1 / (1 + Math.exp(logits[2 * i]! - logits[2 * i + 1]!));
  return p;
}

function meanCrossEntropy(logits: Float32Array, first: number, points: Points): number {
  const n = points.labels.length;
  if (!n) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const a = logits[2 * (first + i)]!, b = logits[2 * (first + i) + 1]!;
    const m = Math.max(a, b), lse = m + Math.log(Math.exp(a - m) + Math.exp(b - m));
    sum += lse - (points.labels[i] === 1 ? b : a);
  }
  return sum / n;
}
