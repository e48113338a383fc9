/** Messages between the harness (parent) and one system's worker process. */
import type { SystemInfo } from './system.ts';

export type Request =
  | { type: 'init'; system: string; /** pin a single-threaded system's process to this CPU */ pinCpu?: number }
  | { type: 'prepare'; caseName: string; warmupRuns: number; maxRunMs: number }
  | { type: 'sample'; inner: number }
  | { type: 'release' };

export interface Prepared {
  compile_ms: number;
  first_run_ms: number;
  /** median warm-up run time, used to size the timed samples */
  estimate_ms: number;
  checksum: number;
}

export type Reply =
  | { type: 'ready'; info: SystemInfo }
  | { type: 'prepared'; result: Prepared }
  | { type: 'unsupported'; reason: string }
  /** the first run took longer than maxRunMs: reported, not timed further */
  | { type: 'too-slow'; compile_ms: number; first_run_ms: number }
  /** wall and CPU milliseconds per run (CPU: every thread of the worker process) */
  | { type: 'sample'; ms: number; cpu_ms: number }
  | { type: 'released'; peak_rss_delta_mb: number }
  | { type: 'error'; message: string };
