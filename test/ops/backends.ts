/** Compiling and running a graph on each backend in tests. */
import type { Graph } from '../../compiler/index.ts';
import { compile } from '../../compiler/compile.ts';
import { createSession } from '../../runtime/node/index.ts';
import type { Session } from '../../runtime/session.ts';
import { testDevice } from '../backends/webgpu/device.ts';

export const BACKENDS = ['wasm', 'webgpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

let device: Promise<GPUDevice | undefined> | undefined;

/** A session for `graph` on `backend`, or undefined when WebGPU is unavailable outside CI. */
export async function sessionFor(graph: Graph, backend: BackendName): Promise<Session | undefined> {
  const artifact = await compile(graph, { backend });
  if (backend === 'wasm') return createSession(artifact);
  device ??= testDevice();
  const d = await device;
  return d ? createSession(artifact, { device: d }) : undefined;
}

/** f32 tolerances against float64 references */
export const TOL = { wasm: { atol: 2e-5, rtol: 2e-4 }, webgpu: { atol: 1e-4, rtol: 1e-3 } } as const;
