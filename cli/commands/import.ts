/**
 * `axon import model.onnx`: what Axon makes of an ONNX file — inputs, outputs, ops with counts,
 * params, notes — or, when it cannot import it, every unsupported op at once.
 */
import { readFileSync } from 'node:fs';
import { importOnnx, modelOpset, UnsupportedError } from '../../compiler/onnx/import.ts';
import { decodeModel } from '../../compiler/onnx/proto.ts';
import { parseShapes } from '../onnx-model.ts';

export interface ImportFlags { shape?: string[]; json?: boolean }

export interface ImportSummary {
  file: string;
  opset: number;
  ops: Record<string, number>;
  inputs?: { name: string; shape: number[]; dtype: string; onnxType: string }[];
  outputs?: { name: string; shape: number[]; dtype: string; onnxType: string }[];
  params?: { tensors: number; values: number };
  notes?: string[];
  /** the import error (unsupported ops, unfixed dims, …) */
  error?: string;
}

export async function importCommand(file: string, flags: ImportFlags): Promise<ImportSummary> {
  const bytes = new Uint8Array(readFileSync(file));
  const model = decodeModel(bytes, file);
  const ops: Record<string, number> = {};
  for (const n of model.graph?.node ?? []) ops[n.opType ?? '?'] = (ops[n.opType ?? '?'] ?? 0) + 1;
  const base = { file, opset: modelOpset(model), ops };
  try {
    const m = await importOnnx(file, { shapes: parseShapes(flags.shape) });
    const values = m.params.reduce((s, p) => s + m.graph.params.get(p)!.size, 0);
    return { ...base, inputs: m.inputs, outputs: m.outputs, params: { tensors: m.params.length, values }, notes: m.notes };
  } catch (e) {
    if (e instanceof UnsupportedError || (e as Error).name === 'OnnxError') return { ...base, error: (e as Error).message };
    throw e;
  }
}

export function formatImport(s: ImportSummary): string {
  const t = (x: { name: string; shape: number[]; onnxType: string; dtype: string }) => `${x.name}: ${x.onnxType}[${x.shape.join(', ')}] (${x.dtype})`;
  const ops = Object.entries(s.ops).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ×${v}`).join(', ');
  const lines = [`${s.file}: opset ${s.opset}, ${Object.values(s.ops).reduce((a, b) => a + b, 0)} nodes`, `  ops:     ${ops || '(none)'}`];
  if (s.error) return [...lines, `  cannot import: ${s.error}`].join('\n');
  lines.push(`  inputs:  ${s.inputs!.map(t).join('; ') || '(none)'}`);
  lines.push(`  outputs: ${s.outputs!.map(t).join('; ')}`);
  lines.push(`  params:  ${s.params!.tensors} tensors, ${s.params!.values} values (trainable)`);
  lines.push(`  unsupported ops: none`);
  for (const n of s.notes ?? []) lines.push(`  note: ${n}`);
  return lines.join('\n');
}
