/**
 * The live training loop: on play, compile (if the config changed) and train in a
 * requestAnimationFrame loop, several steps per frame, redrawing every view after each frame.
 */
import { makeDataset, type Split } from './datasets.ts';
import { readConfig, type PlaygroundConfig } from './controls.ts';
import { GRID, Trainer } from './trainer.ts';
import { paintDecision } from './views/heatmap.ts';
import { paintUnits, renderUnitCanvases } from './views/units.ts';
import { paintLossChart, type LossPoint } from './views/loss-chart.ts';

/** Training time per frame at speed "max"; the rest of the ~16 ms frame is for evaluation and drawing. */
const STEP_BUDGET_MS = 12;
/** At speed "max", steps are started in groups of this many (pipelined on WebGPU) until the budget is spent. */
const MAX_SPEED_GROUP = 8;

/** Steps to run this frame: a fixed count, or groups of steps until the budget is spent ("max"). */
function stepsThisFrame(): { count: number; budgetMs: number } {
  const v = $<HTMLSelectElement>('speed').value;
  return v === 'max' ? { count: MAX_SPEED_GROUP, budgetMs: STEP_BUDGET_MS } : { count: Math.max(1, Number(v)), budgetMs: 0 };
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export interface RunMetrics {
  backend: string;
  compileMs: number;
  /** steps per second of wall time, views included (what the page shows) */
  stepsPerSec: number;
  /** mean time of one training step alone */
  msPerStep: number;
  steps: number;
  epoch: number;
  trainLoss: number;
  testLoss: number;
  /** threads the training session runs each step on (WASM; 1 when the page is not cross-origin isolated) */
  threads: number;
}

export class App {
  trainer: Trainer | undefined;
  playing = false;
  history: LossPoint[] = [];
  private data: Split | undefined;
  private unitCanvases: HTMLCanvasElement[][] = [];
  private generation = 0;
  /** (time, steps) samples over the last second, for steps/s */
  private rate: { t: number; steps: number }[] = [];
  stepsPerSec = 0;
  /** time spent inside training steps, and how many: the step rate without the views' cost */
  stepTime = { ms: 0, steps: 0 };

  constructor() {
    $('play').addEventListener('click', () => void (this.playing ? this.pause() : this.play()));
    $('reset').addEventListener('click', () => this.reset());
    this.showData();
  }

  /** Any change of the controls starts over: new data, weights and artifacts on the next play. */
  reset(): void {
    this.generation++;
    this.pause();
    this.trainer?.dispose();
    this.trainer = undefined;
    this.history = [];
    this.rate = [];
    this.stepsPerSec = 0;
    this.stepTime = { ms: 0, steps: 0 };
    for (const id of ['epoch', 'sps', 'train-loss', 'test-loss']) $(id).textContent = id === 'epoch' ? '0' : '–';
    this.setStatus('ready');
    this.showData();
  }

  /** Redraws the data on an empty plane (before the first play). */
  private showData(): void {
    try {
      const c = readConfig();
      this.data = makeDataset(c.dataset, 400, c.noise, c.trainFraction);
      paintDecision($('decision'), new Float32Array(GRID * GRID).fill(0.5), GRID, this.data.train, this.data.test);
      this.unitCanvases = renderUnitCanvases($('units-view'), c.model.hidden);
      paintLossChart($('loss-chart'), []);
    } catch (e) {
      this.setStatus((e as Error).message, true);
    }
  }

  async play(): Promise<void> {
    if (this.playing) return;
    this.playing = true;
    $('play').textContent = '❚❚ pause';
    const generation = this.generation;
    try {
      if (!this.trainer) {
        const config: PlaygroundConfig = readConfig();
        this.data = makeDataset(config.dataset, 400, config.noise, config.trainFraction);
        this.setStatus(`compiling for ${config.backend}…`);
        const trainer = await Trainer.create(config.model, this.data, config.backend, config.threads);
        if (generation !== this.generation) return trainer.dispose();
        this.trainer = trainer;
        this.unitCanvases = renderUnitCanvases($('units-view'), config.model.hidden);
        $('compile').textContent = `${trainer.compileMs.toFixed(0)} ms`;
        await this.refresh(trainer); // the untrained network: step 0 of the loss curves
      }
      this.setStatus(`training on ${this.trainer.backend}`);
      requestAnimationFrame(() => void this.frame(generation));
    } catch (e) {
      this.pause();
      this.setStatus(`compile failed: ${(e as Error).message}`, true);
      console.error(e);
    }
  }

  pause(): void {
    this.playing = false;
    $('play').textContent = '▶ play';
    if (this.trainer) this.setStatus('paused');
  }

  private async frame(generation: number): Promise<void> {
    const trainer = this.trainer;
    if (!this.playing || !trainer || generation !== this.generation) return;
    try {
      const t0 = performance.now();
      const before = trainer.steps;
      const { count, budgetMs } = stepsThisFrame();
      await trainer.stepMany(count);
      while (performance.now() - t0 < budgetMs) await trainer.stepMany(count);
      this.stepTime.ms += performance.now() - t0;
      this.stepTime.steps += trainer.steps - before;
      await this.refresh(trainer);
    } catch (e) {
      this.pause();
      this.setStatus(`training failed: ${(e as Error).message}`, true);
      console.error(e);
      return;
    }
    if (generation === this.generation) requestAnimationFrame(() => void this.frame(generation));
  }

  /** Evaluates the grid and the losses with the current weights and redraws every view. */
  async refresh(trainer: Trainer): Promise<{ train: number; test: number }> {
    await trainer.syncParams();
    const grid = await trainer.evaluateGrid();
    const losses = await trainer.losses();
    const now = performance.now();
    this.rate.push({ t: now, steps: trainer.steps });
    while (this.rate.length > 2 && now - this.rate[0]!.t > 1000) this.rate.shift();
    const first = this.rate[0]!;
    if (now > first.t) this.stepsPerSec = ((trainer.steps - first.steps) * 1000) / (now - first.t);
    this.history.push({ step: trainer.steps, ...losses });
    paintDecision($('decision'), grid.prob, GRID, trainer.data.train, trainer.data.test);
    paintUnits(this.unitCanvases, grid.hidden, GRID);
    paintLossChart($('loss-chart'), this.history);
    $('epoch').textContent = trainer.epoch.toFixed(1);
    $('sps').textContent = this.stepsPerSec.toFixed(0);
    $('train-loss').textContent = losses.train.toFixed(3);
    $('test-loss').textContent = losses.test.toFixed(3);
    return losses;
  }

  setStatus(text: string, error = false): void {
    const s = $('status');
    s.textContent = text;
    s.classList.toggle('error', error);
  }
}
