#!/usr/bin/env bash
# The speed goals, side by side in one run (see bench/README.md). BENCH_RUNS (default 3) runs per
# case; BENCH_GOALS=1,2,3,4 picks goals (BENCH_GOALS=floor: bench/copy-floor.ts instead), BENCH_ENGINES=docker20,d28-classic,d28-containerd engines. Prints a Markdown section for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh >/dev/null
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
npm run --silent build >/dev/null
npx tsc -p tsconfig.json --outDir .tmp/build
ln -sfn "$PWD/scripts" .tmp/build/scripts
if [ "${BENCH_GOALS:-}" = floor ]; then
  node .tmp/build/bench/copy-floor.js
else
  node .tmp/build/bench/goals.js
fi
