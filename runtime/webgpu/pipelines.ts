/**
 * Compiles the artifact's shaders into compute pipelines, all in parallel and asynchronously
 * (synchronous creation stalls the main thread while the driver compiles). Every pipeline has an
 * explicit layout: its dispatch's arena segments at bindings 0, 1, … (arena.ts).
 */
import type { Artifact, WebGpuDispatch } from '../artifact.ts';
import { dispatchBindings, type ArenaLayouts } from './arena.ts';

async function compile(device: GPUDevice, layout: GPUPipelineLayout, d: WebGpuDispatch, code: string): Promise<GPUComputePipeline> {
  const what = `kernel "${d.name}" (${d.shader})`;
  // Push and pop in the same synchronous stretch: pipelines compile concurrently, and an error
  // scope is a per-device stack, so an await in between would pop another kernel's scope.
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: d.shader, code });
  const pipeline = device.createComputePipelineAsync({ label: d.name, layout, compute: { module, entryPoint: d.entryPoint } });
  const scope = device.popErrorScope();
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length) {
    pipeline.catch(() => undefined);
    throw new Error(`webgpu: ${what} has invalid WGSL:\n${errors.map((m) => `  ${d.shader}:${m.lineNum}:${m.linePos}: ${m.message}`).join('\n')}`);
  }
  try {
    const created = await pipeline;
    const err = await scope;
    if (err) throw err;
    return created;
  } catch (e) {
    throw new Error(`webgpu: ${what}: pipeline creation failed: ${(e as Error).message}`);
  }
}

/** One pipeline per dispatch (dispatches sharing a shader file and entry point share one). */
export async function createPipelines(device: GPUDevice, artifact: Artifact, layouts: ArenaLayouts): Promise<GPUComputePipeline[]> {
  const dispatches = artifact.manifest.webgpu?.dispatches;
  if (!dispatches) throw new Error(`webgpu: artifact "${artifact.manifest.name}" has no webgpu section (compiled for ${artifact.manifest.backend}?)`);
  const pipelineLayouts = new Map<number, GPUPipelineLayout>();
  const pipelineLayout = (count: number): GPUPipelineLayout => {
    let layout = pipelineLayouts.get(count);
    if (!layout) pipelineLayouts.set(count, (layout = device.createPipelineLayout({ bindGroupLayouts: [layouts.get(count)] })));
    return layout;
  };
  const byKey = new Map<string, Promise<GPUComputePipeline>>();
  for (const d of dispatches) {
    const key = `${d.shader}#${d.entryPoint}`;
    if (byKey.has(key)) continue;
    const code = artifact.files[d.shader];
    if (code === undefined) throw new Error(`webgpu: kernel "${d.name}" refers to shader file "${d.shader}", which the artifact lacks`);
    byKey.set(key, compile(device, pipelineLayout(dispatchBindings(d).length), d, typeof code === 'string' ? code : new TextDecoder().decode(code)));
  }
  const settled = await Promise.allSettled(byKey.values());
  const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed.length) throw new Error(failed.map((f) => (f.reason as Error).message).join('\n'));
  const pipelines = new Map([...byKey.keys()].map((k, i) => [k, (settled[i] as PromiseFulfilledResult<GPUComputePipeline>).value]));
  return dispatches.map((d) => pipelines.get(`${d.shader}#${d.entryPoint}`)!);
}
