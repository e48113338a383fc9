/**
 * Time from `npm run main` to its first training step (issue 16: under 2 s on a fresh machine):
 *   npx tsx bench/startup.ts [--runs N] [--command "npm run main --"]
 * Each run starts the README's command, reads its progress lines and stops it at "first training
 * step". Cold runs start from nothing cached: an empty $AXON_CACHE_DIR, an empty tmpdir (tsx's
 * transform cache) and no transpiled CLI (bin/source-js.mjs); warm runs reuse them. Prints the
 * phases per run and their medians: before Node (npm, scripts/ensure-setup.sh, Node's boot),
 * loading (the CLI's modules, the model, the labels: up to the "compiling" line), compile (as
 * the CLI prints it), the rest (waiting for the pixels, the sessions), and the process's CPU.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs module without types
import { transpiledDir } from '../bin/source-js.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] || 3);
const command = (args.includes('--command') ? args[args.indexOf('--command') + 1]! : 'npm run main --').split(' ');

interface Run { total_s: number; before_node_s: number; loading_s: number; compile_s: number; rest_s: number; cpu_s: number }

function once(cold: boolean, cache: string, tmp: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const out = mkdtempSync(join(tmpdir(), 'axon-startup-run-'));
    const t0 = performance.now();
    const child = spawn(command[0]!, [...command.slice(1), '-o', out], { cwd: root, env: { ...process.env, AXON_CACHE_DIR: cache, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // npm starts bash, which starts node: stop the whole group, not just npm
    const stop = () => { try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ } };
    let compilingAt = NaN, compileS = NaN, text = '';
    const onData = (d: Buffer) => {
      text += String(d);
      for (const line of String(d).split(/\r|\n/)) {
        const at = (performance.now() - t0) / 1000;
        if (/compiling the training step/.test(line)) compilingAt = at;
        const c = /compiled in ([\d.]+) s/.exec(line);
        if (c) compileS = Number(c[1]);
        const f = /first training step ([\d.]+) s after the process started \(([\d.]+) s CPU\)/.exec(line);
        if (f) {
          stop();
          const uptime = Number(f[1]);
          const beforeNode = at - uptime;
          resolve({ total_s: at, before_node_s: beforeNode, loading_s: compilingAt - beforeNode, compile_s: compileS, rest_s: at - compilingAt - compileS, cpu_s: Number(f[2]) });
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      stop();
      rmSync(out, { recursive: true, force: true });
      reject(new Error(`${command.join(' ')} exited (${code}) before its first step${cold ? ' (cold)' : ''}:\n${text.slice(-2000)}`));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const show = (r: Run) => Object.entries(r).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');

const fresh = (what: string) => mkdtempSync(join(tmpdir(), `axon-startup-${what}-`));

for (const mode of ['cold', 'warm'] as const) {
  const rows: Run[] = [];
  let cache = fresh('cache'), tmp = fresh('tmp');
  if (mode === 'warm') await once(false, cache, tmp); // fills the caches the measured runs reuse
  for (let i = 0; i < runs; i++) {
    if (mode === 'cold') {
      rmSync(cache, { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
      cache = fresh('cache');
      tmp = fresh('tmp');
      rmSync(await transpiledDir(root), { recursive: true, force: true });
    }
    const r = await once(mode === 'cold', cache, tmp);
    rows.push(r);
    console.log(`${mode} ${i + 1}: ${show(r)}`);
  }
  rmSync(cache, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
  const med = Object.fromEntries(Object.keys(rows[0]!).map((k) => [k, median(rows.map((r) => r[k as keyof Run]))])) as unknown as Run;
  console.log(`${mode} median of ${runs}: ${show(med)}`);
}
