import { describe, expect, it } from 'vitest';
import { trainLoop, evaluate, type TrainEvent, type Snapshot } from '../../runtime/train/loop.ts';
import type { ImageDataset } from '../../runtime/data/dataset.ts';
import { splitTrainVal } from '../../runtime/data/batches.ts';
import { mulberry32 } from '../../runtime/data/prng.ts';
import { LinearSession, scriptedSessions } from './fake-sessions.ts';

/** Two Gaussian blobs per class in 4-D: linearly separable, so a linear model learns it. */
function blobs(count: number, classes = 3, features = 4, seed = 1): ImageDataset {
  const r = mulberry32(seed);
  const images = new Float32Array(count * features);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % classes;
    labels[i] = c;
    for (let f = 0; f < features; f++) images[i * features + f] = (f === c ? 2 : 0) + (r() - 0.5);
  }
  return { images, labels, count, sampleShape: [features], classNames: Array.from({ length: classes }, (_, c) => `c${c}`) };
}

const tiny = (n: number): ImageDataset => ({ images: new Float32Array(n * 2), labels: new Int32Array(n), count: n, sampleShape: [2], classNames: ['a', 'b'] });

describe('training loop with a JS linear model', () => {
  it('learns, reports per-epoch metrics and events, and evaluates with synced params', async () => {
    const data = blobs(120);
    const split = splitTrainVal(data.count, { valCount: 30, seed: 3 });
    const train = new LinearSession(8, 4, 3, true);
    const evalS = new LinearSession(8, 4, 3, false);
    const events: TrainEvent[] = [];
    const result = await trainLoop({
      train, eval: evalS, data, trainIndices: split.train, valIndices: split.val, epochs: 4, patience: 0, seed: 5,
      onEvent: (e) => events.push(e),
    });
    const h = result.state.history;
    expect(h.map((m) => m.epoch)).toEqual([1, 2, 3, 4]);
    expect(h[3]!.trainLoss).toBeLessThan(h[0]!.trainLoss);
    expect(h[3]!.valAccuracy).toBeGreaterThan(0.9);
    expect(result.stoppedBy).toBe('epochs');
    // 90 training samples / batch 8 → 11 full batches (the last 2 samples are dropped).
    expect(events.filter((e) => e.type === 'batch' && e.epoch === 1).length).toBe(11);
    expect(train.values.step![0]).toBe(44);
    // The eval session holds the best params, and its metrics match a direct evaluation.
    const v = await evaluate(evalS, data, split.val);
    const best = h[result.state.bestEpoch! - 1]!;
    expect(v.loss).toBeCloseTo(best.valLoss, 5);
    expect(v.accuracy).toBe(best.valAccuracy);
  });

  it('the same seed reproduces the same run exactly', async () => {
    const run = async () => {
      const data = blobs(60);
      const train = new LinearSession(8, 4, 3, true);
      await trainLoop({ train, data, trainIndices: Int32Array.from({ length: 60 }, (_, i) => i), epochs: 2, patience: 0, seed: 9 });
      return Array.from(train.values.W!);
    };
    expect(await run()).toEqual(await run());
  });

  it('a stop mid-epoch resumes at the next batch and ends with the same weights as an uninterrupted run', async () => {
    const data = blobs(64);
    const idx = Int32Array.from({ length: 64 }, (_, i) => i);
    const base = { data, trainIndices: idx, epochs: 3, patience: 0, seed: 2, now: () => 0 };
    const ref = new LinearSession(8, 4, 3, true);
    await trainLoop({ ...base, train: ref });

    const ctl = new AbortController();
    const a = new LinearSession(8, 4, 3, true);
    let last: Snapshot | null = null;
    const r1 = await trainLoop({
      ...base, train: a, signal: ctl.signal,
      onEvent: (e) => { if (e.type === 'batch' && e.epoch === 2 && e.batch === 3) ctl.abort(); },
      save: async (s) => { if (s.kind === 'last') last = s; },
    });
    expect(r1.stoppedBy).toBe('signal');
    expect(last!.state.partial?.batchesDone).toBe(3);
    expect(last!.optimizerState.step).toEqual(Int32Array.of(11));

    const b = new LinearSession(8, 4, 3, true);
    const r2 = await trainLoop({ ...base, train: b, resume: { state: last!.state, params: last!.params, optimizerState: last!.optimizerState } });
    expect(Array.from(b.values.W!)).toEqual(Array.from(ref.values.W!));
    expect(b.values.step![0]).toBe(24);
    expect(r2.state.history[1]!.trainLoss).toBeCloseTo((await (async () => {
      const c = new LinearSession(8, 4, 3, true);
      return (await trainLoop({ ...base, train: c })).state.history[1]!.trainLoss;
    })()), 6);
  });

  it('a stop request from a timer (like SIGINT) is seen even when run() never waits on I/O', async () => {
    const data = blobs(64);
    const train = new LinearSession(8, 4, 3, true);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 0);
    const r = await trainLoop({ train, data, trainIndices: Int32Array.from({ length: 64 }, (_, i) => i), epochs: 50, patience: 0, seed: 1, signal: ctl.signal, yieldEveryMs: 0 });
    expect(r.stoppedBy).toBe('signal');
    expect(train.values.step![0]).toBeLessThan(50 * 8);
  });

  it('refuses a training set smaller than one batch, naming both sizes', async () => {
    const train = new LinearSession(8, 2, 2, true);
    await expect(trainLoop({ train, data: tiny(5), trainIndices: Int32Array.of(0, 1, 2, 3, 4), epochs: 1, patience: 0, seed: 1 }))
      .rejects.toThrow(/5 training samples make no full batch of 8/);
  });
});

describe('early stopping and the best model', () => {
  const setup = (script: number[]) => {
    const { train, eval: evalS } = scriptedSessions(4, 2, script);
    const data = tiny(8);
    return { train, evalS, opts: { train, eval: evalS, data, trainIndices: Int32Array.of(0, 1, 2, 3), valIndices: Int32Array.of(4, 5, 6, 7), seed: 1 } };
  };

  it('stops after `patience` epochs without improvement and restores the best params', async () => {
    const { train, evalS, opts } = setup([0.9, 0.5, 0.6, 0.4, 0.45, 0.41, 0.7, 0.1]);
    const saves: Snapshot[] = [];
    const events: TrainEvent[] = [];
    const r = await trainLoop({ ...opts, epochs: 8, patience: 2, save: async (s) => { saves.push(s); }, onEvent: (e) => events.push(e) });
    expect(r.stoppedBy).toBe('early-stop');
    expect(r.state.epoch).toBe(6);
    expect(r.state.bestEpoch).toBe(4);
    expect(r.state.bestLoss).toBeCloseTo(0.4, 5);
    expect(r.state.history.map((m) => +m.valLoss.toFixed(4))).toEqual([0.9, 0.5, 0.6, 0.4, 0.45, 0.41]);
    expect(events.find((e) => e.type === 'early-stop')).toEqual({ type: 'early-stop', epoch: 6, bestEpoch: 4 });
    expect(train.values.t![0]).toBe(4);
    expect(evalS.values.t![0]).toBe(4);
    expect(saves.filter((s) => s.kind === 'best').map((s) => s.state.bestEpoch)).toEqual([1, 2, 4]);
    expect(saves.filter((s) => s.kind === 'last').map((s) => s.state.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(saves.filter((s) => s.kind === 'best').map((s) => s.params.t![0])).toEqual([1, 2, 4]);
  });

  it('the best snapshot keeps the state an eval session reads (running statistics), not the optimizer state, and restores it', async () => {
    const { train, eval: evalS } = scriptedSessions(4, 2, [0.9, 0.5, 0.6, 0.4, 0.45, 0.41], { withState: true });
    const saves: Snapshot[] = [];
    const r = await trainLoop({
      train, eval: evalS, data: tiny(8), trainIndices: Int32Array.of(0, 1, 2, 3), valIndices: Int32Array.of(4, 5, 6, 7), seed: 1,
      epochs: 6, patience: 0, save: async (s) => { saves.push(s); },
    });
    expect(r.state.bestEpoch).toBe(4);
    const best = saves.filter((s) => s.kind === 'best');
    expect(best.map((s) => Object.keys(s.optimizerState))).toEqual([['running'], ['running'], ['running']]);
    expect(best.map((s) => s.optimizerState.running![0])).toEqual([10, 20, 40]);
    // the eval session ends with the best epoch's statistics, not the last epoch's (60)
    expect(evalS.values.running![0]).toBe(40);
    expect(train.values.running![0]).toBe(40);
    expect(Object.keys(saves.filter((s) => s.kind === 'last').at(-1)!.optimizerState).sort()).toEqual(['moment', 'running']);
  });

  it('patience 0 runs all epochs', async () => {
    const { opts } = setup([0.5, 0.6, 0.7]);
    const r = await trainLoop({ ...opts, epochs: 3, patience: 0 });
    expect(r.stoppedBy).toBe('epochs');
    expect(r.state.bestEpoch).toBe(1);
  });

  it('a stop request saves a resumable snapshot; resuming gives the same history as an uninterrupted run', async () => {
    const script = [0.9, 0.8, 0.7, 0.6];
    const full = await trainLoop({ ...setup(script).opts, epochs: 4, patience: 3, now: () => 0 });

    const first = setup(script);
    const ctl = new AbortController();
    let last: Snapshot | null = null;
    const r1 = await trainLoop({
      ...first.opts, epochs: 4, patience: 3, signal: ctl.signal, now: () => 0,
      onEvent: (e) => { if (e.type === 'epoch-end' && e.metrics.epoch === 2) ctl.abort(); },
      save: async (s) => { if (s.kind === 'last') last = s; },
    });
    expect(r1.stoppedBy).toBe('signal');
    expect(last!.state.epoch).toBe(2);

    const second = setup(script);
    const r2 = await trainLoop({
      ...second.opts, epochs: 4, patience: 3, now: () => 0,
      resume: { state: last!.state, params: last!.params, optimizerState: last!.optimizerState },
    });
    expect(r2.state.history).toEqual(full.state.history);
    expect(second.train.values.t![0]).toBe(4);
  });
});
