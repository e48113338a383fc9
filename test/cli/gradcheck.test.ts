/** `axon gradcheck`: symbolic vs float64 finite-difference gradients per param, table, JSON and exit code. */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { formatGradcheck, gradcheckCommand } from '../../cli/commands/gradcheck.ts';
import { capture } from './fixtures/capture.ts';

const TINY_CNN = resolve(import.meta.dirname, 'fixtures/tiny-cnn.ts');
const quiet = { log: () => {} };


describe('axon gradcheck', () => {
  it('passes on a conv + pool + dense model with seeded random inputs, every param checked', async () => {
    const r = await gradcheckCommand(TINY_CNN, { batchSize: 2, elements: 3, options: { hidden: 4 } }, quiet);
    expect(r.pass).toBe(true);
    expect(r.inputs).toMatch(/seeded random inputs/);
    expect(r.params.map((p) => [p.param, p.shape, p.checked])).toEqual([
      ['conv1/w', [3, 1, 3, 3], 3], ['conv1/b', [3], 3], ['dense1/w', [147, 4], 3], ['dense1/b', [4], 3], ['dense2/w', [4, 10], 3], ['dense2/b', [10], 3],
    ]);
    for (const p of r.params) expect(p.worstRelativeError).toBeLessThan(1e-6);
    expect(formatGradcheck(r)).toMatch(/conv1\/w +\[3, 1, 3, 3\] +3 +\d\.\d\de-\d+ +ok[\s\S]*PASS: 0 of 6 params above tolerance/);
  });

  it('prints JSON, and exits 1 when a param is above the tolerance', async () => {
    const ok = await capture(['gradcheck', 'xor-mlp', '--json', '--batch-size', '4']);
    expect(ok.code).toBe(0);
    const r = JSON.parse(ok.out);
    expect(r).toMatchObject({ model: 'xor-mlp', batchSize: 4, inputs: 'seeded random inputs (seed 1)', pass: true });
    expect(r.params.map((p: { param: string }) => p.param)).toEqual(['dense1/w', 'dense1/b', 'dense2/w', 'dense2/b']);
    // float64 differences agree to ~1e-10, so a tolerance of 1e-15 must fail
    const strict = await capture(['gradcheck', 'xor-mlp', '--tolerance', '1e-15', '--params', 'dense1/w']);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/dense1\/w .* FAIL\nFAIL: 1 of 1 params above tolerance/);
  });

  it('names unknown params and unread model options', async () => {
    await expect(gradcheckCommand('xor-mlp', { params: ['nope'] }, quiet)).rejects.toThrow(/no param nope; its params are dense1\/w, dense1\/b/);
    await expect(gradcheckCommand('xor-mlp', { options: { hidden: 3 } }, quiet)).rejects.toThrow(/model "xor-mlp" does not read option "hidden"/);
  });
});
