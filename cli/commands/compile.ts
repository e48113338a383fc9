/**
 * `axon compile MODEL -o DIR`: the model's forward graph (x → logits), or with --train its
 * training step (loss, gradients, optimizer update), compiled for one backend and written as an
 * artifact directory (manifest.json, weights.bin with the initial params, kernel modules) that
 * `axon run` and the runtime load without the compiler. With --checkpoint, weights.bin holds the
 * checkpoint's trained params instead (and, with --train, its optimizer state), and the model
 * options the checkpoint was trained with win over the flags.
 */
import type { Backend, Manifest } from '../../runtime/artifact.ts';
import { bakeWeights, saveArtifact } from '../../runtime/node/index.ts';
import { loadCheckpoint } from '../../runtime/node/checkpoint.ts';
import { fitCheckpoint } from '../../runtime/train/checkpoint-fit.ts';
import { compile } from '../../compiler/node.ts';
import { modelGraph, trainingStepGraph } from '../compile-model.ts';
import { loadModel } from '../model.ts';
import { modelOptions } from './analysis-steps.ts';
import { importOnnxFile, isOnnxPath } from '../onnx-model.ts';
import { prepareOutputDir } from '../files.ts';

export interface CompileFlags {
  backend: Backend;
  out: string;
  train?: boolean;
  batchSize?: number;
  lr?: number;
  seed?: number;
  options?: Record<string, number>;
  /** bake this checkpoint's trained values into weights.bin */
  checkpoint?: string;
  /** .onnx models: input shapes (`--shape name=dims`) */
  shape?: string[];
}

export interface CompileResult {
  dir: string;
  manifest: Manifest;
  files: string[];
  seconds: number;
  /** the checkpoint whose values weights.bin holds */
  checkpoint?: { path: string; epoch: number };
}

export async function compileCommand(spec: string, flags: CompileFlags, io: { log?: (s: string) => void } = {}): Promise<CompileResult> {
  const log = io.log ?? ((s: string) => process.stderr.write(s + '\n'));
  prepareOutputDir(flags.out, '-o', { createLeaf: false });
  if (isOnnxPath(spec)) {
    if (flags.train) throw new Error('axon compile: --train is not available for .onnx models yet (compile the forward graph)');
    if (flags.checkpoint) throw new Error('axon compile: --checkpoint is not available for .onnx models yet (export the trained weights with axon export --checkpoint, then compile the .onnx)');
    const { graph } = await importOnnxFile(spec, flags.shape);
    const t0 = performance.now();
    const artifact = await compile(graph, { backend: flags.backend });
    await saveArtifact(artifact, flags.out);
    return { dir: flags.out, manifest: artifact.manifest, files: ['manifest.json', ...Object.keys(artifact.files)], seconds: (performance.now() - t0) / 1000 };
  }
  const model = await loadModel(spec);
  const ckpt = flags.checkpoint ? loadCheckpoint(flags.checkpoint, model.id) : undefined;
  if (!model.buildForward && !(flags.train && model.trainGraph)) {
    throw new Error(`axon compile: model "${model.id}" has no buildForward (it brings hand-built sessions), so there is no graph to compile`);
  }
  const batch = flags.batchSize ?? model.defaults?.batchSize ?? 64;
  const seed = flags.seed ?? 1;
  // the params' shapes follow the options the checkpoint was trained with (e.g. --hidden)
  const saved = (ckpt?.metadata as { options?: Record<string, number> } | undefined)?.options;
  if (saved && flags.options && Object.entries(flags.options).some(([k, v]) => saved[k] !== v)) {
    log(`note: ${flags.checkpoint} was trained with model options ${JSON.stringify(saved)}; using them (ignoring ${JSON.stringify(flags.options)})`);
  }
  const options = saved ?? modelOptions(model, flags.options);
  const graph = flags.train
    ? trainingStepGraph(model, batch, seed, flags.lr ?? model.defaults?.lr ?? 1e-3, options)
    : modelGraph(model, batch, seed, false, options);
  const t0 = performance.now();
  let artifact = await compile(graph, { backend: flags.backend });
  if (ckpt) {
    // a training step also needs the optimizer state to continue where the run stopped
    const fitted = fitCheckpoint(ckpt, artifact.manifest, { what: flags.checkpoint!, needState: artifact.manifest.training,
      stateHint: 'use the last.axckpt of the run (it keeps the optimizer state), or compile the forward pass (without --train)',
    });
    artifact = await bakeWeights(artifact, { ...fitted.params, ...fitted.state }, flags.checkpoint!);
  }
  await saveArtifact(artifact, flags.out);
  return {
    dir: flags.out, manifest: artifact.manifest, files: ['manifest.json', ...Object.keys(artifact.files)], seconds: (performance.now() - t0) / 1000,
    ...(ckpt ? { checkpoint: { path: flags.checkpoint!, epoch: ckpt.epoch } } : {}),
  };
}

export function formatCompile(r: CompileResult): string {
  const m = r.manifest;
  const specs = (s: Manifest['inputs']) => s.map((t) => `${t.name}: ${t.dtype}[${t.shape.join(', ')}]`).join(', ') || '(none)';
  const kernels = m.stats?.kernels;
  return [
    `compiled "${m.name}" for ${m.backend}${m.training ? ' (training step)' : ''} in ${r.seconds.toFixed(2)} s → ${r.dir}`,
    ...(r.checkpoint ? [`  weights: trained, from ${r.checkpoint.path} (epoch ${r.checkpoint.epoch})`] : []),
    `  inputs:  ${specs(m.inputs)}`,
    `  outputs: ${specs(m.outputs)}`,
    `  params:  ${m.params.length} tensors, ${m.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0)} values; state: ${m.state.length} tensors`,
    `  arena:   ${(m.arenaBytes / 1024).toFixed(1)} KiB${kernels !== undefined ? `, ${String(kernels)} kernels` : ''}`,
    `  files:   ${r.files.join(', ')}`,
  ].join('\n');
}
