// (b) A Node TypeScript consumer: type-checked with strict, exactOptionalPropertyTypes and
// skipLibCheck off, under nodenext and bundler resolution (tsconfig.*.json beside it).
import { Graph, compile, losses, nn, optim, trainStep, type CompileOptions, type Tensor } from 'axon';
import { createSession, loadArtifact, saveArtifact, type Artifact, type Session } from 'axon/runtime/node';

export async function trainOnce(images: Float32Array, labels: Int32Array): Promise<number> {
  const g = new Graph('mlp');
  const x: Tensor = g.input('x', [64, 784]);
  const y = g.input('y', [64], 'i32');
  const logits = nn.sequential(nn.dense(128), nn.relu(), nn.dense(10))(x, new nn.ModelContext(g, { seed: 1 }));
  g.output('loss', losses.softmaxCrossEntropy(logits, y));
  const options: CompileOptions = { backend: 'wasm', threads: 2, relaxedSimd: true };
  const artifact: Artifact = await compile(trainStep(g, { optimizer: optim.adam({ lr: 1e-3 }) }), options);
  await saveArtifact(artifact, 'out/mlp');
  const step: Session = await createSession(await loadArtifact('out/mlp'), { threads: 2 });
  const { loss } = await step.run({ x: images, y: labels });
  step.dispose();
  return loss![0]!;
}
