/**
 * ONNX Runtime cases, shared by onnxruntime-web (wasm, webgpu) and onnxruntime-node. ORT runs
 * inference only (on-device training was removed from ORT Web), so training cases are
 * "not supported".
 */
import type { BenchCase } from '../cases.ts';
import { checksum, type PreparedCase } from '../system.ts';
import { onnxModelFor } from './onnx-models.ts';

/** The subset of the ORT API that onnxruntime-web and onnxruntime-node share. */
export interface OrtLike {
  InferenceSession: { create(model: Uint8Array, options?: object): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}
interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, { getData?: () => Promise<unknown>; data: unknown }>>;
  release(): Promise<void>;
}

export function ortSupports(c: BenchCase): true | string {
  const w = c.workload;
  if (w.kind === 'mlp-train' || w.kind === 'cnn-train' || w.kind === 'gpt-train' || (w.kind === 'conv' && w.backward)) {
    return 'ONNX Runtime has no training or gradients in this package (ORT Web training was removed in 1.20)';
  }
  if (w.kind === 'gpt-sample') return 'no ONNX model of char-gpt in bench/peers/onnx-models.ts';
  return true;
}

export async function prepareOrtCase(ort: OrtLike, c: BenchCase, sessionOptions: object): Promise<PreparedCase> {
  const m = onnxModelFor(c.workload);
  if (!m) throw new Error(`no ONNX model for case ${c.name}`);
  const session = await ort.InferenceSession.create(m.bytes, { graphOptimizationLevel: 'all', ...sessionOptions });
  const feeds = Object.fromEntries(Object.entries(m.feeds).map(([name, t]) => [name, new ort.Tensor('float32', t.data, t.shape)]));
  return {
    async run() {
      const out = (await session.run(feeds))[m.output];
      // outputs may live on the GPU; getData() downloads them (CPU tensors return their data)
      const data = out.getData ? await out.getData() : out.data;
      return checksum(data as Float32Array);
    },
    dispose: () => session.release(),
  };
}
