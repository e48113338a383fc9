// (c) A Vite app that uses the installed package as a user would: it runs a prebuilt artifact
// (compiled in Node by ../train.mjs) and compiles a small graph in the page, on WASM and WebGPU.
import { Graph, compile, losses, nn, optim, trainStep } from 'axon';
import { createSession, fetchArtifact } from 'axon/runtime';

const BATCH = 8;
const xs = Float32Array.from({ length: BATCH * 4 }, (_, i) => Math.sin(i * 0.37));
const ys = Int32Array.from({ length: BATCH }, (_, i) => i % 3);

window.__axonConsumer = async (backend) => {
  const options = backend === 'webgpu' ? { gpu: navigator.gpu } : {};
  const prebuilt = await createSession(await fetchArtifact(new URL(`artifacts/${backend}/`, location.href).href), options);
  const logits = Array.from((await prebuilt.run({ x: xs })).logits);
  prebuilt.dispose();

  const g = new Graph('page_mlp');
  const x = g.input('x', [BATCH, 4]), y = g.input('y', [BATCH], 'i32');
  const out = nn.sequential(nn.dense(16), nn.relu(), nn.dense(3))(x, new nn.ModelContext(g, { seed: 1 }));
  g.output('loss', losses.softmaxCrossEntropy(out, y));
  const t0 = performance.now();
  const step = await createSession(await compile(trainStep(g, { optimizer: optim.adam({ lr: 1e-2 }) }), { backend }), options);
  const compileMs = performance.now() - t0;
  const loss = [];
  for (let i = 0; i < 5; i++) loss.push((await step.run({ x: xs, y: ys })).loss[0]);
  step.dispose();
  return { logits, loss, compileMs };
};
document.getElementById('status').textContent = 'ready';
