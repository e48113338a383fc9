/**
 * Where Node's compile cache lives ($AXON_CACHE_DIR, $XDG_CACHE_HOME/axon, ~/.cache/axon), that
 * compiled modules round-trip through it, and that a cache that cannot be written is reported
 * once (not swallowed) while compiling goes on.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheDirectory, createNodeCompileHost } from '../../compiler/node.ts';

const scratch = mkdtempSync(join(tmpdir(), 'axon-cache-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the compile cache directory', () => {
  it('is $AXON_CACHE_DIR, else $XDG_CACHE_HOME/axon, else ~/.cache/axon', () => {
    expect(cacheDirectory({ AXON_CACHE_DIR: '/a/b', XDG_CACHE_HOME: '/x' })).toBe('/a/b');
    expect(cacheDirectory({ XDG_CACHE_HOME: '/x' })).toBe('/x/axon');
    expect(cacheDirectory({ AXON_CACHE_DIR: '', XDG_CACHE_HOME: '' })).toBe(join(homedir(), '.cache', 'axon'));
    expect(cacheDirectory({})).toBe(join(homedir(), '.cache', 'axon'));
  });

  it('stores and returns compiled modules', async () => {
    const host = createNodeCompileHost({ cacheDir: join(scratch, 'ok') });
    const bytes = Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0]);
    expect(await host.cache!.get('k1')).toBeUndefined();
    await host.cache!.set('k1', bytes);
    expect(await host.cache!.get('k1')).toEqual(bytes);
  });

  it('reports once, with the directory and the error, when it cannot be written', async () => {
    const blocked = join(scratch, 'blocked');
    writeFileSync(blocked, 'a file where the cache directory should be');
    const reports: Array<[string, string]> = [];
    const host = createNodeCompileHost({ cacheDir: blocked, onCacheWriteError: (dir, e) => reports.push([dir, e.message]) });
    await host.cache!.set('k1', new Uint8Array(8));
    await host.cache!.set('k2', new Uint8Array(8));
    expect(reports).toHaveLength(1);
    expect(reports[0]![0]).toBe(join(blocked, 'wasm'));
    expect(reports[0]![1]).toMatch(/EEXIST|ENOTDIR/);
    expect(await host.cache!.get('k1')).toBeUndefined();
  });

  it('warns on stderr by default (process warning AXON_CACHE)', async () => {
    const blocked = join(scratch, 'blocked2');
    mkdirSync(scratch, { recursive: true });
    writeFileSync(blocked, '');
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      await createNodeCompileHost({ cacheDir: blocked }).cache!.set('k', new Uint8Array(8));
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.message).join('\n')).toMatch(/cannot write the compile cache in .*blocked2.*AXON_CACHE_DIR/);
  });

  it('can be switched off', () => {
    expect(createNodeCompileHost({ cacheDir: false }).cache).toBeUndefined();
  });
});
