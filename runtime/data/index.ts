/** Browser-safe data utilities: IDX parsing, normalization, seeded shuffling and batching. */
export { parseIdx, parseIdxImages, parseIdxLabels, encodeIdxUbyte, isGzip, type IdxTensor, type IdxData } from './idx.ts';
export { normalizePixels, takeFirst, sampleSize, type ImageDataset, type NormalizeOptions } from './dataset.ts';
export { mulberry32, mixSeed, permutation, type Random } from './prng.ts';
export { splitTrainVal, epochOrder, batchCount, batches, type Batch, type LastBatch, type SplitOptions } from './batches.ts';
