/**
 * `axon export MODEL -o out.onnx [--run DIR | --checkpoint FILE] [--format onnx|safetensors]`:
 * the model's forward (inference) graph with trained weights (a run directory's best checkpoint,
 * else its last; or a given checkpoint; else the initial values) as standard ONNX (opset 17), or
 * the weights alone as safetensors.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../model.ts';
import { modelGraph } from '../compile-model.ts';
import { modelOptions } from './analysis-steps.ts';
import { exportOnnx } from '../../compiler/onnx/export.ts';
import { encodeSafetensors, type NamedTensor } from '../../compiler/onnx/safetensors.ts';
import { loadCheckpoint, writeFileAtomic } from '../../runtime/node/checkpoint.ts';

export interface ExportFlags {
  out: string;
  run?: string;
  checkpoint?: string;
  format?: 'onnx' | 'safetensors';
  batchSize?: number;
  options?: Record<string, number>;
}

export interface ExportResult { file: string; format: string; bytes: number; weightsFrom: string; tensors: number }

export async function exportCommand(spec: string, flags: ExportFlags): Promise<ExportResult> {
  const model = await loadModel(spec);
  let ckptPath = flags.checkpoint;
  if (flags.run) {
    const best = join(flags.run, 'checkpoints', 'best.axckpt'), last = join(flags.run, 'checkpoints', 'last.axckpt');
    ckptPath = existsSync(best) ? best : existsSync(last) ? last : undefined;
    if (!ckptPath) throw new Error(`axon export: run directory ${flags.run} has no checkpoints/best.axckpt or last.axckpt`);
  }
  const ckpt = ckptPath ? loadCheckpoint(ckptPath, model.id) : undefined;
  const graph = modelGraph(model, flags.batchSize ?? 1, 1, false, modelOptions(model, flags.options));
  const values: Record<string, ArrayLike<number>> = { ...(ckpt?.params ?? {}), ...(ckpt?.state ?? {}) };
  for (const name of Object.keys(ckpt?.params ?? {})) if (!graph.params.has(name)) throw new Error(`axon export: checkpoint ${ckptPath} has param "${name}", which model "${model.id}" does not define`);
  let bytes: Uint8Array;
  let tensors: number;
  if ((flags.format ?? 'onnx') === 'safetensors') {
    const named: Record<string, NamedTensor> = {};
    for (const [name, t] of [...graph.params, ...graph.state]) named[name] = { shape: t.shape, dtype: t.dtype, data: values[name] ?? t.value! };
    bytes = encodeSafetensors(named, { model: model.id, producer: 'axon' });
    tensors = Object.keys(named).length;
  } else {
    bytes = exportOnnx(graph, { params: values });
    tensors = graph.params.size + graph.state.size;
  }
  writeFileAtomic(flags.out, bytes);
  return { file: flags.out, format: flags.format ?? 'onnx', bytes: bytes.length, weightsFrom: ckptPath ?? 'initial values', tensors };
}
