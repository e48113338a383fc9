/**
 * Text generation with a compiled next-character model. Browser-safe. Two kinds of session:
 *
 * - a decode step with a KV cache (inputs token i32 [1] and pos i32 [1] → logits [1, vocab],
 *   per-block keys and values held as session state; examples/lib/gpt-decode.ts): the prompt is
 *   prefilled token by token, then each new character costs one step at the next position.
 *   When the sequence outgrows the context, the cache restarts from position 0 with the last
 *   half-context characters (re-prefilled), since the positions are absolute.
 * - a window program x f32 [1, W] → logits [1, W − 1, vocab] (causal: position i sees tokens
 *   0..i only): each new character re-runs the whole window; the last W − 1 tokens sit at the
 *   start, the rest is zero padding that no earlier position can see.
 *
 * The logits of the last character give the next one, drawn with temperature and top-k from a
 * seeded PRNG. While the text fits the context both kinds give the same logits.
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
  /** generation time, prompt prefill included */
  seconds: number;
  tokensPerSecond: number;
  /** how the logits were computed */
  mode: 'kv-cache' | 'window';
}

/** the logits [vocab] that follow the token sequence `ids` (which only ever grows by appends) */
type NextLogits = (ids: readonly number[]) => Promise<Float32Array>;

/** Whether `session` is a KV-cache decode step (inputs token and pos) rather than a window program. */
export function isDecodeSession(session: Session): boolean {
  const names = session.manifest.inputs.map((s) => s.name);
  return names.includes('token') && names.includes('pos');
}

function windowStepper(session: Session, v: number): NextLogits {
  const spec = session.manifest.inputs.find((s) => s.name === 'x');
  if (!spec || spec.shape.length !== 2 || spec.shape[0] !== 1) throw new Error(`sampleText: session "${session.manifest.name}" needs an input x [1, window] (or token and pos for a KV-cache decode step)`);
  const context = spec.shape[1]! - 1;
  const x = new Float32Array(context + 1);
  return async (ids) => {
    const recent = ids.slice(-context);
    x.fill(0);
    recent.forEach((id, i) => { x[i] = id; });
    const logits = (await session.run({ x }, { outputs: ['logits'] })).logits!;
    return logits.subarray((recent.length - 1) * v, recent.length * v) as Float32Array;
  };
}

function cacheStepper(session: Session): NextLogits {
  const cache = session.manifest.state.find((s) => s.name.startsWith('cache/'));
  if (!cache || cache.shape.length !== 2) throw new Error(`sampleText: decode session "${session.manifest.name}" has no cache/… state [context, width]`);
  const context = cache.shape[0]!;
  const token = new Int32Array(1), pos = new Int32Array(1);
  // the cache holds ids[base .. base + filled) at positions 0 .. filled − 1
  let base = 0, filled = 0;
  return async (ids) => {
    if (ids.length - base > context) { base = ids.length - Math.ceil(context / 2); filled = 0; }
    let logits: Float32Array | undefined;
    while (base + filled < ids.length) {
      token[0] = ids[base + filled]!;
      pos[0] = filled++;
      logits = (await session.run({ token, pos }, { outputs: ['logits'] })).logits as Float32Array;
    }
    if (!logits) throw new Error('sampleText: no new token to feed the decode step');
    return logits;
  };
}

export async function sampleText(session: Session, vocab: Vocabulary, o: SampleOptions): Promise<SampleResult> {
  const v = vocab.chars.length;
  const temperature = o.temperature ?? 1;
  if (!(temperature > 0)) throw new Error(`sampleText: temperature must be > 0, got ${temperature}`);
  if (!Number.isInteger(o.tokens) || o.tokens < 0) throw new Error(`sampleText: tokens must be a non-negative integer, got ${o.tokens}`);
  const cached = isDecodeSession(session);
  const next = cached ? cacheStepper(session) : windowStepper(session, v);
  const start = o.prompt.length ? encode(o.prompt, vocab) : Int32Array.of(vocab.index.get('\n') ?? 0);
  const ids = Array.from(start);
  const random = mulberry32(o.seed ?? 1);
  const t0 = performance.now();
  for (let n = 0; n < o.tokens; n++) {
    const logits = await next(ids);
    if (logits.length !== v) throw new Error(`sampleText: the model gives ${logits.length} logits per position, but the vocabulary has ${v} characters`);
    ids.push(pick(logits, temperature, o.topK ?? 0, random));
  }
  const seconds = (performance.now() - t0) / 1000;
  return { text: decode(ids.slice(start.length), vocab), seconds, tokensPerSecond: seconds > 0 ? o.tokens / seconds : 0, mode: cached ? 'kv-cache' : 'window' };
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
