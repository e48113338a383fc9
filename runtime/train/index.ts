/** Browser-safe training: the loop, metrics and the checkpoint byte format. */
export { trainLoop, evaluate, syncParams, type TrainLoopOptions, type TrainResult, type TrainEvent, type EpochMetrics, type LoopState, type Snapshot } from './loop.ts';
export { argmax, accuracy, correctCount, crossEntropySum, confusionMatrix, deadReluFraction, zeroFraction } from './metrics.ts';
export { encodeCheckpoint, decodeCheckpoint, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type Checkpoint } from './checkpoint-format.ts';
export { fitCheckpoint, type FittedCheckpoint, type CheckpointFitOptions } from './checkpoint-fit.ts';
