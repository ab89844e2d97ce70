#!/usr/bin/env bash
# Builds socklab-cli, the image of the `socklab` service in docker-compose.yml, without a
# registry: FROM the lab image (built first if absent), with this machine's Node (socklab
# needs Node 20; the lab image's Debian has 18), socklab's built CLI, its lessons and
# programs, and only its production dependencies. Idempotent: a rebuild replaces the tag.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/main.js ] || npm run build --silent
node bin/socklab.js image build >&2
LAB_IMAGE=$(node bin/socklab.js image show | awk '{print $1}')
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/socklab/node_modules"
cp "$(readlink -f "$(command -v node)")" "$context/node"
cp -r package.json bin dist programs scenarios schema "$context/socklab/"
mkdir -p "$context/socklab/images" && cp -r images/lab "$context/socklab/images/lab"
# The production dependencies as installed here (npm lists their folders), nothing else.
npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | while read -r dir; do
  relative=${dir#"$PWD/"}
  mkdir -p "$context/socklab/$(dirname "$relative")"
  [ -e "$context/socklab/$relative" ] || cp -r "$dir" "$context/socklab/$relative"
done
echo "[cli-image] building socklab-cli from $LAB_IMAGE" >&2
docker build --pull=false -q -f images/cli/Dockerfile.offline --build-arg "LAB_IMAGE=$LAB_IMAGE" -t socklab-cli "$context" >&2
echo socklab-cli
