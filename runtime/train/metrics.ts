/**
 * Classification metrics over flat logits arrays ([rows, classes], row-major). Browser-safe.
 * `rows` lets callers ignore the padded tail of a last batch.
 */

export function argmax(logits: ArrayLike<number>, classes: number, rows = logits.length / classes): Int32Array {
  checkShape(logits, classes, rows, 'argmax');
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestValue = logits[r * classes]!;
    for (let c = 1; c < classes; c++) {
      const v = logits[r * classes + c]!;
      if (v > bestValue) { bestValue = v; best = c; }
    }
    out[r] = best;
  }
  return out;
}

/** Number of rows whose argmax equals the label. */
export function correctCount(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number, rows = labels.length): number {
  const pred = argmax(logits, classes, rows);
  let n = 0;
  for (let r = 0; r < rows; r++) if (pred[r] === labels[r]) n++;
  return n;
}

export function accuracy(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number, rows = labels.length): number {
  return rows === 0 ? 0 : correctCount(logits, labels, classes, rows) / rows;
}

/** Sum over rows of softmax cross-entropy (stable log-sum-exp); divide by rows for the mean. */
export function crossEntropySum(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number, rows = labels.length): number {
  checkShape(logits, classes, rows, 'crossEntropy');
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const label = labels[r]!;
    if (label < 0 || label >= classes) throw new Error(`crossEntropy: label ${label} at row ${r} is outside [0, ${classes})`);
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[r * classes + c]! - max);
    total += Math.log(sum) + max - logits[r * classes + label]!;
  }
  return total;
}

/** counts[label][prediction], as a flat classes×classes Int32Array (row = true class). */
export function confusionMatrix(predictions: ArrayLike<number>, labels: ArrayLike<number>, classes: number, into?: Int32Array): Int32Array {
  if (predictions.length !== labels.length) throw new Error(`confusionMatrix: ${predictions.length} predictions but ${labels.length} labels`);
  const m = into ?? new Int32Array(classes * classes);
  for (let i = 0; i < labels.length; i++) m[labels[i]! * classes + predictions[i]!]!++;
  return m;
}

/**
 * Fraction of ReLU units that are dead on this batch: never positive for any sample.
 * `activations` is [rows, units] (flatten channels and positions into units as wanted).
 */
export function deadReluFraction(activations: ArrayLike<number>, units: number): number {
  if (units < 1 || activations.length % units !== 0) throw new Error(`deadReluFraction: ${activations.length} values is not a multiple of ${units} units`);
  const rows = activations.length / units;
  let dead = 0;
  for (let u = 0; u < units; u++) {
    let alive = false;
    for (let r = 0; r < rows && !alive; r++) alive = activations[r * units + u]! > 0;
    if (!alive) dead++;
  }
  return dead / units;
}

/** Fraction of activation values that are exactly zero (ReLU sparsity). */
export function zeroFraction(activations: ArrayLike<number>): number {
  let zeros = 0;
  for (let i = 0; i < activations.length; i++) if (activations[i] === 0) zeros++;
  return activations.length === 0 ? 0 : zeros / activations.length;
}

function checkShape(logits: ArrayLike<number>, classes: number, rows: number, what: string): void {
  if (!Number.isInteger(rows) || rows * classes > logits.length) {
    throw new Error(`${what}: logits hold ${logits.length} values, fewer than ${rows} rows × ${classes} classes`);
  }
}
