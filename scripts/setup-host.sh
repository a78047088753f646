#!/usr/bin/env bash
# Prepares a Debian machine (as root) for stevedore's demo and tests:
# Debian's Docker engine, registry, skopeo and debootstrap; a running engine
# kept off any bridge (all traffic on loopback); the local base images; the
# Docker 28 engines with buildx and Node 24 that GitHub's runners have (setup-engines.sh).
# Idempotent: what is there already is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(docker.io docker-registry skopeo debootstrap busybox-static apache2-utils openssl ca-certificates curl strace time)
ENGINE_LOG=${ENGINE_LOG:-/var/log/stevedore-dockerd.log}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi

engine_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
if ! engine_up; then
  echo "setup: starting dockerd (no bridge, no iptables; log: $ENGINE_LOG)"
  as_root bash -c "setsid nohup dockerd --iptables=false --ip-masq=false --bridge=none >>'$ENGINE_LOG' 2>&1 < /dev/null &"
  for _ in $(seq 1 60); do engine_up && break; sleep 0.5; done
  engine_up || { echo "setup: dockerd did not start; last log lines:"; tail -20 "$ENGINE_LOG"; exit 1; }
fi
echo "setup: docker engine $(docker version --format '{{.Server.Version}}')"

as_root bash scripts/make-base-image.sh
bash scripts/setup-engines.sh
