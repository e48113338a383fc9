/**
 * One system, one case, in this process, without the harness: prepare, then N runs printing wall
 * and CPU time (process.cpuUsage, worker threads included) and the checksum of each. For quick
 * looks and back-to-back comparisons with a native reference outside Node:
 *   npx tsx bench/try-case.ts axon-wasm-2t gpt-train-b8 6
 */
import { CASES } from './cases.ts';
import { discoverSystems } from './harness.ts';

const [sys, caseName, n = '3'] = process.argv.slice(2);
const c = CASES.find((k) => k.name === caseName);
if (!sys || !discoverSystems().includes(sys) || !c) {
  console.error(`usage: npx tsx bench/try-case.ts <system> <case> [runs]\n  systems: ${discoverSystems().join(', ')}\n  cases: ${CASES.map((k) => k.name).join(', ')}`);
  process.exit(2);
}
const system = (await import(`./systems/${sys}.ts`)).default;
const info = await system.init();
const sup = system.supports?.(c) ?? true;
if (sup !== true) { console.log('unsupported', sup); process.exit(0); }
let t0 = performance.now(), c0 = process.cpuUsage();
const p = await system.prepare(c);
console.log(sys, caseName, 'prepare ms', (performance.now() - t0).toFixed(0), 'cpu', ((process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1000).toFixed(0), JSON.stringify(info.notes ?? ''));
for (let i = 0; i < Number(n); i++) {
  t0 = performance.now(); c0 = process.cpuUsage();
  const s = await p.run();
  const cu = process.cpuUsage(c0);
  console.log(`run ${i}: ${(performance.now() - t0).toFixed(1)} ms, cpu ${((cu.user + cu.system) / 1000).toFixed(0)} ms, checksum ${s}`);
}
await p.dispose();
process.exit(0);
