/**
 * Differential fuzzing (issue 17 §1): random graphs through the reference interpreter,
 * canonicalization, fusion, the memory plan and both backends, against an independent float64
 * oracle. A fixed seed range here; `npm run fuzz -- --n N` sweeps further.
 */
import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../ops/backends.ts';
import { checkBackend, checkInterpreters, describeGraph, type Failure } from './differential.ts';
import { fuzzGraph } from './generate.ts';
import { compileProgram } from '../../compiler/compile.ts';

const report = (failures: Failure[]) => failures.map((f) => `seed ${f.seed}, ${f.stage}: ${f.message}\n${describeGraph(fuzzGraph(f.seed).graph)}`).join('\n\n');

describe('differential fuzzing against the float64 oracle', () => {
  for (let first = 1; first <= 60; first += 15) {
    it(`graphs ${first}–${first + 14}: interpreter, canonical graph, fused program and memory plan`, () => {
      const failures = Array.from({ length: 15 }, (_, i) => checkInterpreters(first + i)).flat();
      expect(failures, report(failures)).toEqual([]);
    });
  }

  it('the fixed seeds exercise multi-phase reduce kernels (reductions over the same rows joined into one)', () => {
    const phased = (seeds: number[]) => seeds.filter((s) => compileProgram(fuzzGraph(s).graph).program.kernels.some((k) => k.kind === 'reduce' && k.phases.length > 1)).length;
    expect(phased(Array.from({ length: 60 }, (_, i) => i + 1))).toBeGreaterThanOrEqual(10);
    expect(phased([1001, 1002, 1003, 1004, 1005, 1006])).toBeGreaterThanOrEqual(1);
  });

  for (const backend of BACKENDS) {
    it(`${backend}: six graphs in one artifact`, async () => {
      const failures = await checkBackend([1001, 1002, 1003, 1004, 1005, 1006], backend);
      if (failures === undefined) return; // no WebGPU adapter outside CI (sessionFor warns)
      expect(failures, report(failures)).toEqual([]);
    });
  }
});
