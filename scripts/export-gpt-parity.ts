/**
 * Writes the inputs of the char-gpt PyTorch parity goldens to out/gpt-parity-input.json:
 * Axon's initial weights (by param name, shapes, x·W layout), the batches (token windows) and
 * the hyperparameters of test/train/char-gpt-parity-setup.ts. Then run
 *   /usr/bin/python3 scripts/make-goldens-gpt.py
 * which builds the same model in PyTorch and writes test/goldens/gpt/char-gpt-parity.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { PARITY, parityGraph } from '../test/train/char-gpt-parity-setup.ts';

const { graph, batches, options, vocab } = parityGraph();
const params = Object.fromEntries([...graph.params].map(([name, t]) => [name, { shape: t.shape, data: Array.from(t.value!) }]));
mkdirSync('out', { recursive: true });
writeFileSync('out/gpt-parity-input.json', JSON.stringify({
  options, vocab, batchSize: PARITY.batchSize, steps: PARITY.steps, lr: PARITY.lr,
  batches: batches.map((b) => Array.from(b)), params,
}));
console.log(`out/gpt-parity-input.json: ${Object.keys(params).length} params (${Object.values(params).reduce((n, p) => n + p.data.length, 0)} values), ${batches.length} batches`);
