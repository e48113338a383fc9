/**
 * Where the PyTorch-exported ONNX models live (scripts/make-onnx-models.py writes them into the
 * ignored cache) and whether the tests that need them run. Outside CI a missing cache skips
 * those tests with a note; in CI (CI=true, where .ci/run generates the models first) it is an
 * error, so the architecture tests can never pass by skipping there.
 */
import { existsSync } from 'node:fs';

export const ONNX_MODEL_DIR = 'node_modules/.cache/axon/onnx-models';
export const GENERATE = '/usr/bin/python3 scripts/make-onnx-models.py';

/** true when every file is in the cache; false (skip) or a thrown error (in CI) when not. */
export function haveOnnxModels(files: readonly string[]): boolean {
  const missing = files.filter((f) => !existsSync(`${ONNX_MODEL_DIR}/${f}`));
  if (!missing.length) return true;
  const what = `${missing.join(', ')} missing from ${ONNX_MODEL_DIR} (generate them with \`${GENERATE}\`; it needs Debian's python3-torch, python3-torchvision and python3-onnx, which \`AXON_SETUP_PYTHON=1 bash scripts/setup-system.sh\` installs)`;
  if (process.env.CI === 'true') throw new Error(`CI: ${what}`);
  console.warn(`SKIPPING the PyTorch-exported ONNX model tests: ${what}`);
  return false;
}
