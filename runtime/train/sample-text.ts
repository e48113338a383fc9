/**
 * Text generation with a compiled next-character model. Browser-safe.
 *
 * The session maps a window x f32 [1, W] of token ids to logits [1, W − 1, vocab] (a causal
 * model: position i sees tokens 0..i only). Each new character re-runs the whole window
 * (no KV cache): the last W − 1 tokens sit at the start, the rest is zero padding that no
 * earlier position can see, and the logits at the last real position give the next character,
 * drawn with temperature and top-k from a seeded PRNG.
 */
import type { Session } from '../session.ts';
import { decode, encode, type Vocabulary } from '../data/text.ts';
import { mulberry32 } from '../data/prng.ts';

export interface SampleOptions {
  prompt: string;
  /** characters to generate */
  tokens: number;
  /** softmax temperature (> 0; default 1) */
  temperature?: number;
  /** keep only the k most likely characters (0 or undefined: all) */
  topK?: number;
  seed?: number;
}

export interface SampleResult {
  /** the generated characters (without the prompt) */
  text: string;
  seconds: number;
  tokensPerSecond: number;
}

export async function sampleText(session: Session, vocab: Vocabulary, o: SampleOptions): Promise<SampleResult> {
  const spec = session.manifest.inputs.find((s) => s.name === 'x');
  if (!spec || spec.shape.length !== 2 || spec.shape[0] !== 1) throw new Error(`sampleText: session "${session.manifest.name}" needs an input x [1, window]`);
  const window = spec.shape[1]!, context = window - 1, v = vocab.chars.length;
  const temperature = o.temperature ?? 1;
  if (!(temperature > 0)) throw new Error(`sampleText: temperature must be > 0, got ${temperature}`);
  if (!Number.isInteger(o.tokens) || o.tokens < 0) throw new Error(`sampleText: tokens must be a non-negative integer, got ${o.tokens}`);
  const start = o.prompt.length ? encode(o.prompt, vocab) : Int32Array.of(vocab.index.get('\n') ?? 0);
  const ids = Array.from(start);
  const random = mulberry32(o.seed ?? 1);
  const x = new Float32Array(window);
  const t0 = performance.now();
  for (let n = 0; n < o.tokens; n++) {
    const recent = ids.slice(-context);
    x.fill(0);
    recent.forEach((id, i) => { x[i] = id; });
    const logits = (await session.run({ x }, { outputs: ['logits'] })).logits!;
    ids.push(pick(logits.subarray((recent.length - 1) * v, recent.length * v), temperature, o.topK ?? 0, random));
  }
  const seconds = (performance.now() - t0) / 1000;
  return { text: decode(ids.slice(start.length), vocab), seconds, tokensPerSecond: seconds > 0 ? o.tokens / seconds : 0 };
}

/** Draws an index from softmax(logits / temperature), restricted to the top k when k > 0. */
export function pick(logits: ArrayLike<number>, temperature: number, topK: number, random: () => number): number {
  const order = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]!);
  const kept = topK > 0 ? order.slice(0, topK) : order;
  const top = logits[kept[0]!]!;
  const weights = kept.map((i) => Math.exp((logits[i]! - top) / temperature));
  let u = random() * weights.reduce((a, b) => a + b, 0);
  for (let j = 0; j < kept.length; j++) { u -= weights[j]!; if (u <= 0) return kept[j]!; }
  return kept[kept.length - 1]!;
}
