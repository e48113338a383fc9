import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { pinToCpu } from '../../bench/pin-cpu.ts';

const hasTaskset = (() => { try { execFileSync('taskset', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } })();

describe('bench: pinning single-threaded systems to one CPU', () => {
  it.skipIf(process.platform !== 'linux' || !hasTaskset)('pins every thread of a process and says so', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000); console.log("up")'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      // once it prints, node's own threads (V8 platform workers, libuv) exist
      await new Promise((resolve) => child.stdout!.once('data', resolve));
      const cpu = os.cpus().length - 1;
      expect(pinToCpu(child.pid!, cpu)).toBe(`pinned to CPU ${cpu}`);
      const out = execFileSync('taskset', ['-a', '-c', '-p', String(child.pid)], { encoding: 'utf8' });
      // one line per thread, every one with the single CPU
      const lists = out.trim().split('\n').map((l) => l.split(':').pop()!.trim());
      expect(lists.length).toBeGreaterThan(1);
      expect(new Set(lists)).toEqual(new Set([String(cpu)]));
    } finally {
      child.kill();
    }
  });

  it('returns undefined instead of throwing when the pid does not exist', () => {
    expect(pinToCpu(4_000_000_000, 0)).toBeUndefined();
  });
});
