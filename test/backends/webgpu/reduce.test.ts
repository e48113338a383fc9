import { describe, expect, it } from 'vitest';
import type { ReducePhase } from '../../../compiler/kernel/ir.ts';
import { useTreeReduce } from '../../../compiler/backends/webgpu/kernels/reduce.ts';
import { acc, bin, load, lit, ProgramBuilder, randomF32, randomI32, store, un, view } from '../programs.ts';
import { checkProgram } from './harness.ts';
import { testDevice } from './device.ts';

const device = await testDevice();

/** x[rows, cols] reduced over cols (inner) or rows (outer), with an epilogue on acc. */
function rowReduce(reduce: ReducePhase['reduce'], rows: number, cols: number, axis: 'inner' | 'outer') {
  const p = new ProgramBuilder();
  const x = p.input('x', [rows, cols]);
  const out = axis === 'inner' ? rows : cols;
  const R = axis === 'inner' ? cols : rows;
  const dt = reduce === 'argmax' ? 'i32' : 'f32';
  const y = p.output('y', [out], dt);
  const z = p.output('z', [out]);
  const strides = axis === 'inner' ? [cols, 1] : [1, cols];
  p.kernel({
    kind: 'reduce', name: `${reduce}_${axis}`, shape: [out], reduceShape: [R], phases: [{ reduce,
    body: load(view(x, strides)),
    stores: [
      store(view(y, [1]), acc(dt)),
      store(view(z, [1]), reduce === 'argmax' ? bin('mul', un('to_f32', acc('i32'), 'f32'), lit(0.5)) : bin('add', bin('mul', acc(), lit(2)), lit(1))),
    ] }],
  });
  return p.build();
}

/** Data with repeated maxima (ties) and a NaN row, to pin down first-index semantics. */
function tricky(rows: number, cols: number): Float32Array {
  const x = randomF32(rows * cols, 21);
  for (let i = 0; i < x.length; i++) x[i] = Math.round(x[i]! * 3); // many ties
  x[cols + 5] = NaN; // row 1 has a NaN (wins max/argmax)
  for (let c = 0; c < cols; c++) x[2 * cols + c] = -Infinity; // row 2 all -inf → argmax 0
  return x;
}

describe.skipIf(!device)('webgpu reduce', () => {
  for (const reduce of ['sum', 'max', 'argmax'] as const) {
    for (const [rows, cols] of [[30, 20], [13, 300], [3, 5000]] as const) {
      it(`${reduce} over the inner axis of [${rows}, ${cols}] (${useTreeReduce(rows, cols) ? 'tree' : 'serial'})`, async () => {
        const x = reduce === 'sum' ? randomF32(rows * cols, 5) : tricky(rows, cols);
        await checkProgram(device!, rowReduce(reduce, rows, cols, 'inner'), { x }, 1e-4, 1e-4);
      });
    }
    it(`${reduce} over the outer axis`, async () => {
      const x = reduce === 'sum' ? randomF32(200 * 7, 6) : tricky(200, 7).map((v) => (Number.isNaN(v) ? 0 : v));
      await checkProgram(device!, rowReduce(reduce, 200, 7, 'outer'), { x }, 1e-4, 1e-4);
    });
  }

  it('sums a fused body over a 2-D reduce space with an epilogue (L2 norm of x·w per batch)', async () => {
    const p = new ProgramBuilder();
    const x = p.input('x', [4, 6, 5]);
    const w = p.input('w', [5]);
    const y = p.output('y', [4]);
    const prod = bin('mul', load(view(x, [30, 5, 1])), load(view(w, [0, 0, 1])));
    p.kernel({ kind: 'reduce', name: 'norm', shape: [4], reduceShape: [6, 5], phases: [{ reduce: 'sum', body: bin('mul', prod, prod), stores: [store(view(y, [1]), un('sqrt', acc()))] }] });
    await checkProgram(device!, p.build());
  });

  it('sums an i32 body with integer math', async () => {
    const p = new ProgramBuilder();
    const x = p.input('x', [3, 400], 'i32');
    const y = p.output('y', [3], 'i32');
    p.kernel({ kind: 'reduce', name: 'isum', shape: [3], reduceShape: [400], phases: [{ reduce: 'sum', body: load(view(x, [400, 1]), 'i32'), stores: [store(view(y, [1]), acc('i32'))] }] });
    const out = await checkProgram(device!, p.build(), { x: randomI32(1200, 3, -1000, 1000) }, 0, 0);
    expect(out['y']).toBeInstanceOf(Int32Array);
  });
});
