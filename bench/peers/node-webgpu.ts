/**
 * Gives Node a browser-like navigator.gpu from the `webgpu` package (Dawn), so libraries written
 * for browsers find WebGPU where they look for it.
 */
import { create, globals } from 'webgpu';

let installed: GPU | undefined;

export function installNavigatorGpu(): GPU {
  if (installed) return installed;
  Object.assign(globalThis, globals);
  installed = create([]) as GPU;
  const nav = (globalThis as { navigator?: object }).navigator;
  // Node 21+ has a read-only global navigator; Node 20 has none
  if (nav) Object.defineProperty(nav, 'gpu', { value: installed, configurable: true });
  else (globalThis as { navigator?: object }).navigator = { gpu: installed, userAgent: `Node.js/${process.versions.node}` };
  return installed;
}

/** "vendor architecture (description)" of the adapter the libraries will get. */
export async function describeAdapter(gpu: GPU): Promise<string> {
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('WebGPU: no adapter (is a Vulkan driver such as Mesa llvmpipe installed? see scripts/setup-system.sh)');
  const i = adapter.info;
  return [i.vendor, i.architecture, i.description && `(${i.description})`].filter(Boolean).join(' ') || 'unknown adapter';
}

export async function packageVersion(name: string): Promise<string> {
  const { createRequire } = await import('node:module');
  const { readFileSync } = await import('node:fs');
  const require = createRequire(import.meta.url);
  // some packages do not export ./package.json: walk up from the resolved entry instead
  let dir = require.resolve(name);
  for (;;) {
    const parent = dir.slice(0, dir.lastIndexOf('/'));
    if (parent === dir || !parent) throw new Error(`no package.json for ${name}`);
    dir = parent;
    try {
      const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
      if (pkg.name === name) return pkg.version;
    } catch { /* keep walking */ }
  }
}
