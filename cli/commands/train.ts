/**
 * `axon train MODEL`: load Fashion-MNIST, split off a validation set, open the model's train
 * and eval sessions, run the loop with checkpoints, stats CSV and progress, then draw the
 * pictures (curves, confusion matrix, filters) and evaluate the test split.
 *
 * Output directory (default runs/<model id>):
 *   stats.csv, checkpoints/last.axckpt (resume point), checkpoints/best.axckpt (best val loss),
 *   curves.svg, curves.png, confusion.png, filters.png (when the model names a filter param),
 *   saliency.png and adversarial.png (image models), dead-relu.json, summary.json.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend, Manifest } from '../../runtime/artifact.ts';
import type { TensorData } from '../../runtime/session.ts';
import { splitTrainVal } from '../../runtime/data/batches.ts';
import { loadFashionMnist, startLoadingFashionMnist } from '../../runtime/node/fashion-mnist.ts';
import type { ImageDataset } from '../../runtime/data/dataset.ts';
import { loadCheckpoint, removeStaleTemporaries, saveCheckpoint } from '../../runtime/node/checkpoint.ts';
import { fitCheckpoint } from '../../runtime/train/checkpoint-fit.ts';
import { appendStatsRow, startStatsCsv } from '../../runtime/node/stats-csv.ts';
import { evaluate, syncParams, trainLoop, type EpochMetrics, type LoopState, type Snapshot } from '../../runtime/train/loop.ts';
import { confusionMatrix } from '../../runtime/train/metrics.ts';
import { openTrainingSessions } from '../compile-model.ts';
import { openSampler, prepareTextModel } from '../text-model.ts';
import { sampleText } from '../../runtime/train/sample-text.ts';
import { loadModel, type TrainHyperparams, type TrainableModel } from '../model.ts';
import { barReporter, jsonReporter, type Reporter } from '../progress.ts';
import { deadReluReport, modelOptions, pictureReport } from './analysis-steps.ts';
import { loadPictures, type Pictures } from '../pictures/load.ts';
import { prepareOutputDir } from '../files.ts';
import type { DeadReluReport } from '../analysis/dead-relu.ts';
import type { SaliencyReport } from '../analysis/saliency-report.ts';
import { checkOnnxLoss, isOnnxPath, resolveDataFlag, type TrainLoss } from '../onnx-model.ts';

export interface TrainFlags {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  patience?: number;
  backend: Backend;
  threads: number;
  seed?: number;
  /** a directory with the IDX files, or the name `fashion-mnist` (the default location) */
  data?: string;
  /** how the model's output is read by the loss (cli/onnx-model.ts checkOnnxLoss) */
  loss?: TrainLoss;
  out?: string;
  resume: boolean;
  json: boolean;
  overfitBatch: boolean;
  /** --skip-nonfinite (commander's camel case): guard each step: a non-finite loss or gradient skips the step (trainStep skipNonFinite) */
  skipNonfinite?: boolean;
  limit?: number;
  valFraction: number;
  /** draw curves, confusion matrix, filters, saliency and adversarial examples (commander's --no-pictures sets false) */
  pictures?: boolean;
  /** write dead-relu.json at the end (--no-dead-relu sets false) */
  deadRelu?: boolean;
  /** FGSM step for adversarial.png in pixel units of [0, 1], or 'auto' (default): per image the smallest step that flips it */
  epsilon?: number | 'auto';
  /** model options read by ctx.option(name, fallback), e.g. { hidden: 64 } (--hidden, --option) */
  options?: Record<string, number>;
  /** stop after N training steps in all */
  steps?: number;
  /** text models: print a generated sample every N steps (0: only at the end of each epoch's validation) */
  sampleEvery?: number;
}

export interface TrainSummary {
  modelId: string;
  outDir: string;
  epochs: number;
  stoppedBy: 'epochs' | 'early-stop' | 'signal' | 'steps';
  bestEpoch: number | null;
  bestValLoss: number | null;
  bestValAccuracy: number | null;
  test?: { loss: number; accuracy: number; samples: number };
  /** seconds from the process start to the first training step (Node, the CLI's modules, data, compile) */
  firstStepAfterSeconds?: number;
  /** model options the run was trained with */
  options?: Record<string, number>;
  deadRelu?: DeadReluReport;
  adversarial?: SaliencyReport;
  history: EpochMetrics[];
  files: string[];
  /** text models: characters per sample, the vocabulary size, parameter count and the last generated sample */
  text?: { tokensPerSample: number; vocab: number; params: number; sample?: string; source: string };
}

const BUILTIN: TrainHyperparams = { epochs: 10, batchSize: 64, lr: 1e-3, patience: 3 };

export async function trainCommand(
  modelSpec: string, flags: TrainFlags, io: { signal?: AbortSignal; reporter?: Reporter; log?: (s: string) => void } = {},
): Promise<TrainSummary> {
  const log = io.log ?? ((s: string) => process.stderr.write(s + '\n'));
  flags = { ...flags, data: await resolveDataFlag(flags.data) };
  if (isOnnxPath(modelSpec)) await checkOnnxLoss(modelSpec, flags.loss ?? 'softmax-cross-entropy');
  else if (flags.loss === 'nll') throw new Error(`--loss nll: model "${modelSpec}" outputs logits (as every TS model the CLI trains does); --loss nll is for .onnx models that end in LogSoftmax`);
  let model = await loadModel(modelSpec);
  const outDir = flags.out ?? join('runs', model.id);
  prepareOutputDir(outDir, '--out');
  if (model.dataset && flags.data !== undefined) log(`note: model "${model.id}" brings its own data; --data ${flags.data} is ignored`);
  if (model.dataset && flags.limit !== undefined) log(`note: model "${model.id}" brings its own data; --limit ${flags.limit} is ignored`);
  const paths = {
    last: join(outDir, 'checkpoints', 'last.axckpt'), best: join(outDir, 'checkpoints', 'best.axckpt'), stats: join(outDir, 'stats.csv'),
  };

  const resume = flags.resume ? loadResume(paths, model) : null;
  const saved = resume?.meta;
  const hyper: TrainHyperparams = {
    epochs: flags.epochs ?? model.defaults?.epochs ?? BUILTIN.epochs,
    batchSize: flags.batchSize ?? saved?.hyper.batchSize ?? model.defaults?.batchSize ?? BUILTIN.batchSize,
    lr: flags.lr ?? saved?.hyper.lr ?? model.defaults?.lr ?? BUILTIN.lr,
    patience: flags.overfitBatch ? 0 : flags.patience ?? saved?.hyper.patience ?? model.defaults?.patience ?? BUILTIN.patience,
  };
  // A resumed run must see the same shuffles and split, so the checkpoint's seed wins.
  const seed = saved?.seed ?? flags.seed ?? 1;
  if (saved && flags.seed !== undefined && flags.seed !== saved.seed) log(`note: --resume keeps the checkpoint's seed ${saved.seed} (ignoring --seed ${flags.seed})`);
  // The params' shapes depend on the options (e.g. hidden width), so a resumed run keeps them too.
  let options = saved?.options ?? flags.options ?? {};
  if (saved?.options && flags.options && Object.entries(flags.options).some(([k, v]) => saved.options![k] !== v)) {
    log(`note: --resume keeps the checkpoint's model options ${JSON.stringify(saved.options)} (ignoring ${optionFlags(flags.options)})`);
  }
  // a save killed mid-write leaves its temporary file; the atomic rename never happened, so it is garbage
  for (const stale of removeStaleTemporaries(join(outDir, 'checkpoints'))) log(`note: removed ${stale}, left by an interrupted checkpoint save`);
  // a text model is sized by its corpus (window from the options, vocabulary from the text)
  const text = model.text ? prepareTextModel(model, options, { data: flags.data, seed, valFraction: flags.valFraction, limit: flags.limit }) : null;
  if (text) ({ model, options } = text);
  if (!saved?.options) options = modelOptions(model, options);

  // Fashion-MNIST's pixels load off the main thread while the training step compiles; the labels
  // and the images header (count, shape) are read first, since the split and the step count need them.
  const loading = text || model.dataset ? null : startLoadingFashionMnist('train', { dir: flags.data, limit: flags.limit, ...model.defaults?.normalize });
  const ready: ImageDataset | null = text ? text.text.data : model.dataset ? model.dataset('train') : null;
  const shape = (ready ?? loading)!;
  checkModelFitsData(model, shape.sampleShape, shape.classNames.length);

  let trainIndices: Int32Array;
  let valIndices: Int32Array;
  if (text && !flags.overfitBatch) {
    trainIndices = text.text.trainIndices;
    valIndices = text.text.valIndices;
  } else if (flags.overfitBatch) {
    // Lecture 003's debugging tip: a model that cannot drive one batch's loss to ~0 is broken.
    if (shape.count < hyper.batchSize) throw new Error(`--overfit-batch needs ${hyper.batchSize} images, only ${shape.count} loaded`);
    trainIndices = Int32Array.from({ length: hyper.batchSize }, (_, i) => i);
    valIndices = trainIndices;
  } else {
    const split = splitTrainVal(shape.count, { valCount: Math.max(1, Math.round(shape.count * flags.valFraction)), seed });
    trainIndices = split.train;
    valIndices = split.val;
  }

  // say what is happening while the training step and the evaluation graph compile
  if (text && !flags.json) log(`${model.id}: ${text.source}: ${text.text.trainChars} training and ${text.text.valChars} validation characters, vocabulary ${text.text.vocab.chars.length}; windows of ${shape.sampleShape[0]} characters`);
  const totalSteps = flags.steps ?? hyper.epochs * Math.floor(trainIndices.length / hyper.batchSize);
  if (!flags.json) log(`${model.id}: ${shape.count} training samples; compiling the training step and the evaluation graph for ${flags.backend}…`);
  const compileStart = performance.now();
  const sessions = await openTrainingSessions(model, { backend: flags.backend, batchSize: hyper.batchSize, lr: hyper.lr, seed, threads: flags.threads, options, skipNonFinite: flags.skipNonfinite ?? false, totalSteps });
  if (flags.skipNonfinite && !sessions.train.manifest.outputs.some((s) => s.name === 'skipped')) {
    log(`note: --skip-nonfinite has no effect on model "${model.id}": it builds its own training step or sessions, which have no non-finite guard`);
  }
  const sampler = text ? await openSampler(model, options, flags.backend, flags.threads) : null;
  const params = sessions.train.manifest.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  if (text && !flags.json) log(`${params} params; training for ${totalSteps} steps of ${hyper.batchSize} × ${shape.sampleShape[0]! - 1} characters`);
  let lastSample: string | undefined;
  let stepsDone = 0;
  const sampleNow = async (step: number) => {
    if (!sampler || !text) return;
    await syncParams(sessions.train, sampler);
    const r = await sampleText(sampler, text.text.vocab, { prompt: '', tokens: 200, temperature: 0.8, topK: 20, seed: step });
    lastSample = r.text;
    log(`--- sample after ${step} steps (${r.tokensPerSecond.toFixed(0)} chars/s) ---\n${r.text}\n---`);
  };
  if (!flags.json) {
    const stats = sessions.train.manifest.stats ?? {};
    const arena = Number(stats.arenaBytes ?? 0);
    const size = arena >= 2 ** 20 ? `${(arena / 2 ** 20).toFixed(1)} MiB` : `${(arena / 1024).toFixed(1)} KiB`;
    log(`compiled in ${((performance.now() - compileStart) / 1000).toFixed(2)} s (${String(stats.kernels ?? '?')} kernels in the training step, arena ${size})`);
  }
  // the pixels were loading meanwhile (what is left of it is the wait here)
  const data = ready ?? await loading!.dataset.catch((e: unknown) => {
    sessions.train.dispose(); // their worker threads would keep the process alive
    sessions.eval.dispose();
    throw e;
  });
  const files: string[] = [];
  let firstStepAfter: number | undefined;
  try {
    // before anything is written: a checkpoint that does not fit the compiled step is refused
    const resumeValues = resume ? fitResume(resume, sessions.train.manifest, paths) : undefined;
    startStatsCsv(paths.stats, resume?.state.epoch ?? 0);
    const perSample = text ? data.sampleShape[0]! - 1 : undefined;
    const report = io.reporter ?? (flags.json ? jsonReporter((l) => process.stderr.write(l + '\n')) : barReporter(process.stderr, perSample));
    const meta = (state: LoopState): CheckpointMeta => ({
      loop: state, hyper, seed, backend: flags.backend, valFraction: flags.valFraction, overfitBatch: flags.overfitBatch, options,
      ...(text ? { vocab: text.text.vocab.chars.join('') } : {}),
    });
    const save = async (s: Snapshot) => {
      saveCheckpoint(s.kind === 'best' ? paths.best : paths.last, {
        modelId: model.id, epoch: s.state.epoch, params: s.params, state: s.optimizerState, metadata: jsonSafe(meta(s.state)),
      });
    };
    let result: Awaited<ReturnType<typeof trainLoop>>;
    try {
      result = await trainLoop({
        train: sessions.train, eval: sessions.eval, data, trainIndices, valIndices,
        epochs: hyper.epochs, patience: hyper.patience, seed, signal: io.signal, save,
        resume: resumeValues,
        ...(flags.steps !== undefined ? { maxSteps: flags.steps } : {}),
        ...(text && flags.sampleEvery ? { periodic: { every: flags.sampleEvery, run: sampleNow } } : {}),
        onEvent: (e) => {
          if (e.type === 'epoch-start' && firstStepAfter === undefined) {
            // the start-up cost a user waits through: Node, loading the CLI, the data and the compile
            firstStepAfter = process.uptime();
            if (!flags.json) { const cpu = process.cpuUsage(); log(`first training step ${firstStepAfter.toFixed(2)} s after the process started (${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU)`); };
          }
          if (e.type === 'epoch-end') appendStatsRow(paths.stats, e.metrics);
          if (e.type === 'batch') stepsDone = (e.epoch - 1) * e.batches + e.batch;
          report(e);
        },
      });
    } finally {
      report.close?.(); // an error must not leave the bar's timer keeping the process alive
    }
    files.push(paths.stats, paths.last);
    if (existsSync(paths.best)) files.push(paths.best);

    const history = result.state.history;
    const best = result.state.bestEpoch ? history[result.state.bestEpoch - 1]! : null;
    const summary: TrainSummary = {
      modelId: model.id, outDir, epochs: result.state.epoch, stoppedBy: result.stoppedBy,
      bestEpoch: result.state.bestEpoch, bestValLoss: best?.valLoss ?? null, bestValAccuracy: best?.valAccuracy ?? null, history, files,
      ...(firstStepAfter !== undefined ? { firstStepAfterSeconds: firstStepAfter } : {}),
      ...(Object.keys(options).length ? { options } : {}),
    };
    if (text) {
      // text models: no labels, so none of the classification pictures; a final sample instead
      if (result.stoppedBy !== 'signal' && !(flags.sampleEvery && stepsDone % flags.sampleEvery === 0)) await sampleNow(stepsDone);
      summary.text = { tokensPerSample: data.sampleShape[0]! - 1, vocab: text.text.vocab.chars.length, params, source: text.source, ...(lastSample !== undefined ? { sample: lastSample } : {}) };
      mkdirSync(outDir, { recursive: true });
      const summaryPath = join(outDir, 'summary.json');
      files.push(summaryPath);
      writeFileSync(summaryPath, JSON.stringify(jsonSafe(summary), null, 2) + '\n');
      return summary;
    }
    // Loaded only when drawing: vega and resvg take a while to import (and are optional packages).
    const pictures = flags.pictures !== false ? await loadPictures(log) : undefined;
    const drawing = pictures !== undefined;
    const { confusionMatrixPng, filterGridPng, trainingCurvesPng, trainingCurvesSvg, writePicture } = pictures ?? ({} as Pictures);
    if (drawing && history.length > 0) {
      files.push(writePicture(join(outDir, 'curves.svg'), await trainingCurvesSvg(history, `${model.id}: training curves`)));
      files.push(writePicture(join(outDir, 'curves.png'), await trainingCurvesPng(history, `${model.id}: training curves`)));
    }
    if (result.stoppedBy !== 'signal') {
      // The eval session now holds the best params (the loop restored them).
      const val = await evaluate(sessions.eval, data, valIndices);
      const labels = Int32Array.from(valIndices, (i) => data.labels[i]!);
      if (drawing) {
        files.push(writePicture(join(outDir, 'confusion.png'),
          await confusionMatrixPng(confusionMatrix(val.predictions, labels, data.classNames.length), data.classNames, `${model.id}: validation confusion matrix`)));
        const filters = filterParam(model, sessions.eval.manifest.params, await sessions.eval.getParams(false));
        if (filters) files.push(writePicture(join(outDir, 'filters.png'), filterGridPng(filters.values, filters.shape)));
      }
      const loadTest = () => (model.dataset ? model.dataset('test') : loadFashionMnist('test', { dir: flags.data, limit: flags.limit, ...model.defaults?.normalize }));
      if (!flags.overfitBatch) {
        const test = loadTest();
        const t = await evaluate(sessions.eval, test, Int32Array.from({ length: test.count }, (_, i) => i));
        summary.test = { loss: t.loss, accuracy: t.accuracy, samples: test.count };
      }
      const analysis = { backend: flags.backend, outDir, options, log };
      if (flags.deadRelu !== false) {
        const r = await deadReluReport(model, sessions.eval, data, valIndices, 'validation', { ...analysis, batchSize: hyper.batchSize });
        if (r) { summary.deadRelu = r.report; files.push(r.file); }
      }
      if (drawing) {
        const r = await pictureReport(model, sessions.eval, loadTest(), { ...analysis, epsilon: flags.epsilon ?? 'auto' });
        if (r) { summary.adversarial = r; files.push(...r.files); }
      }
    }
    mkdirSync(outDir, { recursive: true });
    const summaryPath = join(outDir, 'summary.json');
    files.push(summaryPath);
    writeFileSync(summaryPath, JSON.stringify(jsonSafe(summary), null, 2) + '\n');
    return summary;
  } finally {
    sessions.train.dispose();
    sessions.eval.dispose();
    sampler?.dispose();
  }
}

interface CheckpointMeta {
  loop: LoopState;
  hyper: TrainHyperparams;
  seed: number;
  backend: Backend;
  valFraction: number;
  overfitBatch: boolean;
  options?: Record<string, number>;
  /** text models: the vocabulary's characters in id order */
  vocab?: string;
}

function loadResume(paths: { last: string; best: string }, model: TrainableModel) {
  if (!existsSync(paths.last)) throw new Error(`--resume: no checkpoint at ${paths.last}; train without --resume first (or pass the same --out)`);
  const last = loadCheckpoint(paths.last, model.id);
  const meta = reviveNaN(last.metadata) as unknown as CheckpointMeta;
  if (!meta.loop || !Array.isArray(meta.loop.history)) throw new Error(`${paths.last}: checkpoint has no training-loop state to resume from`);
  const best = existsSync(paths.best) ? loadCheckpoint(paths.best, model.id) : undefined;
  return { meta, state: meta.loop, last, best };
}

/** The resume point's values, checked against the compiled training step: every param and the whole optimizer state. */
function fitResume(resume: NonNullable<ReturnType<typeof loadResume>>, manifest: Manifest, paths: { last: string; best: string }) {
  const last = fitCheckpoint(resume.last, manifest, { what: paths.last, needState: true });
  const best = resume.best ? fitCheckpoint(resume.best, manifest, { what: paths.best }) : undefined;
  return { state: resume.state, params: last.params, optimizerState: last.state, ...(best ? { bestParams: best.params, bestState: best.state } : {}) };
}

/** Model options as the flags that set them (`--hidden 8`, `--option name=value`). */
function optionFlags(options: Record<string, number>): string {
  return Object.entries(options).map(([k, v]) => (k === 'hidden' ? `--hidden ${v}` : `--option ${k}=${v}`)).join(' ');
}

function checkModelFitsData(model: TrainableModel, sampleShape: number[], classes: number): void {
  if (model.inputShape.join('x') !== sampleShape.join('x') || model.classes !== classes) {
    throw new Error(`model "${model.id}" takes [${model.inputShape.join(', ')}] inputs with ${model.classes} classes, `
      + `but the data has [${sampleShape.join(', ')}] samples with ${classes} classes`);
  }
}

function filterParam(model: TrainableModel, specs: { name: string; shape: number[] }[], params: Record<string, TensorData>) {
  if (!model.filterParam) return null;
  const spec = specs.find((s) => s.name === model.filterParam);
  if (!spec || !params[spec.name]) throw new Error(`model "${model.id}": filterParam "${model.filterParam}" is not a param of its eval session`);
  return { values: params[spec.name]!, shape: spec.shape };
}

/** JSON has no NaN: store it as null, and read nulls in metric fields back as NaN. */
function jsonSafe<T>(v: T): Record<string, unknown> {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x)));
}

const METRIC_KEYS = new Set(['trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy', 'seconds', 'samplesPerSecond']);
function reviveNaN(v: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(v), (k, x) => (x === null && METRIC_KEYS.has(k) ? NaN : x));
}
