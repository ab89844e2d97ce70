#!/usr/bin/env bash
# Everything socklab needs on a fresh machine, idempotent (a second run does nothing):
#   npm dependencies and the built CLI, a running Docker engine, the lab image.
#   --for-tests  also the tools the test suite uses (tshark to read captures, tmux to
#                drive `socklab shell` in a real terminal, time to read peak memory,
#                chromium to open report.html, docker-compose to check exported files).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm dependencies (and building the CLI)" >&2
  npm ci --no-audit --no-fund
fi
# A checkout whose dependencies were installed before it had a build (npm ci builds it).
[ -f dist/main.js ] || npm run build --silent

bash scripts/ensure-docker.sh

# What the tests use beside socklab: installed from Debian's packages when absent.
#   need_for_tests PROGRAM PACKAGE WHY
need_for_tests() {
  [ "${FOR_TESTS}" = 1 ] || return 0
  [ -x "$1" ] || command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    echo "[setup] installing $2 ($3)" >&2
    export DEBIAN_FRONTEND=noninteractive
    # tshark asks whether to install setuid; the tests run as root and need no such thing.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get update -qq && apt-get install -y -qq "$2" >/dev/null
  else
    echo "[setup] $1 is missing: install it (apt-get install $2): $3" >&2
    exit 1
  fi
}
FOR_TESTS=0
[ "${1:-}" = "--for-tests" ] && FOR_TESTS=1
need_for_tests tshark tshark "the tests read captures with it"
need_for_tests tmux tmux "the shell test runs socklab in a real terminal with it"
need_for_tests /usr/bin/time time "the memory tests read socklab's peak memory with it"
need_for_tests /usr/bin/chromium chromium "the report test opens report.html in it, driven by playwright-core"
need_for_tests docker-compose docker-compose "the export test checks Compose files with docker-compose config"

node bin/socklab.js image build
