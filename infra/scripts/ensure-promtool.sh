#!/usr/bin/env bash
# Prints the path of a working `promtool` (the Prometheus rule checker), installing it when missing.
#
# Order: $PROMTOOL if set; `promtool` on PATH; a copy this script unpacked before under
# ${FLYWHEEL_TOOLS_DIR:-$HOME/.cache/flywheel/tools}; else Debian's `prometheus` package, of which
# only /usr/bin/promtool is unpacked into that directory (`apt-get download` + `dpkg-deb -x`). The
# package is not installed: installing it would also start a Prometheus server on port 9090, which
# a test run must not leave behind. `apt-get update` runs once if the package lists lack it.
#
# Exits non-zero with a message on stderr when promtool cannot be had; the Java test then fails
# with that message instead of skipping the check.
set -euo pipefail

fail() {
  echo "ensure-promtool: $*" >&2
  exit 1
}

works() {
  [ -x "$1" ] && "$1" --version >/dev/null 2>&1
}

if [ -n "${PROMTOOL:-}" ]; then
  works "$PROMTOOL" || fail "PROMTOOL=$PROMTOOL does not run"
  echo "$PROMTOOL"
  exit 0
fi
if command -v promtool >/dev/null 2>&1 && works "$(command -v promtool)"; then
  command -v promtool
  exit 0
fi

tools="${FLYWHEEL_TOOLS_DIR:-$HOME/.cache/flywheel/tools}"
unpacked="$tools/prometheus/usr/bin/promtool"
if works "$unpacked"; then
  echo "$unpacked"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || fail "promtool is not on PATH and apt-get is missing; install Prometheus' promtool"
command -v dpkg-deb >/dev/null 2>&1 || fail "promtool is not on PATH and dpkg-deb is missing"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
download() {
  (cd "$work" && apt-get download prometheus >"$work/apt.log" 2>&1)
}
if ! download; then
  # A fresh machine may have no package lists yet; refresh them once (needs root).
  apt-get update >"$work/update.log" 2>&1 || fail "apt-get update failed: $(tail -3 "$work/update.log")"
  download || fail "apt-get download prometheus failed: $(tail -3 "$work/apt.log")"
fi
deb="$(ls "$work"/prometheus_*.deb 2>/dev/null | head -1)"
[ -n "$deb" ] || fail "apt-get download prometheus produced no .deb"
mkdir -p "$tools/prometheus"
dpkg-deb -x "$deb" "$work/x"
mkdir -p "$tools/prometheus/usr/bin"
cp "$work/x/usr/bin/promtool" "$unpacked.tmp"
mv "$unpacked.tmp" "$unpacked"
works "$unpacked" || fail "the unpacked $unpacked does not run"
echo "$unpacked"
