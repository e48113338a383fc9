/** `axon example <name>`: runs a bundled worked example. */
export const EXAMPLES = ['xor-worked', 'xor'] as const;

export async function exampleCommand(name: string, flags: { json?: boolean; backend?: 'wasm' | 'webgpu' }): Promise<string> {
  const backend = flags.backend ?? 'wasm';
  switch (name) {
    case 'xor-worked': {
      const { xorWorked } = await import('../../examples/xor-worked.ts');
      const r = await xorWorked(backend);
      if (flags.json) return JSON.stringify(r);
      const lines = ['forward pass (lecture 002 weights):', '  x1 x2 |   D       E      | G'];
      for (const f of r.forward) lines.push(`   ${f.input[0]}  ${f.input[1]} | ${f.hidden.map((h) => h.toFixed(5)).join(' ')} | ${f.output.toFixed(5)}`);
      lines.push(`one backpropagation step on (1, 0) → 1 at μ = ${r.step.lr}:`);
      lines.push(`  deltas: G ${r.step.deltas.G.toFixed(5)}, D ${r.step.deltas.D.toFixed(5)}, E ${r.step.deltas.E.toFixed(5)}`);
      lines.push(`  weights: ${Object.entries(r.step.weights).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
      return lines.join('\n');
    }
    case 'xor': {
      const { trainXor } = await import('../../examples/xor.ts');
      const r = await trainXor(backend);
      return flags.json ? JSON.stringify({ backend, ...r }) : `${backend}: outputs ${r.y.map((v) => v.toFixed(3)).join(', ')} (targets 0, 1, 1, 0), E = ${r.loss.toExponential(3)}`;
    }
    default:
      throw new Error(`unknown example "${name}"; examples: ${EXAMPLES.join(', ')}`);
  }
}
