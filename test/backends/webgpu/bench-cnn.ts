/**
 * FashionSimpleNet training-step throughput on the WebGPU backend (not part of the test suite):
 *   npx tsx test/backends/webgpu/bench-cnn.ts [--profile] [--portable]
 * --profile also times every dispatch alone (each repeated in one command buffer).
 * The kernels are compiled for this adapter (subgroups where it has them); --portable: the
 * variants for any adapter.
 */
import { compile } from '../../../compiler/index.ts';
import { createNodeWebGpuSession, nodeGpu } from '../../../runtime/node/webgpu.ts';
import { describeAdapter } from '../../../runtime/webgpu/device.ts';
import { fashionNetFeeds, fashionNetTrainGraph } from './fashion-net.ts';
import { profileDispatches } from './profile.ts';

const batch = 64;
const adapter = process.argv.includes('--portable') ? undefined : describeAdapter((await nodeGpu().requestAdapter())!);
const artifact = await compile(fashionNetTrainGraph(batch), { backend: 'webgpu', ...(adapter ? { webgpuAdapter: adapter } : {}) });
let t = performance.now();
const session = await createNodeWebGpuSession(artifact);
const loadMs = performance.now() - t;
const feeds = { ...fashionNetFeeds(batch), seed: new Int32Array([1]) };
t = performance.now();
await session.run(feeds, { outputs: ['loss'] });
const firstMs = performance.now() - t;
const reps = 10;
const c0 = process.cpuUsage();
t = performance.now();
// pipelined: each step is submitted before the previous step's loss is read back
const steps = Array.from({ length: reps }, () => session.run(feeds, { outputs: ['loss'] }));
await Promise.all(steps);
const ms = (performance.now() - t) / reps;
const c = process.cpuUsage(c0);
const cpuMs = (c.user + c.system) / 1000 / reps;
const s = session.stats;
console.log(`cnn-train b${batch}: ${(batch / ms * 1000).toFixed(1)} samples/s (${ms.toFixed(1)} ms/step wall, ${cpuMs.toFixed(0)} CPU-ms/step; load ${loadMs.toFixed(0)} ms of which pipelines ${s.pipelineMs.toFixed(0)} ms for ${s.pipelines}, first run ${firstMs.toFixed(0)} ms, ${artifact.manifest.webgpu!.dispatches.length} dispatches, ${s.buffersCreated} GPU buffers)`);
await session.dispose();
if (process.argv.includes('--profile')) await profileDispatches(artifact);
process.exit(0);
