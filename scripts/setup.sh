#!/usr/bin/env bash
# Everything socklab needs on a fresh machine, idempotent (a second run does nothing):
#   npm dependencies, a running Docker engine, the lab image.
#   --for-tests  also the tools the test suite uses (tshark to read captures, tmux to
#                drive `socklab shell` in a real terminal).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm dependencies" >&2
  npm ci --no-audit --no-fund
fi

bash scripts/ensure-docker.sh

if [ "${1:-}" = "--for-tests" ] && ! command -v tshark >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    echo "[setup] installing tshark (the tests read captures with it)" >&2
    export DEBIAN_FRONTEND=noninteractive
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get update -qq && apt-get install -y -qq tshark >/dev/null
  else
    echo "[setup] tshark is missing: install it (apt-get install tshark) to run the capture tests" >&2
    exit 1
  fi
fi

if [ "${1:-}" = "--for-tests" ] && ! command -v tmux >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    echo "[setup] installing tmux (the shell test runs socklab in a real terminal with it)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq tmux >/dev/null
  else
    echo "[setup] tmux is missing: install it (apt-get install tmux) to run the shell test" >&2
    exit 1
  fi
fi

if [ "${1:-}" = "--for-tests" ] && [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    echo "[setup] installing time (the memory tests read socklab's peak memory with it)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq time >/dev/null
  else
    echo "[setup] /usr/bin/time is missing: install it (apt-get install time) to run the memory tests" >&2
    exit 1
  fi
fi

node bin/socklab.js image build
