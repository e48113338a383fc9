/**
 * The end of `axon train` and `axon eval`: dead-relu.json, saliency.png and adversarial.png for
 * image models (options such as the hidden width travel in the checkpoint), a note for the rest.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { trainCommand, type TrainFlags } from '../../cli/commands/train.ts';
import { evalCommand } from '../../cli/commands/eval.ts';
import { loadCheckpoint } from '../../runtime/node/checkpoint.ts';
import { EPSILON_LADDER } from '../../cli/analysis/saliency-report.ts';
import { syntheticFashionDir } from './fixtures/synthetic-data.ts';

const TINY_CNN = resolve(import.meta.dirname, 'fixtures/tiny-cnn.ts');
const flags = (over: Partial<TrainFlags>): TrainFlags => ({
  backend: 'wasm', threads: 0, resume: false, json: true, overfitBatch: false, valFraction: 0.2, out: mkdtempSync(join(tmpdir(), 'axon-cli-')), ...over,
});

describe('analysis at the end of axon train and in axon eval', () => {
  const data = syntheticFashionDir(160, 40);

  it('a CNN run writes dead-relu.json, saliency.png and adversarial.png; eval redoes them from the checkpoint', async () => {
    const logs: string[] = [];
    const s = await trainCommand(TINY_CNN, flags({ data, epochs: 2, seed: 2, options: { hidden: 6 }, epsilon: 0.2 }), { reporter: () => {}, log: (l) => logs.push(l) });
    const out = s.outDir;
    expect(s.options).toEqual({ hidden: 6 });
    expect(loadCheckpoint(join(out, 'checkpoints/best.axckpt')).params['dense1/w']!.length).toBe(147 * 6);

    const dead = JSON.parse(readFileSync(join(out, 'dead-relu.json'), 'utf8'));
    expect(dead).toMatchObject({ model: 'test-tiny-cnn', split: 'validation', samples: 32 });
    expect(dead.layers.map((l: { output: string; kind: string; shape: number[]; units: number }) => [l.output, l.kind, l.shape, l.units]))
      .toEqual([['relu/1', 'conv', [16, 3, 14, 14], 3], ['relu/2', 'dense', [16, 6], 6]]);
    for (const l of dead.layers) expect(l.deadFraction).toBeCloseTo(l.dead / l.units, 12);
    expect(logs.join('\n')).toMatch(/dead ReLUs on 32 validation images/);

    expect(s.adversarial!.cases).toHaveLength(4);
    expect(s.adversarial!.epsilon).toBe(0.2);
    for (const c of s.adversarial!.cases) expect(c.flipped).toBe(c.predicted !== c.adversarialPredicted);
    for (const pic of ['saliency.png', 'adversarial.png']) {
      expect(s.files).toContain(join(out, pic));
      const png = PNG.sync.read(readFileSync(join(out, pic)));
      expect(png.height).toBeGreaterThan(4 * 150); // four rows of images
    }

    const evalOut = mkdtempSync(join(tmpdir(), 'axon-cli-eval-'));
    const ev = await evalCommand(TINY_CNN, { backend: 'wasm', threads: 0, data, out: evalOut, checkpoint: join(out, 'checkpoints/best.axckpt'), batchSize: 16 }, { log: () => {} });
    expect(ev.accuracy).toBeCloseTo(s.test!.accuracy, 6);
    expect(ev.deadRelu!.split).toBe('test');
    expect(ev.deadRelu!.samples).toBe(40);
    expect(ev.adversarial!.cases.map((c) => c.predicted)).toEqual(s.adversarial!.cases.map((c) => c.predicted));
    // eval's default ε is 'auto': per image the smallest step of the ladder that flips it, else the largest
    expect(ev.adversarial!.epsilon).toBe('auto');
    for (const c of ev.adversarial!.cases) {
      expect(EPSILON_LADDER).toContain(c.epsilon);
      if (!c.flipped) expect(c.epsilon).toBe(EPSILON_LADDER.at(-1));
    }
    // a fixed ε of 0.2 that flipped an image means the ladder stops at or below 0.2 for it
    s.adversarial!.cases.forEach((c, i) => { if (c.flipped) expect(ev.adversarial!.cases[i]!.epsilon).toBeLessThanOrEqual(0.2); });
    for (const f of ['test-confusion.png', 'dead-relu.json', 'saliency.png', 'adversarial.png']) expect(existsSync(join(evalOut, f))).toBe(true);
  });

  it('a 2-D toy model skips the pictures with a note; --no-pictures and --no-dead-relu skip the work', async () => {
    const logs: string[] = [];
    const s = await trainCommand('xor-mlp', flags({ epochs: 3 }), { reporter: () => {}, log: (l) => logs.push(l) });
    expect(logs.join('\n')).toMatch(/model "xor-mlp" takes \[2\] inputs, not images; no saliency\/adversarial pictures/);
    expect(logs.join('\n')).toMatch(/model "xor-mlp" has no ReLU layers/);
    expect(existsSync(join(s.outDir, 'saliency.png'))).toBe(false);
    expect(JSON.parse(readFileSync(join(s.outDir, 'dead-relu.json'), 'utf8')).layers).toEqual([]);

    const quiet = await trainCommand('xor-mlp', flags({ epochs: 1, pictures: false, deadRelu: false }), { reporter: () => {}, log: () => {} });
    expect(quiet.deadRelu).toBeUndefined();
    expect(existsSync(join(quiet.outDir, 'dead-relu.json'))).toBe(false);
  });
});
