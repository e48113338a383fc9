/** Dead-ReLU counts on hand-set weights whose dead units are known, dense (per neuron) and conv (per channel). */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { compile } from '../../compiler/index.ts';
import { createSession } from '../../runtime/node/index.ts';
import { loadFashionMnist } from '../../runtime/node/fashion-mnist.ts';
import { loadModel } from '../../cli/model.ts';
import { deadRelus, formatDeadRelus, reluAnalysisGraph } from '../../cli/analysis/dead-relu.ts';
import { syntheticFashionDir } from './fixtures/synthetic-data.ts';

const data = loadFashionMnist('test', { dir: syntheticFashionDir(20, 20) });
const fixture = (name: string) => loadModel(resolve(import.meta.dirname, 'fixtures', name));

describe('dead-ReLU report', () => {
  it('dense: counts neurons never positive on the samples, ignoring the zero padding of the last batch', async () => {
    const model = await fixture('dense-relu.ts');
    const session = await createSession(await compile(reluAnalysisGraph(model, 4), { backend: 'wasm' }));
    const w = new Float32Array(784 * 4);
    for (let i = 0; i < 784; i++) {
      w[i * 4 + 1] = 0.01; //            unit 1: positive on every image
      w[i * 4 + 2] = -1; //              unit 2: positive only on an all-zero (padding) image
      if (i < 5 * 28 && i >= 4 * 28) w[i * 4 + 3] = 1; // unit 3: fires on class 0's bright row 4
    }
    await session.setParams({ 'dense1/w': w, 'dense1/b': [-1, 0, 0.5, -15] }); // unit 0: never
    // samples 1..5 are classes 1..5 (5 samples, batch 4: the second batch has 3 padding rows)
    const without0 = await deadRelus(session, data, Int32Array.of(1, 2, 3, 4, 5), { model: model.id, split: 'test' });
    expect(without0.layers).toEqual([{ output: 'relu/1', shape: [4, 4], kind: 'dense', units: 4, dead: 3, deadFraction: 0.75 }]);
    const with0 = await deadRelus(session, data, Int32Array.of(0, 1, 2, 3, 4), { model: model.id, split: 'test' });
    expect(with0.layers[0]!.dead).toBe(2);
    expect(formatDeadRelus(with0)).toMatch(/relu\/1 +dense \[4, 4\] +2 \/ 4 +dead \(50\.0%\)/);
    session.dispose();
  });

  it('conv: a channel is dead when it is never positive at any position', async () => {
    const model = await fixture('tiny-cnn.ts');
    const session = await createSession(await compile(reluAnalysisGraph(model, 4, { hidden: 6 }), { backend: 'wasm' }));
    const conv = new Float32Array(3 * 9);
    conv.fill(-1, 0, 9); // channel 0: ≤ −0.1 everywhere (inputs ≥ 0)
    conv.fill(1, 9, 18); // channel 1: alive; channel 2: all zero → relu(0) = 0, never positive
    const dense = new Float32Array(3 * 7 * 7 * 6); // hidden units: only the bias decides
    await session.setParams({ 'conv1/w': conv, 'conv1/b': [-0.1, 0, 0], 'dense1/w': dense, 'dense1/b': [1, -1, 1, -1, 0, 2] });
    const r = await deadRelus(session, data, Int32Array.from({ length: 10 }, (_, i) => i), { model: model.id, split: 'test' });
    expect(r.layers.map(({ output, shape, kind, units, dead }) => ({ output, shape, kind, units, dead }))).toEqual([
      { output: 'relu/1', shape: [4, 3, 14, 14], kind: 'conv', units: 3, dead: 2 },
      { output: 'relu/2', shape: [4, 6], kind: 'dense', units: 6, dead: 3 },
    ]);
    session.dispose();
  });

  it('a model without ReLUs gets an empty report', async () => {
    const model = await loadModel('xor-mlp');
    expect([...reluAnalysisGraph(model, 4).outputs.keys()]).toEqual(['logits']);
    expect(formatDeadRelus({ model: model.id, split: 'test', samples: 4, layers: [] })).toMatch(/has no ReLU layers/);
  });
});
