/**
 * The GEMM skeleton shared by matmul and the three convolution forms (implicit GEMM):
 *   acc[g, row, col] = Σ_kk load_a(g, row, kk) · load_b(g, kk, col), then epilogue(g, row, col, acc).
 * Callers supply the loaders (strided views, im2col indexing with padding) and the fused
 * epilogue as WGSL functions. Schedules:
 *  - rowblock: register tiles with uniform A rows (see renderRowBlock), the default;
 *  - workgroup: 8×8 invocations × 4×4 outputs = a 32×32 tile; 32-deep K slices of A and B are staged
 *    in workgroup memory (2 × 4 KiB, under WebGPU's 16 KiB default) as vec4 columns, and each
 *    invocation keeps 4 vec4 accumulators updated with fma;
 *  - gemv: for a few rows (m ≤ GEMV_ROWS after orienting, batch-1 inference): the workgroup's
 *    lanes split K among themselves and add their partial sums in workgroup memory (split-K
 *    inside one workgroup, no scratch buffer);
 *  - direct: one invocation per output with a plain K loop, for skinny shapes with a short K.
 * Skinny shapes are oriented first: a GEMM with few columns and many rows is rendered as its
 * transpose (Cᵀ = Bᵀ·Aᵀ: the loaders and the epilogue swap roles), so that the long side runs
 * across lanes; the rowblock schedule does the same when the transpose wastes fewer lanes.
 */
import { grid1d, MAX_GROUPS_PER_DIM } from '../grid.ts';
import { ARENA_WORD, type ArenaLayout } from '../arena.ts';
import { assemble, ENTRY_POINT, type KernelShader } from '../shader.ts';

export interface GemmPlan {
  kernelName: string;
  /** the layout the loaders and epilogue were rendered with (it knows the segments they touch) */
  arena: ArenaLayout;
  batch: number;
  m: number;
  n: number;
  k: number;
  /** body of `fn load_a(g: i32, row: i32, kk: i32) -> f32`; called only with in-range indices */
  loadA: string[];
  /** body of `fn load_b(g: i32, kk: i32, col: i32) -> f32` */
  loadB: string[];
  /** body of `fn epilogue(g: i32, row: i32, col: i32, acc: f32)` */
  epilogue: string[];
  /** A's consecutive addresses run along k (else along m): picks the cooperative load order */
  aContiguousK: boolean;
  /** B's consecutive addresses run along n (else along k) */
  bContiguousN: boolean;
  /**
   * Set when both operands are plain row-major matrices whose rows start on 16-byte boundaries
   * (A: unit stride along k, B: unit stride along n; all other strides, the bases, K and N
   * multiples of 4). The rowblock schedule then reads them as vec4 (see renderRowBlockVec4).
   */
  vec4?: { a: { name: string; base: number; batch: number; row: number }; b: { name: string; base: number; batch: number; k: number } };
  /**
   * Set when the columns factor as col = q·span + p (q < groups, p < span) and B's loader can
   * fetch the four columns q0..q0+3 at one p sharing all its index math, bounds checks included
   * (a convolution's images or channels: the same im2col tap, a constant address stride apart).
   * The rowblock schedule then gives each lane four q at one p (see renderRowBlockGrouped).
   * `loadB4` is the body of `fn load_b4(g: i32, kk: i32, q0: i32, p: i32) -> vec4<f32>`, which
   * must clamp q0 + j to groups − 1.
   */
  grouped?: { span: number; groups: number; loadB4: string[] };
  /**
   * Set when A's four elements at kk, kk+1, kk+2, kk+3 (kk a multiple of 4; K too) are one
   * aligned vec4 in memory: `index(row, kk)` is the WGSL element index of A(g, row, kk) (a
   * multiple of 4) in the buffer `name`, for WGSL expressions row and kk. The rowblock schedules then read A one uniform vec4 per 4 k-steps, with
   * the arena bound as array<vec4<u32>> (see kLoop).
   */
  aVec4?: { name: string; index: (row: string, kk: string) => string };
}

export const TILE = 32;
const THREADS = 8;
const PER_THREAD = TILE / THREADS;
const LOADS_PER_THREAD = (TILE * TILE) / (THREADS * THREADS);
export const DIRECT_WORKGROUP = 64;

/**
 * The adapter-dependent parameters of the GEMM schedules (chosen by variants.ts from the
 * adapter's limits and features; DEFAULT_GEMM_VARIANT fits WebGPU's guaranteed limits).
 */
export interface GemmVariant {
  /** rows of C per rowblock lane: the register tile is rows × 4 columns */
  rows: number;
  /** rows per lane for the convolutions' rowblock GEMMs (default: rows) */
  convRows?: number;
  /** rowblock lane counts are multiples of this (the SIMD / subgroup width) */
  laneMultiple: number;
  /** most lanes in one rowblock workgroup */
  maxLanes: number;
  /** lanes of a GEMV (split-K) workgroup, a multiple of 16 */
  gemvLanes: number;
  /**
   * The adapter's subgroup width when it has the 'subgroups' feature and one fixed width. The
   * rowblock K loops then fetch the uniform A operand cooperatively (see subgroupKLoop).
   */
  subgroupSize?: number;
}

export const DEFAULT_GEMM_VARIANT: GemmVariant = { rows: 4, laneMultiple: 8, maxLanes: 64, gemvLanes: 64 };

/** How renderGemm renders one GEMM: schedule family, optional paths, adapter variant. */
export interface GemmOptions {
  schedule?: GemmSchedule;
  /** read A as vec4 along K where GemmPlan.aVec4 allows (default true) */
  vec4A?: boolean;
  /** split K for skinny GEMMs where gemmPath picks it (default true) */
  gemv?: boolean;
  variant?: GemmVariant;
}

export function useTiledGemm(m: number, n: number): boolean {
  return m >= 16 && n >= 16;
}

/** Rows a GEMV workgroup computes; skinny GEMMs with at most this many rows (after orienting) and a long K use it. */
export const GEMV_ROWS = 4;
const GEMV_MIN_K = 32;

export type GemmPath = 'tiled' | 'gemv' | 'direct';

/** K from which a skinny GEMM splits K across lanes whatever its row count (conv1's weight gradient: K = 50176). */
const SPLIT_K_MIN = 1024;

/**
 * Which schedule family a GEMM of this shape gets: tiled when both sides are long, else GEMV
 * (split K inside the workgroup) for few rows or a very long K, else one invocation per output.
 */
export function gemmPath(m: number, n: number, k: number, gemv = true): GemmPath {
  if (useTiledGemm(m, n)) return 'tiled';
  if (!gemv) return 'direct';
  return (Math.min(m, n) <= GEMV_ROWS && k >= GEMV_MIN_K) || k >= SPLIT_K_MIN ? 'gemv' : 'direct';
}

/**
 * Lanes per workgroup and workgroups along n for the rowblock schedules, each lane computing 4
 * columns: as few lanes as cover n in multiples of the variant's lane multiple (llvmpipe's SIMD
 * width is 8; a real GPU's warp runs them in one issue anyway), at most maxLanes, so the clamped
 * duplicate columns are few.
 */
export function columnLanes(n: number, v: GemmVariant = DEFAULT_GEMM_VARIANT): { lanes: number; tiles: number } {
  const needed = Math.max(1, Math.ceil(n / 4));
  const tiles = Math.ceil(needed / v.maxLanes);
  return { lanes: Math.min(v.maxLanes, Math.ceil(Math.ceil(needed / tiles) / v.laneMultiple) * v.laneMultiple), tiles };
}

/** Outputs the rowblock schedule computes (edge duplicates included) for an m × n result. */
function rowblockArea(m: number, n: number, v: GemmVariant): number {
  const { lanes, tiles } = columnLanes(n, v);
  return Math.ceil(m / v.rows) * v.rows * lanes * tiles * 4;
}

/**
 * The same GEMM transposed: Cᵀ[col, row] = Σ Bᵀ[col, kk] Aᵀ[kk, row]. The original loaders and
 * epilogue are kept under other names and called with swapped indices.
 */
function transposed(p: GemmPlan): GemmPlan {
  const fn = (sig: string, body: string[]) => [`}`, ``, `fn ${sig} {`, ...body].join('\n');
  const { vec4: _vec4, grouped: _grouped, aVec4: _aVec4, ...rest } = p;
  return {
    ...rest,
    m: p.n,
    n: p.m,
    // the original functions, then the swapped ones (functions() wraps each body in its own fn)
    loadA: [`return orig_load_b(g, kk, row);`, fn('orig_load_b(g: i32, kk: i32, col: i32) -> f32', p.loadB)],
    loadB: [`return orig_load_a(g, col, kk);`, fn('orig_load_a(g: i32, row: i32, kk: i32) -> f32', p.loadA)],
    epilogue: [`orig_epilogue(g, col, row, acc);`, fn('orig_epilogue(g: i32, row: i32, col: i32, acc: f32)', p.epilogue)],
    aContiguousK: !p.bContiguousN,
    bContiguousN: !p.aContiguousK,
  };
}

function functions(p: GemmPlan): string {
  const fn = (sig: string, body: string[]) => `fn ${sig} {\n${body.map((l) => `  ${l}`).join('\n')}\n}`;
  return [
    fn('load_a(g: i32, row: i32, kk: i32) -> f32', p.loadA),
    fn('load_b(g: i32, kk: i32, col: i32) -> f32', p.loadB),
    fn('epilogue(g: i32, row: i32, col: i32, acc: f32)', p.epilogue),
  ].join('\n\n');
}

/**
 * 'rowblock' (default) suits CPU-emulated GPUs such as llvmpipe, where workgroup memory is plain
 * memory and barriers are costly; 'workgroup' is the classic shared-memory tiling for real GPUs.
 */
export type GemmSchedule = 'rowblock' | 'workgroup';

export function renderGemm(p: GemmPlan, options: GemmOptions = {}): KernelShader {
  const { schedule = 'rowblock', vec4A: vec4AOk = true, gemv: gemvOk = true, variant: v = DEFAULT_GEMM_VARIANT } = options;
  const path = gemmPath(p.m, p.n, p.k, gemvOk);
  if (path !== 'tiled') {
    if (path === 'direct') return renderDirect(p);
    // few columns, many rows: the transpose puts the long side across lanes
    return renderGemv(p.n < p.m ? transposed(p) : p, v);
  }
  if (schedule === 'workgroup') return renderTiled(p);
  if (p.vec4) return renderRowBlockVec4(p, p.vec4, v);
  if (p.grouped && p.grouped.groups >= 4) return renderRowBlockGrouped(p, p.grouped, vec4AOk, v);
  return rowblockArea(p.n, p.m, v) < rowblockArea(p.m, p.n, v) ? renderRowBlock(transposed(p), false, v) : renderRowBlock(p, vec4AOk, v);
}

/**
 * The rowblock schedule on vec4 words: the arena segments are bound as array<vec4<u32>> (the same
 * bindings, typed differently), each A row is read 4 k-steps at a time with one uniform vec4 load
 * and each B row segment with one vec4 load per invocation. On llvmpipe every load instruction
 * costs far more than the FMAs it feeds (uniform loads included: ~30 ns per 8-lane load against
 * ~0.3 ns per FMA vector), so fewer, wider loads are the lever: in isolation at 512 this measured
 * 2.9 against 2.6 GFLOP per CPU-second for the scalar rowblock, within noise end to end on the
 * shared 2-core machine. On real GPUs vec4 loads are the usual fast path.
 * Epilogue accesses become arenaS[i >> 2][i & 3].
 */
/** Scalar word accesses `arenaS[i]` rewritten for an arena bound as array<vec4<u32>>. */
function vec4Words(code: string): string {
  return code.replace(ARENA_WORD, (_, name: string, index: string) => `${name}[(${index}) >> 2u][(${index}) & 3]`);
}

function renderRowBlockVec4(p: GemmPlan, v: NonNullable<GemmPlan['vec4']>, variant: GemmVariant): KernelShader {
  const TR = variant.rows;
  const { lanes: lanesX, tiles: tilesN } = columnLanes(p.n, variant);
  const tilesM = Math.ceil(p.m / TR);
  const rows = Array.from({ length: TR }, (_, i) => i);
  const epilogue = p.epilogue.map(vec4Words);
  const K4 = p.k / 4;
  // B's four k-steps from vec4 index k4, then the FMAs with A's vec4 `a(i)` of row i at k4
  const step = (k4: string, a: (i: number) => string) => `    let bk = b0 + (${k4}) * ${v.b.k};
${[0, 1, 2, 3].map((kk) => `    let bv${kk} = bitcast<vec4<f32>>(${v.b.name}[bk + ${(kk * v.b.k) / 4}]);\n${rows.map((i) => `    acc${i} = fma(vec4<f32>(${a(i)}[${kk}]), bv${kk}, acc${i});`).join('\n')}`).join('\n')}`;
  const plainLoop = (from: string) => `  for (var k4 = ${from}; k4 < ${K4}; k4++) {
${rows.map((i) => `    let av${i} = bitcast<vec4<f32>>(${v.a.name}[a${i} + k4]);`).join('\n')}
${step('k4', (i) => `av${i}`)}
  }`;
  // subgroup fetch (see subgroupKLoop): lane s loads row s % TR's vec4 at k4 + s / TR, one
  // divergent vec4 load for TR rows × 4·U k-steps, broadcast to every lane
  const S = variant.subgroupSize;
  const U = S && S % TR === 0 && lanesX % S === 0 ? S / TR : 0;
  const KU = U ? Math.floor(K4 / U) * U : 0;
  const kLoops = !U || KU === 0 ? plainLoop('0') : `  let sg_a = (${v.a.base} + g * ${v.a.batch} + min(row0 + i32(sg_lane) % ${TR}, M - 1) * ${v.a.row}) / 4 + i32(sg_lane) / ${TR};
  for (var k4 = 0; k4 < ${KU}; k4 += ${U}) {
    let av = bitcast<vec4<f32>>(${v.a.name}[sg_a + k4]);
${Array.from({ length: U }, (_, u) => `${rows.map((i) => `    let a${u}_${i} = subgroupBroadcast(av, ${u * TR + i}u);`).join('\n')}\n  {\n${step(`k4 + ${u}`, (i) => `a${u}_${i}`)}\n  }`).join('\n')}
  }${KU === K4 ? '' : `\n${plainLoop(String(KU))}`}`;
  const body = `${U && KU ? 'enable subgroups;\n\n' : ''}const M = ${p.m};
const N = ${p.n};

fn epilogue(g: i32, row: i32, col: i32, acc: f32) {
${epilogue.map((l) => `  ${l}`).join('\n')}
}

@compute @workgroup_size(${lanesX})
fn ${ENTRY_POINT}(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>${U && KU ? ', @builtin(subgroup_invocation_id) sg_lane: u32' : ''}) {
  let g = i32(wid.z);
  let row0 = i32(wid.y) * ${TR};
  let col0 = (i32(wid.x) * ${lanesX} + i32(lid.x)) * 4;
  // Clamped rows/columns compute duplicates that are never stored: no bounds checks in the loop.
${rows.map((i) => `  let a${i} = (${v.a.base} + g * ${v.a.batch} + min(row0 + ${i}, M - 1) * ${v.a.row}) / 4;`).join('\n')}
  let b0 = (${v.b.base} + g * ${v.b.batch} + min(col0, N - 4)) / 4;
${rows.map((i) => `  var acc${i} = vec4<f32>(0.0);`).join('\n')}
${kLoops}
  let accs = array<vec4<f32>, ${TR}>(${rows.map((i) => `acc${i}`).join(', ')});
  for (var i = 0; i < ${TR}; i++) {
    let row = row0 + i;
    for (var j = 0; j < 4; j++) {
      let col = col0 + j;
      if (row < M && col < N) { epilogue(g, row, col, accs[i][j]); }
    }
  }
}`;
  return { ...assemble(p.kernelName, body, p.arena, 'vec4<u32>'), workgroups: [tilesN, tilesM, p.batch] };
}

/**
 * Each invocation computes ROWBLOCK rows × 4 columns with register accumulators; a workgroup
 * spans up to 256 columns of the same rows. The rows depend only on the workgroup id, so A's
 * loads are uniform (llvmpipe issues one scalar load instead of a per-lane gather), and clamped
 * indices replace bounds checks in the K loop (edge results are computed, then not stored).
 */
/**
 * The rowblock K loop: `b(kk)` is the lane's vec4 of B at kk. With p.aVec4 (and vec4 A allowed)
 * A comes one vec4 per row per four k-steps, so 4 rows cost 4 loads per 4 k-steps instead of 16.
 */
function kLoop(p: GemmPlan, rows: number[], b: (kk: string) => string, useVec4A: boolean, sub?: SubgroupA): string {
  if (sub) return subgroupKLoop(rows, b, sub);
  if (!useVec4A || !p.aVec4) {
    return `  for (var kk = 0; kk < K; kk++) {
    let b = ${b('kk')};
${rows.map((i) => `    acc${i} = fma(vec4<f32>(load_a(g, r${i}, kk)), b, acc${i});`).join('\n')}
  }`;
  }
  const a = p.aVec4;
  return `  for (var k4 = 0; k4 < K; k4 += 4) {
${rows.map((i) => `    let av${i} = bitcast<vec4<f32>>(${a.name}[(${a.index(`r${i}`, 'k4')}) >> 2u]);`).join('\n')}
${[0, 1, 2, 3].map((j) => `    let b${j} = ${b(`k4 + ${j}`)};\n${rows.map((i) => `    acc${i} = fma(vec4<f32>(av${i}[${j}]), b${j}, acc${i});`).join('\n')}`).join('\n')}
  }`;
}

/** A subgroup-cooperative A fetch: subgroups of `size` lanes, K = `k`, the row clamp `m`. */
interface SubgroupA { size: number; k: number; m: number }

/**
 * When the subgroup width S is fixed and a multiple of the R rows, the subgroup's lanes share
 * the A operand instead of each loading it: lane s loads A(row0 + s % R, kk + s / R), one
 * divergent load covering R rows × S/R k-steps, and subgroupBroadcast hands each value to every
 * lane. Without it each k-step costs R uniform loads per lane; on llvmpipe a uniform storage
 * load costs about as much as a divergent one (~10–30 ns per 8 lanes), while a broadcast is a
 * register shuffle. The K tail (K mod S/R) runs the plain loop.
 */
function subgroupKLoop(rows: number[], b: (kk: string) => string, sub: SubgroupA): string {
  // one iteration covers R rows × U k-steps = L loads of S lanes; slot t = u·R + i (row i, step u)
  // is lane t % S of load t / S
  const S = sub.size, R = rows.length, U = Math.max(1, S / R), L = Math.max(1, R / S), KU = Math.floor(sub.k / U) * U;
  const steps = Array.from({ length: U }, (_, u) => u), loads = Array.from({ length: L }, (_, j) => j);
  const main = `${loads.map((j) => `  let sg_row${j} = min(row0 + (${j * S} + i32(sg_lane)) % ${R}, ${sub.m - 1});
  let sg_k${j} = (${j * S} + i32(sg_lane)) / ${R};`).join('\n')}
  for (var kk = 0; kk < ${KU}; kk += ${U}) {
${loads.map((j) => `    let av${j} = load_a(g, sg_row${j}, kk + sg_k${j});`).join('\n')}
${steps.map((u) => `    let b${u} = ${b(`kk + ${u}`)};\n${rows.map((i) => `    acc${i} = fma(vec4<f32>(subgroupBroadcast(av${Math.floor((u * R + i) / S)}, ${(u * R + i) % S}u)), b${u}, acc${i});`).join('\n')}`).join('\n')}
  }`;
  if (KU === sub.k) return main;
  return `${main}
  for (var kk = ${KU}; kk < K; kk++) {
    let b = ${b('kk')};
${rows.map((i) => `    acc${i} = fma(vec4<f32>(load_a(g, r${i}, kk)), b, acc${i});`).join('\n')}
  }`;
}

/** The subgroup A fetch for a rowblock shader of `lanes` lanes and `rows` rows, if the variant allows it. */
function subgroupA(variant: GemmVariant, lanes: number, rows: number, p: GemmPlan): SubgroupA | undefined {
  const S = variant.subgroupSize;
  if (!S || (S % rows && rows % S) || lanes % S || p.k < S / rows) return undefined;
  return { size: S, k: p.k, m: p.m };
}

/** The shader prelude and entry-point parameter a subgroup A fetch needs. */
const subgroupHeader = (sub: SubgroupA | undefined) => (sub ? 'enable subgroups;\n\n' : '');
const subgroupParam = (sub: SubgroupA | undefined) => (sub ? ', @builtin(subgroup_invocation_id) sg_lane: u32' : '');

/** Whether a rowblock shader reads A as vec4 (then every arena binding is array<vec4<u32>>). */
const vec4A = (p: GemmPlan, allowed: boolean) => allowed && p.aVec4 !== undefined && p.k % 4 === 0;

function renderRowBlockGrouped(p: GemmPlan, grp: NonNullable<GemmPlan['grouped']>, allowVec4A: boolean, variant: GemmVariant): KernelShader {
  const TR = variant.rows;
  const slots = Math.ceil(grp.groups / 4) * grp.span;
  const { lanes: lanesX, tiles: tilesN } = columnLanes(slots * 4, variant);
  // the subgroup fetch beats uniform vec4 A loads (conv2 forward, batch 64: 0.53× the CPU time)
  const sub = subgroupA(variant, lanesX, TR, p);
  const v4 = !sub && vec4A(p, allowVec4A);
  const words = (code: string) => (v4 ? vec4Words(code) : code);
  const tilesM = Math.ceil(p.m / TR);
  const rows = Array.from({ length: TR }, (_, i) => i);
  const body = `${subgroupHeader(sub)}const M = ${p.m};
const K = ${p.k};
const SPAN = ${grp.span};
const GROUPS = ${grp.groups};

${words(functions(p))}

fn load_b4(g: i32, kk: i32, q0: i32, p: i32) -> vec4<f32> {
${words(grp.loadB4.map((l) => `  ${l}`).join('\n'))}
}

@compute @workgroup_size(${lanesX})
fn ${ENTRY_POINT}(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>${subgroupParam(sub)}) {
  let g = i32(wid.z);
  // Rows depend only on the workgroup id: A loads are uniform, so each is one scalar load.
  let row0 = i32(wid.y) * ${TR};
  // this lane's four columns: q0 + j (j < 4) at position p; clamped slots compute duplicates
  let slot = min(i32(wid.x) * ${lanesX} + i32(lid.x), ${slots - 1});
  let q0 = (slot / SPAN) * 4;
  let p = slot % SPAN;
${rows.map((i) => `  let r${i} = min(row0 + ${i}, M - 1);`).join('\n')}
${rows.map((i) => `  var acc${i} = vec4<f32>(0.0);`).join('\n')}
${kLoop(p, rows, (kk) => `load_b4(g, ${kk}, q0, p)`, v4, sub)}
  if (i32(wid.x) * ${lanesX} + i32(lid.x) >= ${slots}) { return; }
  let accs = array<vec4<f32>, ${TR}>(${rows.map((i) => `acc${i}`).join(', ')});
  for (var i = 0; i < ${TR}; i++) {
    let row = row0 + i;
    for (var j = 0; j < 4; j++) {
      if (row < M && q0 + j < GROUPS) { epilogue(g, row, (q0 + j) * SPAN + p, accs[i][j]); }
    }
  }
}`;
  return { ...assemble(p.kernelName, body, p.arena, v4 ? 'vec4<u32>' : 'u32'), workgroups: [tilesN, tilesM, p.batch] };
}

function renderRowBlock(p: GemmPlan, allowVec4A: boolean, variant: GemmVariant): KernelShader {
  const TR = variant.rows;
  const { lanes: lanesX, tiles: tilesN } = columnLanes(p.n, variant);
  const sub = subgroupA(variant, lanesX, TR, p);
  const v4 = !sub && vec4A(p, allowVec4A);
  const tilesM = Math.ceil(p.m / TR);
  const rows = Array.from({ length: TR }, (_, i) => i);
  const body = `${subgroupHeader(sub)}const M = ${p.m};
const N = ${p.n};
const K = ${p.k};

${v4 ? vec4Words(functions(p)) : functions(p)}

@compute @workgroup_size(${lanesX})
fn ${ENTRY_POINT}(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>${subgroupParam(sub)}) {
  let g = i32(wid.z);
  // Rows depend only on the workgroup id: A loads are uniform, so each is one scalar load.
  let row0 = i32(wid.y) * ${TR};
  let col0 = (i32(wid.x) * ${lanesX} + i32(lid.x)) * 4;
${rows.map((i) => `  let r${i} = min(row0 + ${i}, M - 1);`).join('\n')}
  let c0 = min(col0, N - 1); let c1 = min(col0 + 1, N - 1); let c2 = min(col0 + 2, N - 1); let c3 = min(col0 + 3, N - 1);
${rows.map((i) => `  var acc${i} = vec4<f32>(0.0);`).join('\n')}
${kLoop(p, rows, (kk) => `vec4<f32>(load_b(g, ${kk}, c0), load_b(g, ${kk}, c1), load_b(g, ${kk}, c2), load_b(g, ${kk}, c3))`, v4, sub)}
  let accs = array<vec4<f32>, ${TR}>(${rows.map((i) => `acc${i}`).join(', ')});
  for (var i = 0; i < ${TR}; i++) {
    let row = row0 + i;
    for (var j = 0; j < 4; j++) {
      let col = col0 + j;
      if (row < M && col < N) { epilogue(g, row, col, accs[i][j]); }
    }
  }
}`;
  return { ...assemble(p.kernelName, body, p.arena, v4 ? 'vec4<u32>' : 'u32'), workgroups: [tilesN, tilesM, p.batch] };
}

function renderTiled(p: GemmPlan): KernelShader {
  const tilesN = Math.ceil(p.n / TILE), tilesM = Math.ceil(p.m / TILE);
  if (tilesN > MAX_GROUPS_PER_DIM || tilesM > MAX_GROUPS_PER_DIM || p.batch > MAX_GROUPS_PER_DIM) {
    throw new Error(`webgpu: kernel "${p.kernelName}" (batch ${p.batch}, m ${p.m}, n ${p.n}) exceeds 65535 workgroups per grid dimension`);
  }
  // Consecutive invocations load consecutive addresses where the layout allows.
  const aSplit = p.aContiguousK ? ['idx / 32', 'idx % 32'] : ['idx % 32', 'idx / 32'];
  const bSplit = p.bContiguousN ? ['idx / 32', 'idx % 32'] : ['idx % 32', 'idx / 32'];
  const fmas = ['x', 'y', 'z', 'w'].map((c, i) => `      acc${i} = fma(vec4<f32>(a.${c}), b, acc${i});`).join('\n');
  const body = `const M = ${p.m};
const N = ${p.n};
const K = ${p.k};

// tile_a[kk * 8 + r / 4][r % 4] = A[row0 + r, k0 + kk]; tile_b[kk * 8 + c / 4][c % 4] = B[k0 + kk, col0 + c]
var<workgroup> tile_a: array<vec4<f32>, ${TILE * TILE / 4}>;
var<workgroup> tile_b: array<vec4<f32>, ${TILE * TILE / 4}>;

${functions(p)}

@compute @workgroup_size(${THREADS}, ${THREADS})
fn ${ENTRY_POINT}(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) lindex: u32) {
  let g = i32(wid.z);
  let row0 = i32(wid.y) * ${TILE};
  let col0 = i32(wid.x) * ${TILE};
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  let li = i32(lindex);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0; k0 < K; k0 += ${TILE}) {
    for (var e = 0; e < ${LOADS_PER_THREAD}; e++) {
      let idx = li + e * ${THREADS * THREADS};
      let ar = ${aSplit[0]};
      let ak = ${aSplit[1]};
      var av = 0.0;
      if (row0 + ar < M && k0 + ak < K) { av = load_a(g, row0 + ar, k0 + ak); }
      tile_a[ak * 8 + ar / 4][ar % 4] = av;
      let bk = ${bSplit[0]};
      let bc = ${bSplit[1]};
      var bv = 0.0;
      if (k0 + bk < K && col0 + bc < N) { bv = load_b(g, k0 + bk, col0 + bc); }
      tile_b[bk * 8 + bc / 4][bc % 4] = bv;
    }
    workgroupBarrier();
    for (var kk = 0; kk < ${TILE}; kk++) {
      let a = tile_a[kk * 8 + ty];
      let b = tile_b[kk * 8 + tx];
${fmas}
    }
    workgroupBarrier();
  }
  let accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0; i < ${PER_THREAD}; i++) {
    let row = row0 + ty * ${PER_THREAD} + i;
    for (var j = 0; j < ${PER_THREAD}; j++) {
      let col = col0 + tx * ${PER_THREAD} + j;
      if (row < M && col < N) { epilogue(g, row, col, accs[i][j]); }
    }
  }
}`;
  return { ...assemble(p.kernelName, body, p.arena), workgroups: [tilesN, tilesM, p.batch] };
}

function renderDirect(p: GemmPlan): KernelShader {
  const total = p.batch * p.m * p.n;
  const grid = grid1d(Math.ceil(total / DIRECT_WORKGROUP), p.kernelName);
  const body = `const M = ${p.m};
const N = ${p.n};
const K = ${p.k};

${functions(p)}

@compute @workgroup_size(${DIRECT_WORKGROUP})
fn ${ENTRY_POINT}(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let lin = i32(${grid.groupId} * ${DIRECT_WORKGROUP}u + lid.x);
  if (lin >= ${total}) { return; }
  let col = lin % N;
  let row = (lin / N) % M;
  let g = lin / (M * N);
  var acc = 0.0;
  for (var kk = 0; kk < K; kk++) {
    acc = fma(load_a(g, row, kk), load_b(g, kk, col), acc);
  }
  epilogue(g, row, col, acc);
}`;
  return { ...assemble(p.kernelName, body, p.arena), workgroups: grid.workgroups };
}

/**
 * GEMV with split K inside the workgroup: GEMV_LANES lanes = cl column lanes × ks k-slices;
 * each lane accumulates 4 columns × up to GEMV_ROWS rows over every ks-th k, then the slices'
 * partial sums meet in workgroup memory and the first slice runs the epilogue. With B row-major
 * and aligned (batch-1 dense layers) each k costs one vec4 load of B per lane.
 */
function renderGemv(p: GemmPlan, variant: GemmVariant): KernelShader {
  const GEMV_LANES = variant.gemvLanes;
  const R = Math.min(GEMV_ROWS, p.m);
  const cl = Math.min(16, 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(p.n / 4)))));
  const ks = GEMV_LANES / cl;
  const tilesN = Math.ceil(p.n / (cl * 4)), tilesM = Math.ceil(p.m / R);
  if (tilesN > MAX_GROUPS_PER_DIM || tilesM > MAX_GROUPS_PER_DIM || p.batch > MAX_GROUPS_PER_DIM) {
    throw new Error(`webgpu: kernel "${p.kernelName}" (batch ${p.batch}, m ${p.m}, n ${p.n}) exceeds 65535 workgroups per grid dimension`);
  }
  const rows = Array.from({ length: R }, (_, i) => i);
  const v = p.vec4;
  const vec4B = v !== undefined && p.n % 4 === 0;
  const loadB = vec4B
    ? `bitcast<vec4<f32>>(${v.b.name}[(${v.b.base} + g * ${v.b.batch} + kk * ${v.b.k} + col0) / 4])`
    : 'vec4<f32>(load_b(g, kk, c0), load_b(g, kk, c1), load_b(g, kk, c2), load_b(g, kk, c3))';
  const body = `const M = ${p.m};
const N = ${p.n};
const K = ${p.k};

var<workgroup> partial: array<vec4<f32>, ${GEMV_LANES * R}>;

${vec4B ? vec4Words(functions(p)) : functions(p)}

@compute @workgroup_size(${GEMV_LANES})
fn ${ENTRY_POINT}(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = i32(wid.z);
  let lane = i32(lid.x) % ${cl};
  let slice = i32(lid.x) / ${cl};
  let row0 = i32(wid.y) * ${R};
  let col0 = min((i32(wid.x) * ${cl} + lane) * 4, ${Math.max(0, Math.ceil(p.n / 4) * 4 - 4)});
  // Clamped rows/columns compute duplicates that are never stored: no bounds checks in the loop.
${rows.map((i) => `  let r${i} = min(row0 + ${i}, M - 1);`).join('\n')}
  let c0 = min(col0, N - 1); let c1 = min(col0 + 1, N - 1); let c2 = min(col0 + 2, N - 1); let c3 = min(col0 + 3, N - 1);
${rows.map((i) => `  var acc${i} = vec4<f32>(0.0);`).join('\n')}
  for (var kk = slice; kk < K; kk += ${ks}) {
    let b = ${loadB};
${rows.map((i) => `    acc${i} = fma(vec4<f32>(load_a(g, r${i}, kk)), b, acc${i});`).join('\n')}
  }
${rows.map((i) => `  partial[${i * GEMV_LANES} + i32(lid.x)] = acc${i};`).join('\n')}
  workgroupBarrier();
  if (slice != 0) { return; }
  let col = (i32(wid.x) * ${cl} + lane) * 4;
  for (var i = 0; i < ${R}; i++) {
    var sum = vec4<f32>(0.0);
    for (var s = 0; s < ${ks}; s++) { sum += partial[i * ${GEMV_LANES} + s * ${cl} + lane]; }
    let row = row0 + i;
    for (var j = 0; j < 4; j++) {
      if (row < M && col + j < N) { epilogue(g, row, col + j, sum[j]); }
    }
  }
}`;
  return { ...assemble(p.kernelName, body, p.arena, vec4B ? 'vec4<u32>' : 'u32'), workgroups: [tilesN, tilesM, p.batch] };
}
