/** `axon explain <model>`: what the optimizer made of the model's forward pass or training step. */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Graph } from '../../compiler/ir/graph.ts';
import { importOnnxFile, isOnnxPath } from '../onnx-model.ts';
import { explain, formatExplanation, graphSvg } from '../../compiler/index.ts';
import { loadModel } from '../model.ts';
import { modelGraph, trainingStepGraph } from '../compile-model.ts';
import { modelOptions } from './analysis-steps.ts';

export interface ExplainFlags {
  train?: boolean;
  json?: boolean;
  batchSize?: number;
  out?: string;
  svg?: boolean;
  /** model options (ctx.option), e.g. { hidden: 64 } */
  options?: Record<string, number>;
  /** .onnx models: input shapes (`--shape name=dims`) */
  shape?: string[];
}

/** Whether @viz-js/viz (an optional peer dependency: Graphviz for the graph pictures) is installed. */
async function hasGraphviz(): Promise<boolean> {
  return import('@viz-js/viz').then(() => true, () => false);
}

export async function explainCommand(spec: string, flags: ExplainFlags): Promise<string> {
  let graph: Graph, id: string;
  if (isOnnxPath(spec)) {
    if (flags.train) throw new Error('axon explain: --train is not available for .onnx models yet');
    graph = (await importOnnxFile(spec, flags.shape)).graph;
    id = basename(spec).replace(/\.onnx$/i, '');
  } else {
    const model = await loadModel(spec);
    const batch = flags.batchSize ?? model.defaults?.batchSize ?? 64;
    const options = modelOptions(model, flags.options);
    graph = flags.train ? trainingStepGraph(model, batch, 0, model.defaults?.lr ?? 1e-3, options) : modelGraph(model, batch, 0, false, options);
    id = model.id;
  }
  const e = explain(graph);
  const files: string[] = [];
  let note = '';
  if (flags.svg !== false && !(await hasGraphviz())) {
    note = '\nnote: skipping the graph pictures: they need the optional package @viz-js/viz (npm install @viz-js/viz); --no-svg skips them without this note';
  } else if (flags.svg !== false) {
    const dir = flags.out ?? join('runs', id, 'explain');
    await mkdir(dir, { recursive: true });
    const tag = flags.train ? 'train' : 'forward';
    for (const [which, g] of [['before', e.graphBefore], ['after', e.graphAfter]] as const) {
      const path = join(dir, `${tag}-graph-${which}.svg`);
      await writeFile(path, await graphSvg(g));
      files.push(path);
    }
  }
  if (flags.json) {
    const { graphBefore: _b, graphAfter: _a, ...rest } = e;
    return JSON.stringify({ ...rest, pictures: files });
  }
  return `${formatExplanation(e)}\n\npictures: ${files.join(', ') || '(none)'}${note}`;
}
