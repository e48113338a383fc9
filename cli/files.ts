/**
 * File access for the CLI with errors that name the file: reading JSON or text inputs, and
 * creating an output folder up front (before minutes of compiling or training), one level at a
 * time. Node's recursive mkdir never returns under /proc or /sys (it retries the ENOENT those
 * file systems answer forever), and its errors name no flag.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const reason = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EISDIR') return 'is a directory, not a file';
  if (err.code === 'ENOENT') return 'no such file';
  if (err.code === 'EACCES') return 'permission denied';
  return err.message;
};

/** The text of `path`; errors start with `label` (the file, or the flag that named it) and say why. */
export function readTextFile(path: string, label = path): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${label}: ${reason(e)}`);
  }
}

/** The parsed JSON of `path`; a syntax error names the file. */
export function readJsonFile(path: string, label = path): unknown {
  const text = readTextFile(path, label);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${label}: not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Creates `dir` (and missing parents) or checks that it is a directory; fails fast with the
 * folder and the reason. Parents are created one at a time from the nearest existing one.
 */
export function prepareOutputDir(dir: string, flag: string, options: { createLeaf?: boolean } = {}): void {
  const target = resolve(dir);
  const missing: string[] = [];
  let at = target;
  for (;;) {
    let isDir: boolean | undefined;
    try {
      isDir = statSync(at).isDirectory();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${flag} ${dir}: cannot use ${at}: ${reason(e)}`);
    }
    if (isDir === false) throw new Error(`${flag} ${dir}: ${at} exists and is not a directory`);
    if (isDir) break;
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (/^\/(proc|sys)(\/|$)/.test(target)) throw new Error(`${flag} ${dir}: ${target} is in a virtual file system (/proc, /sys); choose a folder on disk`);
  // an artifact folder is created by its atomic save (runtime/node/atomic-dir.ts), so a failed
  // compile leaves no empty folder behind: only its parents are made here
  for (const d of options.createLeaf === false ? missing.filter((m) => m !== target) : missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(d).isDirectory()) continue;
      throw new Error(`${flag} ${dir}: cannot create the folder ${d}: ${code === 'ENOENT' ? 'its parent does not accept new folders' : reason(e)}`);
    }
  }
}
