/**
 * The char-gpt panel: trains the small transformer of graphs.ts live on the text that
 * scripts/prepare-gpt-text.ts bundled (public/gpt/corpus.txt), on WebAssembly or WebGPU. Play
 * compiles the training step and the KV-cache decode step in the page, then trains in an
 * animation loop (steps for up to ~25 ms per frame), redrawing the loss curve, and every few
 * seconds writes a fresh sample with the current weights.
 */
import { createSession, type Backend as BackendName } from '../../../../runtime/index.ts';
import { requestArenaDevice } from '../../../../runtime/webgpu/device.ts';
import { largestBufferBytes } from '../../../../runtime/webgpu/arena.ts';
import { buildVocabulary } from '../../../../runtime/data/text.ts';
import { compile } from '../../../../compiler/index.ts';
import type { Availability } from '../availability.ts';
import { gptSampleGraph, gptTrainGraph, PANEL_GPT } from './graphs.ts';
import { GptTrainer } from './trainer.ts';
import { paintGptLoss } from './loss-curve.ts';

const FRAME_BUDGET_MS = 25;
const SAMPLE_EVERY_MS = 3000;
const SAMPLE_CHARS = 160;

export interface GptPanel {
  /** compiles (the first time) and trains until paused; resolves when the loop stops */
  play(): Promise<void>;
  pause(): void;
  readonly trainer: GptTrainer | undefined;
  readonly lastSample: string;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export function setUpGptPanel(textUrl: string, backends: Record<BackendName, Availability>): GptPanel {
  const status = $('gpt-status'), playButton = $<HTMLButtonElement>('gpt-play'), resetButton = $<HTMLButtonElement>('gpt-reset');
  const backendSelect = $<HTMLSelectElement>('gpt-backend'), canvas = $<HTMLCanvasElement>('gpt-loss'), samplePre = $('gpt-sample');
  const stat = (id: string, v: string) => { $(id).textContent = v; };
  const o = PANEL_GPT.options;
  $('gpt-config').textContent = `${o.layers} layers, width ${o.width}, ${o.heads} heads, context ${o.context}, batch ${PANEL_GPT.batchSize}, AdamW lr ${PANEL_GPT.lr}`;
  for (const b of ['wasm', 'webgpu'] as const) {
    const opt = backendSelect.querySelector<HTMLOptionElement>(`option[value="${b}"]`)!;
    opt.disabled = !backends[b].ok;
    opt.title = backends[b].reason;
  }
  if (!backends.wasm.ok && backends.webgpu.ok) backendSelect.value = 'webgpu';

  let trainer: GptTrainer | undefined, device: GPUDevice | undefined, running = false, lastSample = '', uniform: number | undefined;
  let text: Promise<string> | undefined;
  /** the running play() (reset waits for it before disposing the sessions under it) */
  let current: Promise<void> | undefined;
  const setStatus = (s: string, error = false) => { status.textContent = s; status.classList.toggle('error', error); };

  async function open(): Promise<GptTrainer> {
    text ??= fetch(textUrl).then((r) => {
      if (!r.ok) throw new Error(`no text at ${textUrl} (${r.status}); run npm run playground, which prepares it from the fortunes package`);
      return r.text();
    });
    const corpus = await text;
    const vocab = buildVocabulary(corpus);
    uniform = Math.log(vocab.chars.length);
    const backend = backendSelect.value as BackendName;
    setStatus(`compiling the training step and the decode step for ${backend}…`);
    const t0 = performance.now();
    const [trainArtifact, decodeArtifact] = await Promise.all([compile(gptTrainGraph(vocab.chars.length), { backend }), compile(gptSampleGraph(vocab.chars.length), { backend })]);
    if (backend === 'webgpu') device = await requestArenaDevice(navigator.gpu, Math.max(largestBufferBytes(trainArtifact.manifest), largestBufferBytes(decodeArtifact.manifest)));
    const options = device ? { device } : {};
    const t = new GptTrainer(await createSession(trainArtifact, options), await createSession(decodeArtifact, options), corpus, vocab);
    const params = trainArtifact.manifest.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    stat('gpt-compile', `${((performance.now() - t0) / 1000).toFixed(1)} s`);
    stat('gpt-params', `${(params / 1000).toFixed(0)}k`);
    return t;
  }

  async function writeSample(t: GptTrainer): Promise<void> {
    const r = await t.sample('\n', SAMPLE_CHARS);
    lastSample = r.text;
    samplePre.textContent = r.text;
    stat('gpt-cps', r.tokensPerSecond.toFixed(0));
    $('gpt-sample-step').textContent = `after ${t.steps} steps`;
  }

  async function loop(): Promise<void> {
    let lastSampleAt = performance.now();
    let windowStart = performance.now(), windowSteps = 0;
    while (running && trainer) {
      const t = trainer;
      const frameStart = performance.now();
      do { await t.step(); windowSteps++; } while (running && performance.now() - frameStart < FRAME_BUDGET_MS);
      const now = performance.now();
      stat('gpt-step', String(t.steps));
      stat('gpt-loss-now', t.recentLoss().toFixed(3));
      if (now - windowStart > 1000) { stat('gpt-sps', (windowSteps / ((now - windowStart) / 1000)).toFixed(1)); windowStart = now; windowSteps = 0; }
      paintGptLoss(canvas, t.losses, uniform);
      if (now - lastSampleAt > SAMPLE_EVERY_MS) { await writeSample(t); lastSampleAt = performance.now(); }
      await new Promise(requestAnimationFrame);
    }
  }

  function play(): Promise<void> {
    if (running) return current ?? Promise.resolve();
    running = true;
    current = run();
    return current;
  }

  async function run(): Promise<void> {
    playButton.textContent = '⏸ pause';
    try {
      trainer ??= await open();
      setStatus(`training on ${backendSelect.value === 'webgpu' ? 'WebGPU' : 'WebAssembly'}`);
      await writeSample(trainer);
      await loop();
      if (trainer) await writeSample(trainer);
      setStatus(`paused after ${trainer?.steps ?? 0} steps`);
    } catch (e) {
      running = false;
      setStatus(`char-gpt failed: ${(e as Error).message}`, true);
      console.error(e);
    } finally {
      playButton.textContent = '▶ train';
    }
  }

  function pause(): void { running = false; }

  async function reset(): Promise<void> {
    running = false;
    await current?.catch(() => {});
    current = undefined;
    trainer?.dispose();
    device?.destroy();
    trainer = undefined;
    device = undefined;
    lastSample = '';
    samplePre.textContent = '';
    paintGptLoss(canvas, []);
    setStatus('ready');
  }

  playButton.addEventListener('click', () => (running ? pause() : void play()));
  resetButton.addEventListener('click', () => void reset());
  backendSelect.addEventListener('change', () => void reset());
  paintGptLoss(canvas, []);
  return { play, pause, get trainer() { return trainer; }, get lastSample() { return lastSample; } };
}
