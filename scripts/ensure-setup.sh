#!/usr/bin/env bash
# Everything `npm test` and the examples need on a fresh machine: system packages (Vulkan driver
# for WebGPU, Chromium, the Fashion-MNIST data) and the npm dependencies. Cheap when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "ensure-setup: installing npm dependencies (npm ci)…" >&2
  npm ci --no-audit --no-fund >&2
fi
# the PyTorch-exported ONNX models (ResNet-18 alone is 45 MB, so they are generated, not committed),
# once into the ignored cache after npm ci (which empties node_modules): ~11 s on 2 idle cores
if [ "${AXON_SETUP_PYTHON:-0}" = 1 ]; then
  models=node_modules/.cache/axon/onnx-models
  for f in fashion_simple_net.onnx fashion_simple_net.grads.json resnet18.onnx mobilenet_v2.onnx squeezenet1_1.onnx vit_tiny.onnx; do
    if [ ! -f "$models/$f" ]; then
      echo "ensure-setup: exporting the torchvision ONNX models into $models…" >&2
      /usr/bin/python3 scripts/make-onnx-models.py --out "$models" >&2
      break
    fi
  done
fi
# the CLI's sources as JavaScript (bin/source-js.mjs), built here like a package's dist/ so the
# first `axon` command does not spend ~0.8 s transpiling; a no-op (a stat of each file) when current
node --input-type=module -e "const m = await import('./bin/source-js.mjs'); await m.sourceAsJs(process.cwd());" \
  || echo "ensure-setup: could not pre-transpile the CLI (it will run through tsx)" >&2
