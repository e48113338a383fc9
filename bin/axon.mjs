#!/usr/bin/env node
// The `axon` command. An installed package runs the built JavaScript (dist/cli/main.js). A source
// checkout (which has cli/main.ts) runs its TypeScript sources, never a stale build: as JavaScript
// transpiled in one batch and cached (bin/source-js.mjs), or through tsx, a dev dependency there,
// when esbuild is missing, AXON_TSX=1 is set, or an argument is a .ts file (a model module that
// imports the sources by path must share their module instances, which only tsx can give it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../cli/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const namesTs = process.argv.slice(2).some((a) => /\.[cm]?tsx?$/i.test(a));
  const js = process.env.AXON_TSX === '1' || namesTs ? null : await (await import('./source-js.mjs')).sourceAsJs(root).catch((e) => {
    process.stderr.write(`note: running the CLI through tsx (transpiling the sources failed: ${e.message})\n`);
    return null;
  });
  if (js) {
    if (process.env.AXON_DEBUG) process.setSourceMapsEnabled(true); // stack traces name the .ts lines
    process.env.AXON_SOURCE_ROOT = root; // for paths outside the transpiled folders (bench/)
    ({ main } = await import(new URL(`file://${js}`).href));
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    ({ main } = await import(source.href));
  }
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
process.exitCode = await main(process.argv);
