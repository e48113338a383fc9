/**
 * `axon sample <run dir | checkpoint>`: generate text with a trained text model (char-gpt).
 * Compiles the model's KV-cache decode step (token, pos → logits; the prompt prefilled token by
 * token), or with --no-kv-cache the one-window program (x [1, window] → logits, every new
 * character re-runs the whole window), loads the checkpoint's params and draws characters with
 * temperature and top-k. It reports characters/s for the mode it ran.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../../runtime/artifact.ts';
import { loadCheckpoint } from '../../runtime/node/checkpoint.ts';
import { vocabularyOf } from '../../runtime/data/text.ts';
import { sampleText, type SampleResult } from '../../runtime/train/sample-text.ts';
import { loadModel } from '../model.ts';
import { openSampler, sizedTextModel } from '../text-model.ts';

export interface SampleFlags {
  model?: string;
  prompt: string;
  tokens: number;
  temperature: number;
  topK: number;
  seed: number;
  backend: Backend;
  threads: number;
  /** use the model's KV-cache decode step (default true; --no-kv-cache re-runs the window) */
  kvCache?: boolean;
}

export interface SampleReport extends SampleResult {
  checkpoint: string;
  prompt: string;
  compileSeconds: number;
}

export async function sampleCommand(target: string, flags: SampleFlags): Promise<SampleReport> {
  const file = existsSync(target) && statSync(target).isDirectory() ? [join(target, 'checkpoints', 'best.axckpt'), join(target, 'checkpoints', 'last.axckpt')].find((p) => existsSync(p)) : target;
  if (!file || !existsSync(file)) throw new Error(`sample: no checkpoint at ${target} (give a run directory with checkpoints/, or an .axckpt file)`);
  const ckpt = loadCheckpoint(file);
  const model = await loadModel(flags.model ?? modelSpecFor(ckpt.modelId));
  if (model.id !== ckpt.modelId) throw new Error(`sample: ${file} is a checkpoint of "${ckpt.modelId}", not of "${model.id}"`);
  const meta = ckpt.metadata as { options?: Record<string, number>; vocab?: string };
  if (!model.text || typeof meta.vocab !== 'string' || !meta.options) throw new Error(`sample: ${file} is not a text-model checkpoint (no vocabulary in its metadata)`);
  const vocab = vocabularyOf(Array.from(meta.vocab));
  const sized = sizedTextModel(model, meta.options, vocab.chars.length);
  const t0 = performance.now();
  const session = await openSampler(sized, meta.options, flags.backend, flags.threads, flags.kvCache ?? true);
  const compileSeconds = (performance.now() - t0) / 1000;
  try {
    await session.setParams(ckpt.params);
    const r = await sampleText(session, vocab, { prompt: flags.prompt, tokens: flags.tokens, temperature: flags.temperature, topK: flags.topK, seed: flags.seed });
    return { ...r, checkpoint: file, prompt: flags.prompt, compileSeconds };
  } finally {
    session.dispose();
  }
}

/** the example that trains a model id (char-gpt-v1 → char-gpt) */
function modelSpecFor(id: string): string {
  return id.replace(/-v\d+$/, '');
}
