/**
 * Prepares the playground's Fashion-MNIST panel (run by `npm run playground` / `playground:build`):
 *   public/fashion/          FashionSimpleNet's inference artifact (batch 1, WASM), via the compiler API,
 *                            with the trained weights of the best checkpoint of `npm run main` / `axon train`
 *                            baked into weights.bin when one exists (checked against the model first)
 *   public/fashion/samples.json     one test image per class, and info.json saying what was found
 * Usage: tsx web/playground/scripts/prepare-fashion.ts [--checkpoint FILE] [--data DIR]
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compile } from '../../../compiler/index.ts';
import { modelGraph } from '../../../cli/compile-model.ts';
import model from '../../../examples/fashion-simple-net.ts';
import { bakeWeights, createSession, saveArtifact } from '../../../runtime/node/index.ts';
import { loadFashionMnist } from '../../../runtime/node/fashion-mnist.ts';
import { decodeCheckpoint, fitCheckpoint } from '../../../runtime/train/index.ts';
import type { FashionInfo } from '../src/fashion.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const outDir = fileURLToPath(new URL('../public/fashion/', import.meta.url));
/** bumped when the files written here change shape, so stale copies are regenerated */
export const PREPARED_FORMAT = 3;
/** the best checkpoint of the README's full run (docs/fashion-run), committed so every build ships the same weights */
const DEFAULT_CHECKPOINT = join(repoRoot, 'docs', 'fashion-run', 'best.axckpt');

export interface PrepareResult {
  outDir: string;
  info: FashionInfo;
  samples: number;
  /** accuracy of the bundled weights on the first test images (when the data is there) */
  testAccuracy?: number;
}

/** Whether public/fashion/ holds files written by this version of the script. */
export async function isPrepared(): Promise<boolean> {
  const info = await readJson(join(outDir, 'info.json'));
  return info?.preparedFormat === PREPARED_FORMAT && existsSync(join(outDir, 'manifest.json'));
}

export async function prepareFashion(options: { checkpoint?: string; data?: string; log?: (s: string) => void } = {}): Promise<PrepareResult> {
  const log = options.log ?? (() => undefined);
  const checkpoint = options.checkpoint ?? process.env.AXON_PLAYGROUND_CHECKPOINT ?? DEFAULT_CHECKPOINT;
  await rm(outDir, { recursive: true, force: true });
  let artifact = await compile(modelGraph(model, 1, 1, false), { backend: 'wasm', name: model.id });
  // the generated AssemblyScript source is for reading, not for the page (and tsc would check it)
  delete artifact.files['program.as.ts'];
  let info: FashionInfo;
  if (existsSync(checkpoint)) {
    const ckpt = decodeCheckpoint(new Uint8Array(await readFile(checkpoint)), { expectModelId: model.id, what: checkpoint });
    const fitted = fitCheckpoint(ckpt, artifact.manifest, { what: checkpoint });
    // the page loads weights.bin like any artifact: no checkpoint decoding in the browser
    artifact = await bakeWeights(artifact, { ...fitted.params, ...fitted.state }, checkpoint);
    // a run folder keeps checkpoints/ beside summary.json; docs/fashion-run keeps them side by side
    const summary = (await readJson(join(dirname(checkpoint), 'summary.json'))) ?? (await readJson(join(dirname(dirname(checkpoint)), 'summary.json')));
    const valAccuracy = typeof summary?.bestValAccuracy === 'number' ? summary.bestValAccuracy : undefined;
    info = { modelId: model.id, trained: true, note: `checkpoint ${relative(repoRoot, checkpoint)}, epoch ${ckpt.epoch}`, ...(valAccuracy !== undefined ? { valAccuracy } : {}) };
  } else {
    info = { modelId: model.id, trained: false, note: `No checkpoint at ${relative(repoRoot, checkpoint)}: train with "npx axon train fashion-simple-net" and pass --checkpoint runs/<model>/checkpoints/best.axckpt, then rebuild the playground.` };
  }
  await saveArtifact(artifact, outDir);
  log(`compiled ${model.id} (batch 1, wasm) into ${relative(repoRoot, outDir)}`);
  log(info.trained ? `trained weights baked in: ${info.note}` : `no checkpoint at ${checkpoint}: the page will say the weights are untrained`);
  const session = await createSession(artifact);

  let samples = { labels: [] as number[], images: [] as number[][], nodeProbabilities: [] as number[][] };
  let testAccuracy: number | undefined;
  try {
    const test = loadFashionMnist('test', { limit: 500, ...(options.data ? { dir: options.data } : {}) });
    const size = 28 * 28;
    let correct = 0;
    for (let i = 0; i < test.count; i++) {
      const logits = (await session.run({ x: test.images.subarray(i * size, (i + 1) * size) })).logits!;
      if (logits.indexOf(Math.max(...logits)) === test.labels[i]) correct++;
    }
    testAccuracy = correct / test.count;
    for (let cls = 0; cls < 10; cls++) {
      const i = test.labels.indexOf(cls);
      if (i < 0) continue;
      const image = Array.from(test.images.subarray(i * size, (i + 1) * size), (v) => Math.round(v * 255));
      samples.labels.push(cls);
      samples.images.push(image);
      // what the Node runtime predicts for the image exactly as bundled: the browser test's oracle
      const logits = (await session.run({ x: Float32Array.from(image, (v) => v / 255) })).logits!;
      samples.nodeProbabilities.push(Array.from(softmax(logits)));
    }
    log(`bundled ${samples.images.length} test images; accuracy on the first ${test.count} test images: ${(testAccuracy * 100).toFixed(1)} %`);
  } catch (e) {
    log(`no Fashion-MNIST test images bundled: ${(e as Error).message.split('\n')[0]}`);
    samples = { labels: [], images: [], nodeProbabilities: [] };
  }
  session.dispose();
  await writeFile(join(outDir, 'samples.json'), JSON.stringify(samples));
  await writeFile(join(outDir, 'info.json'), JSON.stringify({ ...info, preparedFormat: PREPARED_FORMAT, ...(testAccuracy !== undefined ? { testAccuracy } : {}) }, null, 1));
  return { outDir, info, samples: samples.images.length, ...(testAccuracy !== undefined ? { testAccuracy } : {}) };
}

function softmax(logits: ArrayLike<number>): Float64Array {
  const m = Math.max(...Array.from(logits));
  const e = Float64Array.from(logits, (v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { checkpoint: { type: 'string' }, data: { type: 'string' } } });
  await mkdir(outDir, { recursive: true });
  await prepareFashion({ ...values, log: (s) => console.log(`playground: ${s}`) });
}
