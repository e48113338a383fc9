/**
 * Per-dispatch profile of a jax-js WebGPU bench case (not part of the test suite), to compare
 * with Axon's (profile.ts) on the same adapter:
 *   npx tsx test/backends/webgpu/profile-jax.ts [case] [--dump DIR]
 * Records every dispatch of one warm step (pipeline, bind groups, grid), then replays each alone,
 * repeated in one command buffer, timing CPU-ms (llvmpipe's threads are in this process).
 * --dump writes each distinct shader's WGSL to DIR.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { CASES } from '../../../bench/cases.ts';
import { installNavigatorGpu } from '../../../bench/peers/node-webgpu.ts';

const name = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'cnn-train-b64';
const dumpAt = process.argv.indexOf('--dump');
const dumpDir = dumpAt > 0 ? process.argv[dumpAt + 1] : undefined;

installNavigatorGpu();
const G = globalThis as unknown as Record<string, { prototype: Record<string, (...a: unknown[]) => unknown> }>;
const codeOf = new WeakMap<object, string>();
const moduleCode = new WeakMap<object, string>();
let device: GPUDevice | undefined;
let recording: { pipeline: GPUComputePipeline; groups: Map<number, unknown[]>; grid: number[] }[] | undefined;
let keepBuffers = false;
const wrap = (cls: string, method: string, after: (self: any, args: any[], result: any) => void) => {
  const proto = G[cls]!.prototype;
  const original = proto[method]!;
  proto[method] = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    after(this, args, result);
    return result;
  };
};
wrap('GPUDevice', 'createShaderModule', (self, [d], m) => { device = self; moduleCode.set(m, d.code); });
wrap('GPUDevice', 'createComputePipeline', (_s, [d], p) => codeOf.set(p, moduleCode.get(d.compute.module) ?? '?'));
wrap('GPUDevice', 'createComputePipelineAsync', (_s, [d], p) => void p.then((pp: object) => codeOf.set(pp, moduleCode.get(d.compute.module) ?? '?')));
const state = new WeakMap<object, { pipeline?: GPUComputePipeline; groups: Map<number, unknown[]> }>();
const passState = (pass: object) => {
  let s = state.get(pass);
  if (!s) state.set(pass, (s = { groups: new Map() }));
  return s;
};
wrap('GPUComputePassEncoder', 'setPipeline', (self, [p]) => { passState(self).pipeline = p; });
// with its dynamic offsets, if any
wrap('GPUComputePassEncoder', 'setBindGroup', (self, args) => { passState(self).groups.set(args[0], [...args]); });
wrap('GPUComputePassEncoder', 'dispatchWorkgroups', (self, grid) => {
  const s = passState(self);
  recording?.push({ pipeline: s.pipeline!, groups: new Map(s.groups), grid: grid.map((x: unknown) => x ?? 1) as number[] });
});
const destroy = G['GPUBuffer']!.prototype['destroy']!;
G['GPUBuffer']!.prototype['destroy'] = function (this: unknown) { if (!keepBuffers) destroy.call(this); };

const { initJax, prepareJaxCase } = await import('../../../bench/peers/jax.ts');
await initJax('webgpu');
const c = CASES.find((x) => x.name === name);
if (!c) throw new Error(`no bench case ${name}`);
const prepared = prepareJaxCase(c);
for (let i = 0; i < 3; i++) await prepared.run();
recording = [];
keepBuffers = true;
await prepared.run();
const dispatches = recording;
recording = undefined;
const rows: { ms: number; grid: number[]; code: string }[] = [];
for (const d of dispatches) {
  const time = async (n: number) => {
    const enc = device!.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(d.pipeline);
    for (const args of d.groups.values()) (pass.setBindGroup as (...a: unknown[]) => void)(...args);
    for (let r = 0; r < n; r++) pass.dispatchWorkgroups(d.grid[0]!, d.grid[1]!, d.grid[2]!);
    pass.end();
    const c0 = process.cpuUsage();
    device!.queue.submit([enc.finish()]);
    await device!.queue.onSubmittedWorkDone();
    const cu = process.cpuUsage(c0);
    return (cu.user + cu.system) / 1000;
  };
  await time(1);
  rows.push({ ms: (await time(5)) / 5, grid: d.grid, code: codeOf.get(d.pipeline) ?? '?' });
}
const ids = new Map<string, number>();
for (const r of rows) if (!ids.has(r.code)) ids.set(r.code, ids.size);
const total = rows.reduce((s, r) => s + r.ms, 0);
for (const r of [...rows].sort((a, b) => b.ms - a.ms).slice(0, 25)) {
  const first = r.code.split('\n').find((l) => l.includes('@workgroup_size')) ?? '';
  console.log(`${r.ms.toFixed(2).padStart(8)} CPU-ms ${(100 * r.ms / total).toFixed(1).padStart(5)}%  shader ${ids.get(r.code)} grid [${r.grid.join(', ')}] ${first.trim()}`);
}
console.log(`${total.toFixed(2).padStart(8)} CPU-ms total over ${rows.length} dispatches, ${ids.size} shaders`);
if (dumpDir) {
  mkdirSync(dumpDir, { recursive: true });
  for (const [code, id] of ids) writeFileSync(`${dumpDir}/jax_${String(id).padStart(3, '0')}.wgsl`, code);
  console.log(`wrote ${ids.size} shaders to ${dumpDir}`);
}
process.exit(0);
