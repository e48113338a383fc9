/**
 * The benchmark suite: what each case computes, how its throughput is counted, and which cases
 * the --quick run keeps. Shapes follow the lectures' FashionSimpleNet (Fashion-MNIST, 28×28×1).
 */
import { ONNX_CASES, type OnnxWorkload } from './cases-onnx.ts';
import { GPT_CASES, type GptWorkload } from './cases-gpt.ts';

export type Metric = 'gflops' | 'samples_per_s' | 'steps_per_s';

export type Workload =
  | { kind: 'matmul'; n: number }
  | { kind: 'conv'; batch: number; backward: boolean }
  | { kind: 'mlp-infer'; batch: number }
  | { kind: 'mlp-train'; batch: number }
  | { kind: 'cnn-infer'; batch: number }
  | { kind: 'cnn-train'; batch: number }
  | OnnxWorkload
  | GptWorkload;

export interface BenchCase {
  name: string;
  workload: Workload;
  metric: Metric;
  /** floating-point operations per run (for gflops) */
  flops?: number;
  /** samples per run (for samples_per_s) */
  samples?: number;
  /** kept by --quick */
  quick: boolean;
  /** limits for cases whose first run (JIT, shader compiles) or step is slow, over the run's defaults */
  timing?: { maxRunMs?: number; prepareTimeoutMs?: number };
  description: string;
}

/** FashionSimpleNet's second conv layer, the one the conv cases isolate. */
export const CONV = { inC: 32, outC: 64, size: 14, kernel: 3 } as const;
/** FashionSimpleNet: 28×28×1 → conv32 → pool → conv64 → pool → 3136 → 128 → 10. */
export const CNN = { image: 28, c1: 32, c2: 64, hidden: 128, classes: 10, flat: 64 * 7 * 7, dropout: 0.25 } as const;
export const MLP = { input: 784, hidden: 128, classes: 10 } as const;
export const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7 } as const;

const convFwdFlops = (batch: number) => 2 * batch * CONV.outC * CONV.size * CONV.size * CONV.inC * CONV.kernel * CONV.kernel;

function matmulCase(n: number, quick: boolean): BenchCase {
  return { name: `matmul-${n}`, workload: { kind: 'matmul', n }, metric: 'gflops', flops: 2 * n ** 3, quick, description: `f32 C = A·B, ${n}×${n}` };
}

export const CASES: BenchCase[] = [
  matmulCase(128, false),
  matmulCase(256, true),
  matmulCase(512, false),
  matmulCase(1024, false),
  {
    name: 'conv-fwd-b64', workload: { kind: 'conv', batch: 64, backward: false }, metric: 'gflops', flops: convFwdFlops(64), quick: false,
    description: 'conv 32→64 3×3 pad 1 on 64×32×14×14, + bias',
  },
  {
    // backward = input gradient + weight gradient, each as costly as the forward pass
    name: 'conv-fwdbwd-b64', workload: { kind: 'conv', batch: 64, backward: true }, metric: 'gflops', flops: 3 * convFwdFlops(64), quick: false,
    description: 'the same conv, forward + gradients w.r.t. input, weights and bias',
  },
  { name: 'mlp-infer-b1', workload: { kind: 'mlp-infer', batch: 1 }, metric: 'samples_per_s', samples: 1, quick: true, description: 'MLP 784-128-10 (ReLU), batch 1' },
  { name: 'mlp-infer-b64', workload: { kind: 'mlp-infer', batch: 64 }, metric: 'samples_per_s', samples: 64, quick: false, description: 'MLP 784-128-10 (ReLU), batch 64' },
  { name: 'mlp-train-b64', workload: { kind: 'mlp-train', batch: 64 }, metric: 'steps_per_s', quick: true, description: 'MLP training step: softmax cross-entropy, Adam lr 1e-3, batch 64' },
  { name: 'cnn-infer-b64', workload: { kind: 'cnn-infer', batch: 64 }, metric: 'samples_per_s', samples: 64, quick: false, description: 'FashionSimpleNet inference, batch 64' },
  { name: 'cnn-train-b64', workload: { kind: 'cnn-train', batch: 64 }, metric: 'samples_per_s', samples: 64, quick: false, description: 'FashionSimpleNet training step (dropout 0.25, Adam lr 1e-3), batch 64' },
  ...ONNX_CASES,
  ...GPT_CASES,
];

/** Keeps the items whose name starts with any of the comma-separated prefixes (all when none given). */
export function filterByPrefix<T extends { name: string }>(items: T[], list: string | undefined): T[] {
  if (!list) return items;
  const prefixes = list.split(',').map((s) => s.trim()).filter(Boolean);
  return items.filter((it) => prefixes.some((p) => it.name === p || it.name.startsWith(p)));
}
