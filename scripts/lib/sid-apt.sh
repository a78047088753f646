# Sourced: a private apt view of Debian's sid suite, read from the same mirror and with the same
# key as this machine's bookworm sources. Nothing is installed and the host's apt state is left
# alone: lists and downloads live under the folder given.
#   sid_apt_init DIR    sets SID_APT (options for apt-get/apt-cache) and runs apt-get update

# shellcheck source=steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"

sid_apt_init() {
  local dir=$1 source_file uri key
  source_file=$(grep -l '^Suites:.*bookworm' /etc/apt/sources.list.d/*.sources | head -1)
  [ -n "$source_file" ] || { echo "no bookworm source in /etc/apt/sources.list.d to read the mirror from" >&2; return 1; }
  uri=$(awk '/^URIs:/{print $2; exit}' "$source_file")
  key=$(awk '/^Signed-By:/{print $2; exit}' "$source_file")
  as_root mkdir -p "$dir/sources.list.d" "$dir/lists/partial" "$dir/cache/archives/partial"
  printf 'Types: deb\nURIs: %s\nSuites: sid\nComponents: main\nSigned-By: %s\n' "$uri" "${key:-/usr/share/keyrings/debian-archive-keyring.gpg}" |
    as_root tee "$dir/sources.list.d/sid.sources" >/dev/null
  SID_APT=(-q -o Dir::Etc::sourcelist=/dev/null -o "Dir::Etc::sourceparts=$dir/sources.list.d"
    -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o APT::Sandbox::User=root)
  as_root apt-get "${SID_APT[@]}" update >/dev/null
}
