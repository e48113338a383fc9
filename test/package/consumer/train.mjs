// (a) Plain Node in a project that installed the packed tarball: the compiler API from `axon`,
// the Node runtime from `axon/runtime/node`; an MLP trains for a few steps on WASM and WebGPU.
// It also compiles the forward artifact the browser app runs (into app/public/) with its
// expected outputs. Prints one JSON line.
import { Graph, nn, losses, optim, trainStep, compile } from 'axon';
import { createSession, saveArtifact } from 'axon/runtime/node';
import * as browserSafeRuntime from 'axon/runtime';

const BATCH = 8;
const xs = Float32Array.from({ length: BATCH * 4 }, (_, i) => Math.sin(i * 0.37));
const ys = Int32Array.from({ length: BATCH }, (_, i) => i % 3);

function mlp(g, x) {
  return nn.sequential(nn.dense(16), nn.relu(), nn.dense(3))(x, new nn.ModelContext(g, { seed: 1 }));
}

async function train(backend) {
  const g = new Graph('mlp');
  const x = g.input('x', [BATCH, 4]), y = g.input('y', [BATCH], 'i32');
  g.output('loss', losses.softmaxCrossEntropy(mlp(g, x), y));
  const step = await createSession(await compile(trainStep(g, { optimizer: optim.adam({ lr: 1e-2 }) }), { backend }));
  const loss = [];
  for (let i = 0; i < 5; i++) loss.push((await step.run({ x: xs, y: ys })).loss[0]);
  step.dispose();
  return loss;
}

async function forwardArtifact(backend, dir) {
  const g = new Graph('mlp_forward');
  g.output('logits', mlp(g, g.input('x', [BATCH, 4])));
  const artifact = await compile(g, { backend });
  await saveArtifact(artifact, dir);
  const session = await createSession(artifact);
  const { logits } = await session.run({ x: xs });
  session.dispose();
  return Array.from(logits);
}

const result = { runtimeExports: Object.keys(browserSafeRuntime).sort(), wasm: await train('wasm') };
result.expected = { wasm: await forwardArtifact('wasm', 'app/public/artifacts/wasm') };
if (process.argv.includes('--webgpu')) {
  result.webgpu = await train('webgpu');
  result.expected.webgpu = await forwardArtifact('webgpu', 'app/public/artifacts/webgpu');
}
console.log(JSON.stringify(result));
