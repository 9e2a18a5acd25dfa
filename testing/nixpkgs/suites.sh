# shellcheck shell=bash
# The Debian suites of debs.lock and the apt that serves each; sourced by update-pins and fetch-debs.
#   bookworm  Debian 12: the host's own apt (the rig's host is Debian 12).
#   trixie    Debian 13, whose CPython 3.13 is python313's: the host's apt with a private sources list and
#             state under $NIXPY_APT_DIR/trixie (default /var/cache/rules_nixpy/apt), so the host's
#             configuration is untouched. Bookworm's debian-archive-keyring holds trixie's signing keys.
SUITES=(bookworm trixie)

# suite_apt SUITE: sets APT_OPTS (an array of apt-get/apt-cache options) for SUITE.
suite_apt() {
  local d mirror security
  case $1 in
    bookworm) APT_OPTS=() ;;
    trixie)
      d=${NIXPY_APT_DIR:-/var/cache/rules_nixpy/apt}/$1
      # The host's mirrors (deb.debian.org when it names none).
      mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v -- '-security' | head -1)
      security=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -- '-security' | head -1)
      mirror=${mirror:-http://deb.debian.org/debian} security=${security:-http://deb.debian.org/debian-security}
      mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
      [[ -f $d/status ]] || : >"$d/status"
      local key=/usr/share/keyrings/debian-archive-keyring.gpg
      printf 'deb [signed-by=%s] %s %s main\n' "$key" "$mirror" "$1" "$key" "$mirror" "$1-updates" \
        "$key" "$security" "$1-security" >"$d/sources.list"
      APT_OPTS=(-o "Dir::Etc::SourceList=$d/sources.list" -o Dir::Etc::SourceParts=/nonexistent
        -o "Dir::State::Lists=$d/lists" -o "Dir::State::Status=$d/status" -o "Dir::Cache=$d/cache")
      ;;
    *) echo "testing/nixpkgs: unknown Debian suite '$1' (known: ${SUITES[*]})" >&2; return 1 ;;
  esac
}

# suite_has_lists: true when apt, with APT_OPTS, has package lists to read.
suite_has_lists() {
  local lists
  lists=$(apt-config "${APT_OPTS[@]}" shell L Dir::State::Lists/d | sed "s/^L='\(.*\)'$/\1/")
  [[ -n "$(ls "$lists" 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ]]
}
