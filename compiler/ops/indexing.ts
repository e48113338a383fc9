/**
 * Joining and indexing: concat (a sum of zero-padded views), gather (an indexed load fused into
 * its consumer) and scatter_add (gather's gradient: a deterministic kernel of its own). Their
 * gradients are each other's: concat ↔ slices, gather ↔ scatter_add.
 */
import * as F from '../frontend/math.ts';
import { normAxis } from '../ir/types.ts';
import type { Rules } from './rule.ts';

export const indexingRules: Rules<'concat' | 'gather' | 'scatter_add'> = {
  concat: {
    vjp: (ct, ins, _, a) => {
      const axis = normAxis(a.axis, ct.rank, 'concat');
      let at = 0;
      return ins.map((x) => {
        const part = F.slice(ct, ct.shape.map((n, d) => (d === axis ? [at, at + x.shape[d]!, 1] : [0, n, 1])));
        at += x.shape[axis]!;
        return part;
      });
    },
    lower: { kind: 'concat', axis: (a) => a.axis },
  },
  gather: {
    // the rows of ct go back to the rows they were read from, summed where indices repeat
    vjp: (ct, [x, idx], _, a) => {
      const axis = normAxis(a.axis, x!.rank, 'gather');
      const count = idx!.size;
      const rows = F.reshape(ct, [...x!.shape.slice(0, axis), count, ...x!.shape.slice(axis + 1)]);
      return [F.scatterAdd(rows, F.reshape(idx!, [count]), axis, x!.shape[axis]!), null];
    },
    lower: { kind: 'gather', axis: (a) => a.axis },
  },
  scatter_add: {
    vjp: (ct, [, idx], _, a) => [F.gather(ct, idx!, a.axis), null],
    lower: { kind: 'scatter', axis: (a) => a.axis },
  },
};
