/**
 * The browser side of test/browser/webgpu.test.ts: the runtime alone (no compiler code), loaded
 * as a bundle, fetching artifact directories from the page's server and running them.
 */
import { createSession, fetchArtifact } from '../../runtime/index.ts';

type Plain = Record<string, number[]>;

export interface BrowserRunResult {
  backend: string;
  adapter: string | undefined;
  /** outputs of each run, then the params after the last run */
  steps: Plain[];
  params: Plain;
}

const plain = (r: Record<string, ArrayLike<number>>): Plain => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.from(v)]));

async function adapterName(): Promise<string | undefined> {
  const adapter = await navigator.gpu?.requestAdapter();
  return adapter ? `${adapter.info?.vendor ?? '?'} ${adapter.info?.architecture ?? '?'}` : undefined;
}

/** Loads the artifact at `url` and runs it once per entry of `feeds` (i32 inputs listed in `ints`). */
async function runArtifact(url: string, feeds: Plain[], ints: string[]): Promise<BrowserRunResult> {
  const artifact = await fetchArtifact(url);
  const session = await createSession(artifact);
  try {
    const steps: Plain[] = [];
    for (const f of feeds) {
      const typed = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, ints.includes(k) ? Int32Array.from(v) : Float32Array.from(v)]));
      steps.push(plain(await session.run(typed)));
    }
    return { backend: session.backend, adapter: await adapterName(), steps, params: plain(await session.getParams()) };
  } finally {
    await session.dispose();
  }
}

Object.assign(globalThis, { axonTest: { runArtifact, adapterName } });
document.getElementById('status')!.textContent = 'ready';
