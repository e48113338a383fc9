/**
 * The XOR network of the lectures (2 inputs, 2 sigmoid hidden units, 1 sigmoid output), trained
 * from random initialization with plain gradient descent on E = ½Σ(t − y)², on both backends from
 * the same graph definition. Run: npm run demo
 */
import { Graph, compile, trainStep, optim, init, nn, losses } from '../compiler/node.ts';
import { createSession } from '../runtime/node/index.ts';

const X = [0, 0, 0, 1, 1, 0, 1, 1];
const T = [0, 1, 1, 0];

export function xorGraph(seed = 3): Graph {
  const g = new Graph('xor');
  const x = g.input('x', [4, 2]);
  const t = g.input('t', [4, 1]);
  const ctx = new nn.ModelContext(g, { seed });
  const small = (rng: init.Rng) => init.uniform(rng, -1, 1);
  const y = nn.sequential(nn.dense(2, { init: small }), nn.sigmoid(), nn.dense(1, { init: small }), nn.sigmoid())(x, ctx);
  g.output('y', y);
  g.output('loss', losses.squaredError(y, t));
  return g;
}

export async function trainXor(backend: 'wasm' | 'webgpu', steps = 3000, lr = 2): Promise<{ y: number[]; loss: number; ms: number }> {
  const artifact = await compile(trainStep(xorGraph(), { optimizer: optim.sgd({ lr }) }), { backend });
  const session = await createSession(artifact);
  const t0 = performance.now();
  let out = await session.run({ x: X, t: T });
  for (let i = 1; i < steps; i++) out = await session.run({ x: X, t: T }, { outputs: i === steps - 1 ? undefined : ['loss'] });
  const ms = performance.now() - t0;
  session.dispose();
  return { y: Array.from(out.y!), loss: out.loss![0]!, ms };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const backend of ['wasm', 'webgpu'] as const) {
    try {
      const { y, loss, ms } = await trainXor(backend);
      console.log(`\n${backend}: 3000 SGD steps in ${(ms / 1000).toFixed(2)} s, final E = ${loss.toExponential(3)}`);
      console.log('  x1 x2 | target | output');
      for (let i = 0; i < 4; i++) console.log(`   ${X[2 * i]}  ${X[2 * i + 1]} |   ${T[i]}    | ${y[i]!.toFixed(4)} → ${Math.round(y[i]!)}`);
      const ok = y.every((v, i) => Math.round(v) === T[i]);
      console.log(ok ? '  learned the XOR truth table' : '  did NOT learn XOR');
    } catch (e) {
      console.log(`\n${backend}: unavailable — ${(e as Error).message}`);
    }
  }
}
