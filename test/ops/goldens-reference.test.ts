/** The reference interpreter against PyTorch's float64 goldens (tight tolerance: both are float64). */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../compiler/index.ts';
import { listGoldenFamilies, loadGoldens } from '../goldens/load.ts';
import { closeTo, familyGraph } from './cases.ts';

const families = listGoldenFamilies().filter((f) => f !== 'optim');

describe('reference interpreter vs PyTorch goldens', () => {
  for (const family of families) {
    it(family, () => {
      const { graph, feeds, expected } = familyGraph(family, loadGoldens(family));
      const { outputs } = evaluate(graph, feeds);
      const misses = expected.flatMap((e) => {
        const m = closeTo(outputs[e.name]!, e.want, 1e-9, 1e-6);
        return m ? [`${e.name}: ${m}`] : [];
      });
      expect(misses).toEqual([]);
      expect(expected.length).toBeGreaterThan(0);
    });
  }
});
