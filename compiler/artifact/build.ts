/** Assembles an artifact (manifest + files + weights.bin) from a planned Program and its rendering. */
import type { Program } from '../kernel/ir.ts';
import type { RenderedProgram } from '../backends/backend.ts';
import { ARTIFACT_FORMAT, ARTIFACT_VERSION, type Artifact, type Backend, type InitSegment, type Manifest, type TensorSpec } from '../../runtime/artifact.ts';
import { AXON_VERSION } from '../version.ts';

export function buildArtifact(program: Program, rendered: RenderedProgram, meta: { name: string; backend: Backend; training: boolean; stats?: Record<string, unknown> }): Artifact {
  const spec = (id: number, name: string): TensorSpec => {
    const b = program.buffers[id]!;
    return { name, shape: [...b.shape], dtype: b.dtype, offset: b.offset };
  };
  const inits = program.buffers.filter((b) => b.init);
  const total = inits.reduce((n, b) => n + b.size * 4, 0);
  const weights = new Uint8Array(total);
  const init: InitSegment[] = [];
  let source = 0;
  for (const b of inits) {
    const bytes = new Uint8Array(b.init!.buffer, b.init!.byteOffset, b.size * 4);
    weights.set(bytes, source);
    init.push({ offset: b.offset, source, bytes: bytes.byteLength });
    source += bytes.byteLength;
  }
  const manifest: Manifest = {
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_VERSION,
    axonVersion: AXON_VERSION,
    backend: meta.backend,
    name: meta.name,
    training: meta.training,
    arenaBytes: program.arenaBytes,
    inputs: program.inputs.map((i) => spec(i.buffer, i.name)),
    outputs: program.outputs.map((o) => spec(o.buffer, o.name)),
    params: program.params.map((p) => spec(p.buffer, p.name)),
    state: program.state.map((s) => spec(s.buffer, s.name)),
    init,
    ...rendered.section,
    stats: { ...meta.stats, ...rendered.stats },
  };
  return { manifest, files: { ...rendered.files, 'weights.bin': weights } };
}
