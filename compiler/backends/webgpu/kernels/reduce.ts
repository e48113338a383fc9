/**
 * Reductions (sum, max, argmax) with a fused body and epilogue. Two variants:
 *  - serial: one invocation per output point folds the whole reduce space (many small folds);
 *  - tree: one workgroup per output point; invocations fold strided slices, then combine in a
 *    workgroup-shared tree (few long folds).
 * A multi-phase reduce runs its phases one after the other in the same invocation (serial) or
 * workgroup (tree, with a storage barrier between phases), each with its own fold and epilogue.
 * max/argmax follow interpret.ts: NaN wins, ties keep the first (row-major) index.
 */
import type { DType, Program, ReduceKernel } from '../../../kernel/ir.ts';
import { ArenaLayout } from '../arena.ts';
import { ExprEmitter, Names } from '../expr.ts';
import { grid1d, unflatten } from '../grid.ts';
import { volume } from '../literals.ts';
import { assemble, ENTRY_POINT, type KernelShader } from '../shader.ts';
import { reduceNests, type ReduceNest } from '../../../kernel/expr.ts';

export const REDUCE_SERIAL_WORKGROUP = 64;
export const REDUCE_TREE_WORKGROUP = 64;
const NO_INDEX = 2147483647;

export function useTreeReduce(outputs: number, reduceSize: number): boolean {
  return reduceSize >= 2048 || (reduceSize >= 128 && outputs <= 8192);
}

function initial(k: ReduceNest, dtype: DType): string {
  if (k.reduce === 'sum') return dtype === 'f32' ? '0.0' : '0';
  return dtype === 'f32' ? '(-ax_inf())' : 'i32(-2147483648)';
}

/** WGSL condition: does value `v` replace the running max `m` (first occurrence wins)? */
function beats(v: string, m: string, dtype: DType): string {
  return dtype === 'f32' ? `(${v} > ${m} || (ax_isnan(${v}) && !ax_isnan(${m})))` : `(${v} > ${m})`;
}

/** Lines folding the body over reduce indices r = start, start+step, … < R into acc/arg. */
function foldLoop(k: ReduceNest, arena: ArenaLayout, names: Names, outVars: string[], start: string, step: number): string[] {
  const R = volume(k.reduceShape);
  const rVars = k.reduceShape.map((_, d) => `r${d}`);
  const lines = [`  for (var r = ${start}; r < ${R}; r += ${step}) {`];
  lines.push(...unflatten('r', k.reduceShape, rVars, '    '));
  const emitter = new ExprEmitter(arena, names, lines, { vars: [...outVars, ...rVars], shape: [...k.shape, ...k.reduceShape] }, undefined, '    ');
  const v = emitter.emit(k.body);
  if (k.reduce === 'sum') lines.push(`    acc = acc + ${v};`);
  else lines.push(`    if (${beats(v, 'acc', k.body.dtype)}) { acc = ${v}; arg = r; }`);
  lines.push('  }');
  return lines;
}

function epilogue(k: ReduceNest, arena: ArenaLayout, names: Names, outVars: string[], acc: string, arg: string, indent: string): string[] {
  const lines: string[] = [];
  const bound = k.reduce === 'argmax' ? { code: arg, dtype: 'i32' as const } : { code: acc, dtype: k.body.dtype };
  new ExprEmitter(arena, names, lines, { vars: outVars, shape: k.shape }, bound, indent).emitStores(k.stores);
  return lines;
}

export function renderReduce(k: ReduceKernel, program: Program): KernelShader {
  const outputs = volume(k.shape), R = volume(k.reduceShape);
  return useTreeReduce(outputs, R) ? renderTree(k, program, outputs) : renderSerial(k, program, outputs);
}

function renderSerial(k: ReduceKernel, program: Program, outputs: number): KernelShader {
  const arena = new ArenaLayout(program, k.name), names = new Names();
  const WG = REDUCE_SERIAL_WORKGROUP;
  const grid = grid1d(Math.ceil(outputs / WG), k.name);
  const outVars = k.shape.map((_, d) => `o${d}`);
  const lines = [
    `  let lin = i32(${grid.groupId} * ${WG}u + lid.x);`,
    `  if (lin >= ${outputs}) { return; }`,
    ...unflatten('lin', k.shape, outVars),
  ];
  // the phases in order, each in a block of its own; one invocation owns its point, so a later
  // phase's read of an earlier one's result (same point) follows that store in program order
  for (const p of reduceNests(k)) {
    const dt = p.body.dtype;
    lines.push(
      '  {',
      `  var acc: ${dt} = ${initial(p, dt)};`,
      `  var arg = 0;`,
      ...foldLoop(p, arena, names, outVars, '0', 1),
      ...epilogue(p, arena, names, outVars, 'acc', 'arg', '  '),
      '  }',
    );
  }
  const body = `@compute @workgroup_size(${WG})
fn ${ENTRY_POINT}(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
${lines.join('\n')}
}`;
  return { ...assemble(k.name, body, arena), workgroups: grid.workgroups };
}

function renderTree(k: ReduceKernel, program: Program, outputs: number): KernelShader {
  const arena = new ArenaLayout(program, k.name), names = new Names();
  const WG = REDUCE_TREE_WORKGROUP;
  const grid = grid1d(outputs, k.name);
  const outVars = k.shape.map((_, d) => `o${d}`);
  const phases = reduceNests(k);
  const lines = [
    // Workgroups past the end (from folding the grid) still reach every barrier; they just
    // fold a clamped row and skip the stores.
    `  let lin_raw = i32(${grid.groupId});`,
    `  let lin = min(lin_raw, ${outputs - 1});`,
    `  let t = i32(lid.x);`,
    ...unflatten('lin', k.shape, outVars),
  ];
  phases.forEach((p, i) => {
    const dt = p.body.dtype;
    const part = `part_${dt}`;
    const combine = p.reduce === 'sum'
      ? `      ${part}[t] = ${part}[t] + ${part}[t + s];`
      : `      let v = ${part}[t + s]; let m = ${part}[t];
      let tie = (v == m || (${dt === 'f32' ? 'ax_isnan(v) && ax_isnan(m)' : 'false'})) && part_i[t + s] < part_i[t];
      if (${beats('v', 'm', dt)} || tie) { ${part}[t] = v; part_i[t] = part_i[t + s]; }`;
    // a later phase reads what invocation 0 stored for this row: make those stores visible first
    if (i > 0) lines.push('  storageBarrier();');
    lines.push(
      '  {',
      `  var acc: ${dt} = ${initial(p, dt)};`,
      `  var arg = ${NO_INDEX};`,
      ...foldLoop(p, arena, names, outVars, 't', WG),
      `  ${part}[t] = acc;`,
      '  part_i[t] = arg;',
      '  workgroupBarrier();',
      `  for (var s = ${WG / 2}; s > 0; s = s >> 1u) {`,
      '    if (t < s) {',
      combine,
      '    }',
      '    workgroupBarrier();',
      '  }',
      `  if (t == 0 && lin_raw < ${outputs}) {`,
      `    let total = ${part}[0];`,
      `    let first = select(part_i[0], 0, part_i[0] == ${NO_INDEX});`,
      ...epilogue(p, arena, names, outVars, 'total', 'first', '    '),
      '  }',
      '  }',
    );
  });
  const shared = [...new Set(phases.map((p) => p.body.dtype))].map((dt) => `var<workgroup> part_${dt}: array<${dt}, ${WG}>;`);
  const body = `${shared.join('\n')}
var<workgroup> part_i: array<i32, ${WG}>;

@compute @workgroup_size(${WG})
fn ${ENTRY_POINT}(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
${lines.join('\n')}
}`;
  return { ...assemble(k.name, body, arena), workgroups: grid.workgroups };
}
