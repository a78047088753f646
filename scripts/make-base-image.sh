#!/usr/bin/env bash
# Makes local base images from Debian packages, for machines that cannot pull
# from any registry. Idempotent: an image that exists is left alone.
#   python   stevedore-local/python-fastapi:bookworm  python3 + FastAPI + uvicorn + pip (debootstrap)
#   busybox  stevedore-local/busybox:latest           busybox-static, for fast tests
# Usage: make-base-image.sh [python] [busybox]   (both when none is named)
set -euo pipefail
wanted=${*:-python busybox}
want() { [[ " $wanted " == *" $1 "* ]]; }

PY_IMAGE=${PY_IMAGE:-stevedore-local/python-fastapi:bookworm}
BB_IMAGE=${BB_IMAGE:-stevedore-local/busybox:latest}
DOCKER=${DOCKER:-docker}

mirror() {
  # First deb.debian.org-style URI from the apt sources of this machine.
  local uri
  uri=$(grep -hoE '^(URIs:|deb)[[:space:]]+[^ ]+' /etc/apt/sources.list.d/*.sources \
        /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -m1 -E '/debian/?$' || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

if want busybox && ! $DOCKER image inspect "$BB_IMAGE" >/dev/null 2>&1; then
  dir=$(mktemp -d)
  mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc"
  cp /bin/busybox "$dir/bin/busybox"
  for a in sh ls cat echo sleep true false id wc sha256sum mkdir cp env; do
    ln -s busybox "$dir/bin/$a"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/etc/passwd"
  tar -C "$dir" -c . | $DOCKER import -c 'ENV PATH=/bin' - "$BB_IMAGE" >/dev/null
  rm -rf "$dir"
  echo "made $BB_IMAGE"
fi

if want python && ! $DOCKER image inspect "$PY_IMAGE" >/dev/null 2>&1; then
  dir=$(mktemp -d)
  debootstrap --variant=minbase \
    --include=python3,python3-venv,python3-fastapi,uvicorn,python3-pip,python3-setuptools,python3-wheel,passwd \
    bookworm "$dir" "$(mirror)" >"$dir.log" 2>&1 || { tail -20 "$dir.log"; exit 1; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar -C "$dir" -c . | $DOCKER import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["python3"]' - "$PY_IMAGE" >/dev/null
  rm -rf "$dir" "$dir.log"
  echo "made $PY_IMAGE"
fi
