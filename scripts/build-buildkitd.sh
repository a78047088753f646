#!/usr/bin/env bash
# Builds BuildKit's daemon and client (buildkitd, buildctl) from Debian's packages alone, for the
# tests' remote builder: no image can be pulled here, and no binary is downloaded.
#
# BuildKit 0.25's sources come with Debian sid's golang-github-docker-docker-dev (docker.io
# 28.5.2 carries them); the Go toolchain and every library are sid's golang-*-dev packages, read
# through a private apt view (scripts/lib/sid-apt.sh) and unpacked, never installed. The build is
# plain GOPATH mode, static, with scripts/buildkitd-stand-ins/src first on GOPATH for the few
# imports Debian does not package in a form BuildKit builds against (see its README).
#
# Usage: build-buildkitd.sh DIR   -> DIR/bin/buildkitd, DIR/bin/buildctl (about 3 GB in DIR while
# building; kept afterwards as Go's build cache). Run buildkitd as root with runc on PATH.
# Idempotent: binaries already built are kept.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/sid-apt.sh
source "$here/lib/sid-apt.sh"

out=${1:?usage: build-buildkitd.sh DIR}
if [ -x "$out/bin/buildkitd" ] && [ -x "$out/bin/buildctl" ]; then
  echo "buildkitd: built already in $out/bin"
  exit 0
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
started=$(date +%s)
say() { echo "buildkitd: $* ($(($(date +%s) - started)) s)"; }

# What the build reads: docker's source package (BuildKit inside), the Go 1.27 toolchain, and the
# libraries that only buildkitd's own command imports (docker's daemon does not).
ROOTS=(
  golang-github-docker-docker-dev
  golang-1.27-go golang-1.27-src
  golang-github-agext-levenshtein-dev
  golang-github-azure-azure-sdk-for-go-dev
  golang-github-containerd-accelerated-container-image-dev
  golang-github-coreos-go-systemd-dev
  golang-github-gofrs-flock-dev
  golang-github-google-shlex-dev
  golang-github-hashicorp-go-immutable-radix-v2-dev
  golang-github-mitchellh-hashstructure-v2-dev
  golang-github-package-url-packageurl-go-dev
  golang-github-pkg-profile-dev
  golang-github-spdx-tools-golang-dev
  golang-github-tonistiigi-go-archvariant-dev
)

sid_apt_init "$out/apt"
# every golang-* package the roots depend on, however deep (x/tools is large and not imported)
apt-cache "${SID_APT[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances "${ROOTS[@]}" 2>/dev/null |
  grep -E '^golang-' | grep -vx golang-golang-x-tools | sort -u >"$out/packages.txt"
say "$(wc -l <"$out/packages.txt") Debian packages to unpack"

mkdir -p "$out/debs" "$out/tree"
(cd "$out/debs" && xargs apt-get "${SID_APT[@]}" download <"$out/packages.txt" >"$out/download.log" 2>&1)
say "downloaded"
for deb in "$out"/debs/*.deb; do dpkg-deb -x "$deb" "$out/tree"; done
say "unpacked into $out/tree"

# Stand-ins first on GOPATH (src/), or in place of the unpacked package (replace/); beside them,
# the import paths Debian installs without their major version suffix (go-systemd v22, and
# hashstructure v2 where sid has no v2 folder).
gopath_debian="$out/tree/usr/share/gocode"
rm -rf "$out/stand-ins"
mkdir -p "$out/stand-ins"
cp -r "$here/buildkitd-stand-ins/src" "$out/stand-ins/src"
(cd "$here/buildkitd-stand-ins/replace" && find . -name '*.go') | while read -r file; do
  rm -f "$gopath_debian/src/$(dirname "$file")"/*.go
  cp "$here/buildkitd-stand-ins/replace/$file" "$gopath_debian/src/$file"
done
link_major() { # import path without suffix, suffix
  local target="$gopath_debian/src/$1" link="$out/stand-ins/src/$1/$2"
  [ -d "$gopath_debian/src/$1/$2" ] && return 0
  mkdir -p "$(dirname "$link")"
  ln -sfn "$target" "$link"
}
link_major github.com/coreos/go-systemd v22
link_major github.com/mitchellh/hashstructure v2

export GOROOT="$out/tree/usr/lib/go-1.27"
export GOPATH="$out/stand-ins:$gopath_debian"
export PATH="$GOROOT/bin:$PATH"
export GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local GOPROXY=off CGO_ENABLED=0
export GOCACHE="$out/gocache" GOTMPDIR="$out/gotmp"
mkdir -p "$GOCACHE" "$GOTMPDIR" "$out/bin"
version="v0.25.x+debian-docker.io-28.5.2"
ldflags="-s -w -X github.com/moby/buildkit/version.Version=$version -X github.com/moby/buildkit/version.Package=github.com/moby/buildkit"
for cmd in buildkitd buildctl; do
  go build -trimpath -ldflags "$ldflags" -o "$out/bin/$cmd" "github.com/moby/buildkit/cmd/$cmd"
  say "built $cmd"
done
"$out/bin/buildkitd" --version
