/**
 * Manifests are untrusted input (a directory on disk, a URL): validateManifest checks one against
 * the format's schema, applies the version policy of docs/artifact-format.md, accepts only plain
 * file names, and checks every tensor, init segment and memory size against the arena, so a bad
 * manifest is refused with a message naming the field instead of failing deep inside a session.
 */
import {
  ARTIFACT_FORMAT, ARTIFACT_VERSION, OLDEST_READABLE_ARTIFACT_VERSION, elementCount, type Manifest, type TensorSpec,
} from './artifact.ts';
import {
  SchemaError, anyObject, arrayOf, boolean, describeValue, integer, objectOf, oneOf, optional, string, tripleOf, type Check,
} from './schema.ts';

/**
 * A file name inside the artifact: letters, digits, '.', '_' and '-', not starting with '.'.
 * That excludes '/', '\', '..', absolute paths, drive letters, URLs (':'), '%'-escapes, '?', '#',
 * NUL and empty names, so a loader can only ever touch files inside the artifact directory.
 */
const PLAIN_FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$/;

export function checkFileName(name: unknown, field: string): string {
  if (typeof name !== 'string' || !PLAIN_FILE_NAME.test(name)) {
    const why = typeof name !== 'string' ? `it is ${describeValue(name)}`
      : name === '' ? 'it is empty'
        : name.includes('\0') ? 'it contains a NUL character'
          : /^[a-z][a-z0-9+.-]*:/i.test(name) ? 'it is a URL'
            : /[/\\]/.test(name) || name.startsWith('.') ? 'it points outside the artifact directory'
              : 'it has characters other than letters, digits, ".", "_" and "-"';
    const shown = typeof name === 'string' ? JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name) : describeValue(name);
    throw new SchemaError(field, `${shown} is not a plain file name inside the artifact (${why}); only names like "program.wasm" are allowed`);
  }
  return name;
}

const fileName: Check<string> = (v, path) => checkFileName(v, path);
const count = integer(0);
const sha256Hex: Check<string> = (v, path) => {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw new SchemaError(path, `expected a SHA-256 as 64 lowercase hex digits, got ${describeValue(v)}`);
  return v;
};

const tensorSpec = objectOf({ name: string, shape: arrayOf(count), dtype: oneOf('f32', 'i32'), offset: count });
const initSegment = objectOf({ offset: count, source: count, bytes: count });
const wasmSection = objectOf({
  module: fileName,
  relaxedModule: optional(fileName),
  entry: string,
  arenaBase: optional(count),
  memoryPages: optional(count),
  scratchBytes: optional(count),
  weightCache: optional(objectOf({ versionAddress: count, bytes: count })),
  threads: optional(objectOf({
    module: fileName, relaxedModule: optional(fileName), maxThreads: integer(1), memoryPages: count, scratchBytes: count,
  })),
});
const webgpuSection = objectOf({
  dispatches: arrayOf(objectOf({ name: string, shader: fileName, entryPoint: string, workgroups: tripleOf(integer(0)), bindings: optional(arrayOf(count)) })),
  segmentBytes: optional(integer(16)),
  features: optional(arrayOf(oneOf('subgroups', 'shader-f16'))),
});
const manifestSchema = objectOf({
  format: oneOf(ARTIFACT_FORMAT),
  formatVersion: integer(1),
  axonVersion: string,
  backend: oneOf('wasm', 'webgpu'),
  name: string,
  training: boolean,
  arenaBytes: count,
  inputs: arrayOf(tensorSpec),
  outputs: arrayOf(tensorSpec),
  params: arrayOf(tensorSpec),
  state: arrayOf(tensorSpec),
  init: arrayOf(initSegment),
  wasm: optional(wasmSection),
  webgpu: optional(webgpuSection),
  stats: optional(anyObject),
  files: optional(arrayOf(objectOf({ name: fileName, bytes: count, sha256: sha256Hex }))),
});
// The schema and the Manifest type must agree: this line stops compiling when they drift.
const checkManifest: Check<Manifest> = manifestSchema;

export interface ValidateOptions {
  /** where the manifest came from (a path or URL), prefixed to errors */
  source?: string;
  /** require the format-2 file list (manifests read from disk or the network) */
  requireFileList?: boolean;
}

/** Checks that an object read from disk or the network is an artifact this runtime can run. */
export function validateManifest(raw: unknown, options: ValidateOptions = {}): Manifest {
  const where = options.source ? `${options.source}: ` : '';
  try {
    return validate(raw, options.requireFileList ?? false);
  } catch (e) {
    if (e instanceof SchemaError || e instanceof ManifestError) throw new Error(`${where}${e.message}`, { cause: e });
    throw e;
  }
}

class ManifestError extends Error {}

function validate(raw: unknown, requireFileList: boolean): Manifest {
  const o = raw as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || Array.isArray(o) || o.format !== ARTIFACT_FORMAT) {
    throw new ManifestError(`not an Axon artifact manifest (expected "format": "${ARTIFACT_FORMAT}", got ${describeValue(o?.format)})`);
  }
  const version = artifactVersionOf(o);
  // Format 1 had no file list: upgrade its fields in memory and check what it has.
  const m = checkManifest(version === 1 ? legacyToCurrent(o) : o, 'manifest');
  if (version >= 2 && requireFileList && !m.files) throw new SchemaError('manifest.files', 'missing; a format-2 artifact lists every file with its size and SHA-256');
  checkConsistency(m);
  return m;
}

/** The version policy: older readable versions are read, newer ones refused with what to do. */
function artifactVersionOf(o: Record<string, unknown>): number {
  const v = o.formatVersion ?? o.version;
  const field = o.formatVersion !== undefined ? 'manifest.formatVersion' : 'manifest.version';
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new SchemaError(field, `expected an integer ≥ 1, got ${describeValue(v)}`);
  if (v > ARTIFACT_VERSION) {
    throw new ManifestError(`artifact format ${v} is newer than this runtime (${ARTIFACT_VERSION}); upgrade axon (the artifact was written by Axon ${String(o.axonVersion ?? '?')})`);
  }
  if (v < OLDEST_READABLE_ARTIFACT_VERSION) {
    throw new ManifestError(`artifact format ${v} is older than this runtime reads (${OLDEST_READABLE_ARTIFACT_VERSION}..${ARTIFACT_VERSION}); recompile the model`);
  }
  return v;
}

function legacyToCurrent(o: Record<string, unknown>): Record<string, unknown> {
  const { version: _version, files: _files, ...rest } = o;
  return { ...rest, formatVersion: 1 };
}

const PAGE = 65536;

function checkConsistency(m: Manifest): void {
  for (const group of ['inputs', 'outputs', 'params', 'state'] as const) {
    const seen = new Set<string>();
    m[group].forEach((t, i) => {
      const field = `manifest.${group}[${i}]`;
      if (seen.has(t.name)) throw new SchemaError(`${field}.name`, `"${t.name}" appears twice in ${group}`);
      seen.add(t.name);
      checkTensorInArena(t, field, m.arenaBytes);
    });
  }
  m.init.forEach((s, i) => {
    const field = `manifest.init[${i}]`;
    if (s.offset % 4 || s.bytes % 4) throw new SchemaError(field, `offset ${s.offset} and bytes ${s.bytes} must be multiples of 4`);
    if (s.offset + s.bytes > m.arenaBytes) {
      throw new SchemaError(field, `copies ${s.bytes} bytes to arena offset ${s.offset}, past the end of the ${m.arenaBytes}-byte arena`);
    }
  });

  if (m.backend === 'wasm') {
    if (!m.wasm) throw new SchemaError('manifest.wasm', 'missing; an artifact for the wasm backend needs its wasm section (module, entry)');
    const w = m.wasm;
    const base = w.arenaBase ?? 0;
    if (w.memoryPages !== undefined && base + m.arenaBytes + (w.scratchBytes ?? 0) > w.memoryPages * PAGE) {
      throw new SchemaError('manifest.wasm.memoryPages', `${w.memoryPages} pages (${w.memoryPages * PAGE} bytes) cannot hold the arena at ${base} (${m.arenaBytes} bytes) and ${w.scratchBytes ?? 0} scratch bytes`);
    }
    if (w.threads && base + m.arenaBytes + w.threads.scratchBytes > w.threads.memoryPages * PAGE) {
      throw new SchemaError('manifest.wasm.threads.memoryPages', `${w.threads.memoryPages} pages cannot hold the arena at ${base} (${m.arenaBytes} bytes) and ${w.threads.scratchBytes} scratch bytes`);
    }
    if (w.weightCache) {
      // the session writes this word: it must lie past the arena, inside every module's memory
      const { versionAddress: at, bytes } = w.weightCache;
      const pages = [w.memoryPages, w.threads?.memoryPages].filter((p): p is number => p !== undefined);
      if (at % 4 !== 0 || at < base + m.arenaBytes || bytes < 4 || pages.length === 0 || pages.some((p) => at + bytes > p * PAGE)) {
        throw new SchemaError('manifest.wasm.weightCache', `version word at ${at} (${bytes} bytes) must be 4-byte aligned, past the arena (which ends at ${base + m.arenaBytes}) and inside the module's ${pages.map((p) => p * PAGE).join(' / ') || 'unstated'}-byte memory`);
      }
    }
  } else if (!m.webgpu) {
    throw new SchemaError('manifest.webgpu', 'missing; an artifact for the webgpu backend needs its webgpu section (dispatches)');
  }

  if (m.files) {
    const listed = new Map<string, number>();
    m.files.forEach((f, i) => {
      if (listed.has(f.name)) throw new SchemaError(`manifest.files[${i}].name`, `"${f.name}" is listed twice`);
      listed.set(f.name, f.bytes);
    });
    for (const name of ['weights.bin', ...artifactFileNames(m)]) {
      if (!listed.has(name)) throw new SchemaError('manifest.files', `does not list "${name}", which the manifest refers to`);
    }
    checkInitAgainstWeights(m, listed.get('weights.bin')!);
  }
}

function checkTensorInArena(t: TensorSpec, field: string, arenaBytes: number): void {
  if (t.offset % 4) throw new SchemaError(`${field}.offset`, `${t.offset} is not a multiple of 4`);
  const bytes = elementCount(t.shape) * 4;
  if (t.offset + bytes > arenaBytes) {
    throw new SchemaError(field, `"${t.name}" (${t.dtype}[${t.shape.join(', ')}], ${bytes} bytes at offset ${t.offset}) extends past the end of the ${arenaBytes}-byte arena`);
  }
}

/** Every init segment must read inside weights.bin (`weightsBytes` long). */
export function checkInitAgainstWeights(m: Manifest, weightsBytes: number): void {
  m.init.forEach((s, i) => {
    if (s.source + s.bytes > weightsBytes) {
      throw new SchemaError(`manifest.init[${i}]`, `reads weights.bin bytes ${s.source}..${s.source + s.bytes}, but weights.bin has ${weightsBytes} bytes`);
    }
  });
}

/** The module and shader files the manifest's backend section refers to (besides weights.bin). */
export function artifactFileNames(manifest: Manifest): string[] {
  const names = new Set<string>();
  if (manifest.wasm) {
    names.add(manifest.wasm.module);
    if (manifest.wasm.relaxedModule) names.add(manifest.wasm.relaxedModule);
    if (manifest.wasm.threads) {
      names.add(manifest.wasm.threads.module);
      if (manifest.wasm.threads.relaxedModule) names.add(manifest.wasm.threads.relaxedModule);
    }
  }
  for (const d of manifest.webgpu?.dispatches ?? []) names.add(d.shader);
  return [...names];
}

/** The files a loader reads: the format-2 list, or for format 1 weights.bin and the referenced files. */
export function filesToLoad(manifest: Manifest): string[] {
  return manifest.files ? manifest.files.map((f) => f.name) : ['weights.bin', ...artifactFileNames(manifest)];
}
