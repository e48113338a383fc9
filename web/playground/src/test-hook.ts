/**
 * window.__axonPlayground: lets the browser test drive the page through the same code paths a
 * user does (the controls, play, the animation loop) and read back what the page measured.
 */
import type { App, RunMetrics } from './app.ts';
import type { Availability } from './availability.ts';
import type { Backend as BackendName } from '../../../runtime/index.ts';
import { applySettings, type PlaygroundSettings } from './controls.ts';
import type { FashionPanel } from './fashion.ts';

export interface PlaygroundTestHook {
  backends: Record<BackendName, Availability>;
  /** applies the settings, presses play, trains until `steps` steps are done, pauses, returns metrics */
  train(settings: PlaygroundSettings & { steps: number; stepsPerFrame?: number | 'max'; timeoutMs?: number }): Promise<RunMetrics>;
  fashion: Promise<FashionPanel>;
  /** milliseconds the page spent warming up the compile pipeline after loading */
  wasmWarmUp: Promise<number>;
}

declare global {
  interface Window { __axonPlayground?: PlaygroundTestHook }
}

export function installTestHook(app: App, backends: Record<BackendName, Availability>, fashion: Promise<FashionPanel>, wasmWarmUp: Promise<number>): void {
  window.__axonPlayground = {
    backends,
    fashion,
    wasmWarmUp,
    async train({ steps, stepsPerFrame = 'max', timeoutMs = 60_000, ...settings }) {
      applySettings(settings);
      (document.getElementById('speed') as HTMLSelectElement).value = String(stepsPerFrame);
      app.reset();
      await app.play();
      const started = performance.now();
      while (!app.trainer || app.trainer.steps < steps) {
        const status = document.getElementById('status')!;
        if (status.classList.contains('error')) throw new Error(status.textContent ?? 'playground error');
        if (performance.now() - started > timeoutMs) {
          throw new Error(`playground: only ${app.trainer?.steps ?? 0} of ${steps} steps after ${timeoutMs} ms (status "${status.textContent}", ${app.trainer ? 'compiled' : 'not compiled'}, ${app.playing ? 'playing' : 'paused'})`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      app.pause();
      const trainer = app.trainer;
      const { train, test } = await app.refresh(trainer);
      return {
        backend: trainer.backend,
        compileMs: trainer.compileMs,
        stepsPerSec: app.stepsPerSec,
        msPerStep: app.stepTime.ms / Math.max(1, app.stepTime.steps),
        steps: trainer.steps,
        epoch: trainer.epoch,
        trainLoss: train,
        testLoss: test,
        threads: trainer.threads,
      };
    },
  };
}
