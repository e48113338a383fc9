// Sanity checks on the golden files themselves; the op tests that run them through Axon live elsewhere.
import { describe, expect, it } from 'vitest';
import { goldenSize, listGoldenFamilies, loadGoldens, type GoldenCase, type GoldenTensor } from './load.ts';
import { compositeSignatures } from './composite-signatures.ts';

const expectedFamilies = [
  'composites', 'conv', 'elementwise', 'indexing', 'losses', 'math', 'matmul', 'movement', 'norm', 'objectives', 'optim', 'pool', 'reductions', 'softmax',
];

/** Argument order and attribute names per op, as documented in README.md. `b?` marks an optional input. */
const opSignatures: Record<string, { inputs: string[]; attrs: string[] }> = {
  ...Object.fromEntries(
    ['neg', 'exp', 'log', 'sqrt', 'abs', 'sigmoid', 'tanh', 'relu', 'softplus', 'sign', 'step', 'flatten']
      .map((op) => [op, { inputs: ['x'], attrs: [] }]),
  ),
  leakyRelu: { inputs: ['x'], attrs: ['alpha'] },
  elu: { inputs: ['x'], attrs: ['alpha'] },
  softmax: { inputs: ['x'], attrs: ['axis'] },
  logSoftmax: { inputs: ['x'], attrs: ['axis'] },
  ...Object.fromEntries(
    ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'matmul'].map((op) => [op, { inputs: ['a', 'b'], attrs: [] }]),
  ),
  sum: { inputs: ['x'], attrs: ['axes', 'keepDims'] },
  mean: { inputs: ['x'], attrs: ['axes', 'keepDims'] },
  max: { inputs: ['x'], attrs: ['axes', 'keepDims'] },
  argmax: { inputs: ['x'], attrs: ['axis'] },
  reshape: { inputs: ['x'], attrs: ['shape'] },
  transpose: { inputs: ['x'], attrs: ['perm'] },
  dense: { inputs: ['x', 'w', 'b?'], attrs: ['bias'] },
  conv2d: { inputs: ['x', 'w', 'b?'], attrs: ['stride', 'padding', 'dilation', 'groups'] },
  convTranspose2d: { inputs: ['x', 'w', 'b?'], attrs: ['stride', 'padding', 'outputPadding', 'dilation', 'groups'] },
  maxPool2d: { inputs: ['x'], attrs: ['kernel', 'stride', 'padding'] },
  avgPool2d: { inputs: ['x'], attrs: ['kernel', 'stride', 'padding'] },
  squaredError: { inputs: ['o', 't'], attrs: [] },
  mse: { inputs: ['o', 't'], attrs: [] },
  binaryCrossEntropy: { inputs: ['p', 't'], attrs: [] },
  binaryCrossEntropyWithLogits: { inputs: ['z', 't'], attrs: [] },
  softmaxCrossEntropy: { inputs: ['logits', 'labels'], attrs: [] },
  nllLoss: { inputs: ['logProbs', 'labels'], attrs: [] },
  klDivergence: { inputs: ['logQ', 'p'], attrs: [] },
  hinge: { inputs: ['scores', 'y'], attrs: [] },
  diceLoss: { inputs: ['p', 't'], attrs: [] },
  logisticRegression: { inputs: ['w', 'b', 'x', 'y'], attrs: ['C'] },
  batchNorm: { inputs: ['x', 'gamma', 'beta', 'runningMean', 'runningVar'], attrs: ['training', 'momentum', 'eps'] },
  // issue 12 primitives (math.json, indexing.json)
  ...Object.fromEntries(['erf', 'sin', 'cos', 'floor', 'ceil', 'round'].map((op) => [op, { inputs: ['x'], attrs: [] }])),
  ...Object.fromEntries(['mod', 'lessEqual', 'greaterEqual', 'notEqual'].map((op) => [op, { inputs: ['a', 'b'], attrs: [] }])),
  min: { inputs: ['x'], attrs: ['axes', 'keepDims'] },
  batchedMatmul: { inputs: ['a', 'b'], attrs: ['transposeA', 'transposeB'] },
  pad: { inputs: ['x'], attrs: ['widths', 'value'] },
  padMode: { inputs: ['x'], attrs: ['widths', 'mode'] },
  slice: { inputs: ['x'], attrs: ['ranges'] },
  flip: { inputs: ['x'], attrs: ['axes'] },
  concat: { inputs: ['a', 'b', 'c?'], attrs: ['axis'] },
  gather: { inputs: ['x', 'indices'], attrs: ['axis'] },
  scatterAdd: { inputs: ['updates', 'indices'], attrs: ['axis', 'size'] },
  sgd: { inputs: ['w', 'a', 'b'], attrs: ['lr', 'weightDecay?', 'steps'] },
  momentum: { inputs: ['w', 'a', 'b'], attrs: ['lr', 'momentum', 'steps'] },
  nesterov: { inputs: ['w', 'a', 'b'], attrs: ['lr', 'momentum', 'steps'] },
  adagrad: { inputs: ['w', 'a', 'b'], attrs: ['lr', 'eps', 'steps'] },
  adam: { inputs: ['w', 'a', 'b'], attrs: ['lr', 'beta1', 'beta2', 'eps', 'steps'] },
  adamw: { inputs: ['w', 'a', 'b'], attrs: ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'steps'] },
  ...compositeSignatures,
};

const optimizerOps = new Set(['sgd', 'momentum', 'nesterov', 'adagrad', 'adam', 'adamw']);

/** Names a case may use, in order: required ones always, optional ones (suffix '?') only if present. */
function matchesSignature(actual: string[], expected: string[]): boolean {
  const wanted = expected.filter((name) => !name.endsWith('?') || actual.includes(name.slice(0, -1)));
  return JSON.stringify(actual) === JSON.stringify(wanted.map((name) => name.replace(/\?$/, '')));
}

function tensorProblem(where: string, t: GoldenTensor | undefined, needsDType: boolean): string | null {
  if (!t || !Array.isArray(t.shape) || !Array.isArray(t.data)) return `${where}: not a {shape, data} tensor`;
  if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) return `${where}: bad shape ${JSON.stringify(t.shape)}`;
  if (t.data.length !== goldenSize(t)) return `${where}: shape ${JSON.stringify(t.shape)} needs ${goldenSize(t)} values, has ${t.data.length}`;
  if (needsDType && t.dtype !== 'f32' && t.dtype !== 'i32') return `${where}: dtype ${String(t.dtype)}`;
  if (!t.data.every((v) => typeof v === 'number' && Number.isFinite(v))) return `${where}: non-finite value`;
  if (t.dtype === 'i32' && !t.data.every((v) => Number.isInteger(v) && v === (v | 0))) return `${where}: non-int32 value`;
  return null;
}

function caseProblems(c: GoldenCase): string[] {
  const problems: string[] = [];
  const signature = opSignatures[c.op];
  if (!signature) return [`unknown op '${c.op}'`];
  if (!matchesSignature(Object.keys(c.inputs), signature.inputs)) {
    problems.push(`inputs ${Object.keys(c.inputs).join(',')} do not match ${signature.inputs.join(',')}`);
  }
  if (!matchesSignature(Object.keys(c.attrs), signature.attrs)) {
    problems.push(`attrs ${Object.keys(c.attrs).join(',')} do not match ${signature.attrs.join(',')}`);
  }
  for (const [name, t] of Object.entries(c.inputs)) {
    const p = tensorProblem(`input ${name}`, t, true);
    if (p) problems.push(p);
    // Inputs are drawn in float32 so that feeding them to Axon as Float32Array is exact.
    else if (t.dtype === 'f32' && !t.data.every((v) => Math.fround(v) === v)) problems.push(`input ${name}: not float32-exact`);
  }
  for (const [name, t] of Object.entries(c.outputs)) {
    const p = tensorProblem(`output ${name}`, t, true);
    if (p) problems.push(p);
  }
  const expectedOutputs = optimizerOps.has(c.op) ? ['losses', 'gradients', 'params'] : ['out'];
  for (const name of expectedOutputs) if (!(name in c.outputs)) problems.push(`no output named ${name}`);
  if (c.cotangent !== null) {
    const p = tensorProblem('cotangent', c.cotangent, false);
    if (p) problems.push(p);
    else if (JSON.stringify(c.cotangent.shape) !== JSON.stringify(c.outputs.out?.shape)) problems.push('cotangent shape differs from out');
  } else if (Object.keys(c.grads).length > 0 && c.outputs.out?.shape.length !== 0) {
    problems.push('grads of a non-scalar output without a cotangent');
  }
  for (const [name, g] of Object.entries(c.grads)) {
    const input = c.inputs[name];
    const p = tensorProblem(`grad ${name}`, g, false);
    if (!input) problems.push(`grad ${name} names no input`);
    else if (input.dtype !== 'f32') problems.push(`grad ${name} of an ${input.dtype} input`);
    else if (p) problems.push(p);
    else if (JSON.stringify(g.shape) !== JSON.stringify(input.shape)) {
      problems.push(`grad ${name} shape ${JSON.stringify(g.shape)} != input shape ${JSON.stringify(input.shape)}`);
    }
  }
  return problems;
}

describe('PyTorch goldens', () => {
  it('has every expected family', () => {
    expect(listGoldenFamilies()).toEqual(expectedFamilies);
  });

  it('has unique case ids across families', () => {
    const ids = expectedFamilies.flatMap((f) => loadGoldens(f).map((c) => c.id));
    expect(ids.length).toBeGreaterThan(150);
    expect(new Set(ids).size).toBe(ids.length);
  });

  for (const family of expectedFamilies) {
    it(`${family}.json: every case is well-formed`, () => {
      const cases = loadGoldens(family);
      expect(cases.length).toBeGreaterThan(0);
      const problems = cases.flatMap((c) => caseProblems(c).map((p) => `${c.id}: ${p}`));
      expect(problems).toEqual([]);
    });
  }

  it('checks its own checker: a mismatched grad shape is reported', () => {
    const broken: GoldenCase = {
      id: 'broken', op: 'relu', attrs: {},
      inputs: { x: { shape: [2], dtype: 'f32', data: [1, -1] } },
      cotangent: { shape: [2], data: [0.5, 0.5] },
      outputs: { out: { shape: [2], dtype: 'f32', data: [1, 0] } },
      grads: { x: { shape: [1, 2], data: [0.5, 0] } },
    };
    expect(caseProblems(broken)).toEqual(['grad x shape [1,2] != input shape [2]']);
  });
});
