#!/usr/bin/env bash
# Offline path of the lab image: a Debian bookworm root filesystem holding the packages
# in packages.txt, written as a tarball for `docker import`. No registry is needed: with
# no mirror argument mmdebstrap uses this machine's own apt sources.
#   build-rootfs.sh OUT.tar
set -euo pipefail
out=${1:?usage: build-rootfs.sh OUT.tar}
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v mmdebstrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    echo "[image] installing mmdebstrap" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
  else
    echo "[image] mmdebstrap is missing: install it (Debian/Ubuntu: apt-get install mmdebstrap)," >&2
    echo "        or build from the Dockerfile on a machine that reaches a registry." >&2
    exit 1
  fi
fi

packages=$(grep -v '^#' "$here/packages.txt" | grep -v '^\s*$' | paste -sd, -)
# Trimming docs and apt lists keeps the image small; nothing in a lab needs them. ping loses
# its file capabilities: lab programs run without raw sockets, and ping then uses ICMP
# datagram sockets (the hosts allow them with net.ipv4.ping_group_range).
mmdebstrap --variant=minbase --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/*' \
  --customize-hook='chroot "$1" setcap -r /usr/bin/ping' \
  bookworm "$out"
