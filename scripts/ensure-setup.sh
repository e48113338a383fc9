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
