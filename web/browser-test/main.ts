/**
 * The browser side of test/browser/webgpu.test.ts and test/browser/char-gpt.test.ts: the runtime
 * alone (no compiler code), loaded as a bundle, fetching artifact directories from the page's
 * server and running them — a few steps of a CNN, or the playground's char-gpt training run.
 */
import { createSession, fetchArtifact } from '../../runtime/index.ts';
import { requestArenaDevice } from '../../runtime/webgpu/device.ts';
import { largestBufferBytes } from '../../runtime/webgpu/arena.ts';
import { buildVocabulary } from '../../runtime/data/text.ts';
import { GptTrainer } from '../playground/src/gpt/trainer.ts';

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

export interface GptRunResult {
  backend: string;
  /** every step's training loss */
  losses: number[];
  /** mean of the last 20 steps' losses */
  recentLoss: number;
  /** fetching the artifacts and text and creating both sessions (WebGPU: every pipeline) */
  openMs: number;
  /** the first step, then the mean of the others */
  firstStepMs: number;
  msPerStep: number;
  sample: string;
  sampleTokensPerSecond: number;
}

/**
 * The playground's char-gpt run (web/playground/src/gpt/trainer.ts) for `steps` steps: the
 * training-step and decode-step artifacts at `trainUrl` and `decodeUrl`, the text at `textUrl`.
 */
async function trainGpt(trainUrl: string, decodeUrl: string, textUrl: string, steps: number): Promise<GptRunResult> {
  const opened = performance.now();
  const [train, decode, text] = await Promise.all([fetchArtifact(trainUrl), fetchArtifact(decodeUrl), fetch(textUrl).then((r) => r.text())]);
  const device = train.manifest.backend === 'webgpu' ? await requestArenaDevice(navigator.gpu, Math.max(largestBufferBytes(train.manifest), largestBufferBytes(decode.manifest))) : undefined;
  const options = device ? { device } : {};
  const trainer = new GptTrainer(await createSession(train, options), await createSession(decode, options), text, buildVocabulary(text));
  try {
    const t0 = performance.now();
    const openMs = t0 - opened;
    await trainer.step();
    const t1 = performance.now();
    for (let s = 1; s < steps; s++) await trainer.step();
    const msPerStep = (performance.now() - t1) / Math.max(1, steps - 1);
    const sample = await trainer.sample('Q: ', 60);
    return { backend: train.manifest.backend, losses: trainer.losses, recentLoss: trainer.recentLoss(20), openMs, firstStepMs: t1 - t0, msPerStep, sample: sample.text, sampleTokensPerSecond: sample.tokensPerSecond };
  } finally {
    trainer.dispose();
    device?.destroy();
  }
}

Object.assign(globalThis, { axonTest: { runArtifact, adapterName, trainGpt } });
document.getElementById('status')!.textContent = 'ready';
