#!/usr/bin/env bash
# Publish time per engine against build-push-action's way (see bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh >/dev/null
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
npx tsc -p tsconfig.json --outDir .tmp/build
ln -sfn ../../scripts .tmp/build/scripts
node .tmp/build/bench/engines.js
