/**
 * bin/source-js.mjs: a source checkout's CLI runs as JavaScript transpiled in one batch. The
 * transpiled tree must keep one module per source (relative `.ts` imports become `.js`), and
 * be rebuilt, not reused, after any source file changes.
 */
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module without types
import { sourceAsJs } from '../../bin/source-js.mjs';

function checkout(value: number): string {
  const root = mkdtempSync(join(tmpdir(), 'axon-source-js-'));
  mkdirSync(join(root, 'cli'));
  mkdirSync(join(root, 'compiler'));
  writeFileSync(join(root, 'cli', 'main.ts'), `import { value, type Box } from '../compiler/value.ts';\nconst box: Box = { v: value };\nexport const main = (): number => box.v;\nexport const lazy = () => import('../compiler/value.ts');\n`);
  writeFileSync(join(root, 'compiler', 'value.ts'), `export interface Box { v: number }\nexport const value: number = ${value};\n`);
  return root;
}

describe('bin/source-js.mjs', () => {
  it('transpiles the sources into a cached tree whose imports are the transpiled files', async () => {
    const root = checkout(7);
    const main: string = await sourceAsJs(root);
    expect(main).toMatch(/node_modules\/\.cache\/axon-cli-js\/js-[0-9a-f]+\/cli\/main\.js$/);
    const mod = await import(pathToFileURL(main).href);
    expect(mod.main()).toBe(7);
    // the dynamic import is the same module instance as the static one
    expect((await mod.lazy()).value).toBe(7);
    expect(await sourceAsJs(root)).toBe(main); // unchanged sources: the same tree
  });

  it('rebuilds after a source file changes', async () => {
    const root = checkout(1);
    const first: string = await sourceAsJs(root);
    writeFileSync(join(root, 'compiler', 'value.ts'), 'export interface Box { v: number }\nexport const value: number = 2;\n');
    utimesSync(join(root, 'compiler', 'value.ts'), new Date(), new Date(Date.now() + 5000));
    const second: string = await sourceAsJs(root);
    expect(second).not.toBe(first);
    expect((await import(pathToFileURL(second).href)).main()).toBe(2);
  });
});
