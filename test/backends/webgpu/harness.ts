/** Runs a kernel-IR Program on the WebGPU backend and on the reference interpreter, and compares. */
import { expect } from 'vitest';
import type { Program } from '../../../compiler/kernel/ir.ts';
import { renderProgram, type WebGpuRenderOptions } from '../../../compiler/backends/webgpu/index.ts';
import type { TensorData } from '../../../runtime/session.ts';
import { createWebGpuSession } from '../../../runtime/webgpu/session.ts';
import { buildTestArtifact, randomFeeds, runReference } from '../programs.ts';

/** Outputs, params and state after one run on the GPU. */
export async function runOnGpu(device: GPUDevice, program: Program, feeds: Record<string, TensorData>, options: WebGpuRenderOptions = {}): Promise<Record<string, TensorData>> {
  const session = await createWebGpuSession(buildTestArtifact(program, renderProgram(program, options)), { device });
  try {
    const outputs = await session.run(feeds);
    return { ...outputs, ...(await session.getParams(true)) };
  } finally {
    session.dispose();
  }
}

/**
 * numpy-style allclose (NaN equals NaN, infinities must match), naming the first mismatch.
 * The reference computes in f64; an f32 result is compared with the reference rounded to f32.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-4, atol = 1e-5): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const round = actual instanceof Float32Array ? Math.fround : (x: number) => x;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = round(expected[i]!);
    const ok = Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) expect.fail(`${what}[${i}]: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Runs on both (random feeds unless given) and compares every output, param and state. */
export async function checkProgram(device: GPUDevice, program: Program, feeds: Record<string, TensorData> = randomFeeds(program), rtol = 1e-4, atol = 1e-5, options: WebGpuRenderOptions = {}): Promise<Record<string, TensorData>> {
  const expected = runReference(program, feeds);
  const actual = await runOnGpu(device, program, feeds, options);
  for (const name of Object.keys(expected)) expectClose(actual[name]!, expected[name]!, name, rtol, atol);
  return actual;
}
