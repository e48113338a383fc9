/** Renders a Program with the wasm backend, runs it in a session and compares to the interpreter. */
import { expect } from 'vitest';
import type { Program } from '../../../compiler/kernel/ir.ts';
import { createWasmBackend } from '../../../compiler/backends/wasm/index.ts';
import { createWasmSession, type WasmSession } from '../../../runtime/wasm/session.ts';
import type { Artifact } from '../../../runtime/artifact.ts';
import type { Feeds, TensorData } from '../../../runtime/session.ts';
import { buildTestArtifact, randomFeeds, runReference } from '../programs.ts';

export const backend = createWasmBackend();

export async function compileToSession(program: Program, opts: { relaxedSimd?: boolean } = {}): Promise<{ artifact: Artifact; session: WasmSession }> {
  const rendered = await backend.render(program, { name: 'test', ...opts });
  const artifact = buildTestArtifact(program, rendered);
  return { artifact, session: await createWasmSession(artifact, opts) };
}

/** Asserts |actual − expected| ≤ rtol·max(1, |expected|) elementwise (NaN and ±∞ must match exactly). */
export function expectClose(what: string, actual: TensorData | undefined, expected: ArrayLike<number>, rtol: number): void {
  expect(actual, `${what}: missing`).toBeDefined();
  expect(actual!.length, `${what}: length`).toBe(expected.length);
  let bad = -1, worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual![i]!, e = expected[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e)) && a !== e) { bad = i; break; }
      continue;
    }
    const err = Math.abs(a - e) / Math.max(1, Math.abs(e));
    if (!(err <= rtol)) { bad = i; worst = err; break; }
  }
  if (bad >= 0) {
    throw new Error(`${what}: element ${bad} is ${actual![bad]} but the interpreter gives ${expected[bad]} (relative error ${worst.toExponential(2)} > ${rtol})`);
  }
}

/**
 * Runs `program` on the wasm backend and the interpreter with the same feeds and compares
 * every output, param and state; `rtol` may be given per output name.
 */
export async function checkAgainstInterpreter(program: Program, opts: { feeds?: Feeds; rtol?: number | Record<string, number>; seed?: number; relaxedSimd?: boolean } = {}): Promise<WasmSession> {
  const { session } = await compileToSession(program, opts.relaxedSimd ? { relaxedSimd: true } : {});
  const feeds = opts.feeds ?? randomFeeds(program, opts.seed ?? 1);
  const got = await session.run(feeds);
  const ref = runReference(program, feeds);
  const tol = (name: string): number => (typeof opts.rtol === 'number' ? opts.rtol : opts.rtol?.[name]) ?? 1e-5;
  for (const { name } of program.outputs) expectClose(name, got[name], ref[name]!, tol(name));
  const params = await session.getParams(true);
  for (const { name } of [...program.params, ...program.state]) expectClose(`param ${name}`, params[name], ref[name]!, tol(name));
  return session;
}
