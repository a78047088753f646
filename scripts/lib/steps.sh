# Sourced by the set-up scripts: one line per step with the seconds it took, and Debian packages
# installed only where missing.
#   step "what" CMD...        runs CMD and prints "setup: what (N s)"
#   install_packages PKG...   apt-get installs the packages that are not installed yet

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

step() {
  local what=$1 started
  shift
  started=$(date +%s)
  "$@"
  echo "setup: $what ($(($(date +%s) - started)) s)"
}

install_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "  installing ${missing[*]}"
  as_root apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
}
