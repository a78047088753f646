#!/usr/bin/env bash
# The engines GitHub's runners have, next to Debian 12's Docker 20.10: Docker 28
# with buildx from Debian's sid suite, unpacked (never installed) under
# $STEVEDORE_ENGINES and started on sockets of their own:
#   d28-classic     Docker 28.5.2, classic image store (ubuntu-24.04 runners)
#   d28-containerd  Docker 28.5.2, containerd image store (Docker 29 / fresh installs)
# The sid suite is read from the same mirror as /etc/apt/sources.list.d, through a
# private apt configuration: the host's apt sources are not touched.
# Also Node 24 (npm's node@24), which GitHub runs the action on, and crane; and a BuildKit
# daemon built from Debian's packages (scripts/build-buildkitd.sh), the tests' remote builder.
# Writes $STEVEDORE_ENGINES/engines.json, which the tests read. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/steps.sh
source scripts/lib/steps.sh
# shellcheck source=lib/sid-apt.sh
source scripts/lib/sid-apt.sh

ROOT=${STEVEDORE_ENGINES:-/opt/stevedore}
PACKAGES=(docker.io docker-cli docker-buildx containerd crane)
BIN="$ROOT/root/usr/bin:$ROOT/root/usr/sbin"

unpacked() { [ -x "$ROOT/root/usr/sbin/dockerd" ] && [ -x "$ROOT/root/usr/libexec/docker/cli-plugins/docker-buildx" ] && [ -x "$ROOT/root/usr/bin/crane" ]; }

unpack_engines() {
  unpacked && return 0
  as_root mkdir -p "$ROOT/debs" "$ROOT/root"
  sid_apt_init "$ROOT/apt"
  (cd "$ROOT/debs" && as_root apt-get "${SID_APT[@]}" download "${PACKAGES[@]}" >/dev/null)
  for deb in "$ROOT"/debs/*.deb; do as_root dpkg-deb -x "$deb" "$ROOT/root"; done
  unpacked || { echo "engines: unpacking left no dockerd/buildx/crane under $ROOT/root" >&2; return 1; }
}
step "Docker 28.5.2, buildx, containerd, crane from sid, unpacked into $ROOT/root" unpack_engines

# buildx is found through $DOCKER_CONFIG/cli-plugins, as setup-buildx-action installs it
as_root mkdir -p "$ROOT/dockercfg/cli-plugins" "$ROOT/etc"
as_root ln -sf "$ROOT/root/usr/libexec/docker/cli-plugins/docker-buildx" "$ROOT/dockercfg/cli-plugins/docker-buildx"

start_engine() { # name, daemon.json
  local name=$1 sock="/run/stevedore-$1.sock"
  echo "$2" | as_root tee "$ROOT/etc/$name.json" >/dev/null
  if ! DOCKER_HOST="unix://$sock" "$ROOT/root/usr/bin/docker" version >/dev/null 2>&1; then
    echo "engines: starting $name on $sock (log: /var/log/stevedore-$name.log)"
    as_root env PATH="$BIN:$PATH" setsid nohup dockerd --config-file "$ROOT/etc/$name.json" \
      --data-root "/var/lib/stevedore-$name" --exec-root "/run/stevedore-$name" --pidfile "/run/stevedore-$name.pid" \
      -H "unix://$sock" --iptables=false --ip6tables=false --ip-masq=false --bridge=none \
      >>"/var/log/stevedore-$name.log" 2>&1 </dev/null &
    for _ in $(seq 1 120); do DOCKER_HOST="unix://$sock" "$ROOT/root/usr/bin/docker" version >/dev/null 2>&1 && break; sleep 0.5; done
    DOCKER_HOST="unix://$sock" "$ROOT/root/usr/bin/docker" version >/dev/null 2>&1 ||
      { echo "engines: $name did not start; last log lines:" >&2; tail -20 "/var/log/stevedore-$name.log" >&2; exit 1; }
  fi
  # the local base images, copied from the 20.10 engine where scripts/make-base-image.sh makes them
  for image in stevedore-local/busybox:latest stevedore-local/python-fastapi:bookworm; do
    DOCKER_HOST="unix://$sock" "$ROOT/root/usr/bin/docker" image inspect "$image" >/dev/null 2>&1 ||
      docker save "$image" | DOCKER_HOST="unix://$sock" "$ROOT/root/usr/bin/docker" load -q >/dev/null
  done
  echo "engines: $name $(DOCKER_HOST="unix://$sock" "$ROOT/root/usr/bin/docker" version --format '{{.Server.Version}}') up"
}

# Node 24 runs the action on GitHub (action.yml: runs.using node24); npm's node@24 carries it
node24() {
  "$ROOT/node24/node_modules/node/bin/node" --version 2>/dev/null | grep -q '^v24\.' && return 0
  as_root mkdir -p "$ROOT/node24"
  (cd "$ROOT/node24" && as_root npm install --no-audit --no-fund --loglevel=error --no-save node@24 >/dev/null)
}
step "Node 24 (npm's node@24) in $ROOT/node24" node24

step "engine d28-classic" start_engine d28-classic '{}'
step "engine d28-containerd" start_engine d28-containerd '{"features":{"containerd-snapshotter":true}}'

# A BuildKit daemon of its own, as the remote builder a docker-container or remote buildx
# driver gives: built from Debian's packages (about 5 min, once)
BUILDKITD="$ROOT/buildkitd/bin/buildkitd"
build_buildkitd() {
  [ -x "$BUILDKITD" ] && return 0
  echo "  building from Debian's packages, once (log: $ROOT/buildkitd.log)"
  as_root bash scripts/build-buildkitd.sh "$ROOT/buildkitd" >"$ROOT/buildkitd.log" 2>&1 ||
    { tail -20 "$ROOT/buildkitd.log" >&2; return 1; }
}
step "buildkitd in $ROOT/buildkitd" build_buildkitd
# The remote builder sees no engine's images: a registry of its own on a fixed loopback port, reached
# over plain HTTP, holds the base images and the SBOM scanner image (scripts/sbom-scanner) for it
remote_builder() {
  BASES=127.0.0.1:5055
  if ! curl -s -o /dev/null "http://$BASES/v2/"; then
    as_root mkdir -p /var/lib/stevedore-bases
    printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/stevedore-bases\nhttp:\n  addr: %s\n' "$BASES" |
      as_root tee "$ROOT/etc/bases-registry.yml" >/dev/null
    as_root setsid nohup docker-registry serve "$ROOT/etc/bases-registry.yml" >>/var/log/stevedore-bases.log 2>&1 </dev/null &
    for _ in $(seq 1 50); do curl -s -o /dev/null "http://$BASES/v2/" && break; sleep 0.2; done
  fi
  /usr/bin/docker image inspect stevedore-local/sbom-scanner:2 >/dev/null 2>&1 ||
    DOCKER_BUILDKIT=1 /usr/bin/docker build -q -t stevedore-local/sbom-scanner:2 scripts/sbom-scanner >/dev/null
  for image in busybox:latest python-fastapi:bookworm sbom-scanner:2; do
    skopeo inspect --tls-verify=false "docker://$BASES/stevedore/$image" >/dev/null 2>&1 ||
      skopeo copy -q --dest-tls-verify=false "docker-daemon:stevedore-local/$image" "docker://$BASES/stevedore/$image" >/dev/null
  done
  printf '[registry."%s"]\n  http = true\n  insecure = true\n' "$BASES" | as_root tee "$ROOT/etc/buildkitd.toml" >/dev/null

  BK_SOCK=/run/stevedore-buildkitd.sock
  if ! "$ROOT/buildkitd/bin/buildctl" --addr "unix://$BK_SOCK" debug workers >/dev/null 2>&1; then
    echo "engines: starting buildkitd on $BK_SOCK"
    as_root setsid nohup "$BUILDKITD" --config "$ROOT/etc/buildkitd.toml" --root /var/lib/stevedore-buildkitd --addr "unix://$BK_SOCK" \
      --oci-worker=true --containerd-worker=false --oci-worker-net=host >>/var/log/stevedore-buildkitd.log 2>&1 </dev/null &
    for _ in $(seq 1 60); do "$ROOT/buildkitd/bin/buildctl" --addr "unix://$BK_SOCK" debug workers >/dev/null 2>&1 && break; sleep 0.5; done
  fi
  DOCKER_CONFIG="$ROOT/dockercfg" DOCKER_HOST=unix:///run/stevedore-d28-classic.sock "$ROOT/root/usr/bin/docker" buildx inspect stevedore-remote >/dev/null 2>&1 ||
    DOCKER_CONFIG="$ROOT/dockercfg" DOCKER_HOST=unix:///run/stevedore-d28-classic.sock "$ROOT/root/usr/bin/docker" buildx create \
      --name stevedore-remote --driver remote "unix://$BK_SOCK" >/dev/null
  echo "  stevedore-remote -> buildkitd $("$BUILDKITD" --version | awk '{print $3}')"
}
step "remote builder stevedore-remote (buildkitd, its base-image registry on 127.0.0.1:5055)" remote_builder

# Debian 12's Docker 20.10 as an engine of its own: a PATH whose only docker is 20.10 (BuildKit built in)
# and a docker config without plugins, so no buildx anywhere on the machine is picked up
as_root mkdir -p "$ROOT/docker20/bin" "$ROOT/docker20/config"
as_root ln -sfn /usr/bin/docker "$ROOT/docker20/bin/docker"
[ -f "$ROOT/docker20/config/config.json" ] || echo '{}' | as_root tee "$ROOT/docker20/config/config.json" >/dev/null

cat <<JSON | as_root tee "$ROOT/engines.json" >/dev/null
{
  "docker20": {"DOCKER_HOST": "unix:///var/run/docker.sock", "PATH": "$ROOT/docker20/bin:/usr/sbin:/usr/bin:/sbin:/bin", "DOCKER_CONFIG": "$ROOT/docker20/config", "store": "classic"},
  "d28-classic": {"DOCKER_HOST": "unix:///run/stevedore-d28-classic.sock", "PATH_PREFIX": "$ROOT/root/usr/bin", "DOCKER_CONFIG": "$ROOT/dockercfg", "store": "classic"},
  "d28-containerd": {"DOCKER_HOST": "unix:///run/stevedore-d28-containerd.sock", "PATH_PREFIX": "$ROOT/root/usr/bin", "DOCKER_CONFIG": "$ROOT/dockercfg", "store": "containerd"},
  "remoteBuilder": "stevedore-remote",
  "remoteBases": "$BASES/stevedore",
  "crane": "$ROOT/root/usr/bin/crane",
  "node24": "$ROOT/node24/node_modules/node/bin/node"
}
JSON
