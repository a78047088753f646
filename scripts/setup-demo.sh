#!/usr/bin/env bash
# What the demo needs on a Debian machine (as root), and nothing more: Debian's Docker engine
# (started without a bridge, so all traffic stays on loopback), the registry and htpasswd, and the
# Python + FastAPI base image made from Debian packages. One line per step, with the seconds it
# took.
# Idempotent: what is there already is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/steps.sh
source scripts/lib/steps.sh

PACKAGES=(docker.io docker-registry apache2-utils debootstrap ca-certificates curl)
ENGINE_LOG=${ENGINE_LOG:-/var/log/stevedore-dockerd.log}

step "Debian packages (${PACKAGES[*]})" install_packages "${PACKAGES[@]}"

engine_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
start_engine() {
  engine_up && return 0
  echo "  starting dockerd (no bridge, no iptables; log: $ENGINE_LOG)"
  as_root bash -c "setsid nohup dockerd --iptables=false --ip-masq=false --bridge=none >>'$ENGINE_LOG' 2>&1 < /dev/null &"
  for _ in $(seq 1 60); do engine_up && return 0; sleep 0.5; done
  echo "dockerd did not start; last log lines:" >&2
  tail -20 "$ENGINE_LOG" >&2
  return 1
}
step "Docker engine" start_engine
step "base image stevedore-local/python-fastapi:bookworm (debootstrap, once)" as_root bash scripts/make-base-image.sh python

