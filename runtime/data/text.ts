/**
 * A character-level text corpus as a dataset for next-character models. Browser-safe.
 *
 * The vocabulary is the sorted set of the corpus's characters (Unicode code points). The text
 * is split by position: the first (1 − valFraction) of it trains, the rest validates, so no
 * validation window overlaps a training one. Each sample is a window of `window` consecutive
 * token ids (context + 1: the model predicts characters 1..T from 0..T−1), stored as f32 in an
 * ImageDataset so the training loop batches it like any other data. Training windows start at
 * seeded random positions; validation windows tile the held-out text from its start.
 */
import type { ImageDataset } from './dataset.ts';
import { mixSeed, mulberry32 } from './prng.ts';

export interface Vocabulary {
  /** one character per id, sorted by code point */
  chars: string[];
  index: Map<string, number>;
}

export function buildVocabulary(text: string): Vocabulary {
  const chars = [...new Set(Array.from(text))].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  return { chars, index: new Map(chars.map((c, i) => [c, i])) };
}

/** A vocabulary from its characters in id order (as stored in a checkpoint). */
export function vocabularyOf(chars: readonly string[]): Vocabulary {
  return { chars: [...chars], index: new Map(chars.map((c, i) => [c, i])) };
}

export function encode(text: string, vocab: Vocabulary): Int32Array {
  const chars = Array.from(text);
  const ids = new Int32Array(chars.length);
  chars.forEach((c, i) => {
    const id = vocab.index.get(c);
    if (id === undefined) throw new Error(`encode: character ${JSON.stringify(c)} (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) at position ${i} is not in the model's vocabulary of ${vocab.chars.length} characters`);
    ids[i] = id;
  });
  return ids;
}

export const decode = (ids: ArrayLike<number>, vocab: Vocabulary): string => Array.from(ids, (i) => vocab.chars[i] ?? '\uFFFD').join('');

export interface TextWindowsOptions {
  /** tokens per sample (context + 1) */
  window: number;
  /** fraction of the text (by position, at the end) held out for validation; default 0.1 */
  valFraction?: number;
  /** training windows (default: enough to cover the training text once) */
  trainWindows?: number;
  /** validation windows at most (default 256) */
  maxValWindows?: number;
  seed: number;
}

export interface TextDataset {
  data: ImageDataset;
  vocab: Vocabulary;
  trainIndices: Int32Array;
  valIndices: Int32Array;
  /** characters in the training and validation parts */
  trainChars: number;
  valChars: number;
}

export function textWindows(text: string, o: TextWindowsOptions): TextDataset {
  const vocab = buildVocabulary(text);
  const ids = encode(text, vocab);
  const w = o.window;
  const valChars = Math.floor(ids.length * (o.valFraction ?? 0.1));
  const trainChars = ids.length - valChars;
  if (trainChars < w + 1) throw new Error(`text corpus: ${trainChars} training characters are too few for windows of ${w} (context ${w - 1}); use a longer text or a smaller context`);
  const nTrain = o.trainWindows ?? Math.max(1, Math.ceil(trainChars / (w - 1)));
  const nVal = valChars >= w ? Math.min(o.maxValWindows ?? 256, Math.floor(valChars / w)) : 0;
  const images = new Float32Array((nTrain + nVal) * w);
  const random = mulberry32(mixSeed(o.seed, 0x7e47));
  for (let s = 0; s < nTrain; s++) {
    const start = Math.floor(random() * (trainChars - w + 1));
    for (let j = 0; j < w; j++) images[s * w + j] = ids[start + j]!;
  }
  for (let s = 0; s < nVal; s++) {
    const start = trainChars + s * w;
    for (let j = 0; j < w; j++) images[(nTrain + s) * w + j] = ids[start + j]!;
  }
  const count = nTrain + nVal;
  return {
    data: { images, labels: new Int32Array(count), count, sampleShape: [w], classNames: vocab.chars },
    vocab,
    trainIndices: Int32Array.from({ length: nTrain }, (_, i) => i),
    valIndices: Int32Array.from({ length: nVal }, (_, i) => nTrain + i),
    trainChars, valChars,
  };
}
