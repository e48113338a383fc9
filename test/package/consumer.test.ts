/**
 * The package as a user gets it: `npm pack` (which builds dist/), the tarball installed into a
 * fresh project outside the repository (install.ts: offline, only the declared dependencies),
 * then
 *   (a) plain `node` imports `axon` and `axon/runtime/node`, trains an MLP for a few steps on
 *       WASM and WebGPU without a warning, writing nothing (the WASM backend links per-program
 *       bytecode onto the embedded prebuilt kernel library, so there is no compile cache to fill);
 *   (b) `tsc --noEmit` type-checks consumer files with strict + exactOptionalPropertyTypes and
 *       skipLibCheck off, under nodenext and bundler resolution, and a browser-only one without @types/node;
 *   (c) a Vite app built from the installed package (and the same app under Vite's dev server) runs
 *       a prebuilt artifact and compiles a small graph in headless Chromium, on both backends;
 * and the browser entries (`axon/runtime`, `axon`'s browser condition) reach no Node built-in.
 * In CI (CI=true) a missing Chromium or WebGPU adapter fails the test; elsewhere those parts are
 * skipped with a warning.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build as esbuild } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchChromium, type LaunchedBrowser } from '../playground/chromium.ts';
import { serveStatic } from '../playground/static-server.ts';
import { installConsumer, packRepository, REPO, type Consumer, type Packed } from './install.ts';

const CI = process.env.CI === 'true';
const FIXTURES = join(REPO, 'test/package/consumer');
const PACK_DIR = join(REPO, 'node_modules/.cache/axon/pack');
// generous: npm pack + the installs, then Vite and Chromium, on a shared 2-core machine under load
const TIMEOUT = 480_000;

function unavailable(what: string, why: string): true {
  if (CI) throw new Error(`consumer test: ${what} must run in CI, but ${why}`);
  console.warn(`\n${'!'.repeat(90)}\nSKIPPING consumer ${what}: ${why}\n${'!'.repeat(90)}\n`);
  return true;
}

async function haveNodeWebGpu(): Promise<boolean> {
  const { nodeGpu } = await import('../../runtime/node/webgpu.ts');
  return (await nodeGpu().requestAdapter().catch(() => null)) !== null;
}

interface TrainResult {
  runtimeExports: string[];
  wasm: number[];
  webgpu?: number[];
  expected: { wasm: number[]; webgpu?: number[] };
}

/** Every file under dir, relative to it, with `/` separators (as `npm pack` lists them). */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

function expectTrains(loss: number[] | undefined, what: string): void {
  expect(loss, what).toHaveLength(5);
  for (const l of loss!) expect(Number.isFinite(l), `${what}: finite loss`).toBe(true);
  expect(loss![4]!, `${what}: the loss goes down`).toBeLessThan(loss![0]! * 0.95);
}

function expectClose(actual: number[], expected: number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]!), `${what}[${i}]: ${a} vs ${expected[i]}`).toBeLessThan(1e-4 + 1e-3 * Math.abs(expected[i]!)));
}

describe('the packed package in a fresh project', () => {
  let packed: Packed;
  let consumer: Consumer;
  let gpu = false;
  let trained: TrainResult;
  const node = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, args, { cwd: consumer.dir, encoding: 'utf8', env: { ...process.env, ...env }, timeout: TIMEOUT });
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    return r;
  };

  beforeAll(async () => {
    rmSync(PACK_DIR, { recursive: true, force: true });
    packed = packRepository(PACK_DIR);
    gpu = await haveNodeWebGpu() || !unavailable('WebGPU in Node', 'Dawn found no adapter');
    // what a user would add: Dawn for WebGPU, TypeScript (+ Node's types) and Vite
    consumer = installConsumer(packed.tarball, FIXTURES, ['webgpu', 'typescript', '@types/node', 'vite', 'esbuild']);
  }, TIMEOUT);

  afterAll(() => {
    if (consumer && !process.env.AXON_KEEP_CONSUMER) rmSync(consumer.dir, { recursive: true, force: true });
  });

  it('the tarball holds dist/ and the bin, and no sources, tests, bench or playground', () => {
    console.log(`tarball ${packed.tarball}: ${packed.size} bytes, ${packed.unpackedSize} unpacked, ${packed.files.length} files`);
    expect(packed.files).toContain('dist/compiler/index.js');
    expect(packed.files).toContain('dist/compiler/index.d.ts');
    expect(packed.files).toContain('dist/runtime/node/index.js');
    expect(packed.files).toContain('dist/examples/mlp.js');
    expect(packed.files).toContain('bin/axon.mjs');
    const stray = packed.files.filter((f) => !/^(dist\/(compiler|runtime|cli|examples)\/|bin\/axon\.mjs$|package\.json$|README\.md$)/.test(f));
    expect(stray).toEqual([]);
    expect(packed.files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toBe(false);
  });

  it('(a) plain node: imports axon and axon/runtime/node, trains an MLP on WASM and WebGPU, silently, writing no cache and nothing in the package', () => {
    const xdg = join(consumer.dir, 'xdg-cache');
    const r = node(['train.mjs', ...(gpu ? ['--webgpu'] : [])], { XDG_CACHE_HOME: xdg, AXON_CACHE_DIR: '' });
    trained = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as TrainResult;
    expectTrains(trained.wasm, 'wasm');
    if (gpu) expectTrains(trained.webgpu, 'webgpu');
    expect(trained.runtimeExports).toEqual(expect.arrayContaining(['createSession', 'fetchArtifact']));
    // the bytecode path compiles in milliseconds from the embedded library: no disk cache, and
    // nothing written inside the installed package (its files are exactly the tarball's)
    expect(existsSync(join(xdg, 'axon')), 'a compile cache was written').toBe(false);
    expect(listFiles(consumer.axon).sort()).toEqual(packed.files.slice().sort());
    expect(r.stderr).not.toMatch(/ExperimentalWarning|AXON_CACHE/);
  }, TIMEOUT);

  it('(a) the axon bin runs the built CLI', () => {
    const r = node([join(consumer.axon, 'bin/axon.mjs'), '--help']);
    expect(r.stdout).toMatch(/Usage: axon/);
    expect(r.stdout).toMatch(/compile \[options\] <model>/);
  });

  for (const config of ['tsconfig.nodenext.json', 'tsconfig.bundler.json', 'tsconfig.browser.json']) {
    it(`(b) tsc --noEmit -p ${config} (strict, exactOptionalPropertyTypes, skipLibCheck off)`, () => {
      const r = spawnSync(process.execPath, [join(consumer.dir, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: consumer.dir, encoding: 'utf8', timeout: TIMEOUT });
      expect(`${r.stdout}${r.stderr}`).toBe('');
      expect(r.status).toBe(0);
    }, TIMEOUT);
  }

  it('the browser entries (axon/runtime, and axon under the browser condition) reach no Node built-in', async () => {
    for (const entry of ['axon/runtime', 'axon']) {
      const result = await esbuild({
        stdin: { contents: `export * from '${entry}';`, resolveDir: consumer.dir },
        bundle: true, write: false, platform: 'browser', format: 'esm', metafile: true, logLevel: 'silent',
      }).catch((e: Error) => { throw new Error(`${entry} does not bundle for the browser: ${e.message}`); });
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.filter((i) => i !== '<stdin>' && (i.startsWith('node:') || !i.includes('node_modules/axon/'))), entry).toEqual([]);
    }
  });

  describe('(c) a Vite app in headless Chromium', () => {
    let browser: LaunchedBrowser | undefined;
    const skip = !existsSync(CHROMIUM) && unavailable('browser app', `no Chromium at ${CHROMIUM}`);
    const app = () => join(consumer.dir, 'app');

    afterAll(async () => { await browser?.close(); });

    async function runPage(url: string): Promise<void> {
      browser ??= await launchChromium();
      const page: Page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(url);
        await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', null, { timeout: 120_000 });
        const hasGpu = await page.evaluate(async () => !!(await navigator.gpu?.requestAdapter()));
        if (!hasGpu) unavailable('WebGPU in Chromium', 'navigator.gpu gave no adapter');
        for (const backend of ['wasm', ...(hasGpu && trained.expected.webgpu ? ['webgpu' as const] : [])] as const) {
          const r = await page.evaluate((b) => window.__axonConsumer!(b), backend);
          console.log(`${url} ${backend}: compiled in the page in ${r.compileMs.toFixed(0)} ms`);
          expectClose(r.logits, trained.expected[backend]!, `${backend} prebuilt artifact logits`);
          expectTrains(r.loss, `${backend} compiled in the page`);
        }
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    }

    it.skipIf(skip)('vite build: the static build runs in Chromium', async () => {
      expect(trained, 'needs (a) for the prebuilt artifacts').toBeDefined();
      execFileSync(process.execPath, [join(consumer.dir, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', 'dist'], { cwd: app(), stdio: 'pipe', timeout: TIMEOUT });
      const server = await serveStatic(join(app(), 'dist'));
      try {
        await runPage(server.url);
      } finally {
        await server.close();
      }
    }, TIMEOUT);

    it.skipIf(skip)('vite dev server: the same app, unbundled', async () => {
      expect(trained, 'needs (a) for the prebuilt artifacts').toBeDefined();
      const vite = await import(pathToFileURL(join(consumer.dir, 'node_modules/vite/dist/node/index.js')).href) as typeof import('vite');
      const server = await vite.createServer({ root: app(), configFile: join(app(), 'vite.config.js'), server: { host: '127.0.0.1', port: 0 } });
      await server.listen();
      try {
        await runPage(server.resolvedUrls!.local[0]!);
      } finally {
        await server.close();
      }
    }, TIMEOUT);
  });
});

declare global {
  interface Window {
    __axonConsumer?: (backend: 'wasm' | 'webgpu') => Promise<{ logits: number[]; loss: number[]; compileMs: number }>;
  }
}
