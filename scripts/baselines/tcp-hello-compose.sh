#!/usr/bin/env bash
# scenarios/tcp-hello.yaml with docker-compose (1.x): `up -d` of the two hosts in
# tcp-hello/docker-compose.yml, the lesson's programs and observations through
# `docker-compose exec`, the lesson's expectations checked, `down --timeout 0` (the hosts'
# `sleep` ignores SIGTERM, so the default `down` would wait 10 s per host for nothing). A baseline of
# `npm run bench`.
#   IMAGE=<lab image> PROGRAMS=<folder with tcp-hello-server.cjs and tcp-hello-client.cjs> \
#     scripts/baselines/tcp-hello-compose.sh           (... down: remove what was left)
set -eu
export IMAGE=${IMAGE:?set IMAGE to the lab image (socklab image show)}
export PROGRAMS=${PROGRAMS:-/nonexistent}
compose() { docker-compose --project-name sl-bench-compose --file "$(dirname "$0")/tcp-hello/docker-compose.yml" "$@"; }
down() { compose down --timeout 0 >/dev/null 2>&1 || true; }
[ "${1:-}" = down ] && { down; exit 0; }
[ -d "$PROGRAMS" ] || { echo "set PROGRAMS to a folder holding tcp-hello-server.cjs and tcp-hello-client.cjs" >&2; exit 2; }
trap down EXIT
fail() { echo "tcp-hello (docker-compose): $*" >&2; exit 1; }

compose up -d
compose exec -T -d server sh -c 'node /lab/programs/tcp-hello-server.cjs --port 60001 --count 5 >/tmp/server.out 2>&1'
compose exec -T server timeout 10 sh -c 'until grep -q listening /tmp/server.out; do sleep 0.05; done' ||
  fail "the server did not say it listens"
client=$(compose exec -T client node /lab/programs/tcp-hello-client.cjs --host 10.0.0.10 --port 60001)
echo "$client"
server_netstat=$(compose exec -T server netstat -tuanp)
server_ps=$(compose exec -T server ps aux)
compose exec -T client netstat -tuanp
client_ps=$(compose exec -T client ps aux)
echo "$server_netstat"; echo "$server_ps"; echo "$client_ps"
server_out=$(compose exec -T server cat /tmp/server.out)
source "$(dirname "$0")/tcp-hello/expectations.sh"
echo "tcp-hello (docker-compose): 6 passed"
