import { describe, it } from 'vitest';
import { bin, ProgramBuilder, load, store, view } from '../programs.ts';
import { checkProgram } from './harness.ts';
import { testDevice } from './device.ts';

const device = await testDevice();

describe.skipIf(!device)('webgpu elementwise', () => {
  it('adds with a broadcast row and a transposed operand over an odd shape', async () => {
    const p = new ProgramBuilder();
    const a = p.input('a', [37, 5]);
    const bt = p.input('bt', [5, 37]);
    const row = p.input('row', [5]);
    const y = p.output('y', [37, 5]);
    p.kernel({
      kind: 'elementwise', name: 'add3', shape: [37, 5],
      stores: [store(view(y, [5, 1]), bin('add', bin('mul', load(view(a, [5, 1])), load(view(bt, [1, 37]))), load(view(row, [0, 1]))))],
    });
    await checkProgram(device!, p.build());
  });
});
