/**
 * ONNX's node test suite (Debian's libonnx-testdata): every case on the reference interpreter,
 * and a fixed representative sample on WASM and WebGPU (the full run is `npm run onnx-conformance`).
 * No case may fail: each either passes or stops at import with a clear "unsupported" error.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { listCases, loadCase, runBackend, runReference, NODE_SUITE, type CaseResult, type LoadedCase } from './conformance.ts';
import { testDevice } from '../backends/webgpu/device.ts';

const SAMPLE = [
  'test_add_bcast', 'test_conv_with_strides_padding', 'test_maxpool_2d_same_lower', 'test_averagepool_2d_precomputed_pads', 'test_averagepool_2d_ceil', 'test_softmax_axis_1',
  'test_gemm_default_scalar_bias', 'test_matmul_4d', 'test_reduce_mean_keepdims_example', 'test_argmax_keepdims_example_select_last_index',
  'test_nllloss_NCd1_weight', 'test_layer_normalization_2d_axis0', 'test_convtranspose_1d', 'test_reshape_negative_dim', 'test_where_example',
  'test_cumsum_1d', 'test_identity', 'test_batchnorm_example', 'test_gather_0', 'test_concat_2d_axis_0', 'test_slice_neg_steps',
  'test_constant_pad', 'test_reflect_pad', 'test_erf', 'test_split_equal_parts_1d', 'test_gather_elements_0', 'test_mod_mixed_sign_int32',
];
const cases = listCases();
const failures = (rs: CaseResult[]) => rs.filter((r) => r.outcome === 'failed').map((r) => `${r.case}: ${r.detail}`);

describe.skipIf(cases.length === 0)(`ONNX node suite (${NODE_SUITE})`, () => {
  let sample: LoadedCase[] = [];
  beforeAll(async () => { sample = await Promise.all(SAMPLE.map((n) => loadCase(n))); });

  it('every case on the reference interpreter: none fails, at least 650 pass', async () => {
    const results: CaseResult[] = [];
    for (const n of cases) results.push(runReference(await loadCase(n)));
    expect(failures(results)).toEqual([]);
    expect(results.filter((r) => r.outcome === 'passed').length).toBeGreaterThanOrEqual(650);
  }, 300_000);

  it('the sample passes on the reference interpreter', () => {
    expect(sample.map(runReference).filter((r) => r.outcome !== 'passed').map((r) => `${r.case}: ${r.detail}`)).toEqual([]);
  });

  it('the sample passes on WASM', async () => {
    const rs = await runBackend(sample, 'wasm', SAMPLE.length);
    expect(rs.filter((r) => r.outcome !== 'passed').map((r) => `${r.case}: ${r.detail}`)).toEqual([]);
  }, 300_000);

  it('the sample passes on WebGPU', async (ctx) => {
    const device = await testDevice();
    if (!device) return ctx.skip();
    const rs = await runBackend(sample, 'webgpu', SAMPLE.length, device);
    expect(rs.filter((r) => r.outcome !== 'passed').map((r) => `${r.case}: ${r.detail}`)).toEqual([]);
    device.destroy();
  }, 300_000);
});
if (cases.length === 0) console.warn(`SKIPPING the ONNX conformance tests: ${NODE_SUITE} is missing (install libonnx-testdata: sudo bash scripts/setup-system.sh)`);
