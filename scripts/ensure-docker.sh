#!/usr/bin/env bash
# Makes sure a Docker engine answers `docker info`. Idempotent:
#   - engine already answering      -> nothing to do
#   - Debian, root, no engine        -> install Debian's docker.io (+ iptables) once
#   - daemon installed but not up    -> start dockerd in the background (no systemd here),
#                                       coping with a stale pid file left by a killed daemon
#   - anything else                  -> say what the user must do, exit 1
set -euo pipefail

log() { echo "[ensure-docker] $*" >&2; }

engine_up() { timeout 10 docker info >/dev/null 2>&1; }

if engine_up; then
  log "engine is up ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  exit 0
fi

is_root() { [ "$(id -u)" = 0 ]; }
is_debian() { [ -f /etc/debian_version ]; }

if ! command -v dockerd >/dev/null 2>&1; then
  if is_root && is_debian; then
    log "no Docker engine here: installing Debian's docker.io (about 30 s)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker.io iptables >/dev/null
  else
    log "no Docker engine found and I can only install one on Debian as root."
    log "Install Docker (https://docs.docker.com/engine/install/) and start it, then run this again."
    exit 1
  fi
fi

if ! is_root; then
  log "dockerd is installed but not answering; start it (e.g. 'sudo systemctl start docker')"
  log "and make sure your user may use it (member of the 'docker' group)."
  exit 1
fi

# A daemon killed without cleanup leaves its pid file; dockerd refuses to start on it.
pidfile=/var/run/docker.pid
if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  log "removing stale $pidfile"
  rm -f "$pidfile"
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/dockerd.log)"
  # setsid: the daemon must outlive this script and the shell that ran it.
  setsid nohup dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
fi

for _ in $(seq 1 60); do
  if engine_up; then
    log "engine is up ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 1
done
log "dockerd did not answer within 60 s; see /var/log/dockerd.log:"
tail -n 20 /var/log/dockerd.log >&2 || true
exit 1
