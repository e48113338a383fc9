/**
 * Dead-ReLU report: which ReLU units never fire on a data set. A unit is a neuron of a dense
 * layer ([B, N]: one per feature) or a channel of a conv layer ([B, C, H, W]: dead when it is
 * never positive at any position of any sample). Dead units get no gradient, so they stay dead.
 */
import type { Graph } from '../../compiler/index.ts';
import type { Session } from '../../runtime/session.ts';
import type { ImageDataset } from '../../runtime/data/dataset.ts';
import { batches } from '../../runtime/data/batches.ts';
import type { TrainableModel } from '../model.ts';
import { modelGraph } from '../compile-model.ts';

export const RELU_OUTPUT_PREFIX = 'relu/';

export interface DeadReluLayer {
  /** graph output holding the activation: relu/<k>, k counting ReLUs in graph order from 1 */
  output: string;
  /** activation shape at the analysis batch size */
  shape: number[];
  kind: 'dense' | 'conv';
  units: number;
  dead: number;
  deadFraction: number;
}

export interface DeadReluReport {
  model: string;
  split: string;
  samples: number;
  layers: DeadReluLayer[];
}

/** The evaluation graph with every ReLU activation as an extra output relu/<k>. */
export function reluAnalysisGraph(model: TrainableModel, batchSize: number, options?: Record<string, number>): Graph {
  const g = modelGraph(model, batchSize, 0, false, options);
  let k = 0;
  for (const node of [...g.nodes]) if (node.op === 'relu') g.output(`${RELU_OUTPUT_PREFIX}${++k}`, node);
  return g;
}

/** Runs `session` (a compiled reluAnalysisGraph) over the samples and counts units never positive. */
export async function deadRelus(session: Session, data: ImageDataset, indices: Int32Array, meta: { model: string; split: string }): Promise<DeadReluReport> {
  const specs = session.manifest.outputs.filter((s) => s.name.startsWith(RELU_OUTPUT_PREFIX));
  const xSpec = session.manifest.inputs.find((s) => s.name === 'x');
  if (!xSpec) throw new Error(`dead-ReLU analysis: session "${session.manifest.name}" has no input "x"`);
  const batchSize = xSpec.shape[0]!;
  // alive[layer][unit] becomes 1 once the unit is positive anywhere
  const alive = specs.map((s) => new Uint8Array(s.shape[1] ?? 1));
  for (const batch of batches(data, indices, batchSize, 'pad')) {
    const out = await session.run({ x: batch.x }, { outputs: specs.map((s) => s.name) });
    specs.forEach((spec, l) => {
      const values = out[spec.name]!;
      const units = alive[l]!.length;
      const perSample = values.length / batchSize;
      const positions = perSample / units;
      for (let r = 0; r < batch.size; r++) { // padded rows are zero images: not data, so skipped
        for (let u = 0; u < units; u++) {
          if (alive[l]![u]) continue;
          const base = r * perSample + u * positions;
          for (let p = 0; p < positions; p++) if (values[base + p]! > 0) { alive[l]![u] = 1; break; }
        }
      }
    });
  }
  const layers = specs.map((spec, l): DeadReluLayer => {
    const units = alive[l]!.length;
    const dead = units - alive[l]!.reduce((a, b) => a + b, 0);
    return { output: spec.name, shape: spec.shape, kind: spec.shape.length > 2 ? 'conv' : 'dense', units, dead, deadFraction: dead / units };
  });
  return { model: meta.model, split: meta.split, samples: indices.length, layers };
}

export function formatDeadRelus(r: DeadReluReport): string {
  if (r.layers.length === 0) return `dead ReLUs: model "${r.model}" has no ReLU layers`;
  const lines = [`dead ReLUs on ${r.samples} ${r.split} images (units never positive; conv: per channel):`];
  for (const l of r.layers) {
    lines.push(`  ${l.output.padEnd(8)} ${l.kind.padEnd(5)} [${l.shape.join(', ')}]`.padEnd(36)
      + `${String(l.dead).padStart(5)} / ${String(l.units).padEnd(5)} dead (${(l.deadFraction * 100).toFixed(1)}%)`);
  }
  return lines.join('\n');
}
