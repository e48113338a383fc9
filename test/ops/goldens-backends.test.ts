/**
 * Every op, forward and backward, on every backend against PyTorch's goldens and against the
 * reference interpreter. One graph per golden family, compiled once per backend.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../compiler/index.ts';
import { listGoldenFamilies, loadGoldens } from '../goldens/load.ts';
import { closeTo, familyGraph } from './cases.ts';
import { BACKENDS, sessionFor, TOL } from './backends.ts';

const families = listGoldenFamilies().filter((f) => f !== 'optim');

for (const backend of BACKENDS) {
  describe(`${backend}: ops vs PyTorch goldens and the reference interpreter`, () => {
    for (const family of families) {
      it(family, async () => {
        const { graph, feeds, expected } = familyGraph(family, loadGoldens(family));
        const session = await sessionFor(graph, backend);
        try {
          const got = await session.run(feeds);
          const ref = evaluate(graph, feeds).outputs;
          const { atol, rtol } = TOL[backend];
          const misses = expected.flatMap((e) => {
            const vsGolden = closeTo(got[e.name]!, e.want, atol, rtol);
            const vsRef = closeTo(got[e.name]!, ref[e.name]!, atol, rtol);
            return [...(vsGolden ? [`${e.name} vs golden: ${vsGolden}`] : []), ...(vsRef ? [`${e.name} vs reference: ${vsRef}`] : [])];
          });
          expect(misses).toEqual([]);
        } finally {
          session.dispose();
        }
      });
    }
  });
}
