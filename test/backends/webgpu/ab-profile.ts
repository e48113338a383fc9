/**
 * A/B per-dispatch profile of the FashionSimpleNet training step under two render options, the
 * variants alternated in one process so both see the same machine load (not part of the suite):
 *   npx tsx test/backends/webgpu/ab-profile.ts '{"groupedConv":false}' '{}' [rounds] [batch]
 * Prints each kernel's median CPU-ms per variant over the rounds and the B/A ratio.
 */
import { compileProgram } from '../../../compiler/compile.ts';
import { renderProgram, type WebGpuRenderOptions } from '../../../compiler/backends/webgpu/index.ts';
import { buildArtifact } from '../../../compiler/artifact/build.ts';
import { fashionNetTrainGraph } from './fashion-net.ts';
import { profileDispatches } from './profile.ts';

const [a, b] = [JSON.parse(process.argv[2] ?? '{}') as WebGpuRenderOptions, JSON.parse(process.argv[3] ?? '{}') as WebGpuRenderOptions];
const rounds = Number(process.argv[4] ?? 3), batch = Number(process.argv[5] ?? 64);
const artifactFor = (options: WebGpuRenderOptions) => {
  const { program } = compileProgram(fashionNetTrainGraph(batch));
  return buildArtifact(program, renderProgram(program, options), { name: 'ab', backend: 'webgpu', training: true });
};
const artifacts = [artifactFor(a), artifactFor(b)];
const samples: Map<string, number[]>[] = [new Map(), new Map()];
for (let r = 0; r < rounds; r++) {
  for (const v of [0, 1]) {
    for (const row of await profileDispatches(artifacts[v]!, 3, false)) {
      const list = samples[v]!.get(row.name) ?? [];
      list.push(row.ms);
      samples[v]!.set(row.name, list);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const names = [...samples[0]!.keys()].sort((x, y) => median(samples[0]!.get(y)!) - median(samples[0]!.get(x)!));
let ta = 0, tb = 0;
console.log(`A = ${JSON.stringify(a)}, B = ${JSON.stringify(b)}, batch ${batch}, median of ${rounds} rounds (CPU-ms per dispatch)`);
for (const n of names) {
  const ma = median(samples[0]!.get(n)!), mb = median(samples[1]!.get(n) ?? [NaN]);
  ta += ma; tb += mb;
  if (ma > 2 || mb > 2) console.log(`${n.padEnd(28)} A ${ma.toFixed(1).padStart(7)}  B ${mb.toFixed(1).padStart(7)}  B/A ${(mb / ma).toFixed(2)}`);
}
console.log(`${'total'.padEnd(28)} A ${ta.toFixed(1).padStart(7)}  B ${tb.toFixed(1).padStart(7)}  B/A ${(tb / ta).toFixed(2)}`);
process.exit(0);
