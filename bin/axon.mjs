#!/usr/bin/env node
// The `axon` command. An installed package runs the built JavaScript (dist/cli/main.js); a source
// checkout (which has cli/main.ts) runs the TypeScript sources through tsx, a dev dependency
// there, so the repository's own `npx axon` never runs a stale build.
import { existsSync } from 'node:fs';

const source = new URL('../cli/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
process.exitCode = await main(process.argv);
