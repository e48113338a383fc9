/**
 * importOnnx: params and constants, shape-subgraph folding, static shapes, dtype mapping,
 * external data confined to the model's folder, and errors that list every problem at once.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate } from '../../compiler/index.ts';
import { importOnnx } from '../../compiler/onnx/import.ts';
import { onnx } from '../../compiler/onnx/proto.ts';
import { DataType, f32Tensor, i64Tensor, model, node, vi } from './models.ts';

const F = DataType.FLOAT;

describe('importOnnx', () => {
  it('initializers become trainable params unless marked constant', async () => {
    const bytes = model({
      nodes: [node('MatMul', ['x', 'w'], ['y'])],
      inputs: [vi('x', F, [1, 2])],
      outputs: [vi('y', F, [1, 2])],
      initializers: [f32Tensor('w', [2, 2], [1, 2, 3, 4])],
    });
    const m = await importOnnx(bytes);
    expect(m.params).toEqual(['w']);
    expect([...m.graph.params.keys()]).toEqual(['w']);
    expect(Array.from(evaluate(m.graph, { x: [1, 1] }).outputs.y!)).toEqual([4, 6]);
    const c = await importOnnx(bytes, { constants: true });
    expect(c.params).toEqual([]);
    expect(Array.from(evaluate(c.graph, { x: [1, 1] }).outputs.y!)).toEqual([4, 6]);
  });

  it('folds a Shape → Gather → Concat → Reshape chain at import', async () => {
    const bytes = model({
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'zero'], ['n'], 'g', [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
        node('Unsqueeze', ['n', 'zero1'], ['n1']),
        node('Concat', ['n1', 'minus1'], ['shape'], 'c', [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
        node('Reshape', ['x', 'shape'], ['y']),
      ],
      inputs: [vi('x', F, ['batch', 2, 3])],
      outputs: [vi('y', F, ['batch', 6])],
      initializers: [i64Tensor('zero', [], [0]), i64Tensor('zero1', [1], [0]), i64Tensor('minus1', [1], [-1])],
    });
    const m = await importOnnx(bytes, { shapes: { x: [4, 2, 3] } });
    expect(m.outputs).toEqual([{ name: 'y', shape: [4, 6], dtype: 'f32', onnxType: 'FLOAT' }]);
    // nothing of the shape chain is left in the graph: only the reshape computes
    expect(m.graph.nodes.filter((t) => !t.isLeaf()).map((t) => t.op)).toEqual(['reshape']);
    const x = Float32Array.from({ length: 24 }, (_, i) => i);
    expect(Array.from(evaluate(m.graph, { x }).outputs.y!)).toEqual(Array.from(x));
  });

  it('a symbolic dim must be fixed by options.shapes; the error names the input and the dim', async () => {
    const bytes = model({ nodes: [node('Relu', ['img'], ['y'])], inputs: [vi('img', F, ['N', 3, 4, 4])], outputs: [vi('y', F, ['N', 3, 4, 4])] });
    await expect(importOnnx(bytes)).rejects.toThrow(/input "img": dim 0 is symbolic dim "N".*shapes: \{ "img": \[\?, 3, 4, 4\] \}/);
    await expect(importOnnx(bytes, { shapes: { img: [2, 3, 4] } })).rejects.toThrow(/gives 3 dims .* rank 4/);
    await expect(importOnnx(bytes, { shapes: { img: [2, 3, 5, 4] } })).rejects.toThrow(/sets dim 2 to 5, but the model fixes it at 4/);
    const m = await importOnnx(bytes, { shapes: { img: [2, 3, 4, 4] } });
    expect(m.inputs[0]!.shape).toEqual([2, 3, 4, 4]);
  });

  it('one error lists every unsupported op type with its node names and the opset', async () => {
    const bytes = model({
      nodes: [node('Relu', ['x'], ['a']), node('Foo', ['a'], ['b'], 'foo1'), node('Bar', ['b'], ['c'], 'bar1'), node('Bar', ['c'], ['d'], 'bar2'), node('Foo', ['d'], ['e'], 'foo2')],
      inputs: [vi('x', F, [2])],
      outputs: [vi('e', F, [2])],
    });
    const err = await importOnnx(bytes).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toMatch(/2 unsupported op types/);
    expect(msg).toMatch(/Foo \(opset 13\) at "foo1", "foo2"/);
    expect(msg).toMatch(/Bar \(opset 13\) at "bar1", "bar2"/);
  });

  it('int64 constants map to i32 with a range check; float64 computes in f32 with a note', async () => {
    const big = model({ nodes: [node('Add', ['x', 's'], ['y'])], inputs: [vi('x', DataType.INT64, [2])], outputs: [vi('y', DataType.INT64, [2])], initializers: [i64Tensor('s', [2], [1, 2n ** 40n])] });
    await expect(importOnnx(big)).rejects.toThrow(/Add .* input 1 \("s"\): int64 value 1099511627776 at index 1 does not fit Axon's i32/);
    const ok = await importOnnx(model({ nodes: [node('Add', ['x', 's'], ['y'])], inputs: [vi('x', DataType.INT64, [2])], outputs: [vi('y', DataType.INT64, [2])], initializers: [i64Tensor('s', [2], [1, -5])] }));
    expect(ok.inputs[0]!.dtype).toBe('i32');
    expect(Array.from(evaluate(ok.graph, { x: [10, 10] }).outputs.y!)).toEqual([11, 5]);
    const dbl = model({ nodes: [node('Exp', ['x'], ['y'])], inputs: [vi('x', DataType.DOUBLE, [2])], outputs: [vi('y', DataType.DOUBLE, [2])] });
    const m = await importOnnx(dbl);
    expect(m.notes.join()).toMatch(/float64 .* compute in f32/);
    expect(m.inputs[0]!.dtype).toBe('f32');
  });

  it('reads external data from the model folder only', async () => {
    const dir = join('node_modules/.cache/axon/onnx-external');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'w.bin'), new Uint8Array(Float32Array.from([0, 0, 1, 2, 3, 4]).buffer));
    const ext = (location: string): Record<string, unknown> => ({
      name: 'w', dims: [2, 2], dataType: F, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [{ key: 'location', value: location }, { key: 'offset', value: '8' }, { key: 'length', value: '16' }],
    });
    const make = (location: string) => model({ nodes: [node('MatMul', ['x', 'w'], ['y'])], inputs: [vi('x', F, [1, 2])], outputs: [vi('y', F, [1, 2])], initializers: [ext(location)] });
    writeFileSync(join(dir, 'good.onnx'), make('w.bin'));
    writeFileSync(join(dir, 'bad.onnx'), make('../../../../package.json'));
    const m = await importOnnx(join(dir, 'good.onnx'));
    expect(Array.from(evaluate(m.graph, { x: [1, 1] }).outputs.y!)).toEqual([4, 6]);
    await expect(importOnnx(join(dir, 'bad.onnx'))).rejects.toThrow(/external data location "\.\.\/\.\.\/\.\.\/\.\.\/package\.json" is outside the model's folder/);
    await expect(importOnnx(make('w.bin'))).rejects.toThrow(/external file "w.bin"; pass the model as a path/);
  });

  it('rejects opsets above 17 and garbage bytes clearly; old opsets import', async () => {
    const relu = (opset: number) => model({ nodes: [node('Relu', ['x'], ['y'])], inputs: [vi('x', F, [2])], outputs: [vi('y', F, [2])] }, opset);
    await expect(importOnnx(relu(18))).rejects.toThrow(/opset 18 is not supported \(Axon imports opsets 1–17\)/);
    expect((await importOnnx(relu(5))).opset).toBe(5);
    await expect(importOnnx(new Uint8Array([0xff, 0xff, 0xff]))).rejects.toThrow(/not a valid ONNX model/);
  });
});
