/** Argument order and attribute names of the composite goldens (composites.json), for format.test.ts. */
export const compositeSignatures: Record<string, { inputs: string[]; attrs: string[] }> = {
  layerNorm: { inputs: ['x', 'gamma', 'beta'], attrs: ['normalizedRank', 'eps'] },
  rmsNorm: { inputs: ['x', 'gamma'], attrs: ['eps'] },
  geluTanh: { inputs: ['x'], attrs: [] },
  clamp: { inputs: ['x'], attrs: ['lo', 'hi'] },
  squeeze: { inputs: ['x'], attrs: ['axes'] },
  unsqueeze: { inputs: ['x'], attrs: ['axis'] },
  cumsum: { inputs: ['x'], attrs: ['axis'] },
  oneHot: { inputs: ['indices'], attrs: ['classes'] },
  globalAvgPool2d: { inputs: ['x'], attrs: [] },
  upsampleNearest2d: { inputs: ['x'], attrs: ['scale'] },
  upsampleBilinear2d: { inputs: ['x'], attrs: ['size', 'alignCorners'] },
  conv1d: { inputs: ['x', 'w', 'b?'], attrs: ['stride', 'padding', 'dilation', 'groups'] },
  embedding: { inputs: ['ids', 'table'], attrs: [] },
  multiHeadSelfAttention: { inputs: ['x', 'wq', 'wk', 'wv', 'wo', 'bq', 'bk', 'bv', 'bo'], attrs: ['heads', 'causal'] },
};
