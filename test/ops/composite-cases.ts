/** Maps the composite golden cases (test/goldens/composites.json) to Axon's composites. */
import type { Tensor } from '../../compiler/index.ts';
import * as F from '../../compiler/frontend/math.ts';
import * as C from '../../compiler/frontend/composites.ts';

type Attrs = Record<string, unknown>;
type Build = (ins: Tensor[], a: Attrs) => Record<string, Tensor>;
const out = (t: Tensor) => ({ out: t });

export const compositeBuilders: Record<string, Build> = {
  layerNorm: ([x, gamma, beta], a) => out(C.layerNorm(x!, gamma, beta, { eps: a.eps as number, normalizedRank: a.normalizedRank as number })),
  rmsNorm: ([x, gamma], a) => out(C.rmsNorm(x!, gamma, { eps: a.eps as number })),
  geluTanh: ([x]) => out(C.geluTanh(x!)),
  gelu: ([x]) => out(C.gelu(x!)),
  split: ([x], a) => {
    const parts = C.split(x!, a.sizes as number[], a.axis as number);
    return Object.fromEntries(parts.map((p, i) => [i === 0 ? 'out' : `part${i}`, p]));
  },
  stack: (xs, a) => out(C.stack(xs, a.axis as number)),
  clamp: ([x], a) => out(C.clamp(x!, a.lo as number, a.hi as number)),
  squeeze: ([x], a) => out(C.squeeze(x!, a.axes as number[])),
  unsqueeze: ([x], a) => out(C.unsqueeze(x!, a.axis as number)),
  cumsum: ([x], a) => out(C.cumsum(x!, a.axis as number)),
  oneHot: ([ids], a) => out(C.oneHot(ids!, a.classes as number)),
  globalAvgPool2d: ([x]) => out(C.globalAvgPool2d(x!)),
  upsampleNearest2d: ([x], a) => out(C.upsampleNearest2d(x!, a.scale as [number, number])),
  upsampleBilinear2d: ([x], a) => out(C.upsampleBilinear2d(x!, a.size as [number, number], { alignCorners: a.alignCorners as boolean })),
  conv1d: ([x, w, b], a) => {
    const y = C.conv1d(x!, w!, { stride: a.stride as number, padding: a.padding as number, dilation: a.dilation as number, groups: a.groups as number });
    return out(b ? F.add(y, F.reshape(b, [b.shape[0]!, 1])) : y);
  },
  embedding: ([ids, table]) => out(C.embedding(ids!, table!)),
  multiHeadSelfAttention: ([x, wq, wk, wv, wo, bq, bk, bv, bo], a) =>
    out(C.multiHeadSelfAttention(x!, { wq: wq!, wk: wk!, wv: wv!, wo: wo!, bq, bk, bv, bo }, a.heads as number, { causal: a.causal as boolean })),
};
