/**
 * Runs cases on systems, each system in its own worker process, alternating systems sample by
 * sample (rotating the order every round) so that drift and other load on the machine hit all
 * systems alike.
 *
 * While one system's sample is timed, every other worker is paused (SIGSTOP, resumed with SIGCONT
 * before its own turn). Idle workers are not idle: thread pools spin after each run (onnxruntime's
 * intra-op pools, web and native, took 10–25% of a core for ~0.2 s after every sample), V8
 * collects the garbage of the last sample on background threads, and GPU stacks poll. Pausing
 * stops all of that without reconfiguring the peers (their spinning is part of their speed).
 * On Linux the CPU each worker used while others were timed is reported as idle_cpu_pct.
 */
import os from 'node:os';
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchCase } from './cases.ts';
import type { Prepared, Reply, Request } from './protocol.ts';
import type { SystemInfo } from './system.ts';
import { plan, summarize, throughput, type MachineInfo, type ResultRow } from './stats.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Every file in bench/systems/ is a system; its file name is the system's name. */
export function discoverSystems(): string[] {
  return readdirSync(here('./systems/')).filter((f) => f.endsWith('.ts') && !f.startsWith('_')).map((f) => f.slice(0, -3)).sort();
}

export interface TimingOptions {
  warmupRuns: number;
  minSampleMs: number;
  budgetMs: number;
  minSamples: number;
  maxSamples: number;
  /** a system whose first run of a case exceeds this is reported "too slow" instead of timed */
  maxRunMs: number;
  /** a worker that does not answer one request in this time is killed and marked failed */
  requestTimeoutMs: number;
  /** a case whose prepare + first run + warm-up takes longer is "too slow"; its worker is restarted */
  prepareTimeoutMs: number;
}

export const FULL: TimingOptions = { warmupRuns: 2, minSampleMs: 20, budgetMs: 3000, minSamples: 5, maxSamples: 25, maxRunMs: 10_000, requestTimeoutMs: 120_000, prepareTimeoutMs: 60_000 };
export const QUICK: TimingOptions = { warmupRuns: 1, minSampleMs: 10, budgetMs: 300, minSamples: 3, maxSamples: 5, maxRunMs: 2_000, requestTimeoutMs: 30_000, prepareTimeoutMs: 8_000 };

class Worker {
  private child: ChildProcess;
  private stderr = '';
  dead?: string;
  timedOut = false;
  info?: SystemInfo;

  constructor(readonly name: string) {
    this.child = fork(here('./worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    // libraries and Dawn print warnings; keep the tail for error reports only
    this.child.stderr!.on('data', (d) => { this.stderr = (this.stderr + d).slice(-2000); });
    this.child.on('exit', (code, signal) => { this.dead ??= `worker exited (${signal ?? code})${this.lastError()}`; });
  }

  private lastError(): string {
    const line = this.stderr.split('\n').map((l) => l.trim()).filter((l) => /error/i.test(l)).pop();
    return line ? `: ${line.slice(0, 300)}` : '';
  }

  request(req: Request, timeoutMs: number): Promise<Reply> {
    if (this.dead) return Promise.resolve({ type: 'error', message: this.dead });
    return new Promise((resolve) => {
      const done = (r: Reply) => { clearTimeout(timer); this.child.off('message', onMessage); this.child.off('exit', onExit); resolve(r); };
      const onMessage = (r: Reply) => done(r);
      const onExit = () => done({ type: 'error', message: this.dead ?? 'worker exited' });
      const timer = setTimeout(() => {
        this.dead = `no answer to "${req.type}" within ${timeoutMs / 1000} s`;
        this.timedOut = true;
        this.child.kill('SIGKILL');
        done({ type: 'error', message: this.dead });
      }, timeoutMs);
      this.child.on('message', onMessage);
      this.child.on('exit', onExit);
      this.child.send(req);
    });
  }

  private alive(): boolean { return this.child.exitCode === null && this.child.signalCode === null && !this.dead; }

  private paused = false;
  /** Stops the whole process (every thread) until resume(); a no-op where signals cannot pause. */
  pause(): void {
    if (this.paused || !CAN_PAUSE || !this.alive()) return;
    this.paused = this.child.kill('SIGSTOP');
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.alive()) this.child.kill('SIGCONT');
  }

  /** CPU milliseconds the process has used so far (all threads), where /proc tells; else undefined. */
  cpuMs(): number | undefined {
    if (!this.alive() || this.child.pid === undefined) return undefined;
    try {
      // fields after the parenthesized command name: state is [0], utime [11], stime [12], in clock ticks
      const f = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) * (1000 / CLOCK_TICKS);
    } catch {
      return undefined;
    }
  }

  close() {
    this.resume();
    if (this.child.exitCode === null) this.child.kill();
  }
}

const CAN_PAUSE = process.platform !== 'win32';
/** USER_HZ: 100 on every Linux the bench runs on (sysconf is not reachable from Node) */
const CLOCK_TICKS = 100;

export interface RunSuiteOptions {
  cases: BenchCase[];
  systems: string[];
  timing: TimingOptions;
  machine: MachineInfo;
  /** pause the other workers while one is timed (default true; false only to measure what they take) */
  pauseIdle?: boolean;
  /** pin single-threaded systems to this CPU (default: the last one; false: let the scheduler place them) */
  pinCpu?: number | false;
  log?: (line: string) => void;
}

export async function runSuite({ cases, systems, timing, machine, pauseIdle = true, pinCpu = os.cpus().length - 1, log = () => {} }: RunSuiteOptions): Promise<ResultRow[]> {
  const init = (name: string): Request => ({ type: 'init', system: name, ...(pinCpu === false ? {} : { pinCpu }) });
  const rows: ResultRow[] = [];
  const workers = systems.map((s) => new Worker(s));
  const unavailable = new Map<string, string>();
  const t = timing.requestTimeoutMs;
  /** a worker killed for taking too long gets a fresh process for the next case */
  const restart = async (i: number) => {
    const w = new Worker(workers[i].name);
    const r = await w.request(init(w.name), t);
    if (r.type === 'ready') { w.info = r.info; workers[i] = w; } else unavailable.set(w.name, r.type === 'error' ? r.message : `unexpected ${r.type}`);
  };

  try {
    // start every system (in parallel: loading is I/O and compile time nobody reports)
    await Promise.all(workers.map(async (w) => {
      const r = await w.request(init(w.name), t);
      if (r.type === 'ready') { w.info = r.info; log(`${w.name}: ready ${r.info.adapter ? `(${r.info.adapter})` : ''}`); }
      else { unavailable.set(w.name, r.type === 'error' ? r.message : `unexpected ${r.type}`); log(`${w.name}: unavailable: ${unavailable.get(w.name)}`); }
    }));

    for (const c of cases) {
      const base = (w: Worker): ResultRow => ({ case: c.name, system: w.name, status: 'ok', versions: w.info?.versions, adapter: w.info?.adapter, notes: w.info?.notes, machine });
      const active: { w: Worker; row: ResultRow; prep: Prepared; times: number[]; cpu: number[]; inner: number; samples: number; idleCpu: number; idleWall: number }[] = [];

      for (const [i, w] of workers.entries()) {
        const row = base(w);
        if (unavailable.has(w.name)) { rows.push({ ...row, status: 'unavailable', reason: unavailable.get(w.name) }); continue; }
        const limits = { ...timing, ...c.timing };
        const r = await w.request({ type: 'prepare', caseName: c.name, warmupRuns: timing.warmupRuns, maxRunMs: limits.maxRunMs }, limits.prepareTimeoutMs);
        if (w.timedOut) {
          rows.push({ ...row, status: 'too slow', reason: `no first run + warm-up within ${limits.prepareTimeoutMs / 1000} s` });
          log(`${c.name} on ${w.name}: too slow; restarting its worker`);
          await restart(i);
        } else if (r.type === 'prepared') {
          const { inner, samples } = plan(r.result.estimate_ms, timing);
          active.push({ w, row: { ...row, compile_ms: r.result.compile_ms, first_run_ms: r.result.first_run_ms, checksum: r.result.checksum }, prep: r.result, times: [], cpu: [], inner, samples, idleCpu: 0, idleWall: 0 });
        } else if (r.type === 'too-slow') {
          rows.push({ ...row, status: 'too slow', reason: `first run took ${(r.first_run_ms / 1000).toFixed(1)} s (limit ${limits.maxRunMs / 1000} s)`, compile_ms: r.compile_ms, first_run_ms: r.first_run_ms });
          await w.request({ type: 'release' }, t);
        } else if (r.type === 'unsupported') {
          rows.push({ ...row, status: 'not supported', reason: r.reason });
        } else {
          const reason = r.type === 'error' ? r.message : `unexpected ${r.type}`;
          rows.push({ ...row, status: 'failed', reason });
          log(`${c.name} on ${w.name}: failed: ${reason}`);
          if (w.dead) unavailable.set(w.name, w.dead);
          else await w.request({ type: 'release' }, t);
        }
      }

      for (let round = 0; active.some((a) => a.times.length < a.samples && !a.row.reason); round++) {
        const order = active.map((_, i) => active[(i + round) % active.length]);
        for (const a of order) {
          if (a.times.length >= a.samples || a.row.reason) continue;
          a.w.resume();
          if (pauseIdle) for (const w of workers) if (w !== a.w) w.pause();
          const others = active.filter((o) => o !== a).map((o) => ({ o, before: o.w.cpuMs() }));
          const start = performance.now();
          const r = await a.w.request({ type: 'sample', inner: a.inner }, t);
          const wall = performance.now() - start;
          for (const { o, before } of others) {
            const after = o.w.cpuMs();
            if (before !== undefined && after !== undefined) { o.idleCpu += after - before; o.idleWall += wall; }
          }
          if (r.type === 'sample') { a.times.push(r.ms); a.cpu.push(r.cpu_ms); }
          else { a.row.status = 'failed'; a.row.reason = r.type === 'error' ? r.message : `unexpected ${r.type}`; }
        }
      }
      for (const w of workers) w.resume();

      for (const a of active) {
        const r = await a.w.request({ type: 'release' }, t);
        if (r.type === 'released') a.row.peak_rss_delta_mb = r.peak_rss_delta_mb;
        if (a.w.dead) unavailable.set(a.w.name, a.w.dead);
        if (a.row.status === 'ok') {
          const s = summarize(a.times);
          Object.assign(a.row, { median_ms: s.median, min_ms: s.min, max_ms: s.max, cpu_ms: summarize(a.cpu).median, samples: a.times.length, runs_per_sample: a.inner }, throughput(c, s.median));
          if (a.idleWall > 0) a.row.idle_cpu_pct = (100 * a.idleCpu) / a.idleWall;
        }
        rows.push(a.row);
      }
      log(`${c.name}: ${active.filter((a) => a.row.status === 'ok').map((a) => `${a.w.name} ${a.row.median_ms!.toFixed(3)} ms (CPU ${a.row.cpu_ms!.toFixed(3)} ms)`).join(', ') || 'no system ran it'}`);
    }
  } finally {
    for (const w of workers) w.close();
  }
  const caseIndex = new Map(cases.map((c, i) => [c.name, i]));
  const systemIndex = new Map(systems.map((s, i) => [s, i]));
  return rows.sort((a, b) => caseIndex.get(a.case)! - caseIndex.get(b.case)! || systemIndex.get(a.system)! - systemIndex.get(b.system)!);
}
