/**
 * The training loop of lecture 003, for compiled sessions. Browser-safe: progress goes out as
 * events, stop requests come in through an AbortSignal, and persistence is a callback, so the
 * Node CLI and a web page drive the same loop.
 *
 * Per epoch: train over shuffled fixed-size batches (the train session updates its params in
 * place), copy params into the eval session, evaluate the validation set, then apply early
 * stopping on validation loss: a better loss resets patience and becomes the best model, a
 * worse one spends one unit of patience; at zero the run stops.
 */
import type { Session, TensorData } from '../session.ts';
import type { ImageDataset } from '../data/dataset.ts';
import { batchCount, batches, epochOrder } from '../data/batches.ts';
import { mixSeed } from '../data/prng.ts';
import { correctCount, crossEntropySum } from './metrics.ts';

export interface EpochMetrics {
  /** 1-based */
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  /** NaN when there is no validation set */
  valLoss: number;
  valAccuracy: number;
  seconds: number;
  samplesPerSecond: number;
  /** steps a `skipNonFinite` training step skipped (non-finite loss or gradients); not in the means above */
  skippedSteps?: number;
}

/** Everything needed to continue a run exactly; kept in checkpoint metadata. */
export interface LoopState {
  /** completed epochs */
  epoch: number;
  history: EpochMetrics[];
  /** best monitored loss so far (validation loss, or training loss without a validation set) */
  bestLoss: number | null;
  bestEpoch: number | null;
  patienceLeft: number;
  /** a stop request mid-epoch: how far that epoch got, so a resume skips the batches already trained */
  partial?: { batchesDone: number; lossSum: number; correct: number; samples: number; seconds: number };
}

export type TrainEvent =
  | { type: 'epoch-start'; epoch: number; epochs: number; batches: number }
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number; accuracy: number; samplesPerSecond: number }
  /** the step's loss or gradients were not finite and its guard (trainStep skipNonFinite) left params and state unchanged */
  | { type: 'skipped-step'; epoch: number; batch: number; loss: number }
  /** the first non-finite loss of an unguarded step: the params are now likely NaN as well */
  | { type: 'nonfinite-loss'; epoch: number; batch: number; loss: number }
  | { type: 'eval-start'; epoch: number; batches: number }
  | { type: 'epoch-end'; metrics: EpochMetrics; improved: boolean; patienceLeft: number }
  | { type: 'early-stop'; epoch: number; bestEpoch: number }
  | { type: 'stopped'; epoch: number; batchesDone: number };

export interface Snapshot {
  /** 'last': resume point, written every epoch and on a stop request; 'best': the best model so far */
  kind: 'last' | 'best';
  state: LoopState;
  params: Record<string, TensorData>;
  /**
   * 'last': the whole state (optimizer moments, step counters, running statistics), to resume;
   * 'best': only the state an inference session reads (batch-norm running statistics: the eval
   * session's state tensors), since a best model is for inference
   */
  optimizerState: Record<string, TensorData>;
}

export interface TrainLoopOptions {
  train: Session;
  /** evaluates validation batches (inputs x; output logits); required with validation data */
  eval?: Session;
  data: ImageDataset;
  trainIndices: Int32Array;
  /** indices into `data` held out for validation */
  valIndices?: Int32Array;
  epochs: number;
  /** epochs without improvement before stopping; 0 disables early stopping */
  patience: number;
  /** shuffling seed; dropout seeds derive from it too */
  seed: number;
  /** input and output names; `skipped` is the 0/1 output of a step built with trainStep's skipNonFinite */
  names?: { x?: string; y?: string; seed?: string; loss?: string; logits?: string; skipped?: string };
  /** continue from a checkpoint: its loop state, params and optimizer state (and the best params, if kept) */
  resume?: {
    state: LoopState;
    params: Record<string, TensorData>;
    optimizerState: Record<string, TensorData>;
    bestParams?: Record<string, TensorData>;
    /** the best model's inference state (its batch-norm running statistics), if kept */
    bestState?: Record<string, TensorData>;
  };
  onEvent?: (event: TrainEvent) => void;
  /** stop request: honoured between batches; the run then saves a 'last' snapshot and returns */
  signal?: AbortSignal;
  /** persists snapshots (atomic files in Node); awaited, so a stop never loses a save */
  save?: (snapshot: Snapshot) => Promise<void>;
  /** at the end, load the best params back into the sessions (default true) */
  restoreBest?: boolean;
  /** how often (ms of wall time) to let the event loop run stop handlers and timers; default 50 */
  yieldEveryMs?: number;
  /** clock in ms for metrics (tests pass a fake one) */
  now?: () => number;
  /** stop after this many training steps in all (the last epoch is then partial, and still validated) */
  maxSteps?: number;
  /** awaited every `every` steps (e.g. to print a text sample), with the number of steps done */
  periodic?: { every: number; run: (step: number) => Promise<void> };
}

export interface TrainResult {
  state: LoopState;
  bestParams: Record<string, TensorData> | null;
  stoppedBy: 'epochs' | 'early-stop' | 'signal' | 'steps';
}

export async function trainLoop(o: TrainLoopOptions): Promise<TrainResult> {
  const names = { x: 'x', y: 'y', seed: 'seed', loss: 'loss', logits: 'logits', skipped: 'skipped', ...o.names };
  const now = o.now ?? (() => performance.now());
  const batchSize = staticBatchSize(o.train, names.x);
  const hasSeedInput = o.train.manifest.inputs.some((s) => s.name === names.seed);
  const trainHasLogits = o.train.manifest.outputs.some((s) => s.name === names.logits);
  const guarded = o.train.manifest.outputs.some((s) => s.name === names.skipped);
  let warnedNonFinite = false;
  // a self-supervised model (next-character prediction) takes no labels
  const hasLabelInput = o.train.manifest.inputs.some((s) => s.name === names.y);
  const valIndices = o.valIndices && o.valIndices.length > 0 ? o.valIndices : null;
  if (valIndices && !o.eval) throw new Error('trainLoop: validation data given but no eval session');
  if (o.eval) staticBatchSize(o.eval, names.x);
  const classes = o.data.classNames.length;
  const trainBatches = batchCount(o.trainIndices.length, batchSize, 'drop');
  if (trainBatches === 0) {
    throw new Error(`trainLoop: ${o.trainIndices.length} training samples make no full batch of ${batchSize}; use more data or a smaller batch size`);
  }

  const state: LoopState = o.resume
    ? structuredClone(o.resume.state)
    : { epoch: 0, history: [], bestLoss: null, bestEpoch: null, patienceLeft: o.patience };
  if (o.resume) await o.train.setParams({ ...o.resume.params, ...o.resume.optimizerState });
  let bestParams: Record<string, TensorData> | null = o.resume?.bestParams ?? null;
  // the state tensors that go with the best params (running statistics the eval session reads)
  let bestState: Record<string, TensorData> = o.resume?.bestState ?? {};
  let stoppedBy: TrainResult['stoppedBy'] = 'epochs';

  const snapshot = async (kind: Snapshot['kind']): Promise<Snapshot> => ({
    kind,
    state: structuredClone(state),
    params: copyAll(await o.train.getParams(false)),
    optimizerState: kind === 'last' ? stateOnly(await o.train.getParams(true), o.train) : {},
  });

  while (state.epoch < o.epochs) {
    const epoch = state.epoch + 1;
    const partial = state.partial ?? { batchesDone: 0, lossSum: 0, correct: 0, samples: 0, seconds: 0 };
    delete state.partial;
    o.onEvent?.({ type: 'epoch-start', epoch, epochs: o.epochs, batches: trainBatches });
    const start = now() - partial.seconds * 1000;
    const order = epochOrder(o.trainIndices, o.seed, epoch);
    let { lossSum, correct, samples } = partial;
    let skippedSteps = 0;
    let interrupted = false;
    for (const batch of batches(o.data, order, batchSize, 'drop')) {
      if (batch.index < partial.batchesDone) continue;
      const stepsBefore = (epoch - 1) * trainBatches + batch.index;
      if (o.maxSteps !== undefined && stepsBefore >= o.maxSteps) { stoppedBy = 'steps'; break; }
      if (o.signal?.aborted) {
        state.partial = { batchesDone: batch.index, lossSum, correct, samples, seconds: (now() - start) / 1000 };
        interrupted = true;
        break;
      }
      const feeds: Record<string, TensorData> = { [names.x]: batch.x };
      if (hasLabelInput) feeds[names.y] = batch.y;
      if (hasSeedInput) feeds[names.seed] = Int32Array.of(mixSeed(o.seed, (epoch - 1) * trainBatches + batch.index) | 0);
      const out = await o.train.run(feeds);
      await yieldToEventLoop(o.yieldEveryMs);
      const loss = scalarOutput(out, names.loss, o.train);
      if (guarded && scalarOutput(out, names.skipped, o.train) !== 0) {
        skippedSteps++;
        o.onEvent?.({ type: 'skipped-step', epoch, batch: batch.index + 1, loss });
        continue;
      }
      if (!Number.isFinite(loss) && !warnedNonFinite) {
        warnedNonFinite = true;
        o.onEvent?.({ type: 'nonfinite-loss', epoch, batch: batch.index + 1, loss });
      }
      lossSum += loss * batch.size;
      samples += batch.size;
      if (trainHasLogits) correct += correctCount(out[names.logits]!, batch.y, classes, batch.size);
      const elapsed = (now() - start) / 1000;
      o.onEvent?.({
        type: 'batch', epoch, batch: batch.index + 1, batches: trainBatches, loss,
        accuracy: trainHasLogits ? correct / samples : NaN, samplesPerSecond: elapsed > 0 ? samples / elapsed : 0,
      });
      if (o.periodic && (stepsBefore + 1) % o.periodic.every === 0) await o.periodic.run(stepsBefore + 1);
    }
    if (interrupted) {
      o.onEvent?.({ type: 'stopped', epoch, batchesDone: state.partial!.batchesDone });
      await o.save?.(await snapshot('last'));
      stoppedBy = 'signal';
      break;
    }
    const trainSeconds = (now() - start) / 1000;

    let valLoss = NaN;
    let valAccuracy = NaN;
    if (valIndices && o.eval) {
      await syncParams(o.train, o.eval);
      o.onEvent?.({ type: 'eval-start', epoch, batches: batchCount(valIndices.length, batchSize, 'pad') });
      const v = await evaluate(o.eval, o.data, valIndices, names.x, names.logits, classes);
      valLoss = v.loss;
      valAccuracy = v.accuracy;
    }
    const seconds = (now() - start) / 1000;
    const metrics: EpochMetrics = {
      epoch, trainLoss: lossSum / samples, trainAccuracy: trainHasLogits ? correct / samples : NaN,
      valLoss, valAccuracy, seconds, samplesPerSecond: samples / Math.max(trainSeconds, 1e-9),
      ...(skippedSteps ? { skippedSteps } : {}),
    };
    state.history.push(metrics);
    state.epoch = epoch;

    // Early stopping as in the lecture: strict improvement resets patience and keeps the model.
    const monitored = valIndices ? valLoss : metrics.trainLoss;
    const improved = state.bestLoss === null || monitored < state.bestLoss;
    if (improved) {
      state.bestLoss = monitored;
      state.bestEpoch = epoch;
      state.patienceLeft = o.patience;
      bestParams = copyAll(await o.train.getParams(false));
      bestState = o.eval ? sharedState(await o.train.getParams(true), o.eval) : {};
      await o.save?.({ kind: 'best', state: structuredClone(state), params: bestParams, optimizerState: bestState });
    } else if (o.patience > 0) {
      state.patienceLeft -= 1;
    }
    o.onEvent?.({ type: 'epoch-end', metrics, improved, patienceLeft: state.patienceLeft });
    await o.save?.(await snapshot('last'));
    if (stoppedBy === 'steps' || (o.maxSteps !== undefined && epoch * trainBatches >= o.maxSteps)) {
      stoppedBy = 'steps';
      break;
    }
    if (o.patience > 0 && state.patienceLeft <= 0) {
      o.onEvent?.({ type: 'early-stop', epoch, bestEpoch: state.bestEpoch! });
      stoppedBy = 'early-stop';
      break;
    }
    if (o.signal?.aborted) {
      o.onEvent?.({ type: 'stopped', epoch, batchesDone: trainBatches });
      stoppedBy = 'signal';
      break;
    }
  }

  if ((o.restoreBest ?? true) && bestParams && stoppedBy !== 'signal') {
    await o.train.setParams({ ...bestParams, ...bestState });
    if (o.eval) await syncParams(o.train, o.eval);
  }
  return { state, bestParams, stoppedBy };
}

/**
 * A session whose run() finishes synchronously (WASM) never lets the event loop turn, so
 * Ctrl-C handlers, progress-bar timers and a page's UI would wait for the whole run. Every
 * 50 ms the loop yields one macrotask (setImmediate in Node, a zero timeout in browsers).
 */
let lastYield = 0;
async function yieldToEventLoop(everyMs = 50): Promise<void> {
  const t = performance.now();
  if (t - lastYield < everyMs) return;
  lastYield = t;
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  await new Promise<void>((resolve) => (g.setImmediate ? g.setImmediate(resolve) : setTimeout(resolve, 0)));
}

/** Mean cross-entropy and accuracy of `session`'s logits over the given samples (padding ignored). */
export async function evaluate(
  session: Session, data: ImageDataset, indices: Int32Array, xName = 'x', logitsName = 'logits', classes = data.classNames.length,
): Promise<{ loss: number; accuracy: number; predictions: Int32Array }> {
  const batchSize = staticBatchSize(session, xName);
  let lossSum = 0;
  let correct = 0;
  const predictions = new Int32Array(indices.length);
  for (const batch of batches(data, indices, batchSize, 'pad')) {
    if (session.manifest.outputs.some((s) => s.name === 'sampleLoss')) {
      // a self-supervised model's eval graph gives each sample's loss directly (no labels, no accuracy)
      const l = (await session.run({ [xName]: batch.x }, { outputs: ['sampleLoss'] })).sampleLoss!;
      await yieldToEventLoop();
      for (let r = 0; r < batch.size; r++) lossSum += l[r]!;
      correct = NaN;
      continue;
    }
    const out = await session.run({ [xName]: batch.x }, { outputs: [logitsName] });
    await yieldToEventLoop();
    const logits = out[logitsName];
    if (!logits) throw new Error(`evaluate: session "${session.manifest.name}" has no output "${logitsName}"`);
    lossSum += crossEntropySum(logits, batch.y, classes, batch.size);
    correct += correctCount(logits, batch.y, classes, batch.size);
    for (let r = 0; r < batch.size; r++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (logits[r * classes + c]! > logits[r * classes + best]!) best = c;
      predictions[batch.index * batchSize + r] = best;
    }
  }
  return { loss: lossSum / indices.length, accuracy: correct / indices.length, predictions };
}

/** Copies params and state shared by name from one session to another (train → eval). */
export async function syncParams(from: Session, to: Session): Promise<void> {
  const wanted = new Set([...to.manifest.params, ...to.manifest.state].map((s) => s.name));
  const values = await from.getParams(true);
  const shared: Record<string, TensorData> = {};
  for (const [name, data] of Object.entries(values)) if (wanted.has(name)) shared[name] = data;
  const missing = to.manifest.params.filter((s) => !(s.name in shared)).map((s) => s.name);
  if (missing.length) throw new Error(`syncParams: "${to.manifest.name}" needs params ${missing.join(', ')} that "${from.manifest.name}" does not have`);
  await to.setParams(shared);
}

function staticBatchSize(session: Session, xName: string): number {
  const spec = session.manifest.inputs.find((s) => s.name === xName);
  if (!spec) throw new Error(`trainLoop: session "${session.manifest.name}" has no input "${xName}"`);
  return spec.shape[0]!;
}

function scalarOutput(out: Record<string, TensorData>, name: string, session: Session): number {
  const v = out[name];
  if (!v || v.length < 1) throw new Error(`trainLoop: train session "${session.manifest.name}" returned no "${name}" output`);
  return v[0]!;
}

function copyAll(values: Record<string, TensorData>): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  for (const [k, v] of Object.entries(values)) out[k] = v.slice();
  return out;
}

/** The values of `to`'s state tensors (e.g. batch-norm running statistics) among `values`. */
function sharedState(values: Record<string, TensorData>, to: Session): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  for (const s of to.manifest.state) if (values[s.name]) out[s.name] = values[s.name]!.slice();
  return out;
}

function stateOnly(values: Record<string, TensorData>, session: Session): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  for (const s of session.manifest.state) if (values[s.name]) out[s.name] = values[s.name]!.slice();
  return out;
}
