/**
 * The round trip of issue 14 §5, after `axon train MODEL.onnx --out RUN`: export the run's best
 * weights back to ONNX, run the 10,000 Fashion-MNIST test images through onnxruntime-node and
 * through Axon (WASM), and compare predictions and logits. Prints one JSON line.
 *   npx tsx scripts/onnx-roundtrip.ts node_modules/.cache/axon/onnx-models/fashion_simple_net.onnx out/onnx-fsn
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { compile } from '../compiler/compile.ts';
import { loadModel } from '../cli/model.ts';
import { modelGraph } from '../cli/compile-model.ts';
import { exportCommand } from '../cli/commands/export.ts';
import { createSession } from '../runtime/node/index.ts';
import { loadCheckpoint } from '../runtime/node/checkpoint.ts';
import { loadFashionMnist } from '../runtime/node/fashion-mnist.ts';

const [modelPath, run] = process.argv.slice(2);
if (!modelPath || !run) { console.error('usage: onnx-roundtrip.ts MODEL.onnx RUN_DIR'); process.exit(2); }
const B = 100;
const out = join(run, 'exported.onnx');
const exported = await exportCommand(modelPath, { out, run, batchSize: B });
const model = await loadModel(modelPath);
const ckpt = loadCheckpoint(exported.weightsFrom, model.id);
const axon = await createSession(await compile(modelGraph(model, B, 1, false), { backend: 'wasm' }));
await axon.setParams(ckpt.params);
const ortSession = await ort.InferenceSession.create(readFileSync(out));
const test = loadFashionMnist('test', model.defaults?.normalize ?? {});
const per = test.images.length / test.count;
let agree = 0, axonRight = 0, ortRight = 0, worst = 0;
const inName = ortSession.inputNames[0]!;
for (let s = 0; s + B <= test.count; s += B) {
  const x = test.images.subarray(s * per, (s + B) * per);
  const a = (await axon.run({ x })).logits as Float32Array;
  const o = (await ortSession.run({ [inName]: new ort.Tensor('float32', Float32Array.from(x), [B, ...model.inputShape]) })).logits!.data as Float32Array;
  const k = model.classes;
  for (let i = 0; i < B; i++) {
    let pa = 0, po = 0;
    for (let c = 0; c < k; c++) {
      worst = Math.max(worst, Math.abs(a[i * k + c]! - o[i * k + c]!));
      if (a[i * k + c]! > a[i * k + pa]!) pa = c;
      if (o[i * k + c]! > o[i * k + po]!) po = c;
    }
    const label = test.labels[s + i]!;
    agree += +(pa === po); axonRight += +(pa === label); ortRight += +(po === label);
  }
}
console.log(JSON.stringify({ images: test.count, weights: exported.weightsFrom, exported: out, axon_accuracy: axonRight / test.count, ort_accuracy: ortRight / test.count, agreement: agree / test.count, max_abs_logit_diff: worst }));
process.exit(0);
