#!/usr/bin/env bash
# The parallel docker CLI floor of `npm run bench`: the same networks and containers as a
# socklab lab, every creation started at once (`cmd &` ... `wait`) and every removal too. No
# setup, no programs: what the engine itself costs for those objects. The container settings
# are the ones that matter for cost, as socklab sets them (src/lab/plan.ts and
# createContainer in src/runtime/docker/docker-runtime.ts): the lab image, NET_ADMIN,
# the sysctls, an init, memory, swap, pids and CPU limits, a read-only root with the
# writable folders in memory.
#   IMAGE=<lab image> docker-floor.sh up nat-pat COPIES BLOCK   30 copies of nat-pat's 3 networks
#       and 4 hosts (2 routers on two networks each); each network a /28 from BLOCK (e.g.
#       198.18.0.0/20: Docker refuses overlapping subnets, so copies cannot share the lesson's)
#   IMAGE=<lab image> docker-floor.sh up hosts COUNT SUBNET     COUNT hosts on one network SUBNET (a /24)
#   docker-floor.sh down                                        remove all of it, in parallel
#   docker-floor.sh host-options                                the options every host gets, one a line
# Objects are named sl-bench-floor-... and labelled socklab.run=bench-baseline.
set -eu
LABEL=socklab.run=bench-baseline
P=sl-bench-floor
MEMORY=$((512 * 1024 * 1024)) # socklab's default host limits (src/scenario/host-defaults.ts)
HOST_OPTS=(--label "$LABEL" --cap-add NET_ADMIN --sysctl "net.ipv4.ping_group_range=0 2147483647" --init
  --memory "$MEMORY" --memory-swap "$MEMORY" --pids-limit 512 --cpus 1 --read-only --workdir /root)
for folder in /lab /tmp /var/tmp /run /root /home /srv /var/log; do
  HOST_OPTS+=(--tmpfs "$folder:rw,exec,nosuid,nodev,size=$((MEMORY / 2))")
done

# Runs every line of standard input as a command in the background, then waits for all;
# fails when any failed.
parallel() {
  local pids=() failed=0
  while IFS= read -r line; do
    bash -c "$line" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  return $failed
}

down() {
  docker ps -aq --filter "label=$LABEL" --filter "name=$P-" | sed 's/^/docker rm -f /; s/$/ >\/dev\/null/' | parallel || true
  docker network ls -q --filter "label=$LABEL" --filter "name=$P-" | sed 's/^/docker network rm /; s/$/ >\/dev\/null/' | parallel
}

ip_add() { # ip_add A.B.C.D N: the address N after A.B.C.D
  local IFS=. a b c d
  read -r a b c d <<<"$1"
  local n=$(((a << 24) + (b << 16) + (c << 8) + d + $2))
  echo "$((n >> 24 & 255)).$((n >> 16 & 255)).$((n >> 8 & 255)).$((n & 255))"
}

net() { # net NAME SUBNET GATEWAY BRIDGE
  echo "docker network create --internal --subnet $2 --gateway $3 -o com.docker.network.bridge.name=$4" \
    "-o com.docker.network.bridge.inhibit_ipv4=true --label $LABEL $P-$1 >/dev/null"
}

opts() { printf '%q ' "${HOST_OPTS[@]}"; }

host() { # host NAME NETWORK IP [sysctl...]: create, start
  echo "docker run -d --name $P-$1 --hostname $1 $(opts) ${*:4} --network $P-$2 --ip $3 $IMAGE sleep infinity >/dev/null"
}

router() { # router NAME NET1 IP1 NET2 IP2: create, attach the second network, start (as socklab does)
  echo "docker create --name $P-$1 --hostname $1 $(opts) --sysctl net.ipv4.ip_forward=1 --network $P-$2 --ip $3 $IMAGE sleep infinity >/dev/null" \
    "&& docker network connect --ip $5 $P-$4 $P-$1 && docker start $P-$1 >/dev/null"
}

up_nat_pat() { # COPIES BLOCK
  local copies=$1 base=${2%/*} c i first
  for ((c = 1; c <= copies; c++)); do
    for i in 0 1 2; do
      first=$(ip_add "$base" $(((((c - 1) * 3 + i)) * 16)))
      echo "$(net "$c-$i" "$first/28" "$(ip_add "$first" 14)" "sl-bf-$c-$i")"
    done
  done | parallel
  for ((c = 1; c <= copies; c++)); do
    local lan wan dmz
    lan=$(ip_add "$base" $((((c - 1) * 3) * 16)))
    wan=$(ip_add "$lan" 16)
    dmz=$(ip_add "$lan" 32)
    router "$c-routerA" "$c-0" "$(ip_add "$lan" 1)" "$c-1" "$(ip_add "$wan" 1)"
    router "$c-routerB" "$c-1" "$(ip_add "$wan" 3)" "$c-2" "$(ip_add "$dmz" 1)"
    host "$c-client" "$c-0" "$(ip_add "$lan" 10)"
    host "$c-server" "$c-2" "$(ip_add "$dmz" 10)"
  done | parallel
}

up_hosts() { # COUNT SUBNET
  local count=$1 first=${2%/*} h
  net lan "$2" "$(ip_add "$first" 254)" sl-bf-lan | parallel
  for ((h = 1; h <= count; h++)); do host "h$h" lan "$(ip_add "$first" $((h + 9)))"; done | parallel
}

case "${1:-}" in
  up)
    IMAGE=${IMAGE:?set IMAGE to the lab image (socklab image show)}
    # A failed or interrupted bring-up removes what it made.
    trap 'down >/dev/null 2>&1' ERR
    trap 'down >/dev/null 2>&1; exit 130' INT TERM
    case "${2:-}" in
      nat-pat) up_nat_pat "${3:?copies}" "${4:?block, e.g. 198.18.0.0/20}" ;;
      hosts) up_hosts "${3:?count}" "${4:?subnet, e.g. 10.250.101.0/24}" ;;
      *) echo "usage: docker-floor.sh up nat-pat COPIES BLOCK | up hosts COUNT SUBNET | down" >&2; exit 2 ;;
    esac ;;
  down) down ;;
  host-options) printf '%s\n' "${HOST_OPTS[@]}" ;; # for the test that they match socklab's
  *) echo "usage: docker-floor.sh up nat-pat COPIES BLOCK | up hosts COUNT SUBNET | down" >&2; exit 2 ;;
esac
