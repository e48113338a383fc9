/**
 * The runtime in a real browser: Debian's Chromium (headless, WebGPU on SwiftShader) driven by
 * playwright-core loads a bundle of runtime/index.ts (built here with esbuild), fetches artifacts
 * compiled here for both backends from a local server (COOP/COEP set, as a threaded-WASM page
 * needs), runs a small CNN's training steps with navigator.gpu and with WASM, and the outputs must
 * match a Node WASM session's. In CI (CI=true) a missing Chromium or WebGPU adapter fails the
 * test; elsewhere it is skipped with a loud warning.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, Graph, losses, nn, optim, trainStep } from '../../compiler/index.ts';
import { createSession, saveArtifact } from '../../runtime/node/index.ts';
import type { BrowserRunResult } from '../../web/browser-test/main.ts';
import { serve } from './page-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader',
  '--no-sandbox', '--disable-gpu-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run',
];
const PAGE_DIR = resolve(import.meta.dirname, '../../web/browser-test');
const inCi = process.env.CI === 'true';

function unavailable(why: string): boolean {
  if (inCi) throw new Error(`browser test cannot run: ${why}`);
  const bar = '!'.repeat(100);
  console.warn(`\n${bar}\nSKIPPING BROWSER TEST: ${why}\n${bar}\n`);
  return true;
}

const skip = !existsSync(CHROMIUM) && unavailable(`${CHROMIUM} is missing (install it with sudo bash scripts/setup-system.sh, or apt-get install chromium)`);

const BATCH = 4;
/** conv 4@3×3 → relu → maxpool 2 → dense 5, softmax cross-entropy, SGD: every kernel kind. */
function tinyCnnTrainGraph(): Graph {
  const g = new Graph('browser_cnn');
  const x = g.input('x', [BATCH, 1, 8, 8]);
  const labels = g.input('labels', [BATCH], 'i32');
  const ctx = new nn.ModelContext(g, { seed: 7, training: true });
  const logits = nn.sequential(nn.conv2d(4, 3, { padding: 1 }), nn.relu(), nn.maxPool2d(2), nn.flatten(), nn.dense(5))(x, ctx);
  g.output('logits', logits);
  g.output('loss', losses.softmaxCrossEntropy(logits, labels));
  return trainStep(g, { optimizer: optim.sgd({ lr: 0.1 }) });
}

const feeds = Array.from({ length: 3 }, (_, step) => ({
  x: Array.from({ length: BATCH * 64 }, (_, i) => Math.sin(i * 0.7 + step)),
  labels: Array.from({ length: BATCH }, (_, i) => (i * 3 + step) % 5),
}));

function expectClose(actual: number[], expected: ArrayLike<number>, what: string, rtol = 1e-3, atol = 1e-4): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) expect.fail(`${what}[${i}]: browser ${a}, Node WASM ${e}`);
  });
}

describe.skipIf(skip)('runtime in Chromium (WebGPU on SwiftShader, and WASM)', () => {
  let dir: string, server: Server, context: BrowserContext, page: Page, base: string;
  let nodeWasm: { steps: Record<string, ArrayLike<number>>[]; params: Record<string, ArrayLike<number>> };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'axon-browser-'));
    const graph = tinyCnnTrainGraph();
    const [webgpu, wasm] = await Promise.all([compile(graph, { backend: 'webgpu' }), compile(graph, { backend: 'wasm' })]);
    await Promise.all([saveArtifact(webgpu, join(dir, 'webgpu')), saveArtifact(wasm, join(dir, 'wasm'))]);
    const bundle = await build({ entryPoints: [join(PAGE_DIR, 'main.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
    const bundleJs = bundle.outputFiles[0]!.text;
    server = await serve(async (path) => {
      if (path === '/index.html') return readFile(join(PAGE_DIR, 'index.html'));
      if (path === '/bundle.js') return bundleJs;
      if (path.startsWith('/artifacts/')) return readFile(join(dir, path.slice('/artifacts/'.length)));
      return undefined;
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const session = await createSession(wasm);
    const steps = [];
    for (const f of feeds) steps.push(await session.run({ x: Float32Array.from(f.x), labels: Int32Array.from(f.labels) }));
    nodeWasm = { steps, params: await session.getParams() };
    session.dispose();

    context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, { timeout: 20_000 })
      .catch((e: Error) => { throw new Error(`the test page did not start: ${pageErrors.join('; ') || e.message}`); });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const runInPage = (backend: string): Promise<BrowserRunResult> =>
    page.evaluate(([url, f]) => (globalThis as unknown as { axonTest: { runArtifact: (u: string, f: unknown, i: string[]) => Promise<BrowserRunResult> } }).axonTest.runArtifact(url, f, ['labels']), [`${base}/artifacts/${backend}`, feeds] as const);

  function expectMatchesNode(result: BrowserRunResult, rtol?: number, atol?: number) {
    result.steps.forEach((out, s) => {
      for (const name of ['loss', 'logits']) expectClose(out[name]!, nodeWasm.steps[s]![name]!, `step ${s} ${name}`, rtol, atol);
    });
    for (const [name, values] of Object.entries(nodeWasm.params)) expectClose(result.params[name]!, values, `param ${name}`, rtol, atol);
  }

  it('runs the WebGPU artifact with navigator.gpu and matches Node WASM', async () => {
    const adapter = await page.evaluate(() => (globalThis as unknown as { axonTest: { adapterName: () => Promise<string | undefined> } }).axonTest.adapterName());
    if (!adapter) {
      unavailable('Chromium exposes no WebGPU adapter (expected SwiftShader with --enable-unsafe-webgpu --use-webgpu-adapter=swiftshader)');
      return;
    }
    const result = await runInPage('webgpu');
    expect(result.backend).toBe('webgpu');
    expect(result.steps.map((s) => s['loss']![0]!).every(Number.isFinite)).toBe(true);
    expectMatchesNode(result);
  });

  it('runs the WASM artifact in the page and matches Node WASM', async () => {
    const result = await runInPage('wasm');
    expect(result.backend).toBe('wasm');
    expectMatchesNode(result, 1e-5, 1e-6);
  });
});
