/**
 * One system's process: loads its adapter, then prepares, times and releases cases as the
 * harness asks. Each system gets its own process so libraries cannot share global state (tfjs
 * backends, emscripten heaps) and its memory growth is its own.
 */
import { CASES } from './cases.ts';
import type { Reply, Request } from './protocol.ts';
import type { BenchSystem, PreparedCase } from './system.ts';
import { pinToCpu } from './pin-cpu.ts';

let system: BenchSystem | undefined;
let current: PreparedCase | undefined;
let rssBase = 0;
let rssPeak = 0;

const send = (r: Reply) => process.send!(r);
const mb = (bytes: number) => bytes / (1024 * 1024);
const sampleRss = () => { rssPeak = Math.max(rssPeak, process.memoryUsage().rss); };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function handle(req: Request): Promise<Reply> {
  switch (req.type) {
    case 'init': {
      const mod = await import(`./systems/${req.system}.ts`);
      system = mod.default as BenchSystem;
      // before init, so threads the system starts later inherit the affinity
      const pinned = req.pinCpu !== undefined && system.threads === 1 ? pinToCpu(process.pid, req.pinCpu) : undefined;
      const info = await system.init();
      return { type: 'ready', info: pinned ? { ...info, notes: [...(info.notes ?? []), pinned] } : info };
    }
    case 'prepare': {
      const c = CASES.find((k) => k.name === req.caseName);
      if (!c) throw new Error(`unknown case ${req.caseName}`);
      const support = system!.supports?.(c) ?? true;
      if (support !== true) return { type: 'unsupported', reason: support };
      rssBase = rssPeak = process.memoryUsage().rss;
      const t0 = performance.now();
      current = await system!.prepare(c);
      const t1 = performance.now();
      const sum = await current.run();
      const t2 = performance.now();
      sampleRss();
      if (t2 - t1 > req.maxRunMs) return { type: 'too-slow', compile_ms: t1 - t0, first_run_ms: t2 - t1 };
      const warm: number[] = [];
      for (let i = 0; i < req.warmupRuns; i++) {
        const s = performance.now();
        await current.run();
        warm.push(performance.now() - s);
      }
      sampleRss();
      return { type: 'prepared', result: { compile_ms: t1 - t0, first_run_ms: t2 - t1, estimate_ms: warm.length ? median(warm) : t2 - t1, checksum: sum } };
    }
    case 'sample': {
      // process.cpuUsage covers every thread of this process: worker_threads, wasm and native pools, Dawn/llvmpipe
      const cpu = process.cpuUsage();
      const s = performance.now();
      for (let i = 0; i < req.inner; i++) await current!.run();
      const ms = (performance.now() - s) / req.inner;
      const used = process.cpuUsage(cpu);
      sampleRss();
      return { type: 'sample', ms, cpu_ms: (used.user + used.system) / 1000 / req.inner };
    }
    case 'release': {
      await current?.dispose();
      current = undefined;
      return { type: 'released', peak_rss_delta_mb: mb(rssPeak - rssBase) };
    }
  }
}

process.on('message', (req: Request) => {
  handle(req).then(send, (e: unknown) => send({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
});
