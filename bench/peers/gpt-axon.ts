/**
 * Axon on the char-gpt cases: the training step is exactly what `axon train char-gpt` compiles
 * (examples/char-gpt.ts's objective and optimizer through cli/compile-model.ts), with the
 * bench's weights written over the model's initial ones; the sampler is the model's forward
 * on one window, keeping the last position's logits.
 */
import model, { gptLogits } from '../../examples/char-gpt.ts';
import { trainingStepGraph } from '../../cli/compile-model.ts';
import { Graph, compile, nn } from '../../compiler/node.ts';
import * as F from '../../compiler/frontend/math.ts';
import { createSession } from '../../runtime/node/index.ts';
import type { BenchCase } from '../cases.ts';
import { GPT_OPT, advanceWindow, gptBatch, gptConfig, gptParams, gptPrompt, isGptWorkload, type GptConfig } from '../cases-gpt.ts';
import { checksum, type PreparedCase } from '../system.ts';
import type { AxonVariant } from './axon.ts';

/** char-gpt's --option values for a bench config (dropout off: deterministic checksums) */
export function gptOptions(cfg: GptConfig): Record<string, number> {
  return { layers: cfg.layers, width: cfg.width, heads: cfg.heads, context: cfg.context, vocab: cfg.vocab, dropout: 0, tied: 1, warmup: GPT_OPT.warmup, weight_decay: GPT_OPT.weightDecay, clip: GPT_OPT.clip };
}

/** Writes the bench weights over the graph's params, insisting both sides name the same tensors. */
export function setGptWeights(g: Graph, cfg: GptConfig): void {
  const weights = gptParams(cfg);
  const names = new Set(weights.map((w) => w.name));
  const extra = [...g.params.keys()].filter((n) => !names.has(n));
  if (extra.length || weights.length !== g.params.size) throw new Error(`gpt bench: the char-gpt graph's params (${[...g.params.keys()].join(', ')}) differ from bench/cases-gpt.ts's`);
  for (const w of weights) {
    const p = g.params.get(w.name)!;
    if (p.shape.join() !== w.shape.join()) throw new Error(`gpt bench: param ${w.name} is [${p.shape}] in char-gpt, [${w.shape}] in the bench`);
    p.value!.set(w.data);
  }
}

function gptGraph(c: BenchCase): { graph: Graph; feeds: () => Record<string, Float32Array | Int32Array>; outputs: string[]; after?: (out: Record<string, ArrayLike<number>>) => void } {
  const w = c.workload;
  if (!isGptWorkload(w)) throw new Error(`${c.name} is not a gpt case`);
  const cfg = gptConfig(w);
  const options = gptOptions(cfg);
  if (w.kind === 'gpt-train') {
    const sized = { ...model, inputShape: [cfg.context + 1], classes: cfg.vocab };
    const graph = trainingStepGraph(sized, w.batch, 1, GPT_OPT.lr, options);
    setGptWeights(graph, cfg);
    const x = gptBatch(cfg, w.batch).data;
    return { graph, feeds: () => ({ x }), outputs: ['loss'] };
  }
  const graph = new Graph('char-gpt.sample-bench');
  const tokens = graph.input('tokens', [1, cfg.context], 'i32');
  const logits = gptLogits(tokens, new nn.ModelContext(graph, { training: false, options }));
  graph.output('last', F.slice(logits, [null, [cfg.context - 1, cfg.context]]));
  setGptWeights(graph, cfg);
  const window = gptPrompt(cfg);
  return { graph, feeds: () => ({ tokens: window }), outputs: ['last'], after: (out) => advanceWindow(window, out.last!) };
}

export async function prepareAxonGptCase(c: BenchCase, variant: AxonVariant): Promise<PreparedCase> {
  const { graph, feeds, outputs, after } = gptGraph(c);
  const threads = variant.threads ?? 1;
  const artifact = await compile(graph, { backend: variant.backend, ...(variant.relaxedSimd ? { relaxedSimd: true } : {}), ...(threads > 1 ? { threads } : {}) });
  const session = await createSession(artifact, threads > 1 ? { threads } : {});
  return {
    async run() {
      const out = await session.run(feeds());
      after?.(out);
      return outputs.reduce((s, n) => s + checksum(out[n]!), 0);
    },
    dispose: () => session.dispose(),
  };
}
