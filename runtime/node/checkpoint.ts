/**
 * Checkpoint files: the format of runtime/train/checkpoint-format.ts, written atomically so a
 * crash mid-save leaves the previous checkpoint whole: write a temp file in the same directory,
 * fsync it, rename it over the target (atomic on POSIX within one file system), fsync the dir.
 */
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../train/checkpoint-format.ts';
import { processIsAlive } from './atomic-dir.ts';

/** The file operations a save uses; tests replace one to simulate a crash. */
export interface SaveFs {
  writeFileSync: (fd: number, data: Uint8Array) => void;
  renameSync: (from: string, to: string) => void;
}

const realFs: SaveFs = { writeFileSync: (fd, data) => fs.writeFileSync(fd, data), renameSync: fs.renameSync };

const TMP_SUFFIX = '.tmp';
/** `.NAME.PID.MS.tmp`: what writeFileAtomic writes before the rename */
const TMP_NAME = /^\..+\.(\d+)\.\d+\.tmp$/;

/**
 * Removes the temporary files of saves in `dir` that a killed process never finished (its pid
 * no longer runs); a resumed run calls this. Returns the removed paths.
 */
export function removeStaleTemporaries(dir: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const e of entries) {
    const m = TMP_NAME.exec(e);
    if (!m || Number(m[1]) === process.pid || processIsAlive(Number(m[1]))) continue;
    fs.rmSync(join(dir, e), { force: true });
    removed.push(join(dir, e));
  }
  return removed;
}

export function writeFileAtomic(path: string, bytes: Uint8Array, io: SaveFs = realFs): void {
  const dir = dirname(path);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}${TMP_SUFFIX}`);
  let fd: number | null = fs.openSync(tmp, 'w');
  try {
    io.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    io.renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new Error(`saving ${path} failed (the previous file, if any, is unchanged): ${(e as Error).message}`);
  }
  syncDir(dir);
}

function syncDir(dir: string): void {
  // Makes the rename itself durable; not every platform can open a directory, which is fine.
  try {
    const fd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  } catch { /* best effort */ }
}

export function saveCheckpoint(path: string, ckpt: Checkpoint, io?: SaveFs): void {
  writeFileAtomic(path, encodeCheckpoint(ckpt), io);
}

export function loadCheckpoint(path: string, expectModelId?: string): Checkpoint {
  if (!fs.existsSync(path)) throw new Error(`checkpoint ${path} does not exist`);
  return decodeCheckpoint(new Uint8Array(fs.readFileSync(path)), { expectModelId, what: path });
}
