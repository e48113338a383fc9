/**
 * Per-dispatch cost of a WebGPU artifact in CPU-ms (llvmpipe runs in our process, so CPU time is
 * robust to other load on a shared machine): each dispatch alone, repeated in one command buffer,
 * on a scratch arena (contents are whatever the init segments hold; timing does not depend on them).
 */
import type { Artifact } from '../../../runtime/artifact.ts';
import { nodeGpu } from '../../../runtime/node/webgpu.ts';
import { requestArenaDevice } from '../../../runtime/webgpu/device.ts';
import { createPipelines } from '../../../runtime/webgpu/pipelines.ts';
import { ArenaLayouts, dispatchBindings, GpuArena, largestBufferBytes } from '../../../runtime/webgpu/arena.ts';
import { BufferLedger } from '../../../runtime/webgpu/resources.ts';

export async function profileDispatches(artifact: Artifact, reps = 5, print = true): Promise<{ name: string; ms: number }[]> {
  const device = await requestArenaDevice(nodeGpu(), largestBufferBytes(artifact.manifest), artifact.manifest.webgpu!.features);
  const layouts = new ArenaLayouts(device);
  const pipelines = await createPipelines(device, artifact, layouts);
  const ledger = new BufferLedger(device);
  const arena = GpuArena.create(device, layouts, ledger, artifact.manifest, 0);
  const rows: { name: string; ms: number }[] = [];
  const dispatches = artifact.manifest.webgpu!.dispatches;
  for (const [i, d] of dispatches.entries()) {
    const time = async (n: number) => {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setBindGroup(0, arena.bindGroup(dispatchBindings(d)));
      pass.setPipeline(pipelines[i]!);
      for (let r = 0; r < n; r++) pass.dispatchWorkgroups(...d.workgroups);
      pass.end();
      const c0 = process.cpuUsage();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / 1000;
    };
    await time(1);
    rows.push({ name: d.name, ms: (await time(reps)) / reps });
  }
  const total = rows.reduce((s, r) => s + r.ms, 0);
  if (print) for (const r of [...rows].sort((a, b) => b.ms - a.ms).slice(0, 25)) {
    console.log(`${r.ms.toFixed(2).padStart(8)} CPU-ms ${(100 * r.ms / total).toFixed(1).padStart(5)}%  ${r.name}`);
  }
  if (print) console.log(`${total.toFixed(2).padStart(8)} CPU-ms total over ${rows.length} dispatches`);
  ledger.destroyAll();
  device.destroy();
  return rows;
}
