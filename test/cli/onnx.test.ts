/** The CLI with ONNX files: `axon import` summaries, compile / run / explain / bench / train taking a .onnx model. */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture } from './fixtures/capture.ts';
import { model, node, vi, f32Tensor, DataType } from '../onnx/models.ts';

const dir = 'node_modules/.cache/axon/cli-onnx';
const good = join(dir, 'dense.onnx'), bad = join(dir, 'unsupported.onnx');

beforeAll(() => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(good, model({
    nodes: [node('Gemm', ['x', 'w', 'b'], ['h'], 'fc'), node('Relu', ['h'], ['y'], 'act')],
    inputs: [vi('x', DataType.FLOAT, ['batch', 2])],
    outputs: [vi('y', DataType.FLOAT, ['batch', 3])],
    initializers: [f32Tensor('w', [2, 3], [1, -1, 2, 0, 1, -3]), f32Tensor('b', [3], [0.5, 0, 1])],
  }));
  writeFileSync(bad, model({
    nodes: [node('Relu', ['x'], ['a']), node('Loop', ['a'], ['b'], 'loop1'), node('NonZero', ['b'], ['c'], 'nz1')],
    inputs: [vi('x', DataType.FLOAT, [2])],
    outputs: [vi('c', DataType.FLOAT, [2])],
  }));
});

describe('axon with .onnx models', () => {
  it('import prints inputs, outputs, op counts and params', async () => {
    const r = await capture(['import', good, '--shape', 'x=4,2']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/opset 13, 2 nodes/);
    expect(r.out).toMatch(/ops: {5}Gemm ×1, Relu ×1/);
    expect(r.out).toMatch(/inputs: {2}x: FLOAT\[4, 2\] \(f32\)/);
    expect(r.out).toMatch(/params: {2}2 tensors, 9 values \(trainable\)/);
    expect(r.out).toMatch(/unsupported ops: none/);
  });

  it('import without a needed --shape names the input and dim; unsupported ops are all listed and exit 1', async () => {
    const r = await capture(['import', good]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/input "x": dim 0 is symbolic dim "batch"/);
    const u = await capture(['import', bad, '--json']);
    expect(u.code).toBe(1);
    const s = JSON.parse(u.out);
    expect(s.ops).toEqual({ Relu: 1, Loop: 1, NonZero: 1 });
    expect(s.error).toMatch(/2 unsupported op types/);
    expect(s.error).toMatch(/Loop \(opset 13\) at "loop1"/);
    expect(s.error).toMatch(/NonZero \(opset 13\) at "nz1"/);
  });

  it('compile, run and explain accept the .onnx file', async () => {
    const out = join(dir, 'artifact');
    const c = await capture(['compile', good, '--shape', 'x=2,2', '-o', out]);
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/inputs: {2}x: f32\[2, 2\]/);
    const xFile = join(dir, 'x.json');
    writeFileSync(xFile, JSON.stringify([[1, 2], [-1, 0]]));
    // y = relu(x·w + b): [1,2]·w = [1, 1, -4] + b → [1.5, 1, 0]; [-1,0]·w = [-1, 1, -2] + b → [0, 1, 0]
    for (const target of [out, good]) {
      const r = await capture(['run', target, '--shape', 'x=2,2', '--input', `x=${xFile}`, '--json']);
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out).outputs.y.data).toEqual([1.5, 1, 0, 0, 1, 0]);
    }
    const e = await capture(['explain', good, '--shape', 'x=2,2', '--no-svg', '--json']);
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out).kernels).toBeGreaterThan(0);
  });
});

describe('axon train with an .onnx model', () => {
  it('trains the imported graph (params under their ONNX names) and exports it back to ONNX', async () => {
    const { syntheticFashionDir } = await import('./fixtures/synthetic-data.ts');
    // a small classifier with a symbolic batch dim, as PyTorch exports them: Flatten → Gemm(transB)
    const w = Array.from({ length: 7840 }, (_, i) => Math.sin(i) * 0.01);
    const bytes = model({
      nodes: [node('Flatten', ['input'], ['f']), node('Gemm', ['f', 'fc.weight', 'fc.bias'], ['logits'], 'fc', [{ name: 'transB', type: 2, i: 1 }])],
      inputs: [vi('input', DataType.FLOAT, ['batch', 1, 28, 28])],
      outputs: [vi('logits', DataType.FLOAT, ['batch', 10])],
      initializers: [f32Tensor('fc.weight', [10, 784], w), f32Tensor('fc.bias', [10], new Array(10).fill(0))],
    });
    const path = join(dir, 'tiny.onnx');
    writeFileSync(path, bytes);
    const run = join(dir, 'tiny-run');
    const t = await capture(['train', path, '--epochs', '2', '--batch-size', '16', '--lr', '0.01', '--data', syntheticFashionDir(), '--no-pictures', '--out', run, '--json']);
    expect(t.code, t.err).toBe(0);
    const summary = JSON.parse(t.out.trim().split('\n').pop()!);
    expect(summary.test_accuracy).toBeGreaterThan(0.2);
    const e = await capture(['export', path, '--run', run, '-o', join(dir, 'tiny-trained.onnx')]);
    expect(e.code, e.err).toBe(0);
    expect(e.out).toMatch(/weights from .*tiny-run.*\.axckpt/);
  }, 300_000);
});

/** PyTorch's export of a linear classifier on 28×28 images; `last` appends Softmax or LogSoftmax */
function tinyClassifier(last?: 'Softmax' | 'LogSoftmax'): Uint8Array {
  const w = Array.from({ length: 7840 }, (_, i) => Math.sin(i) * 0.01);
  return model({
    nodes: [
      node('Flatten', ['input'], ['f']),
      node('Gemm', ['f', 'fc.weight', 'fc.bias'], [last ? 'z' : 'logits'], 'fc', [{ name: 'transB', type: 2, i: 1 }]),
      ...(last ? [node(last, ['z'], ['logits'], 'head', [{ name: 'axis', type: 2, i: 1 }])] : []),
    ],
    inputs: [vi('input', DataType.FLOAT, ['batch', 1, 28, 28])],
    outputs: [vi('logits', DataType.FLOAT, ['batch', 10])],
    initializers: [f32Tensor('fc.weight', [10, 784], w), f32Tensor('fc.bias', [10], new Array(10).fill(0))],
  });
}

describe('axon bench with an .onnx model', () => {
  it('times the model on WASM (1 and 2 threads) beside onnxruntime-node, with the same outputs', async () => {
    const r = await capture(['bench', good, '--shape', 'x=4,2', '--threads', '1,2', '--runs', '2', '--json']);
    expect(r.code, r.err).toBe(0);
    const res = JSON.parse(r.out) as { inputs: { name: string; shape: number[] }[]; rows: { system: string; median_ms: number; cpu_ms: number; max_abs_diff?: number }[]; skipped: unknown[] };
    expect(res.inputs).toEqual([{ name: 'x', shape: [4, 2] }]);
    expect(res.skipped).toEqual([]);
    expect(res.rows.map((x) => x.system)).toEqual(['onnxruntime-node', 'axon-wasm-1t', 'axon-wasm-2t']);
    for (const row of res.rows) expect(row.median_ms).toBeGreaterThan(0);
    // Gemm + Relu on one random input: Axon's f32 result equals onnxruntime-node's to rounding
    for (const row of res.rows.slice(1)) expect(row.max_abs_diff).toBeLessThan(1e-6);
    const text = await capture(['bench', good, '--shape', 'x=4,2', '--runs', '1', '--no-ort']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/axon-wasm-1t +[\d.]+/);
    expect(text.out).not.toMatch(/onnxruntime-node/);
  }, 120_000);

  it('names the input whose symbolic dim needs --shape', async () => {
    const r = await capture(['bench', good]);
    expect(r.code).toBe(1);
    expect(r.err + r.out).toMatch(/input "x": dim 0 is symbolic dim "batch"/);
  });
});

describe('axon train model.onnx --loss', () => {
  it('refuses a model whose output is probabilities, and --loss nll without LogSoftmax, naming the node', async () => {
    const soft = join(dir, 'softmax-head.onnx'), plain = join(dir, 'logits-head.onnx');
    writeFileSync(soft, tinyClassifier('Softmax'));
    writeFileSync(plain, tinyClassifier());
    const a = await capture(['train', soft, '--loss', 'softmax-cross-entropy', '--epochs', '1', '--out', join(dir, 'soft-run')]);
    expect(a.code).toBe(1);
    expect(a.err + a.out).toMatch(/comes from a Softmax node "head", so it is probabilities; --loss softmax-cross-entropy needs logits/);
    const b = await capture(['train', plain, '--loss', 'nll', '--epochs', '1', '--out', join(dir, 'nll-run')]);
    expect(b.code).toBe(1);
    expect(b.err + b.out).toMatch(/--loss nll needs log-probabilities, but output "logits" comes from a Gemm node "fc"/);
  });

  it('trains a LogSoftmax model with --loss nll on synthetic data', async () => {
    const { syntheticFashionDir } = await import('./fixtures/synthetic-data.ts');
    const path = join(dir, 'logsoftmax-head.onnx');
    writeFileSync(path, tinyClassifier('LogSoftmax'));
    const t = await capture(['train', path, '--loss', 'nll', '--epochs', '2', '--batch-size', '16', '--lr', '0.01', '--data', syntheticFashionDir(), '--no-pictures', '--no-dead-relu', '--out', join(dir, 'nll-ok-run'), '--json']);
    expect(t.code, t.err).toBe(0);
    expect(JSON.parse(t.out.trim().split('\n').pop()!).test_accuracy).toBeGreaterThan(0.2);
  }, 300_000);

  it.runIf(existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'))('--loss softmax-cross-entropy --data fashion-mnist trains on the real data set', async () => {
    const path = join(dir, 'fashion-logits.onnx');
    writeFileSync(path, tinyClassifier());
    const t = await capture(['train', path, '--loss', 'softmax-cross-entropy', '--data', 'fashion-mnist', '--limit', '2000', '--epochs', '1', '--batch-size', '32', '--lr', '0.01', '--no-pictures', '--no-dead-relu', '--out', join(dir, 'fashion-run'), '--json']);
    expect(t.code, t.err).toBe(0);
    const s = JSON.parse(t.out.trim().split('\n').pop()!);
    // a linear classifier passes 60% on Fashion-MNIST within one short epoch (10% is chance)
    expect(s.test_accuracy).toBeGreaterThan(0.6);
  }, 300_000);
});
