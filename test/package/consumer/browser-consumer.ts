// (b) A browser TypeScript consumer (lib DOM, no @types/node): the compiler and the
// browser-safe runtime must type-check without Node's types.
import { Graph, compile, nn } from 'axon';
import { createSession, fetchArtifact, type Backend, type Outputs } from 'axon/runtime';

export async function classify(pixels: Float32Array, backend: Backend): Promise<Outputs> {
  const g = new Graph('forward');
  g.output('logits', nn.dense(10)(g.input('x', [1, 784]), new nn.ModelContext(g, { seed: 1 })));
  const session = await createSession(await compile(g, { backend }));
  const prebuilt = await createSession(await fetchArtifact('/artifacts/mlp/'), backend === 'webgpu' ? { gpu: navigator.gpu } : {});
  prebuilt.dispose();
  return session.run({ x: pixels });
}
