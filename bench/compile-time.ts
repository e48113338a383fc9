/**
 * Cold compile time of the FashionSimpleNet training step for a 2-thread relaxed-SIMD session
 * (issue 16's target): `npx tsx bench/compile-time.ts [--runs N]`. Each run is a fresh Node
 * process; the time is from the compile() call to a session that has run its first step, split
 * into compile (graph → artifact with every module the session needs) and session start
 * (WebAssembly.compile + workers). A second compile in the same process gives the warm figure.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

async function once(): Promise<void> {
  const t0 = performance.now();
  const { compile } = await import('../compiler/index.ts');
  const { createSession } = await import('../runtime/node/index.ts');
  const { fashionTrainStep } = await import('../test/backends/wasm/step-models.ts');
  const model = fashionTrainStep(64);
  const tImport = performance.now();
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const artifact = await compile(model.graph, { backend: 'wasm', relaxedSimd: true, threads: 2 });
  const t2 = performance.now();
  const compileCpuMs = (process.cpuUsage().user + process.cpuUsage().system - c1.user - c1.system) / 1000;
  const session = await createSession(artifact, { threads: 2 });
  const t3 = performance.now();
  await session.run(model.feeds);
  const t4 = performance.now();
  const again = performance.now();
  await compile(fashionTrainStep(64).graph, { backend: 'wasm', relaxedSimd: true, threads: 2 });
  const warm = performance.now() - again;
  session.dispose();
  console.log(JSON.stringify({ importMs: tImport - t0, compileMs: t2 - t1, compileCpuMs, sessionMs: t3 - t2, firstStepMs: t4 - t3, toRunnableMs: t3 - t1, warmCompileMs: warm, module: (session as { moduleFile?: string }).moduleFile }));
}

if (process.argv.includes('--once')) {
  await once();
  process.exit(0);
} else {
  const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 3);
  const rows: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--once'], { encoding: 'utf8' });
    const row = JSON.parse(out.trim().split('\n').pop()!);
    rows.push(row);
    console.log(row);
  }
  const median = (k: string) => rows.map((r) => r[k]!).sort((a, b) => a - b)[Math.floor(rows.length / 2)]!;
  console.log(`median over ${runs} fresh processes: compile ${median('compileMs').toFixed(0)} ms (CPU ${median('compileCpuMs').toFixed(0)} ms), session ${median('sessionMs').toFixed(0)} ms, compile() → runnable ${median('toRunnableMs').toFixed(0)} ms, first step ${median('firstStepMs').toFixed(0)} ms, warm compile ${median('warmCompileMs').toFixed(0)} ms`);
}
