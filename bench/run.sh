#!/usr/bin/env bash
# Runs the publish and mirror benchmarks (see bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh >/dev/null
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
DOCKER_BUILDKIT=1 /usr/bin/docker build -q --network host \
  --build-arg BASE_IMAGE=stevedore-local/python-fastapi:bookworm --build-arg APP_PACKAGE_NAME=orders --build-arg UID=10001 \
  -t stevedore-bench/orders:latest examples/orders >/dev/null 2>&1 \
  || docker buildx build --load -q --network host \
  --build-arg BASE_IMAGE=stevedore-local/python-fastapi:bookworm --build-arg APP_PACKAGE_NAME=orders --build-arg UID=10001 \
  -t stevedore-bench/orders:latest examples/orders >/dev/null
npx tsc -p tsconfig.json --outDir .tmp/build
ln -sfn ../../scripts .tmp/build/scripts
node .tmp/build/bench/publish.js
