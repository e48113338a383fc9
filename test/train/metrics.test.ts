import { describe, expect, it } from 'vitest';
import { accuracy, argmax, confusionMatrix, correctCount, crossEntropySum, deadReluFraction, zeroFraction } from '../../runtime/train/metrics.ts';

describe('metrics', () => {
  const logits = Float32Array.of(
    0.1, 2, -1, // → 1
    3, 3, 0,    // tie → first, 0
    -5, -4, -6, // → 1
  );
  it('argmax, accuracy and correct counts, honouring a row limit', () => {
    expect(Array.from(argmax(logits, 3))).toEqual([1, 0, 1]);
    expect(correctCount(logits, [1, 0, 2], 3)).toBe(2);
    expect(accuracy(logits, [1, 0, 2], 3)).toBeCloseTo(2 / 3, 12);
    expect(accuracy(logits, [1, 0], 3, 2)).toBe(1);
    expect(() => argmax(logits, 3, 4)).toThrow(/9 values, fewer than 4 rows × 3 classes/);
  });

  it('cross-entropy matches the closed form and stays finite for huge logits', () => {
    const ce = crossEntropySum(Float32Array.of(1, 2, 3), [2], 3);
    expect(ce).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3, 6);
    expect(crossEntropySum(Float32Array.of(1000, 0), [1], 2)).toBeCloseTo(1000, 3);
    expect(() => crossEntropySum(Float32Array.of(1, 2), [2], 2)).toThrow(/label 2 at row 0 is outside \[0, 2\)/);
  });

  it('confusion matrix counts [true][predicted]', () => {
    const m = confusionMatrix([1, 0, 1, 2], [1, 1, 1, 0], 3);
    expect(Array.from(m)).toEqual([0, 0, 1, 1, 2, 0, 0, 0, 0]);
  });

  it('dead ReLU fraction: units never positive across the batch', () => {
    // 3 rows × 4 units: unit 0 alive, unit 1 dead, unit 2 alive once, unit 3 dead (negative)
    const a = Float32Array.of(1, 0, 0, -1, 0.5, 0, 0, -2, 0, 0, 3, 0);
    expect(deadReluFraction(a, 4)).toBe(0.5);
    expect(zeroFraction(a)).toBeCloseTo(7 / 12, 12);
    expect(() => deadReluFraction(a, 5)).toThrow(/12 values is not a multiple of 5 units/);
  });
});
