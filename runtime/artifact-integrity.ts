/**
 * Sizes and SHA-256 hashes of an artifact's files (format 2). sealArtifact records them in the
 * manifest when an artifact is built or saved; verifyArtifactFiles checks files read back from
 * disk or the network against them, so a file of another artifact, a truncated download or a
 * half-finished copy is refused instead of running with wrong numbers. Web Crypto only (Node 20
 * and browsers), so this stays browser-safe.
 */
import type { Artifact, ArtifactFile, Manifest } from './artifact.ts';
import { checkFileName } from './manifest-validate.ts';

export function fileBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

/**
 * Web Crypto, where the host has it: browsers hide `crypto.subtle` from pages served over plain
 * HTTP from another host than localhost ("insecure contexts").
 */
function subtleCrypto(): SubtleCrypto | undefined {
  return (globalThis as { crypto?: Crypto }).crypto?.subtle;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = subtleCrypto();
  if (!subtle) throw new Error('SHA-256 needs Web Crypto (crypto.subtle), which this host lacks (a page served over plain HTTP?); serve it over HTTPS or from localhost');
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** The manifest's file list for exactly these files (sorted by name, so it does not depend on insertion order). */
export async function describeFiles(files: Artifact['files']): Promise<ArtifactFile[]> {
  const names = Object.keys(files).sort();
  return Promise.all(names.map(async (name) => {
    checkFileName(name, `artifact file "${name}"`);
    const bytes = fileBytes(files[name]!);
    return { name, bytes: bytes.byteLength, sha256: await sha256Hex(bytes) };
  }));
}

/** The artifact with `manifest.files` describing its current files (after adding, removing or changing one). */
export async function sealArtifact(artifact: Artifact): Promise<Artifact> {
  if (!subtleCrypto()) {
    // compiling in an insecure browser context: an in-memory artifact runs without the list
    const { files: _stale, ...manifest } = artifact.manifest;
    return { manifest, files: artifact.files };
  }
  const manifest: Manifest = { ...artifact.manifest, files: await describeFiles(artifact.files) };
  return { manifest, files: artifact.files };
}

let warnedNoCrypto = false;

const bytesText = (n: number) => `${n.toLocaleString('en-US')} byte${n === 1 ? '' : 's'}`;

/**
 * Checks loaded files against the manifest's list: every listed file present with its size and
 * hash. `where` names the directory or URL in errors. Format-1 manifests have no list: nothing to check.
 */
export async function verifyArtifactFiles(manifest: Manifest, files: Artifact['files'], where: string): Promise<void> {
  for (const f of manifest.files ?? []) {
    const data = files[f.name];
    if (data === undefined) throw new Error(`${where}: ${f.name} is missing (the manifest lists it)`);
    const bytes = fileBytes(data);
    if (bytes.byteLength !== f.bytes) {
      const d = bytes.byteLength - f.bytes;
      throw new Error(`${where}: ${f.name} is ${bytesText(Math.abs(d))} ${d > 0 ? 'longer' : 'shorter'} than the manifest says (${bytesText(bytes.byteLength)}, expected ${bytesText(f.bytes)}); the artifact is damaged or mixed with another one: recompile or copy it again`);
    }
    if (!subtleCrypto()) {
      // sizes are still checked; say once that the hashes are not
      if (!warnedNoCrypto) console.warn(`${where}: this page has no Web Crypto (served over plain HTTP?), so file hashes are not checked, only sizes`);
      warnedNoCrypto = true;
      continue;
    }
    const hash = await sha256Hex(bytes);
    if (hash !== f.sha256) {
      throw new Error(`${where}: ${f.name} does not belong to this artifact (hash mismatch: the manifest says sha256 ${f.sha256.slice(0, 16)}…, the file has ${hash.slice(0, 16)}…); recompile or copy the whole artifact again`);
    }
  }
}
