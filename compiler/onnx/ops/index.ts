/**
 * The ONNX op table: one handler per ONNX op type (default domain), with the opsets it covers.
 * An op type missing here is reported as unsupported, together with every other one the model uses.
 */
import type { OpHandler } from '../context.ts';
import { elementwiseOps } from './elementwise.ts';
import { reduceOps } from './reduce.ts';
import { nnOps } from './nn.ts';
import { shapeOps } from './shape.ts';
import { lossOps } from './loss.ts';

export const onnxOps: Readonly<Record<string, OpHandler>> = {
  ...elementwiseOps,
  ...reduceOps,
  ...nnOps,
  ...shapeOps,
  ...lossOps,
};
