#!/usr/bin/env bash
# scenarios/tcp-hello.yaml done by hand with the plain docker CLI, one command after another:
# the "person typing docker commands" baseline of `npm run bench`. Same work as
# `socklab run scenarios/tcp-hello.yaml`: an internal network 10.0.0.0/24, a server on
# 10.0.0.10 and a client on 10.0.0.20 from the lab image, the lesson's own programs (the
# TypeScript ones, bundled as socklab bundles them), the server started and waited for, the
# client run, netstat and ps on both hosts, the lesson's expectations checked, all removed.
#   IMAGE=<lab image> PROGRAMS=<folder with tcp-hello-server.cjs and tcp-hello-client.cjs> \
#     scripts/baselines/tcp-hello-docker-cli.sh
# (npm run bench makes the bundles; `scripts/baselines/tcp-hello-docker-cli.sh down` removes
# what an interrupted run left.)
set -eu
IMAGE=${IMAGE:?set IMAGE to the lab image (socklab image show)}
P=sl-bench-cli
LABEL=socklab.run=bench-baseline

down() {
  docker rm -f $P-server $P-client >/dev/null 2>&1 || true
  docker network rm $P-lan >/dev/null 2>&1 || true
}
[ "${1:-}" = down ] && { down; exit 0; }
PROGRAMS=${PROGRAMS:?set PROGRAMS to a folder holding tcp-hello-server.cjs and tcp-hello-client.cjs}
trap down EXIT
fail() { echo "tcp-hello (docker CLI): $*" >&2; exit 1; }

docker network create --internal --subnet 10.0.0.0/24 --label $LABEL $P-lan >/dev/null
docker run -d --name $P-server --hostname server --label $LABEL --network $P-lan --ip 10.0.0.10 \
  -v "$PROGRAMS":/lab/programs:ro "$IMAGE" sleep infinity >/dev/null
docker run -d --name $P-client --hostname client --label $LABEL --network $P-lan --ip 10.0.0.20 \
  -v "$PROGRAMS":/lab/programs:ro "$IMAGE" sleep infinity >/dev/null

# step 1: start the server and wait until it listens
docker exec -d $P-server sh -c 'node /lab/programs/tcp-hello-server.cjs --port 60001 --count 5 >/tmp/server.out 2>&1'
docker exec $P-server timeout 10 sh -c 'until grep -q listening /tmp/server.out; do sleep 0.05; done' ||
  fail "the server did not say it listens"
# step 2: run the client
client=$(docker exec $P-client node /lab/programs/tcp-hello-client.cjs --host 10.0.0.10 --port 60001)
echo "$client"
# step 3: observe both hosts
server_netstat=$(docker exec $P-server netstat -tuanp)
server_ps=$(docker exec $P-server ps aux)
docker exec $P-client netstat -tuanp
client_ps=$(docker exec $P-client ps aux)
echo "$server_netstat"; echo "$server_ps"; echo "$client_ps"
# step 4: the lesson's expectations
server_out=$(docker exec $P-server cat /tmp/server.out)
source "$(dirname "$0")/tcp-hello/expectations.sh"
echo "tcp-hello (docker CLI): 6 passed"
