/**
 * Sessions written in plain JS for testing the loop without the compiler:
 *  - LinearSession: softmax regression trained by SGD (a real, if tiny, model);
 *  - ScriptedSessions: validation loss follows a script per epoch, to test early stopping.
 */
import type { Manifest, TensorSpec } from '../../runtime/artifact.ts';
import { checkParamValues, validateFeeds, type Feeds, type Outputs, type Session, type TensorData } from '../../runtime/session.ts';

function manifestFor(name: string, training: boolean, inputs: TensorSpec[], outputs: TensorSpec[], params: TensorSpec[], state: TensorSpec[]): Manifest {
  return {
    format: 'axon-artifact', formatVersion: 2, axonVersion: 'test', backend: 'wasm', name, training, arenaBytes: 0,
    inputs, outputs, params, state, init: [],
  };
}

const spec = (name: string, shape: number[], dtype: 'f32' | 'i32' = 'f32'): TensorSpec => ({ name, shape, dtype, offset: 0 });

abstract class JsSession implements Session {
  readonly backend = 'wasm' as const;
  values: Record<string, TensorData> = {};
  constructor(readonly manifest: Manifest) {}
  abstract compute(feeds: Map<string, TensorData>): Outputs;
  async run(feeds: Feeds): Promise<Outputs> {
    const checked = validateFeeds(this.manifest, feeds);
    return this.compute(new Map([...checked].map(([s, d]) => [s.name, d])));
  }
  async getParams(includeState = false): Promise<Record<string, TensorData>> {
    const names = [...this.manifest.params, ...(includeState ? this.manifest.state : [])].map((s) => s.name);
    return Object.fromEntries(names.map((n) => [n, this.values[n]!.slice()]));
  }
  async setParams(values: Record<string, TensorData | number[]>): Promise<void> {
    for (const [s, d] of checkParamValues(this.manifest, values)) this.values[s.name] = d.slice();
  }
  dispose(): void {}
}

/** logits = x·W + b; the train variant takes one SGD step on mean cross-entropy per run. */
export class LinearSession extends JsSession {
  constructor(readonly batch: number, readonly features: number, readonly classes: number, training: boolean, readonly lr = 0.5) {
    super(manifestFor(
      training ? 'linear-train' : 'linear-eval', training,
      training ? [spec('x', [batch, features]), spec('y', [batch], 'i32')] : [spec('x', [batch, features])],
      training ? [spec('loss', []), spec('logits', [batch, classes])] : [spec('logits', [batch, classes])],
      [spec('W', [features, classes]), spec('b', [classes])],
      training ? [spec('step', [], 'i32')] : [],
    ));
    this.values = { W: new Float32Array(features * classes), b: new Float32Array(classes) };
    if (training) this.values.step = new Int32Array(1);
  }

  compute(feeds: Map<string, TensorData>): Outputs {
    const { batch: B, features: F, classes: C } = this;
    const x = feeds.get('x')!;
    const W = this.values.W!;
    const b = this.values.b!;
    const logits = new Float32Array(B * C);
    for (let r = 0; r < B; r++) for (let c = 0; c < C; c++) {
      let s = b[c]!;
      for (let f = 0; f < F; f++) s += x[r * F + f]! * W[f * C + c]!;
      logits[r * C + c] = s;
    }
    if (!this.manifest.training) return { logits };
    const y = feeds.get('y')!;
    let loss = 0;
    const gW = new Float32Array(F * C);
    const gb = new Float32Array(C);
    for (let r = 0; r < B; r++) {
      const row = logits.subarray(r * C, (r + 1) * C);
      const max = Math.max(...row);
      const exps = Array.from(row, (v) => Math.exp(v - max));
      const sum = exps.reduce((a, v) => a + v, 0);
      loss += Math.log(sum) - (row[y[r]!]! - max);
      for (let c = 0; c < C; c++) {
        const g = (exps[c]! / sum - (c === y[r] ? 1 : 0)) / B;
        gb[c]! += g;
        for (let f = 0; f < F; f++) gW[f * C + c]! += g * x[r * F + f]!;
      }
    }
    for (let i = 0; i < W.length; i++) W[i]! -= this.lr * gW[i]!;
    for (let i = 0; i < C; i++) b[i]! -= this.lr * gb[i]!;
    this.values.step![0]!++;
    return { loss: Float32Array.of(loss / B), logits };
  }
}

/**
 * Train runs bump param `t` by one; the eval session turns the synced `t` (= epochs trained
 * when there is one batch per epoch) into 2-class logits whose cross-entropy against label 0
 * is exactly script[t - 1]. The train loss reported is 1 / t.
 */
export function scriptedSessions(batch: number, features: number, script: number[], o: { withState?: boolean } = {}): { train: JsSession; eval: JsSession } {
  class ScriptedTrain extends JsSession {
    compute(): Outputs {
      this.values.t![0]! += 1;
      if (o.withState) {
        // like batch norm's running mean (read by the eval session) and an optimizer moment (train only)
        this.values.running![0] = 10 * this.values.t![0]!;
        this.values.moment![0] = this.values.t![0]!;
      }
      return { loss: Float32Array.of(1 / this.values.t![0]!) };
    }
  }
  class ScriptedEval extends JsSession {
    compute(): Outputs {
      const target = script[this.values.t![0]! - 1]!;
      // CE of logits [a, 0] for label 0 is log(1 + e^-a); solve for a.
      const a = -Math.log(Math.expm1(target));
      const logits = new Float32Array(batch * 2);
      for (let r = 0; r < batch; r++) logits[r * 2] = a;
      return { logits };
    }
  }
  const params = [spec('t', [])];
  const trainState = o.withState ? [spec('running', []), spec('moment', [])] : [];
  const evalState = o.withState ? [spec('running', [])] : [];
  const train = new ScriptedTrain(manifestFor('scripted-train', true, [spec('x', [batch, features]), spec('y', [batch], 'i32')], [spec('loss', [])], params, trainState));
  const evalSession = new ScriptedEval(manifestFor('scripted-eval', false, [spec('x', [batch, features])], [spec('logits', [batch, 2])], params, evalState));
  train.values = { t: new Float32Array(1), ...(o.withState ? { running: new Float32Array(1), moment: new Float32Array(1) } : {}) };
  evalSession.values = { t: new Float32Array(1), ...(o.withState ? { running: new Float32Array(1) } : {}) };
  return { train, eval: evalSession };
}
