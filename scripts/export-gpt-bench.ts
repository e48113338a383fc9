/**
 * Writes the gpt-train / gpt-sample bench inputs (bench/cases-gpt.ts: config, weights by Axon's
 * param names, the token windows, the sampler's first window) to out/gpt-bench-input.json for
 * scripts/bench-gpt-torch.py, the PyTorch CPU reference:
 *   npx tsx scripts/export-gpt-bench.ts && /usr/bin/python3 scripts/bench-gpt-torch.py
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { CASES } from '../bench/cases.ts';
import { GPT_OPT, gptBatch, gptConfig, gptParams, gptPrompt, isGptWorkload } from '../bench/cases-gpt.ts';

const train = CASES.find((c) => c.workload.kind === 'gpt-train')!;
const w = train.workload;
if (!isGptWorkload(w) || w.kind !== 'gpt-train') throw new Error('no gpt-train case');
const cfg = gptConfig(w);
const params = Object.fromEntries(gptParams(cfg).map((p) => [p.name, { shape: p.shape, data: Array.from(p.data) }]));
mkdirSync('out', { recursive: true });
writeFileSync('out/gpt-bench-input.json', JSON.stringify({
  case: train.name, config: cfg, optimizer: GPT_OPT, batchSize: w.batch,
  options: { ...cfg, dropout: 0, tied: 1, warmup: GPT_OPT.warmup, weight_decay: GPT_OPT.weightDecay, clip: GPT_OPT.clip },
  batch: Array.from(gptBatch(cfg, w.batch).data), prompt: Array.from(gptPrompt(cfg)), params,
}));
console.log(`out/gpt-bench-input.json: ${train.name}, ${Object.keys(params).length} params, batch ${w.batch} × ${cfg.context + 1}`);
