/** In-graph metrics: predictions, accuracy and the confusion matrix of a batch. */
import type { Tensor } from '../ir/graph.ts';
import * as F from './math.ts';
import { oneHot } from './losses.ts';

/** predicted class (i32 [B]) from logits or probabilities [B, K] */
export const predictions = (logits: Tensor) => F.argmax(logits, -1);

/** fraction of the batch whose prediction equals the i32 label */
export const accuracy = (logits: Tensor, labels: Tensor) => F.mean(F.cast(F.equal(predictions(logits), labels), 'f32'));

/** counts [K, K]: row = true class, column = predicted class */
export function confusionMatrix(logits: Tensor, labels: Tensor): Tensor {
  const k = logits.shape[logits.rank - 1]!;
  return F.matmul(F.transpose(oneHot(labels, k)), oneHot(predictions(logits), k));
}
