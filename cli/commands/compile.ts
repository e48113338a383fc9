/**
 * `axon compile MODEL -o DIR`: the model's forward graph (x → logits), or with --train its
 * training step (loss, gradients, optimizer update), compiled for one backend and written as an
 * artifact directory (manifest.json, weights.bin with the initial params, kernel modules) that
 * `axon run` and the runtime load without the compiler.
 */
import type { Backend, Manifest } from '../../runtime/artifact.ts';
import { saveArtifact } from '../../runtime/node/index.ts';
import { compile } from '../../compiler/index.ts';
import { modelGraph, trainingStepGraph } from '../compile-model.ts';
import { loadModel } from '../model.ts';
import { modelOptions } from './analysis-steps.ts';
import { prepareOutputDir } from '../files.ts';

export interface CompileFlags {
  backend: Backend;
  out: string;
  train?: boolean;
  batchSize?: number;
  lr?: number;
  seed?: number;
  options?: Record<string, number>;
}

export interface CompileResult {
  dir: string;
  manifest: Manifest;
  files: string[];
  seconds: number;
}

export async function compileCommand(spec: string, flags: CompileFlags): Promise<CompileResult> {
  prepareOutputDir(flags.out, '-o');
  const model = await loadModel(spec);
  if (!model.buildForward && !(flags.train && model.trainGraph)) {
    throw new Error(`axon compile: model "${model.id}" has no buildForward (it brings hand-built sessions), so there is no graph to compile`);
  }
  const batch = flags.batchSize ?? model.defaults?.batchSize ?? 64;
  const seed = flags.seed ?? 1;
  const options = modelOptions(model, flags.options);
  const graph = flags.train
    ? trainingStepGraph(model, batch, seed, flags.lr ?? model.defaults?.lr ?? 1e-3, options)
    : modelGraph(model, batch, seed, false, options);
  const t0 = performance.now();
  const artifact = await compile(graph, { backend: flags.backend });
  await saveArtifact(artifact, flags.out);
  return { dir: flags.out, manifest: artifact.manifest, files: ['manifest.json', ...Object.keys(artifact.files)], seconds: (performance.now() - t0) / 1000 };
}

export function formatCompile(r: CompileResult): string {
  const m = r.manifest;
  const specs = (s: Manifest['inputs']) => s.map((t) => `${t.name}: ${t.dtype}[${t.shape.join(', ')}]`).join(', ') || '(none)';
  const kernels = m.stats?.kernels;
  return [
    `compiled "${m.name}" for ${m.backend}${m.training ? ' (training step)' : ''} in ${r.seconds.toFixed(2)} s → ${r.dir}`,
    `  inputs:  ${specs(m.inputs)}`,
    `  outputs: ${specs(m.outputs)}`,
    `  params:  ${m.params.length} tensors, ${m.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0)} values; state: ${m.state.length} tensors`,
    `  arena:   ${(m.arenaBytes / 1024).toFixed(1)} KiB${kernels !== undefined ? `, ${String(kernels)} kernels` : ''}`,
    `  files:   ${r.files.join(', ')}`,
  ].join('\n');
}
