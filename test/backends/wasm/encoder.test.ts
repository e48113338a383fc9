import { describe, expect, it } from 'vitest';
import { encodeModule, FunctionBuilder } from '../../../compiler/backends/wasm/bytecode/encoder.ts';
import { firstFunction, libraryFunction, link, tableIndexOf } from '../../../compiler/backends/wasm/bytecode/link.ts';
import { loadKernelLibrary } from '../../../compiler/backends/wasm/kernel-library.ts';

describe('wasm bytecode encoder', () => {
  it('builds a module whose functions compute what they say (loops, locals, f32 and SIMD ops)', async () => {
    // sum(n) = 0 + 1 + … + (n − 1), with a for loop over a local
    const sum = new FunctionBuilder({ params: ['i32'], results: ['i32'] });
    const i = sum.local('i32'), acc = sum.local('i32');
    sum.forRange(i, () => sum.i32(0), () => sum.get(0), 1, () => { sum.get(acc).get(i).op('i32.add').set(acc); });
    sum.get(acc);
    // lanes(x) = sum of the lanes of f32x4.splat(x) · (1, 2, 3, 4) = 10·x
    const lanes = new FunctionBuilder({ params: ['f32'], results: ['f32'] });
    const v = lanes.local('v128');
    lanes.get(0).op('f32x4.splat').v128([1, 2, 3, 4], 'f32').op('f32x4.mul').set(v);
    lanes.get(v).lane('f32x4.extract_lane', 0).get(v).lane('f32x4.extract_lane', 1).op('f32.add');
    lanes.get(v).lane('f32x4.extract_lane', 2).op('f32.add').get(v).lane('f32x4.extract_lane', 3).op('f32.add');
    // store then load through memory, negative and large constants
    const mem = new FunctionBuilder({ params: ['i32'], results: ['i32'] });
    mem.i32(16).get(0).i32(-1000000).op('i32.add').mem('i32.store', 4);
    mem.i32(20).mem('i32.load');
    const bytes = encodeModule({ functions: [{ builder: sum, export: 'sum' }, { builder: lanes, export: 'lanes' }, { builder: mem, export: 'mem' }], memoryPages: 1 });
    const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>);
    const ex = instance.exports as { sum(n: number): number; lanes(x: number): number; mem(x: number): number };
    expect(ex.sum(10)).toBe(45);
    expect(ex.sum(0)).toBe(0);
    expect(ex.lanes(1.5)).toBe(15);
    expect(ex.mem(7)).toBe(7 - 1000000);
  });

  it('links generated functions after the prebuilt kernel library: direct calls in, table calls out', async () => {
    const lib = (await loadKernelLibrary('threads')).module;
    expect(lib.dataEnd).toBeGreaterThan(0);
    const base = firstFunction(lib);
    // task(i): memory[4096 + 4i] = expf(i) as f32 bits; run(): parallelFor(task, 3) on one thread
    const task = new FunctionBuilder({ params: ['i32'], results: [] });
    task.i32(65536).get(0).i32(2).op('i32.shl').op('i32.add').get(0).op('f32.convert_i32_s').call(libraryFunction(lib, 'expf')).mem('f32.store');
    const run = new FunctionBuilder({ params: [], results: [] });
    run.i32(tableIndexOf(lib, 0)).i32(3).call(libraryFunction(lib, 'parallelFor'));
    const bytes = link(lib, { functions: [task, run], tableEntries: [0], exports: [{ name: 'run', func: 1 }], memoryPages: 2 });
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 2, shared: true });
    const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, { env: { memory } });
    (instance.exports.run as () => void)();
    const out = new Float32Array(memory.buffer, 65536, 3);
    expect([...out].map((x) => Number(x.toFixed(4)))).toEqual([1, Number(Math.fround(Math.E).toFixed(4)), Number(Math.fround(Math.exp(2)).toFixed(4))]);
    expect(base).toBeGreaterThan(0);
  });
});
