/**
 * Writing a directory of files (an artifact) so that a failure — a full disk, a kill, a crash —
 * never leaves a mix of new and old files: everything goes into a hidden temporary sibling
 * (same file system), each file fsynced, and only then is the sibling renamed into place. An
 * existing directory is first renamed aside and removed after the swap, so between the two
 * renames a crash leaves the complete old and new directories as `.NAME.axon-old-…` and
 * `.NAME.axon-tmp-…`; the next save to the same place removes such leftovers of dead processes.
 */
import * as fsp from 'node:fs/promises';
import { constants, openSync, closeSync, fsyncSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** The file operations a directory write uses; tests replace one to simulate a failure. */
export interface DirWriteIo {
  writeFile: (path: string, data: Uint8Array | string) => Promise<void>;
  rename: (from: string, to: string) => Promise<void>;
}

async function writeFileDurably(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await fsp.open(path, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export const realDirIo: DirWriteIo = { writeFile: writeFileDurably, rename: fsp.rename };

/** Whether process `pid` still runs (EPERM: it runs under another user). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const TEMP_MARK = /^\.(.+)\.axon-(tmp|old)-(\d+)-[0-9a-z]+$/;

/** Removes `.NAME.axon-tmp-PID-…` / `.NAME.axon-old-PID-…` siblings of `dir` left by dead processes. */
export async function removeStaleDirTemporaries(dir: string): Promise<string[]> {
  const parent = dirname(resolve(dir));
  const name = basename(resolve(dir));
  let entries: string[];
  try {
    entries = await fsp.readdir(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const e of entries) {
    const m = TEMP_MARK.exec(e);
    if (!m || m[1] !== name || processIsAlive(Number(m[3]))) continue;
    await fsp.rm(join(parent, e), { recursive: true, force: true });
    removed.push(join(parent, e));
  }
  return removed;
}

/**
 * Creates `dir`'s parent after checking that its nearest existing ancestor is a writable
 * directory (Node's recursive mkdir never returns under /proc, and its errors name no folder).
 */
export async function ensureWritableParent(dir: string): Promise<void> {
  const parent = dirname(resolve(dir));
  let probe = parent;
  for (;;) {
    const st = await fsp.stat(probe).catch(() => null);
    if (st) {
      if (!st.isDirectory()) throw new Error(`cannot create ${dir}: ${probe} is not a directory`);
      try {
        await fsp.access(probe, constants.W_OK);
      } catch {
        throw new Error(`cannot create ${dir}: ${probe} is not writable`);
      }
      if (['/proc', '/sys'].some((k) => probe === k || probe.startsWith(`${k}/`))) throw new Error(`cannot create ${dir}: ${probe} is a kernel file system`);
      break;
    }
    const up = dirname(probe);
    if (up === probe) break;
    probe = up;
  }
  await fsp.mkdir(parent, { recursive: true });
}

/**
 * Writes `files` (name → contents, in order; put the file that marks completeness, e.g.
 * manifest.json, last) as directory `dir`, replacing a previous one only when everything is written.
 * `replaceable(existing)` decides whether an existing directory may be replaced.
 */
export async function writeDirAtomic(
  dir: string, files: [string, Uint8Array | string][], options: { io?: DirWriteIo; replaceable?: (existing: string) => Promise<string | null> } = {},
): Promise<void> {
  const io = options.io ?? realDirIo;
  const target = resolve(dir);
  const existing = await fsp.lstat(target).catch(() => null);
  if (existing) {
    if (!existing.isDirectory()) throw new Error(`cannot write ${dir}: it exists and is not a directory`);
    const refusal = await options.replaceable?.(target);
    if (refusal) throw new Error(`cannot write ${dir}: ${refusal}`);
  }
  await ensureWritableParent(target);
  await removeStaleDirTemporaries(target);
  const parent = dirname(target);
  const tag = () => `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const tmp = join(parent, `.${basename(target)}.axon-tmp-${tag()}`);
  try {
    await fsp.mkdir(tmp);
    for (const [name, data] of files) await io.writeFile(join(tmp, name), data);
    syncDir(tmp);
    if (existing) {
      const old = join(parent, `.${basename(target)}.axon-old-${tag()}`);
      await io.rename(target, old);
      try {
        await io.rename(tmp, target);
      } catch (e) {
        await fsp.rename(old, target);
        throw e;
      }
      await fsp.rm(old, { recursive: true, force: true });
    } else {
      await io.rename(tmp, target);
    }
    syncDir(parent);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw new Error(`writing ${dir} failed (the previous contents, if any, are unchanged): ${(e as Error).message}`, { cause: e });
  }
}

function syncDir(dir: string): void {
  // makes the renames durable; not every platform can open a directory, which is fine
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* best effort */ }
}
