/**
 * The playground end to end in a real browser: build it with Vite, serve the static build with
 * COOP/COEP, open it in headless Chromium, train XOR through the page on WASM and on WebGPU
 * (compiled in the browser), classify the bundled Fashion-MNIST images, and save a screenshot and
 * the run metrics under out/playground/ (ignored; `npm run playground:screenshot` copies the
 * screenshot to the one the README shows).
 * In CI (CI=true) a missing Chromium or WebGPU adapter fails the test instead of skipping it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { Page } from 'playwright-core';
import { CHROMIUM, launchChromium, type LaunchedBrowser } from './chromium.ts';
import { serveStatic, type StaticServer } from './static-server.ts';
import type { RunMetrics } from '../../web/playground/src/app.ts';
import type { PlaygroundSettings } from '../../web/playground/src/controls.ts';

const CI = process.env.CI === 'true';
const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
/** test outputs go to an ignored folder: a test never rewrites tracked files */
const OUTPUT_DIR = repo('out/playground');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (CI) throw new Error(`playground test: Chromium is required in CI but ${CHROMIUM} is missing`);
  console.warn(`playground test SKIPPED: no Chromium at ${CHROMIUM} (run scripts/setup-system.sh)`);
}

/** Settings of the XOR runs: the page defaults (2 tanh layers of 4 units, Adam 0.01, batch 16), spelled out. */
const XOR: PlaygroundSettings = {
  dataset: 'xor', noise: 0, trainFraction: 0.5, features: ['x1', 'x2'], hidden: [4, 4],
  activation: 'tanh', optimizer: 'adam', lr: 0.01, batchSize: 16, l2: 0, dropout: 0,
};
const STEPS = 400;
/** ln 2 ≈ 0.69 is chance level; a network that separated the quadrants is far below */
const MAX_TEST_LOSS = 0.2;

describe.skipIf(!haveChromium)('playground in Chromium', () => {
  let server: StaticServer;
  let browser: LaunchedBrowser;
  let page: Page;
  const pageErrors: string[] = [];
  const metrics: Record<string, RunMetrics | { ms: number }> = {};

  beforeAll(async () => {
    // the pre-compiled Fashion-MNIST artifact is reused when current (compiling it takes ~20 s here)
    const { isPrepared, prepareFashion } = await import('../../web/playground/scripts/prepare-fashion.ts');
    if (!(await isPrepared())) await prepareFashion();
    await build({ configFile: repo('web/playground/vite.config.ts'), logLevel: 'error' });
    server = await serveStatic(repo('dist/playground'));
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
    await page.goto(server.url);
    await page.waitForFunction(() => window.__axonPlayground !== undefined, null, { timeout: 30_000 });
  });

  afterAll(async () => {
    if (pageErrors.length) console.log('playground page errors:', pageErrors);
    await browser?.close();
    await server?.close();
    if (Object.keys(metrics).length) console.log('playground metrics:', JSON.stringify(metrics, null, 1));
  });

  const train = (backend: 'wasm' | 'webgpu') =>
    page.evaluate(([settings, steps]) => window.__axonPlayground!.train({ ...settings, steps, timeoutMs: 45_000 }), [{ ...XOR, backend }, STEPS] as const);

  it('is cross-origin isolated and offers WASM SIMD', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const backends = await page.evaluate(() => window.__axonPlayground!.backends);
    expect(backends.wasm).toEqual({ ok: true, reason: 'WebAssembly SIMD' });
    expect(await page.locator('input[name=backend][value=wasm]').isDisabled()).toBe(false);
  });

  it('compiles and trains XOR on WASM in the page', async () => {
    // the page warms the AssemblyScript compiler up after loading; measure a warm compile
    const warmUpMs = await page.evaluate(() => window.__axonPlayground!.wasmWarmUp);
    expect(warmUpMs).toBeGreaterThan(0);
    metrics['page load: wasm compiler warm-up'] = { ms: warmUpMs };
    const m = await train('wasm');
    metrics.wasm = m;
    expect(m.backend).toBe('wasm');
    expect(m.steps).toBeGreaterThanOrEqual(STEPS);
    expect(m.compileMs).toBeGreaterThan(0);
    expect(m.stepsPerSec).toBeGreaterThan(0);
    expect(m.testLoss).toBeLessThan(MAX_TEST_LOSS);
    expect(m.trainLoss).toBeLessThan(MAX_TEST_LOSS);
    expect(await page.locator('#compile').textContent()).toMatch(/^\d+ ms$/);
    expect(Number(await page.locator('#test-loss').textContent())).toBeCloseTo(m.testLoss, 3);
  });

  it('compiles and trains XOR on WebGPU in the page', async (ctx) => {
    const webgpu = await page.evaluate(() => window.__axonPlayground!.backends.webgpu);
    if (!webgpu.ok) {
      if (CI) throw new Error(`WebGPU is required in CI: ${webgpu.reason}`);
      console.warn(`playground WebGPU test SKIPPED: ${webgpu.reason}`);
      ctx.skip();
    }
    const m = await train('webgpu');
    metrics.webgpu = m;
    expect(m.backend).toBe('webgpu');
    expect(m.steps).toBeGreaterThanOrEqual(STEPS);
    expect(m.compileMs).toBeGreaterThan(0);
    expect(m.testLoss).toBeLessThan(MAX_TEST_LOSS);
  });

  it('classifies the bundled Fashion-MNIST test images as the Node runtime does', async () => {
    const result = await page.evaluate(async () => {
      const panel = await window.__axonPlayground!.fashion;
      const results: { predicted: number; label: number; probabilities: number[] }[] = [];
      for (let i = 0; i < panel.samples.images.length; i++) results.push(await panel.classifySample(i));
      const drawn = Array.from(await panel.classifyCanvas());
      return { info: panel.info, expected: panel.samples.nodeProbabilities, results, drawn, status: document.getElementById('fashion-status')!.textContent };
    });
    expect(result.drawn).toHaveLength(10);
    expect(result.drawn.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    if (existsSync('/usr/share/datasets/fashion-mnist') || CI) expect(result.results.length).toBe(10);
    // the oracle: the same artifact and weights run by the Node runtime at build time
    result.results.forEach((r, i) => {
      const expected = result.expected[i]!;
      expect(r.predicted).toBe(expected.indexOf(Math.max(...expected)));
      r.probabilities.forEach((p, k) => expect(p).toBeCloseTo(expected[k]!, 4));
    });
    expect(result.status).toMatch(result.info.trained ? /^Trained weights loaded/ : /^No trained weights available/);
  });

  it('trains on WASM with 1 and 2 threads (Web Workers on the cross-origin-isolated page); steps/s recorded', async () => {
    // the widest network the controls allow, at the largest batch, so the pool has some work
    const settings = { ...XOR, backend: 'wasm' as const, hidden: [16, 16], batchSize: 64 };
    for (const threads of [1, 2]) {
      const m = await page.evaluate((s) => window.__axonPlayground!.train({ ...s, steps: 300 }), { ...settings, threads });
      metrics[`wasm, ${threads} thread(s) (XOR, 16-16 units, batch 64)`] = m;
      expect(m.threads).toBe(threads);
      expect(m.steps).toBeGreaterThanOrEqual(300);
      expect(m.stepsPerSec).toBeGreaterThan(0);
      expect(m.testLoss).toBeLessThan(MAX_TEST_LOSS);
    }
    // back to the page default for the tests after this one
    await page.evaluate(() => { (document.getElementById('threads') as HTMLSelectElement).value = '1'; });
  });

  it('renders every view without page errors (screenshot saved)', async () => {
    const settings = { ...XOR, backend: 'wasm' as const, dataset: 'spirals' as const, features: ['x1', 'x2', 'sinx1', 'sinx2'] as PlaygroundSettings['features'], hidden: [8, 6] };
    // a second WASM compile in the same page (the AssemblyScript compiler is warm now), trained
    // at 20 steps per frame as a user sees it, so the loss curves have many points
    metrics['wasm, second compile (spirals, 8-6 units, 20 steps/frame)'] = await page.evaluate((s) => window.__axonPlayground!.train({ ...s, steps: 600, stepsPerFrame: 20 }), settings);
    await page.locator('#samples canvas').nth(0).click();
    expect(await page.locator('#units-view canvas').count()).toBe(14);
    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: `${OUTPUT_DIR}/playground.png`, fullPage: true });
    if (Object.keys(metrics).length) writeFileSync(`${OUTPUT_DIR}/metrics.json`, `${JSON.stringify(metrics, null, 1)}\n`);
    expect(pageErrors).toEqual([]);
  });
});
