/**
 * The Fashion-MNIST panel: loads the FashionSimpleNet artifact compiled ahead of time
 * (scripts/prepare-fashion.ts; trained weights baked in when the build found a checkpoint), and
 * classifies what the user draws on a 28×28 canvas or one of the bundled test images.
 */
import { createSession, fetchArtifact, type Session } from '../../../runtime/index.ts';

export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const SIDE = 28;

/** What scripts/prepare-fashion.ts writes next to the artifact. */
export interface FashionInfo {
  modelId: string;
  trained: boolean;
  /** where the weights came from, or how to get trained ones */
  note: string;
  valAccuracy?: number;
  /** accuracy of the bundled weights on the first 500 test images, measured by the build script */
  testAccuracy?: number;
}

export interface Samples {
  labels: number[];
  /** 784 grey levels (0–255) per image */
  images: number[][];
  /** class probabilities the Node runtime computed for each image at build time */
  nodeProbabilities: number[][];
}

export interface FashionPanel {
  info: FashionInfo;
  /** softmax probabilities of the picture currently on the canvas */
  classifyCanvas(): Promise<Float32Array>;
  /** shows bundled test image i, classifies it, returns [predicted class, true label] */
  classifySample(i: number): Promise<{ predicted: number; label: number; probabilities: number[] }>;
  samples: Samples;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export async function setUpFashion(baseUrl: string): Promise<FashionPanel> {
  const status = $('fashion-status');
  try {
    const panel = await load(baseUrl);
    const { info } = panel;
    const accuracy = [
      info.valAccuracy !== undefined ? `validation accuracy ${(info.valAccuracy * 100).toFixed(1)} %` : '',
      info.testAccuracy !== undefined ? `${(info.testAccuracy * 100).toFixed(1)} % on 500 test images` : '',
    ].filter(Boolean).join(', ');
    status.textContent = info.trained
      ? `Trained weights loaded (${info.note}${accuracy ? `; ${accuracy}` : ''}).`
      : `No trained weights available: these are the untrained initial weights, so the predictions are noise. ${panel.info.note}`;
    status.classList.toggle('error', !panel.info.trained);
    return panel;
  } catch (e) {
    status.textContent = `The Fashion-MNIST model could not be loaded: ${(e as Error).message}`;
    status.classList.add('error');
    throw e;
  }
}

async function load(baseUrl: string): Promise<FashionPanel> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const [artifact, info, samples] = await Promise.all([
    fetchArtifact(base),
    fetchJson<FashionInfo>(`${base}info.json`),
    fetchJson<Samples>(`${base}samples.json`),
  ]);
  // trained weights, when the build found a checkpoint, are baked into the artifact's weights.bin
  const session = await createSession(artifact);
  const canvas = $<HTMLCanvasElement>('draw');
  const draw = canvas.getContext('2d', { willReadFrequently: true })!;
  const clear = () => { draw.fillStyle = '#000'; draw.fillRect(0, 0, canvas.width, canvas.height); };
  clear();

  const classifyCanvas = async () => {
    const probs = await classify(session, canvasPixels(canvas));
    showBars(probs);
    return probs;
  };
  const showSample = (i: number) => {
    const img = samples.images[i]!;
    const small = new OffscreenCanvas(SIDE, SIDE);
    const data = new ImageData(SIDE, SIDE);
    img.forEach((v, j) => data.data.set([v, v, v, 255], j * 4));
    small.getContext('2d')!.putImageData(data, 0, 0);
    draw.imageSmoothingEnabled = false;
    draw.drawImage(small, 0, 0, canvas.width, canvas.height);
  };
  const classifySample = async (i: number) => {
    showSample(i);
    // classify the image exactly as bundled (not re-sampled from the canvas)
    const probs = await classify(session, Float32Array.from(samples.images[i]!, (v) => v / 255));
    showBars(probs);
    return { predicted: argmax(probs), label: samples.labels[i]!, probabilities: Array.from(probs) };
  };

  enableDrawing(canvas, draw, () => void classifyCanvas());
  $('clear').addEventListener('click', () => { clear(); showBars(undefined); });
  $('samples').replaceChildren(...samples.images.map((img, i) => {
    const c = document.createElement('canvas');
    c.width = c.height = SIDE;
    const data = new ImageData(SIDE, SIDE);
    img.forEach((v, j) => data.data.set([v, v, v, 255], j * 4));
    c.getContext('2d')!.putImageData(data, 0, 0);
    c.title = `test image ${i + 1}: ${CLASS_NAMES[samples.labels[i]!]}`;
    c.addEventListener('click', () => void classifySample(i));
    return c;
  }));
  showBars(undefined);
  return { info, classifyCanvas, classifySample, samples };
}

async function fetchJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json() as Promise<T>;
}

/** The drawing, averaged down to 28×28 grey levels in [0, 1] (Fashion-MNIST: light object on black). */
function canvasPixels(canvas: HTMLCanvasElement): Float32Array {
  const small = new OffscreenCanvas(SIDE, SIDE);
  const ctx = small.getContext('2d')!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(canvas, 0, 0, SIDE, SIDE);
  const rgba = ctx.getImageData(0, 0, SIDE, SIDE).data;
  return Float32Array.from({ length: SIDE * SIDE }, (_, i) => rgba[i * 4]! / 255);
}

async function classify(session: Session, pixels: Float32Array): Promise<Float32Array> {
  const out = await session.run({ x: pixels });
  const logits = out.logits as Float32Array;
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

const argmax = (p: Float32Array) => p.indexOf(Math.max(...p));

function showBars(probs: Float32Array | undefined): void {
  const top = probs ? argmax(probs) : -1;
  $('fashion-bars').replaceChildren(...CLASS_NAMES.map((name, i) => {
    const row = document.createElement('div');
    row.className = `bar${i === top ? ' top' : ''}`;
    const fill = Object.assign(document.createElement('div'), { className: 'fill' });
    fill.style.width = `${((probs?.[i] ?? 0) * 100).toFixed(1)}%`;
    row.append(Object.assign(document.createElement('span'), { textContent: name }), fill,
      Object.assign(document.createElement('span'), { textContent: probs ? `${(probs[i]! * 100).toFixed(1)} %` : '' }));
    return row;
  }));
}

function enableDrawing(canvas: HTMLCanvasElement, ctx: CanvasRenderingContext2D, done: () => void): void {
  let last: [number, number] | undefined;
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
  };
  canvas.addEventListener('pointerdown', (e) => { canvas.setPointerCapture(e.pointerId); last = at(e); });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 18;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...p);
    ctx.stroke();
    last = p;
  });
  const end = () => { if (last) { last = undefined; done(); } };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
}
