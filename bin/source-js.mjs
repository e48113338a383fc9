// A source checkout's `axon` runs its TypeScript as JavaScript that esbuild (tsx's own compiler)
// transpiles in one batch into node_modules/.cache/axon-cli-js/, reused while no source file
// changes. Loading that is plain Node ESM: no per-module loader hooks (tsx resolves and
// transforms each of the ~150 modules `axon train` loads through a hook thread), which is most
// of what a fresh `npm run main` spent before its first step. One file per source file, imports
// kept (a `.ts` specifier becomes `.js`), so module identity and lazy imports are as in dist/.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';

/** The folders the CLI loads from (as in the package's dist/). */
const SOURCE_DIRS = ['compiler', 'runtime', 'cli', 'examples'];
/** Bump when the transpile settings change, so old caches are not reused. */
const FORMAT = 1;

function* tsFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

/** Every source file with its size and mtime: a changed, added or removed file changes the key. */
function fingerprint(root, files, esbuildVersion) {
  const h = createHash('sha256').update(`${FORMAT} ${esbuildVersion} ${process.version} ${root}\n`);
  for (const f of files) {
    const s = statSync(f);
    h.update(`${relative(root, f)} ${s.size} ${s.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 20);
}

/** Rewrites relative `.ts` imports to `.js` and leaves every import external (one output per input). */
const keepImports = {
  name: 'axon-keep-imports',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const path = /^\.\.?\//.test(args.path) ? args.path.replace(/\.([cm]?)ts$/, '.$1js') : args.path;
      return { path, external: true };
    });
  },
};

function locate(root, esbuildVersion) {
  root = resolve(root); // one key for "/repo" and "/repo/"
  const files = SOURCE_DIRS.filter((d) => existsSync(join(root, d))).flatMap((d) => [...tsFiles(join(root, d))]).sort();
  const base = join(root, 'node_modules', '.cache', 'axon-cli-js');
  return { files, base, dir: join(base, `js-${fingerprint(root, files, esbuildVersion)}`) };
}

/** Where the transpiled tree of `root`'s current sources is (or would be): for measuring cold starts. */
export async function transpiledDir(root) {
  return locate(root, esbuildVersion() ?? 'none').dir;
}

function esbuildVersion() {
  try {
    return createRequire(import.meta.url)('esbuild/package.json').version;
  } catch {
    return null;
  }
}

/**
 * The path of cli/main.js transpiled from `root`'s sources, building it when the sources
 * changed; null when esbuild is not there (the caller falls back to tsx).
 */
export async function sourceAsJs(root) {
  const version = esbuildVersion();
  if (!version) return null;
  const { files, base, dir } = locate(root, version);
  const main = join(dir, 'cli', 'main.js');
  if (existsSync(main)) return main;
  // esbuild's API (150 ms to import) only when the tree must be built
  const esbuild = await import('esbuild');

  // build beside it and rename into place, so a concurrent run never sees half a tree
  const tmp = join(base, `build-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    await esbuild.build({
      entryPoints: files, outdir: tmp, outbase: root, bundle: true, plugins: [keepImports],
      format: 'esm', platform: 'node', target: `node${process.versions.node.split('.')[0]}`,
      sourcemap: 'linked', logLevel: 'silent', charset: 'utf8',
    });
    writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }\n');
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (!existsSync(main)) throw e; // another run put the same tree there first
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    esbuild.stop?.(); // its service process would otherwise live as long as the CLI
  }
  removeStale(base, dir);
  return main;
}

/** Trees from older sources, left a day so that runs still using one keep their lazy imports. */
function removeStale(base, keep) {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of readdirSync(base)) {
    const path = join(base, name);
    if (path === keep) continue;
    try {
      if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true });
    } catch {
      // another run removed it
    }
  }
}
