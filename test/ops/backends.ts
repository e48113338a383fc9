/** Compiling and running a graph on each backend in tests. */
import type { Graph } from '../../compiler/index.ts';
import { compile } from '../../compiler/compile.ts';
import { createSession } from '../../runtime/node/index.ts';
import type { Session } from '../../runtime/session.ts';
import { requireWebGPU } from '../backends/webgpu/device.ts';

export const BACKENDS = ['wasm', 'webgpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** A session for `graph` on `backend`; on WebGPU without an adapter the running test is skipped (outside CI) or fails (CI). */
export async function sessionFor(graph: Graph, backend: BackendName): Promise<Session> {
  if (backend === 'wasm') return createSession(await compile(graph, { backend }));
  const device = await requireWebGPU();
  return createSession(await compile(graph, { backend }), { device });
}

/** f32 tolerances against float64 references */
export const TOL = { wasm: { atol: 2e-5, rtol: 2e-4 }, webgpu: { atol: 1e-4, rtol: 1e-3 } } as const;
