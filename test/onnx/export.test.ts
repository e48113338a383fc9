/**
 * exportOnnx: Axon graphs exported as ONNX (opset 17) run in onnxruntime-node with the reference
 * interpreter's outputs, and import back into Axon with the same outputs.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Graph, nn, softmax, evaluate } from '../../compiler/index.ts';
import * as F from '../../compiler/frontend/math.ts';
import { exportOnnx } from '../../compiler/onnx/export.ts';
import { importOnnx } from '../../compiler/onnx/import.ts';
import { mulberry32 } from '../../runtime/data/prng.ts';

function randn(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** a small CNN with every layer kind the FashionSimpleNet family uses, plus a transposed conv */
function cnn(): Graph {
  const g = new Graph('cnn');
  const x = g.input('x', [2, 1, 8, 8]);
  const ctx = new nn.ModelContext(g, { seed: 3 });
  const h = nn.sequential(nn.conv2d(4, 3, { padding: 'same' }), nn.relu(), nn.maxPool2d(2), nn.conv2d(6, 3), nn.avgPool2d(2, { stride: 1 }))(x, ctx);
  const up = nn.convTranspose2d(2, 3, { stride: 2 })(h, ctx);
  const logits = nn.dense(5)(nn.flatten()(h, ctx), ctx);
  g.output('probs', softmax(logits));
  g.output('up', up);
  g.output('cls', F.argmax(logits, -1));
  g.output('m', F.max(F.where(F.greater(up, 0), up, F.mul(up, 0.5)), [1, 2]));
  return g;
}

async function runOrt(bytes: Uint8Array, feeds: Record<string, Float32Array>, shapes: Record<string, number[]>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  const inputs = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v, shapes[k]!)]));
  return session.run(inputs);
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(Number(a[i]) - Number(b[i])) / (1 + Math.abs(Number(b[i]))));
  expect(worst).toBeLessThan(tol);
}

describe('exportOnnx', () => {
  it('a CNN runs in onnxruntime-node with the reference outputs', async () => {
    const g = cnn();
    const x = randn(2 * 64, 7);
    const ref = evaluate(g, { x }).outputs;
    const bytes = exportOnnx(g);
    const got = await runOrt(bytes, { x }, { x: [2, 1, 8, 8] });
    close(got.probs!.data as Float32Array, ref.probs!);
    close(got.up!.data as Float32Array, ref.up!);
    close(got.m!.data as Float32Array, ref.m!);
    expect(Array.from(got.cls!.data as Int32Array)).toEqual(Array.from(ref.cls!));
    expect(got.up!.dims).toEqual([2, 2, 3, 3]);
  });

  it('exports trained values given by name, and refuses unknown outputs', async () => {
    const g = new Graph('lin');
    const x = g.input('x', [1, 3]);
    const w = g.param('w', [3, 2], new Float32Array(6));
    g.output('y', F.matmul(x, w));
    const bytes = exportOnnx(g, { params: { w: [1, 2, 3, 4, 5, 6] } });
    const got = await runOrt(bytes, { x: Float32Array.from([1, 1, 1]) }, { x: [1, 3] });
    expect(Array.from(got.y!.data as Float32Array)).toEqual([9, 12]);
    expect(() => exportOnnx(g, { outputs: ['z'] })).toThrow(/has no output "z"; outputs are y/);
  });

  it('refuses training-only ops with their name', () => {
    const g = new Graph('rng');
    const seed = g.input('seed', [], 'i32');
    g.output('r', F.random(seed, [4]));
    expect(() => exportOnnx(g)).toThrow(/random_uniform.*belongs to training/);
  });

  it('round trip: export → importOnnx gives the same outputs, params stay trainable', async () => {
    const g = cnn();
    const x = randn(2 * 64, 9);
    const ref = evaluate(g, { x }).outputs;
    const back = await importOnnx(exportOnnx(g));
    expect(back.params.length).toBe(g.params.size);
    expect(back.inputs).toEqual([{ name: 'x', shape: [2, 1, 8, 8], dtype: 'f32', onnxType: 'FLOAT' }]);
    const again = evaluate(back.graph, { x }).outputs;
    for (const k of Object.keys(ref)) close(again[k]!, ref[k]!, 1e-6);
  });
});
