/**
 * The char-gpt panel's training run over compiled sessions (runtime only, no compiler: the
 * browser test drives it with artifacts compiled in Node, the panel with ones compiled in the
 * page). Each step feeds a batch of seeded random windows of the text; `sample()` copies the
 * current params into the KV-cache decode session and writes a continuation.
 */
import type { Feeds, Session } from '../../../../runtime/session.ts';
import { encode, type Vocabulary } from '../../../../runtime/data/text.ts';
import { mulberry32 } from '../../../../runtime/data/prng.ts';
import { syncParams } from '../../../../runtime/train/loop.ts';
import { sampleText, type SampleResult } from '../../../../runtime/train/sample-text.ts';

export class GptTrainer {
  steps = 0;
  readonly losses: number[] = [];
  private readonly ids: Int32Array;
  private readonly x: Float32Array;
  private readonly batch: number;
  private readonly window: number;
  private readonly random: () => number;
  private readonly hasSeed: boolean;

  constructor(private readonly train: Session, private readonly decoder: Session, text: string, readonly vocab: Vocabulary, seed = 1) {
    const x = train.manifest.inputs.find((s) => s.name === 'x');
    if (!x || x.shape.length !== 2) throw new Error(`GptTrainer: "${train.manifest.name}" needs an input x [batch, context + 1]`);
    [this.batch, this.window] = x.shape as [number, number];
    this.ids = encode(text, vocab);
    if (this.ids.length <= this.window) throw new Error(`GptTrainer: the text has ${this.ids.length} characters, fewer than a window of ${this.window}`);
    this.x = new Float32Array(this.batch * this.window);
    this.random = mulberry32(seed);
    this.hasSeed = train.manifest.inputs.some((s) => s.name === 'seed');
  }

  /** Runs one training step on fresh random windows; returns its loss (nats/char). */
  async step(): Promise<number> {
    for (let b = 0; b < this.batch; b++) {
      const start = Math.floor(this.random() * (this.ids.length - this.window + 1));
      for (let j = 0; j < this.window; j++) this.x[b * this.window + j] = this.ids[start + j]!;
    }
    const feeds: Feeds = this.hasSeed ? { x: this.x, seed: Int32Array.of(this.steps + 1) } : { x: this.x };
    const loss = (await this.train.run(feeds, { outputs: ['loss'] })).loss![0]!;
    this.steps++;
    this.losses.push(loss);
    return loss;
  }

  /** Mean loss of the last `n` steps (the curve is noisy: 8 windows per step). */
  recentLoss(n = 20): number {
    const tail = this.losses.slice(-n);
    return tail.reduce((a, b) => a + b, 0) / Math.max(1, tail.length);
  }

  /** A continuation of `prompt` from the current weights, via the KV-cache decode step. */
  async sample(prompt: string, tokens: number, seed = this.steps): Promise<SampleResult> {
    await syncParams(this.train, this.decoder);
    return sampleText(this.decoder, this.vocab, { prompt, tokens, temperature: 0.8, topK: 10, seed });
  }

  dispose(): void {
    this.train.dispose();
    this.decoder.dispose();
  }
}
