#!/usr/bin/env bash
# The main job, locally: sets up what it needs (scripts/setup-demo.sh: Docker's engine, a
# registry, the base image, npm packages), starts a registry on 127.0.0.1 (htpasswd auth), then
# runs the bundled action on examples/orders as a runner would for the tag v0.1.0, and prints the
# tags and digests it published.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

bash scripts/setup-demo.sh
# shellcheck source=lib/steps.sh
source scripts/lib/steps.sh
npm_packages() {
  # the production packages are enough to run the bundled action with scripts/local-runner.js
  node -e 'require.resolve("yaml")' 2>/dev/null && return 0
  npm ci --omit=dev --no-audit --no-fund --loglevel=error
}
step "npm packages (production only)" npm_packages

PORT=${STEVEDORE_DEMO_PORT:-5000}
DIR=${STEVEDORE_DEMO_DIR:-/tmp/stevedore-demo}
mkdir -p "$DIR"
if ! curl -s -o /dev/null "http://127.0.0.1:$PORT/v2/"; then
  head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$DIR/password"
  htpasswd -Bbn demo "$(cat "$DIR/password")" >"$DIR/htpasswd"
  cat >"$DIR/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $DIR/data
http:
  addr: 127.0.0.1:$PORT
auth:
  htpasswd:
    realm: stevedore-demo
    path: $DIR/htpasswd
YAML
  setsid nohup docker-registry serve "$DIR/config.yml" >"$DIR/registry.log" 2>&1 </dev/null &
  echo $! >"$DIR/registry.pid"
  for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/v2/" && break; sleep 0.2; done
  echo "demo: registry on 127.0.0.1:$PORT (user demo; stop it with: kill \$(cat $DIR/registry.pid))"
fi

STEVEDORE_DEMO_PASSWORD=$(cat "$DIR/password") STEVEDORE_DEMO_REGISTRY="127.0.0.1:$PORT" node -e '
  const {runAction} = require("./scripts/local-runner")
  const registry = process.env.STEVEDORE_DEMO_REGISTRY
  runAction(
    {
      images: `${registry}/acme/orders`,
      context: "examples/orders",
      "build-args": "BASE_IMAGE=stevedore-local/python-fastapi:bookworm\nAPP_PACKAGE_NAME=orders\nUID=10001",
      network: "host",
      username: "demo",
      password: process.env.STEVEDORE_DEMO_PASSWORD
    },
    {env: {GITHUB_REF: "refs/tags/v0.1.0"}, capture: false}
  ).then(run => {
    console.log("\n==== stevedore demo ====")
    if (run.exitCode !== 0) {
      console.log(`the action failed (exit ${run.exitCode}); see the ::error:: line above`)
      process.exit(run.exitCode)
    }
    console.log(`version: ${run.outputs.version}`)
    console.log(`tags:\n  ${run.outputs.tags.split("\n").join("\n  ")}`)
    console.log(`digests: ${run.outputs.digests}`)
    console.log(`refs:\n  ${run.outputs.refs.split("\n").join("\n  ")}`)
    console.log(`post step: exit ${run.post.exitCode} (removed the run'"'"'s docker config)`)
  })
'
echo "demo: done in $(($(date +%s) - started)) s"
