/**
 * `npm run build` (also run by `npm pack` / `npm publish` through `prepack`): the package's
 * dist/ folder, ESM JavaScript and .d.ts compiled by tsc from compiler/, runtime/, cli/ and
 * examples/ (the CLI's bundled models).
 *
 *   1. `npm run build:kernels`, where package.json has it (the prebuilt AssemblyScript kernel library);
 *   2. the kernel library embedded as a module (scripts/embed-kernel-library.ts);
 *   3. tsc -p tsconfig.build.json: `.ts` import specifiers become `.js` (rewriteRelativeImportExtensions);
 *   4. binary assets beside the sources (*.wasm) copied to the same place in dist/;
 *   5. the same rewrite in the .d.ts files, which tsc leaves pointing at `.ts`, so that a consumer's
 *      TypeScript (any version, any moduleResolution) resolves them to the emitted declarations.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = join(root, 'dist');
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
if (pkg.scripts['build:kernels']) run('npm', ['run', 'build:kernels']);
run('npm', ['run', 'build:library']);

// only the package's folders: dist/playground (npm run playground:build) is not ours to delete
export const PACKAGE_DIRS = ['compiler', 'runtime', 'cli', 'examples'];
for (const dir of PACKAGE_DIRS) rmSync(join(dist, dir), { recursive: true, force: true });
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);

// binary assets the compiled modules locate with `new URL(…, import.meta.url)` (tsc copies only
// the .json files they import); none today (the kernel library is embedded as a module)
const ASSET = /\.wasm$/;
for (const dir of PACKAGE_DIRS) {
  for (const file of walk(join(root, dir))) {
    if (ASSET.test(file)) cpSync(file, join(dist, relative(root, file)));
  }
}

/** Relative `from './x.ts'` and `import('./x.ts')` specifiers → `.js` (package specifiers are left alone). */
export function rewriteDeclarationSpecifiers(text: string): string {
  return text.replace(/((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g, '$1$2$3.js$2');
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

let declarations = 0;
for (const file of PACKAGE_DIRS.flatMap((dir) => [...walk(join(dist, dir))])) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  const rewritten = rewriteDeclarationSpecifiers(text);
  if (rewritten !== text) writeFileSync(file, rewritten);
  declarations++;
}
console.log(`build: dist/ written (${declarations} declaration files)`);
