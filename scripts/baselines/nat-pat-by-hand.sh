#!/usr/bin/env bash
# Seed 004's NAT/PAT picture built by hand with the docker CLI, as it was seen to work on
# Docker 20.10 (Debian docker.io). A reference for the recipe, and a baseline to time
# against ("a person typing the commands in order").
#   IMAGE=<lab image with node, iproute2, iptables, conntrack, netstat> ./nat-pat-by-hand.sh
#   ./nat-pat-by-hand.sh down      # removes everything it made
#
# Copied into socklab from the shared reference (shared/reference/nat-pat-by-hand.sh) so the
# repository holds its own benchmark baseline. The one change: the names, the label and the
# bridge prefix can be set from the environment (npm run bench sets P=sl-bench-ref,
# RUN_LABEL=bench-baseline, BR=sl-bench, so its objects are found like every baseline's);
# the defaults are the reference's.
set -eu
IMAGE=${IMAGE:?set IMAGE to the lab image}
P=${P:-ref}   # name prefix; bridges are $BR-...
BR=${BR:-sl-$P}
RUN_LABEL=${RUN_LABEL:-$P}
nets="lan wan dmz"
down() {
  docker rm -f $P-routerA $P-routerB $P-client $P-server >/dev/null 2>&1 || true
  for n in $nets; do
    docker run --rm --network host --cap-add NET_ADMIN "$IMAGE" \
      iptables -D DOCKER-USER -i $BR-$n -o $BR-$n -j ACCEPT >/dev/null 2>&1 || true
    docker network rm $P-$n >/dev/null 2>&1 || true
  done
}
[ "${1:-}" = down ] && { down; exit 0; }
trap down EXIT

# 1. Three internal networks. The gateway (the host's side of the bridge) gets an address
#    no lab host uses, so routers can own .1 / .3.
docker network create --internal -o com.docker.network.bridge.name=$BR-lan \
  --label socklab.run=$RUN_LABEL --subnet 192.168.0.0/24 --gateway 192.168.0.254 $P-lan >/dev/null
docker network create --internal -o com.docker.network.bridge.name=$BR-wan \
  --label socklab.run=$RUN_LABEL --subnet 203.0.113.0/24 --gateway 203.0.113.254 $P-wan >/dev/null
docker network create --internal -o com.docker.network.bridge.name=$BR-dmz \
  --label socklab.run=$RUN_LABEL --subnet 10.10.10.0/24 --gateway 10.10.10.254 $P-dmz >/dev/null

# 2. Let routed traffic cross each bridge: Docker's isolation rules for internal networks
#    otherwise drop frames whose destination lies outside the bridge's subnet.
for n in $nets; do
  docker run --rm --network host --cap-add NET_ADMIN "$IMAGE" \
    iptables -I DOCKER-USER -i $BR-$n -o $BR-$n -j ACCEPT
done

# 3. Hosts: routers forward; everyone has NET_ADMIN to set routes (no privileged mode).
mk() { docker create --name $P-$1 --hostname $1 --label socklab.run=$RUN_LABEL --cap-add NET_ADMIN "${@:3}" \
         --network $P-$2 "$IMAGE" sleep infinity >/dev/null; }
mk routerA lan --ip 192.168.0.1 --sysctl net.ipv4.ip_forward=1
docker network connect --ip 203.0.113.1 $P-wan $P-routerA
mk routerB wan --ip 203.0.113.3 --sysctl net.ipv4.ip_forward=1
docker network connect --ip 10.10.10.1 $P-dmz $P-routerB
mk client lan --ip 192.168.0.10
mk server dmz --ip 10.10.10.67
docker start $P-routerA $P-routerB $P-client $P-server >/dev/null

# 4. Routes (replace Docker's default via the host bridge) and NAT.
docker exec $P-client ip route replace default via 192.168.0.1
docker exec $P-server ip route replace default via 10.10.10.1
docker exec $P-routerA sh -c 'iptables -t nat -A POSTROUTING -s 192.168.0.0/24 ! -d 192.168.0.0/24 -j MASQUERADE'
docker exec $P-routerB sh -c 'iptables -t nat -A PREROUTING -d 203.0.113.3 -p tcp --dport 80 -j DNAT --to-destination 10.10.10.67:60001'

# 5. The lesson: server on 10.10.10.67:60001, client dials the public 203.0.113.3:80.
docker exec -d $P-server node -e "require('net').createServer(c=>{console.log('peer',c.remoteAddress,c.remotePort);c.end('Hello World!')}).listen(60001)"
sleep 0.5
docker exec $P-client node -e "const c=require('net').connect(80,'203.0.113.3');c.on('data',d=>{console.log('client got',String(d),'from local',c.localAddress+':'+c.localPort)})"
echo "--- routerA conntrack (PAT)";   docker exec $P-routerA conntrack -L 2>/dev/null
echo "--- routerB conntrack (DNAT)";  docker exec $P-routerB conntrack -L 2>/dev/null
echo "--- server netstat";            docker exec $P-server netstat -tan | grep 60001
