/**
 * Packs the repository with `npm pack` (which runs `prepack`: npm run build) and installs the
 * tarball into a fresh project outside the repository, offline: the tarball is unpacked into the
 * project's node_modules/axon as npm would, and each package it declares in `dependencies`
 * (plus those the test installs on purpose, like a user's `npm install axon webgpu vite`), with
 * its own dependencies, is copied (hard links) from the repository's installed node_modules.
 * Nothing else is there: a dependency the package forgot to declare fails the consumer test,
 * and the project lies outside the repository, so Node cannot find the repository's packages
 * by walking up.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const REPO_MODULES = join(REPO, 'node_modules');

export interface Packed {
  tarball: string;
  /** bytes of the .tgz */
  size: number;
  unpackedSize: number;
  files: string[];
}

/** `npm pack`, with its `prepack` build: the repository's .npmrc turns lifecycle scripts off, so they are switched back on here. */
export function packRepository(destination: string): Packed {
  mkdirSync(destination, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts=false', '--pack-destination', destination], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  // prepack's output precedes the JSON array
  const info = JSON.parse(out.slice(out.indexOf('\n[') + 1 || out.indexOf('['))) as Array<{ filename: string; size: number; unpackedSize: number; files: Array<{ path: string }> }>;
  const p = info[0]!;
  return { tarball: join(destination, p.filename), size: p.size, unpackedSize: p.unpackedSize, files: p.files.map((f) => f.path) };
}

interface PackageJson { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }
const readPackage = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;

/** Copies `name` (and what it depends on) from the repository's node_modules into `modules`. */
function copyWithDependencies(name: string, modules: string, done: Set<string>): void {
  if (done.has(name)) return;
  done.add(name);
  const from = join(REPO_MODULES, name);
  if (!existsSync(from)) throw new Error(`consumer install: ${name} is not installed in ${REPO_MODULES} (run npm ci)`);
  const to = join(modules, name);
  mkdirSync(dirname(to), { recursive: true });
  try {
    execFileSync('cp', ['-al', from, to]); // hard links: instant on one file system
  } catch {
    cpSync(from, to, { recursive: true, dereference: false });
  }
  const pkg = readPackage(from);
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
    // a nested copy travels inside its parent; an optional one that is not installed is skipped
    if (existsSync(join(from, 'node_modules', dep))) continue;
    if (!existsSync(join(REPO_MODULES, dep)) && pkg.optionalDependencies?.[dep]) continue;
    copyWithDependencies(dep, modules, done);
  }
}

export interface Consumer {
  dir: string;
  /** node_modules/axon of the consumer */
  axon: string;
}

/** A fresh project (outside the repository) with the tarball installed, plus `extra` packages. */
export function installConsumer(tarball: string, fixtures: string, extra: string[]): Consumer {
  const dir = mkdtempSync(join(tmpdir(), 'axon-consumer-'));
  cpSync(fixtures, dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'axon-consumer', private: true, type: 'module' }, null, 2));
  const modules = join(dir, 'node_modules');
  const axon = join(modules, 'axon');
  mkdirSync(axon, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', axon, '--strip-components=1']);
  const done = new Set<string>(['axon']);
  for (const dep of Object.keys(readPackage(axon).dependencies ?? {})) copyWithDependencies(dep, modules, done);
  for (const dep of extra) copyWithDependencies(dep, modules, done);
  return { dir, axon };
}
