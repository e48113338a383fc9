#!/usr/bin/env bash
# Refreshes the playground screenshot the README shows: runs the playground test (which writes
# out/playground/playground.png, an ignored folder) and copies the picture over the committed one.
set -euo pipefail
cd "$(dirname "$0")/.."
npx vitest run test/playground/playground.test.ts
cp out/playground/playground.png test/playground/__screenshots__/playground.png
echo "updated test/playground/__screenshots__/playground.png (commit it if it changed)"
