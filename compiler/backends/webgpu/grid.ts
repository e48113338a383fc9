/**
 * Dispatch grids within WebGPU's limits: at most 65535 workgroups per dimension, so a large
 * 1-D launch folds into a 2-D grid and the shader rebuilds the linear workgroup id.
 */
export const MAX_GROUPS_PER_DIM = 65535;

export interface Grid {
  workgroups: [number, number, number];
  /** WGSL u32 expression of the linear workgroup id, given `wid: vec3<u32>` */
  groupId: string;
}

export function grid1d(groups: number, kernelName: string): Grid {
  const total = Math.max(1, groups);
  if (total <= MAX_GROUPS_PER_DIM) return { workgroups: [total, 1, 1], groupId: 'wid.x' };
  const gy = Math.ceil(total / MAX_GROUPS_PER_DIM);
  const gx = Math.ceil(total / gy);
  if (gy > MAX_GROUPS_PER_DIM) throw new Error(`webgpu: kernel "${kernelName}" needs ${total} workgroups, more than a 65535×65535 grid`);
  return { workgroups: [gx, gy, 1], groupId: `(wid.y * ${gx}u + wid.x)` };
}

/** WGSL statements splitting linear `lin` (i32) into per-axis index vars named `vars`. */
export function unflatten(lin: string, shape: readonly number[], vars: readonly string[], indent = '  '): string[] {
  const lines: string[] = [];
  let rest = lin;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (d === 0) lines.push(`${indent}let ${vars[d]} = ${rest};`);
    else {
      lines.push(`${indent}let ${vars[d]} = ${rest} % ${shape[d]};`);
      if (d > 0) {
        const next = `${vars[d]}_q`;
        lines.push(`${indent}let ${next} = ${rest} / ${shape[d]};`);
        rest = next;
      }
    }
  }
  return lines;
}
