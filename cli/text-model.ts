/**
 * What `axon train` and `axon sample` do for text models (a TrainableModel with `text`): read
 * the corpus, size the model to it (window from the options, vocabulary from the text), and
 * compile the inference program that generates characters (a KV-cache decode step or the window).
 */
import type { Backend } from '../runtime/artifact.ts';
import { textWindows, type TextDataset } from '../runtime/data/text.ts';
import { loadTextCorpus } from '../runtime/node/text-corpus.ts';
import { createSession, type Session } from '../runtime/node/index.ts';
import { Graph, compile, nn } from '../compiler/index.ts';
import type { TrainableModel } from './model.ts';

/** The model with its input shape [window] and class count (vocabulary) fixed for this corpus. */
export function sizedTextModel(model: TrainableModel, options: Record<string, number>, vocabSize: number): TrainableModel {
  if (!model.text) throw new Error(`model "${model.id}" is not a text model`);
  return { ...model, inputShape: [model.text.window(options)], classes: vocabSize };
}

export interface PreparedText {
  model: TrainableModel;
  /** the options with "vocab" set from the corpus */
  options: Record<string, number>;
  text: TextDataset;
  source: string;
}

export function prepareTextModel(model: TrainableModel, options: Record<string, number>, o: { data?: string; seed: number; valFraction: number; limit?: number }): PreparedText {
  const corpus = loadTextCorpus(o.data);
  const raw = o.limit ? Array.from(corpus.text).slice(0, o.limit).join('') : corpus.text;
  const window = model.text!.window(options);
  const text = textWindows(raw, { window, seed: o.seed, valFraction: o.valFraction });
  if (options.vocab !== undefined && options.vocab !== text.vocab.chars.length) {
    throw new Error(`model "${model.id}" was trained with a vocabulary of ${options.vocab} characters, but ${corpus.source} has ${text.vocab.chars.length}; use the same --data`);
  }
  const sized = { ...options, vocab: text.vocab.chars.length };
  return { model: sizedTextModel(model, sized, text.vocab.chars.length), options: sized, text, source: corpus.source };
}

/** The inference program x f32 [1, window] → logits [1, window − 1, vocab] (dropout off). */
export function samplerGraph(model: TrainableModel, options: Record<string, number>): Graph {
  if (!model.buildForward) throw new Error(`model "${model.id}" has no buildForward to sample from`);
  const g = new Graph(`${model.id}.sample`);
  const x = g.input('x', [1, ...model.inputShape]);
  g.output('logits', model.buildForward(x, new nn.ModelContext(g, { training: false, options })));
  return g;
}

/**
 * The sampling session: the model's KV-cache decode step when it has one and `kvCache` is on
 * (the default), else the window program (every character re-runs the window).
 */
export async function openSampler(model: TrainableModel, options: Record<string, number>, backend: Backend, threads = 1, kvCache = true): Promise<Session> {
  const wasm = backend === 'wasm' ? { relaxedSimd: true, ...(threads > 1 ? { threads } : {}) } : {};
  const decoder = kvCache ? model.text?.decoder : undefined;
  const graph = decoder ? decoder(options) : samplerGraph(model, options);
  return createSession(await compile(graph, { backend, ...wasm }), threads > 1 ? { threads } : {});
}
