/**
 * Pins a process (every thread it has now; threads it starts later inherit it) to one CPU with
 * util-linux `taskset`, for single-threaded bench systems: all of them share that CPU, so a vCPU
 * that the host slows down slows every system alike instead of whichever process the scheduler
 * happened to keep there. Returns the note for the report, or undefined where taskset is
 * missing (not Linux, or util-linux not installed) or refuses.
 */
import { execFileSync } from 'node:child_process';

export function pinToCpu(pid: number, cpu: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    // `-a` with no such process succeeds doing nothing: read the affinity back
    const now = execFileSync('taskset', ['-c', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return now.trim().endsWith(`: ${cpu}`) ? `pinned to CPU ${cpu}` : undefined;
  } catch {
    return undefined;
  }
}
