/**
 * Launches Debian's Chromium (scripts/setup-system.sh installs it) headless through playwright-core,
 * with WebGPU on SwiftShader and no network side traffic. No `playwright install`: the system browser only.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.AXON_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--enable-unsafe-webgpu',
  // Dawn on SwiftShader's Vulkan. Measured: adding --use-angle=swiftshader makes each WebGPU step
  // ~15× slower (the page's canvases then compete for the same software rasterizer), so it is left out.
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
];

export interface LaunchedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (run scripts/setup-system.sh, or set AXON_CHROMIUM)`);
  const profile = mkdtempSync(join(tmpdir(), 'axon-playground-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 1000 } });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
