/**
 * FashionSimpleNet training-step throughput on the WebGPU backend (not part of the test suite):
 *   npx tsx test/backends/webgpu/bench-cnn.ts [--profile]
 * --profile also times every dispatch alone (each repeated in one command buffer).
 */
import { compile } from '../../../compiler/index.ts';
import { createNodeWebGpuSession } from '../../../runtime/node/webgpu.ts';
import { fashionNetFeeds, fashionNetTrainGraph } from './fashion-net.ts';
import { profileDispatches } from './profile.ts';

const batch = 64;
const artifact = await compile(fashionNetTrainGraph(batch), { backend: 'webgpu' });
let t = performance.now();
const session = await createNodeWebGpuSession(artifact);
const loadMs = performance.now() - t;
const feeds = { ...fashionNetFeeds(batch), seed: new Int32Array([1]) };
t = performance.now();
await session.run(feeds, { outputs: ['loss'] });
const firstMs = performance.now() - t;
const reps = 20;
t = performance.now();
for (let i = 0; i < reps; i++) await session.run(feeds, { outputs: ['loss'] });
const ms = (performance.now() - t) / reps;
console.log(`cnn-train b${batch}: ${(batch / ms * 1000).toFixed(1)} samples/s (${ms.toFixed(1)} ms/step; load ${loadMs.toFixed(0)} ms, first run ${firstMs.toFixed(0)} ms, ${artifact.manifest.webgpu!.dispatches.length} dispatches)`);
session.dispose();
if (process.argv.includes('--profile')) await profileDispatches(artifact);
process.exit(0);
