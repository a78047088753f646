#!/usr/bin/env bash
# Prepares a Debian machine (as root) for every test: what the demo needs (setup-demo.sh), then
# skopeo, busybox and the other tools the tests read back with, the busybox base image, and the
# engines GitHub's runners have (setup-engines.sh: Docker 28 with buildx in both image stores,
# Node 24, crane, and a BuildKit daemon built from Debian's packages).
# Idempotent: what is there already is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/steps.sh
source scripts/lib/steps.sh

bash scripts/setup-demo.sh
PACKAGES=(skopeo busybox-static openssl strace time openssh-client runc)
step "Debian packages for the tests (${PACKAGES[*]})" install_packages "${PACKAGES[@]}"
step "base image stevedore-local/busybox:latest" as_root bash scripts/make-base-image.sh busybox
bash scripts/setup-engines.sh
