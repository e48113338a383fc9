/**
 * The control panel: builds the generated controls (datasets, features, units per layer,
 * activations, backends), reads them into a config, and writes a config back (for the test hook).
 */
import { DATASETS, type DatasetName } from './datasets.ts';
import { FEATURES, type FeatureName } from './features.ts';
import { ACTIVATIONS, type ActivationName, type ModelConfig, type OptimizerName } from './model.ts';
import type { Availability } from './availability.ts';
import type { Backend as BackendName } from '../../../runtime/index.ts';

export interface PlaygroundConfig {
  dataset: DatasetName;
  /** 0–0.5 */
  noise: number;
  /** fraction of the points used for training */
  trainFraction: number;
  backend: BackendName;
  /** WASM threads per training step, main included (workers only run on a cross-origin-isolated page) */
  threads: number;
  model: ModelConfig;
}

export type PlaygroundSettings = Partial<Omit<PlaygroundConfig, 'model'>> & Partial<ModelConfig>;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const BACKEND_LABELS: Record<BackendName, string> = { wasm: 'WebAssembly SIMD', webgpu: 'WebGPU' };
const DEFAULT_FEATURES: FeatureName[] = ['x1', 'x2'];
const DEFAULT_UNITS = 4;

function radio(name: string, value: string, label: string, checked: boolean): HTMLLabelElement {
  const l = document.createElement('label');
  const input = Object.assign(document.createElement('input'), { type: 'radio', name, value, checked });
  l.append(input, ` ${label}`);
  return l;
}

export function buildControls(backends: Record<BackendName, Availability>, onChange: () => void): void {
  $('dataset').append(...Object.entries(DATASETS).map(([k, label]) => radio('dataset', k, label, k === 'xor')));
  $('features').append(...Object.entries(FEATURES).map(([k, { label }]) => {
    const l = document.createElement('label');
    l.append(Object.assign(document.createElement('input'), { type: 'checkbox', value: k, checked: DEFAULT_FEATURES.includes(k as FeatureName) }), ` ${label}`);
    return l;
  }));
  $<HTMLSelectElement>('activation').append(...Object.entries(ACTIVATIONS).map(([k, { label }]) => new Option(label, k, k === 'tanh', k === 'tanh')));
  const preferred = backends.wasm.ok ? 'wasm' : 'webgpu';
  $('backends').append(...(Object.keys(BACKEND_LABELS) as BackendName[]).map((b) => {
    const l = radio('backend', b, BACKEND_LABELS[b], b === preferred && backends[b].ok);
    l.className = `backend${backends[b].ok ? '' : ' unavailable'}`;
    l.querySelector('input')!.disabled = !backends[b].ok;
    l.append(Object.assign(document.createElement('span'), { className: 'why', textContent: backends[b].reason }));
    return l;
  }));
  renderUnitInputs([DEFAULT_UNITS, DEFAULT_UNITS]);
  $('layers').addEventListener('input', () => {
    const n = Math.max(0, Math.min(4, Number($<HTMLInputElement>('layers').value) || 0));
    const current = readUnits();
    renderUnitInputs(Array.from({ length: n }, (_, i) => current[i] ?? DEFAULT_UNITS));
  });
  for (const [id, out, fmt] of [['noise', 'noise-out', (v: string) => `${v} %`], ['split', 'split-out', (v: string) => `${v} %`], ['batch', 'batch-out', (v: string) => v]] as const) {
    $(id).addEventListener('input', () => { $(out).textContent = fmt($<HTMLInputElement>(id).value); });
  }
  $('controls').addEventListener('change', onChange);
}

function renderUnitInputs(units: number[]): void {
  const box = $('units');
  box.replaceChildren(...units.map((u, i) => {
    const l = document.createElement('label');
    l.append(`layer ${i + 1} units `, Object.assign(document.createElement('input'), { type: 'number', min: '1', max: '16', value: String(u), className: 'units-input' }));
    return l;
  }));
}

function readUnits(): number[] {
  return [...document.querySelectorAll<HTMLInputElement>('.units-input')].map((i) => Math.max(1, Math.min(16, Math.round(Number(i.value)) || 1)));
}

const checkedValue = (name: string) => document.querySelector<HTMLInputElement>(`input[name=${name}]:checked`)?.value;

export function readConfig(): PlaygroundConfig {
  const backend = checkedValue('backend') as BackendName | undefined;
  if (!backend) throw new Error('no backend is available in this browser');
  return {
    dataset: (checkedValue('dataset') ?? 'xor') as DatasetName,
    noise: Number($<HTMLInputElement>('noise').value) / 100,
    trainFraction: Number($<HTMLInputElement>('split').value) / 100,
    backend,
    threads: Number($<HTMLSelectElement>('threads').value),
    model: {
      features: [...document.querySelectorAll<HTMLInputElement>('#features input:checked')].map((i) => i.value as FeatureName),
      hidden: readUnits(),
      activation: $<HTMLSelectElement>('activation').value as ActivationName,
      optimizer: $<HTMLSelectElement>('optimizer').value as OptimizerName,
      lr: Number($<HTMLSelectElement>('lr').value),
      batchSize: Number($<HTMLInputElement>('batch').value),
      l2: Number($<HTMLSelectElement>('l2').value),
      dropout: Number($<HTMLSelectElement>('dropout').value),
      seed: 1,
    },
  };
}

const setSelect = (id: string, v: number | string) => {
  const s = $<HTMLSelectElement>(id);
  if (![...s.options].some((o) => o.value === String(v))) s.append(new Option(String(v), String(v)));
  s.value = String(v);
};

/** Writes settings into the controls, as if the user had set them. */
export function applySettings(s: PlaygroundSettings): void {
  const check = (name: string, value: string) => {
    const input = document.querySelector<HTMLInputElement>(`input[name=${name}][value=${value}]`);
    if (!input) throw new Error(`playground: no ${name} "${value}"`);
    if (input.disabled) throw new Error(`playground: ${name} "${value}" is unavailable here`);
    input.checked = true;
  };
  if (s.dataset) check('dataset', s.dataset);
  if (s.backend) check('backend', s.backend);
  if (s.noise !== undefined) $<HTMLInputElement>('noise').value = String(Math.round(s.noise * 100));
  if (s.trainFraction !== undefined) $<HTMLInputElement>('split').value = String(Math.round(s.trainFraction * 100));
  if (s.features) document.querySelectorAll<HTMLInputElement>('#features input').forEach((i) => { i.checked = s.features!.includes(i.value as FeatureName); });
  if (s.hidden) {
    $<HTMLInputElement>('layers').value = String(s.hidden.length);
    renderUnitInputs(s.hidden);
  }
  if (s.activation) $<HTMLSelectElement>('activation').value = s.activation;
  if (s.optimizer) $<HTMLSelectElement>('optimizer').value = s.optimizer;
  if (s.lr !== undefined) setSelect('lr', s.lr);
  if (s.batchSize !== undefined) $<HTMLInputElement>('batch').value = String(s.batchSize);
  if (s.l2 !== undefined) setSelect('l2', s.l2);
  if (s.dropout !== undefined) setSelect('dropout', s.dropout);
  if (s.threads !== undefined) setSelect('threads', s.threads);
  for (const id of ['noise', 'split', 'batch']) $(id).dispatchEvent(new Event('input'));
}
